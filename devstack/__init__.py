"""The local stack: starts a region's servers and services on 127.0.0.1 for development and tests."""
