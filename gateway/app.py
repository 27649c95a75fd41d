"""The gateway application: `create_app(config)` wires routes, middleware, errors and clients."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from gateway import errors, live, openapi, webapp
from gateway.app_tokens import AppTokenExchanger
from gateway.clients import Services
from gateway.erased import ErasedAccounts
from gateway.federation import routes as federation
from gateway.federation.client import PeerCaller, Peers
from gateway.middleware import GatewayMiddleware
from gateway.ratelimit import RateLimiter
from gateway.routes import (
    apps,
    calls,
    channels,
    chat,
    education,
    forums,
    geo,
    identity,
    knowledge,
    media,
    microblog,
    microsites,
    network,
    notices,
    notifications,
    org_io,
    org_life,
    orgs,
    polls,
    privacy,
    search,
    service_requests,
    sites,
    sms,
)
from gateway.routes import transfers as transfer_routes
from gateway.settings import GatewayConfig
from kernel.tokens import TokenVerifier

DESCRIPTION = """
Jiceng (基层) regional gateway. Every error is `{"error": {"code", "message", "field"}}` with a stable
`code`; messages are Chinese by default (`Accept-Language: en` for English). Authenticate with
`Authorization: Bearer <access_token>` from `/api/v1/auth/login`.
"""


def create_app(config: GatewayConfig) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        addresses = {
            "identity": config.identity_addr,
            "orgs": config.orgs_addr,
            "content": config.content_addr,
            "media": config.media_addr,
            "sms": config.sms_addr,
            "geo": config.geo_addr,
        }
        app.state.services = Services(config.region, addresses, config.grpc_timeout_seconds, config.services)
        app.state.live = live.LiveHub(
            config.amqp_uri, config.region, app.state.services, app.state.verifier, app.state.erased
        )
        app.state.live.start()
        peers = Peers.load(config.region, config.federation_key_path, config.federation_peers_path)
        app.state.peers = PeerCaller(peers, config.federation_timeout_seconds) if peers.key else None
        yield
        app.state.live.stop()
        if app.state.peers is not None:
            await app.state.peers.close()
        await app.state.services.close()

    app = FastAPI(
        title=f"Jiceng gateway — {config.region}",
        version="1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        responses=openapi.ERROR_RESPONSES,
    )
    app.state.config = config
    app.state.verifier = TokenVerifier(config.jwks_path, config.region)
    app.state.erased = ErasedAccounts()
    app.state.app_tokens = AppTokenExchanger(config.app_token_cache_seconds)
    app.state.limiters = {
        "auth": RateLimiter(config.auth_rate_per_minute),
        "codes": RateLimiter(config.code_rate_per_minute),
        "search": RateLimiter(config.search_rate_per_minute),
        # refused federation requests per client address: a peer's signed requests never fail, so only
        # someone probing is slowed down (and identity is not asked to audit a flood)
        "federation_refusals": RateLimiter(config.auth_rate_per_minute),
    }
    errors.install(app)
    openapi.install(app)
    app.include_router(identity.router)
    app.include_router(privacy.router)
    app.include_router(orgs.router)
    app.include_router(org_life.router)
    app.include_router(transfer_routes.router)
    app.include_router(network.router)
    app.include_router(org_io.router)
    app.include_router(forums.router)
    app.include_router(notices.router)
    app.include_router(polls.router)
    app.include_router(education.router)
    app.include_router(sites.router)
    app.include_router(apps.router)
    app.include_router(service_requests.router)
    app.include_router(knowledge.router)
    app.include_router(microblog.router)
    app.include_router(chat.router)
    app.include_router(notifications.router)
    app.include_router(live.router)
    app.include_router(search.router)
    app.include_router(media.router)
    app.include_router(media.files_router)
    app.include_router(sms.router)
    app.include_router(geo.router)
    app.include_router(calls.router)
    app.include_router(channels.router)
    app.include_router(federation.inbound)
    app.include_router(federation.central)
    app.include_router(webapp.router)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz():
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Every backing service answers its health check, and the live feed (broker) is bound",
    )
    async def readyz(request: Request):
        status = await request.app.state.services.health()
        bound = request.app.state.live.ready
        ready = all(status.values()) and bound
        return JSONResponse({"ready": ready, "services": status, "live": bound}, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics():
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/.well-known/jwks.json", tags=["operations"], summary="Public keys that verify access tokens")
    async def jwks():
        return JSONResponse(json.loads(config.jwks_path.read_text()))

    app.include_router(microsites.router)  # last: /{region}/{slug}/… must not shadow another route

    return GatewayMiddleware(  # type: ignore[return-value]
        app,
        config.max_body_bytes,
        upload_paths=org_io.UPLOAD_PATHS,
        max_upload_bytes=config.max_upload_bytes,
        document_paths=knowledge.DOCUMENT_PATHS + education.DOCUMENT_PATHS + sites.DOCUMENT_PATHS,
        max_document_bytes=config.max_document_bytes,
    )
