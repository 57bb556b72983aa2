"""Serve the intake app with waitress; on SIGTERM, finish what is in flight."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from waitress import create_server, wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer

from plugins.common.errors import PluginConfigError
from plugins.intake.app import IntakeApp
from plugins.intake.settings import IntakeConfig

logger = logging.getLogger(__name__)


def serve(  # noqa: PLR0913 (keyword-only: the serve flags)
    config: IntakeConfig,
    *,
    host: str,
    port: int,
    threads: int = 8,
    trusted_proxy: str = "",
    shutdown_timeout: float = 30.0,
) -> None:
    """Serve until SIGTERM or SIGINT, then drain requests already received."""
    try:
        app = IntakeApp(config)
    except (OSError, ValueError) as err:
        raise PluginConfigError(f"--manifest: {err}") from None
    removed = app.queue_cleanup()
    if removed:
        logger.info(
            "intake: removed %d stale temporary file(s) from the queue", removed
        )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "threads": threads,
        # waitress refuses a larger Content-Length before reading the body
        "max_request_body_size": config.max_body + 1,
        "max_request_header_size": 16_384,
        "channel_timeout": 30,
        "ident": "colloquy-intake",
        "clear_untrusted_proxy_headers": True,
    }
    if trusted_proxy:
        options.update(
            trusted_proxy=trusted_proxy,
            trusted_proxy_count=1,
            trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
        )
    socket_map: dict[int, Any] = {}
    try:
        server = create_server(app, map=socket_map, **options)
    except OSError as err:
        raise PluginConfigError(
            f"--host/--port: expected a free address, got {host}:{port} ({err})"
        ) from None
    # One listener per address ("localhost" may mean both 127.0.0.1 and ::1).
    listeners = [s for s in socket_map.values() if isinstance(s, BaseWSGIServer)]
    for listener in listeners:
        listener.channel_class = DrainingChannel
    stopping = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    for listener in listeners:
        logger.info(
            "intake: serving on http://%s:%s/ for %s (queue %s)",
            listener.effective_host,
            listener.effective_port,
            config.site_url,
            config.queue,
        )
    while not stopping.is_set():
        wasyncore.loop(timeout=0.2, map=socket_map, use_poll=True, count=1)
    drain(socket_map, listeners, server.task_dispatcher, shutdown_timeout)


class DrainingChannel(HTTPChannel):
    """A waitress channel that stops reading new requests once the server drains."""

    def readable(self) -> bool:
        """Read only while the server is not shutting down."""
        return not getattr(self.server, "draining", False) and super().readable()


def drain(
    socket_map: dict[int, Any], listeners: list[Any], dispatcher: Any, timeout: float
) -> None:
    """Stop accepting and reading, answer every request received, then close.

    A request still arriving when SIGTERM comes is dropped unanswered (nothing of
    it was written), so a client never gets a 201 for something not stored.
    """
    logger.info("intake: stopping; finishing requests in flight")
    for listener in listeners:
        listener.draining = True
        listener.accepting = False
        listener.del_channel()
        listener.socket.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        channels = [c for c in socket_map.values() if isinstance(c, HTTPChannel)]
        busy = [c for c in channels if c.requests or c.total_outbufs_len]
        for channel in channels:
            if channel not in busy:
                channel.will_close = True  # idle keep-alive: close it
        if not busy:
            break
        wasyncore.loop(timeout=0.1, map=socket_map, use_poll=True, count=1)
    else:
        logger.warning("intake: gave up waiting for requests after %.0f s", timeout)
    dispatcher.shutdown(cancel_pending=False, timeout=timeout)
    for channel in list(socket_map.values()):
        channel.close()
    logger.info("intake: stopped")
