"""Request guards of the local server: the bearer token, a body-size limit and workbook
paths confined to the allowed folders.

Server stage, applied by :mod:`xlbridge.server.app` before any handler runs. The token
is compared in constant time; a path is refused when it is relative, contains ``..``,
has a suffix other than a workbook's or YAML's, or resolves (links followed) outside
every allowed folder.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.errors import PosbtError

CONFIG_SUFFIXES = (".xlsx", ".xlsm", ".yaml", ".yml")


class PathRefusedError(PosbtError):
    """A workbook path the server will not open."""


def token_ok(header: str | None, token: str) -> bool:
    """True when ``header`` is ``Bearer <token>`` (constant-time compare)."""
    if not header:
        return False
    scheme, _, value = header.partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(value.strip().encode(),
                                                                 token.encode())


def checked_path(text: str, allowed_roots: tuple[Path, ...], *,
                 suffixes: tuple[str, ...] = CONFIG_SUFFIXES, must_exist: bool = True) -> Path:
    """The resolved path of ``text`` if it may be opened, else :class:`PathRefusedError`."""
    if not text or not text.strip():
        raise PathRefusedError("the path is empty", place="path")
    raw = text.strip()
    parts = set(PurePosixPath(raw).parts) | set(PureWindowsPath(raw).parts)
    if ".." in parts or re.search(r"(^|[\\/])\.\.([\\/]|$)", raw):
        raise PathRefusedError(f"'..' is not allowed in a workbook path: {raw}", place="path")
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise PathRefusedError(f"give an absolute path, got {raw}", place="path")
    if path.suffix.lower() not in suffixes:
        raise PathRefusedError(f"expected a {', '.join(suffixes)} file, got {path.name}", place="path")
    resolved = path.resolve()
    if not any(resolved.is_relative_to(root) for root in allowed_roots):
        roots = ", ".join(str(r) for r in allowed_roots)
        raise PathRefusedError(f"{resolved} is outside the allowed folders ({roots}); add its "
                          "folder with `posbt serve --allow DIR`", place="path")
    if must_exist and not resolved.is_file():
        raise PathRefusedError(f"file not found: {resolved}", place="path")
    return resolved


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets 413 before a handler sees it
    (by its Content-Length, or by counting a streamed body)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _too_large(send, self.max_bytes)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLargeError
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLargeError:
            await _too_large(send, self.max_bytes)


class _TooLargeError(Exception):
    pass


async def _too_large(send: Send, max_bytes: int) -> None:
    import json

    body = json.dumps({"error": f"request body over {max_bytes:,} bytes",
                       "place": "body"}).encode()
    start: dict[str, Any] = {"type": "http.response.start", "status": 413,
                             "headers": [(b"content-type", b"application/json"),
                                         (b"content-length", str(len(body)).encode())]}
    await send(start)
    await send({"type": "http.response.body", "body": body})
