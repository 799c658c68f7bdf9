"""Where the Excel side keeps its files and how it finds the server.

Excel-side plumbing, read by the server (``posbt serve``), the cell functions and the
ribbon macros. Inside ``$POSBT_HOME``: ``server.token`` (the per-install bearer token,
mode 0600), ``server.json`` (the port of the running server), ``jobs.json`` (job states,
so a restart can mark unfinished jobs failed) and ``logs/server.log`` (rotating,
one JSON object a line).
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import PosbtError
from engine.home import posbt_home

DEFAULT_PORT = 8765
TOKEN_FILE = "server.token"
SERVER_FILE = "server.json"
JOBS_FILE = "jobs.json"
MAX_BODY_BYTES = 2_000_000
MAX_QUEUED_JOBS = 20
JOB_TIME_S = 6 * 3600.0
JOB_MEMORY_MB = 4096


def _env_number(name: str, default: float, minimum: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise PosbtError(f"{name} must be a number, got {text!r}", place=name) from None
    if not value >= minimum:
        raise PosbtError(f"{name} must be at least {minimum:g}, got {text!r}", place=name)
    return value


@dataclass(frozen=True)
class ServerSettings:
    """Everything the server needs to start; built once by ``posbt serve``."""

    home: Path
    port: int = DEFAULT_PORT
    allowed_roots: tuple[Path, ...] = field(default_factory=tuple)
    max_body_bytes: int = MAX_BODY_BYTES
    max_queued_jobs: int = MAX_QUEUED_JOBS
    job_time_s: float = JOB_TIME_S
    job_memory_bytes: int = JOB_MEMORY_MB * 2**20

    @classmethod
    def from_env(cls, home: Path | None = None, port: int = DEFAULT_PORT,
                 allowed: tuple[Path, ...] = ()) -> ServerSettings:
        """Settings with the home from ``$POSBT_HOME`` and allowed folders: ``allowed``,
        ``$POSBT_ALLOWED_DIRS`` (os.pathsep-separated), else the user's home folder; always
        ``$POSBT_HOME/excel`` (the live-workbook snapshots Run Backtest posts); job
        limits from ``$POSBT_MAX_QUEUED_JOBS``, ``$POSBT_JOB_TIME_S``, ``$POSBT_JOB_MEMORY_MB``."""
        h = home or posbt_home()
        roots = list(allowed)
        env = os.environ.get("POSBT_ALLOWED_DIRS", "")
        roots += [Path(p) for p in env.split(os.pathsep) if p.strip()]
        if not roots:
            roots = [Path.home()]
        roots.append(h / "excel")  # Run Backtest's snapshots and staged results
        return cls(home=h, port=port, allowed_roots=tuple(r.expanduser().resolve() for r in roots),
                   max_queued_jobs=int(_env_number("POSBT_MAX_QUEUED_JOBS", MAX_QUEUED_JOBS, 1)),
                   job_time_s=_env_number("POSBT_JOB_TIME_S", JOB_TIME_S, 1),
                   job_memory_bytes=int(_env_number("POSBT_JOB_MEMORY_MB", JOB_MEMORY_MB, 64)
                                        * 2**20))

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def jobs_file(self) -> Path:
        return self.home / JOBS_FILE


def token_path(home: Path) -> Path:
    """``$POSBT_HOME/server.token``."""
    return home / TOKEN_FILE


def ensure_token(home: Path) -> str:
    """The install's token, created (48 url-safe random chars, mode 0600) when absent."""
    path = token_path(home)
    if path.exists():
        return read_token(home)
    home.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(36)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    return token


def read_token(home: Path) -> str:
    """The token in ``server.token``; PosbtError when missing or empty."""
    path = token_path(home)
    try:
        token = path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise PosbtError("no server token; start `posbt serve` once or run the installer",
                         place=str(path)) from exc
    if not token:
        raise PosbtError("the token file is empty; delete it and restart `posbt serve`",
                         place=str(path))
    return token


def write_server_info(home: Path, port: int, pid: int) -> None:
    """Record where the running server listens (read by cell functions and macros)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / SERVER_FILE).write_text(json.dumps({"port": port, "pid": pid}), encoding="utf-8")


def server_port(home: Path) -> int:
    """The port in ``server.json``, else the default port."""
    try:
        data = json.loads((home / SERVER_FILE).read_text(encoding="utf-8"))
        return int(data["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_PORT
