"""Run the gateway: `python -m gateway` (configuration from the environment, see settings.py)."""

from __future__ import annotations

import logging

import uvicorn

from gateway import live
from gateway.app import create_app
from gateway.settings import GatewayConfig
from kernel import config as kconfig
from kernel import logs


def main() -> None:
    config = kconfig.load(GatewayConfig)
    logs.setup("gateway", config.log_level)
    logging.getLogger("uvicorn.error").addFilter(live.RedactTokens())
    uvicorn.run(
        create_app(config),
        host=config.http_host,
        port=config.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        proxy_headers=config.trust_forwarded_for,
        ws="websockets-sansio",
        ws_max_size=live.FRAME_MAX,  # a larger client frame closes the socket with 1009
    )


if __name__ == "__main__":
    main()
