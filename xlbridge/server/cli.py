"""``posbt serve``: run the local server on 127.0.0.1 (registered through the
``posbt.commands`` entry-point group, so engine never imports xlbridge).

Server stage, the process entry point: creates the token when absent, records the port
in ``$POSBT_HOME/server.json`` for cell functions and macros, and runs uvicorn.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from engine.cli.common import get_ctx, reports_errors
from engine.errors import PosbtError
from xlbridge.settings import DEFAULT_PORT, ServerSettings, ensure_token, write_server_info

HOST = "127.0.0.1"


@click.command("serve")
@click.option("--port", type=click.IntRange(1024, 65535), default=DEFAULT_PORT,
              show_default=True, help="Port on 127.0.0.1.")
@click.option("--allow", "allow", multiple=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="A folder whose workbooks the server may open (repeatable; default: "
                   "$POSBT_ALLOWED_DIRS, else your home folder).")
@reports_errors
def serve(port: int, allow: tuple[Path, ...]) -> None:
    """Run the local server for Excel (127.0.0.1 only, bearer token required)."""
    import uvicorn

    from xlbridge.server.app import create_app

    home = get_ctx().home
    settings = ServerSettings.from_env(home=home, port=port, allowed=allow)
    token = ensure_token(home)
    write_server_info(home, port, os.getpid())
    click.echo(f"posbt server on http://{HOST}:{port} (token in {home / 'server.token'}; "
               f"workbooks under {', '.join(str(r) for r in settings.allowed_roots)})")
    try:
        uvicorn.run(create_app(settings, token), host=HOST, port=port, log_level="warning")
    except OSError as exc:  # pragma: no cover - port taken
        raise PosbtError(f"cannot listen on {HOST}:{port}: {exc}", place="--port") from exc
