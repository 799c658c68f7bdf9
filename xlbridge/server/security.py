"""Request guards of the local server: Host and Origin checks, the bearer token, a
body-size limit and workbook paths confined to the allowed folders.

Server stage, applied by :mod:`xlbridge.server.app` before any handler runs (threat model:
docs/security.md). A request whose ``Host`` is not ``127.0.0.1:<port>`` or
``localhost:<port>`` is refused (DNS rebinding), so is one carrying a foreign ``Origin``
(a web page in the user's browser). The token is compared in constant time. A body is
read whole, up to the limit, before any handler runs, so a chunked body without
Content-Length gets the same 413 as a sized one. A path is refused when it is relative,
contains ``..`` or a NUL, is longer than the file system allows, has a suffix other than
a workbook's or YAML's, or resolves (links followed) outside every allowed folder.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.errors import PosbtError

CONFIG_SUFFIXES = (".xlsx", ".xlsm", ".yaml", ".yml")
MAX_PATH_CHARS = 1024  # Windows' long paths aside, nobody's workbook path is longer
MAX_NAME_CHARS = 255  # one path component (NTFS, ext4, APFS)
LOCAL_HOSTS = ("127.0.0.1", "localhost")


class PathRefusedError(PosbtError):
    """A workbook path the server will not open."""


def token_ok(header: str | None, token: str) -> bool:
    """True when ``header`` is ``Bearer <token>`` (constant-time compare)."""
    if not header:
        return False
    scheme, _, value = header.partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(value.strip().encode(),
                                                                 token.encode())


def _shown(raw: str, limit: int = 80) -> str:
    """``raw`` for a message: control characters escaped, long text cut."""
    text = raw.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else f"{text[:limit]}... ({len(raw):,} characters)"


def checked_path(text: str, allowed_roots: tuple[Path, ...], *,
                 suffixes: tuple[str, ...] = CONFIG_SUFFIXES, must_exist: bool = True,
                 field: str = "path") -> Path:
    """The resolved path of ``text`` if it may be opened, else :class:`PathRefusedError`
    whose place is the request ``field``."""
    if not text or not text.strip():
        raise PathRefusedError("the path is empty", place=field)
    raw = text.strip()
    if any(ord(c) < 32 for c in raw):
        raise PathRefusedError(f"the path contains a control character (NUL, newline, ...): "
                               f"{_shown(raw)}", place=field)
    if len(raw) > MAX_PATH_CHARS:
        raise PathRefusedError(f"the path is {len(raw):,} characters long (at most "
                               f"{MAX_PATH_CHARS:,}): {_shown(raw)}", place=field)
    parts = set(PurePosixPath(raw).parts) | set(PureWindowsPath(raw).parts)
    if any(len(p) > MAX_NAME_CHARS for p in parts):
        raise PathRefusedError(f"a folder or file name in the path is over {MAX_NAME_CHARS} "
                               f"characters: {_shown(raw)}", place=field)
    if ".." in parts or re.search(r"(^|[\\/])\.\.([\\/]|$)", raw):
        raise PathRefusedError(f"'..' is not allowed in a workbook path: {raw}", place=field)
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise PathRefusedError(f"give an absolute path, got {raw}", place=field)
    if path.suffix.lower() not in suffixes:
        raise PathRefusedError(f"expected a {', '.join(suffixes)} file, got {path.name}",
                               place=field)
    try:
        resolved = path.resolve()
        if not any(resolved.is_relative_to(root) for root in allowed_roots):
            roots = ", ".join(str(r) for r in allowed_roots)
            raise PathRefusedError(f"{resolved} is outside the allowed folders ({roots}); add "
                                   "its folder with `posbt serve --allow DIR`", place=field)
        if must_exist and not resolved.is_file():
            raise PathRefusedError(f"file not found: {resolved}", place=field)
    except (OSError, ValueError) as exc:  # a name the OS refuses (too long, bad characters)
        raise PathRefusedError(f"the system refuses this path ({exc.__class__.__name__}: "
                               f"{exc}): {_shown(raw)}", place=field) from None
    return resolved


class LocalOnly:
    """ASGI middleware: 403 unless ``Host`` names this server on the loopback and any
    ``Origin`` is the server itself (DNS rebinding, cross-site requests from a web page).

    The port comes from the listening socket (``scope["server"]``), so a server started on
    port 0 knows its own; ``allowed_port`` overrides it for in-process test clients.
    """

    def __init__(self, app: ASGIApp, allowed_port: int | None = None) -> None:
        self.app, self.allowed_port = app, allowed_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        server = scope.get("server")
        port = self.allowed_port or (server[1] if server else None)
        hosts = {f"{h}:{port}" for h in LOCAL_HOSTS}
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1").strip().lower()
        if host not in hosts:
            await send_error(send, 403, f"refused: the Host header {host!r} is not this "
                             f"server (expected 127.0.0.1:{port} or localhost:{port})",
                             "header.Host")
            return
        origin = headers.get(b"origin")
        if origin is not None:
            text = origin.decode("latin-1").strip().lower()
            if text not in {f"http://{h}" for h in hosts}:
                await send_error(send, 403, f"refused: requests from {text!r} are not "
                                 "accepted (only Excel and posbt's own clients may call "
                                 "this server)", "header.Origin")
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets 413 before a handler sees it,
    by its Content-Length or, for a chunked body, by reading it (at most ``max_bytes``)
    before the app runs; the app then gets the buffered body."""

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
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await _too_large(send, self.max_bytes)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def send_error(send: Send, status: int, message: str, place: str | None,
                     headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """Answer ``{"error", "place", "problems"}`` with ``status`` straight from middleware."""
    import json

    body = json.dumps({"error": message, "place": place, "problems": []}).encode()
    start: dict[str, Any] = {"type": "http.response.start", "status": status,
                             "headers": [(b"content-type", b"application/json"),
                                         (b"content-length", str(len(body)).encode()),
                                         *headers]}
    await send(start)
    await send({"type": "http.response.body", "body": body})


async def _too_large(send: Send, max_bytes: int) -> None:
    await send_error(send, 413, f"request body over {max_bytes:,} bytes", "body")
