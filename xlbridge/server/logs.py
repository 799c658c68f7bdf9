"""Structured server logs: one JSON object a line, in a rotating file under
``$POSBT_HOME/logs``.

Server stage. The logger is owned by the app (not registered in ``logging``'s global
tree), so tests can start and stop servers without leaking handlers or open files.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOG_FILE = "server.log"


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "event": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, default=str)


class ServerLog:
    """``event(name, **fields)`` writes one JSON line; ``close()`` releases the file."""

    def __init__(self, logs_dir: Path, max_bytes: int = 1_000_000, backups: int = 5) -> None:
        logs_dir.mkdir(parents=True, exist_ok=True)
        self.path = logs_dir / LOG_FILE
        self._handler = RotatingFileHandler(self.path, maxBytes=max_bytes, backupCount=backups,
                                            encoding="utf-8")
        self._handler.setFormatter(_JsonFormatter())
        self._logger = logging.Logger("posbt.server", level=logging.INFO)
        self._logger.addHandler(self._handler)

    def event(self, name: str, level: int = logging.INFO, **fields: Any) -> None:
        self._logger.log(level, name, extra={"fields": fields})

    def close(self) -> None:
        self._logger.removeHandler(self._handler)
        self._handler.close()


class AccessLog:
    """ASGI middleware: one ``request`` line per call (method, path, status, ms) in the
    app's :class:`ServerLog` (``app.state.log``); a bug becomes a logged 500, no traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        log: ServerLog = scope["app"].state.log
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log.event("request", method=scope["method"], path=scope["path"],
                      status=status["code"], ms=round(1000 * (time.perf_counter() - t0), 2))
