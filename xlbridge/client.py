"""A small HTTP client of the local server, for cell functions and ribbon macros.

Excel-side transport: finds the server through ``$POSBT_HOME/server.json`` and the
token file, calls it with short timeouts, and raises :class:`ServerUnavailableError` when
nothing answers (callers then compute in-process) or ``PosbtError`` with the server's
message and place when it answers with an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from engine.errors import PosbtError
from xlbridge.settings import read_token, server_port

FAST_TIMEOUT = httpx.Timeout(5.0, connect=0.25)


class ServerUnavailableError(Exception):
    """No server answered (not started, wrong port, no token)."""


class ServerClient:
    """Calls ``http://127.0.0.1:<port>/v1/...`` with the install's bearer token."""

    def __init__(self, home: Path, port: int | None = None, token: str | None = None,
                 timeout: httpx.Timeout = FAST_TIMEOUT) -> None:
        self.home = home
        self.base = f"http://127.0.0.1:{port or server_port(home)}/v1"
        self._token = token
        self.timeout = timeout

    def _headers(self) -> dict[str, str]:
        if self._token is None:
            try:
                self._token = read_token(self.home)
            except PosbtError as exc:
                raise ServerUnavailableError(str(exc)) from exc
        return {"Authorization": f"Bearer {self._token}"}

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                json: Any = None) -> Any:
        """The decoded JSON answer; ServerUnavailableError / PosbtError otherwise."""
        # Plain HTTP on loopback: no TLS context to build (verify=False saves ~20 ms a call)
        # and no proxy from the environment (trust_env=False).
        try:
            with httpx.Client(verify=False, trust_env=False, timeout=self.timeout) as client:
                r = client.request(method, self.base + path, params=params, json=json,
                                   headers=self._headers())
        except httpx.TransportError as exc:
            raise ServerUnavailableError(f"no posbt server at {self.base}: {exc}") from exc
        if r.status_code >= 400:
            try:
                body = r.json()
                message, place = str(body.get("error") or body.get("detail")), body.get("place")
            except ValueError:
                message, place = r.text[:200], None
            raise PosbtError(message, place=place)
        return r.json()

    def metric(self, name: str, params: dict[str, Any]) -> Any:
        return self.request("GET", f"/metrics/{name}", params=params)

    def health(self) -> dict[str, Any]:
        out: dict[str, Any] = self.request("GET", "/health")
        return out
