"""The shared kernel: what every Jiceng process needs, written once.

config (env settings), logs (JSON with request ids), errors (one code table), context (tenant and
actor of the current call), tokens (access-token signing and verification), authz (role policy),
store (tenant-scoped MongoDB and the unit of work), outbox and events (consistent publishing,
idempotent consumers), grpc_server / grpc_client (bootstrap and calls), metrics.
"""
