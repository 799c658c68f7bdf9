"""Run a ``posbt`` command with its console output in a log file: the entry point the
login services start (``python -m xlbridge.excel.hidden --home H serve --port P``).

Excel-side set-up helper. On Windows the task runs it with pythonw.exe, which has no console
(no window flashes at login) and therefore no stdout/stderr; everywhere the output goes to
``$POSBT_HOME/logs/serve-console.log`` (the server's own log is ``logs/server.log``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from engine.home import posbt_home


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    home = posbt_home(args[args.index("--home") + 1]) if "--home" in args[:-1] else posbt_home()
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    out = open(logs / "serve-console.log", "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    sys.stdout = sys.stderr = out
    from engine.cli.main import cli

    cli.main(args=args, prog_name="posbt")


if __name__ == "__main__":  # pragma: no cover - the login services' entry point
    main()
