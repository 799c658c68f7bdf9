"""Run the server in a background thread on a free loopback port (tests, benchmarks).

Server stage helper: the same app and uvicorn as ``posbt serve``, bound to 127.0.0.1,
always shut down when the ``with`` block ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from xlbridge.server.app import create_app
from xlbridge.settings import ServerSettings


@contextmanager
def serve_in_thread(settings: ServerSettings, token: str, timeout_s: float = 30.0) -> Iterator[int]:
    """Start the app on 127.0.0.1 (port 0: a free one); yields the port."""
    config = uvicorn.Config(create_app(settings, token), host="127.0.0.1", port=settings.port,
                            log_level="warning", ws="none", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="posbt-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = int(server.servers[0].sockets[0].getsockname()[1])
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=timeout_s)
