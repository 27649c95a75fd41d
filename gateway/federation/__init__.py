"""Federation between regions: signed peer requests in and out (routes.py, client.py) and the relay of
orgs' messages to peers (relay.py). The protocol is in kernel/federation.py."""
