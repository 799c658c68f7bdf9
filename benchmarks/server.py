"""Server latency: warm IVP over HTTP, and a cell function while a backtest runs.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/server.py``. Builds the small synthetic
market of the tests in a temp folder, starts the server on a free loopback port and prints
median / p90 / max in milliseconds (targets: warm IVP < 20 ms, UDF during a backtest < 50 ms).
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from tests.unit.xlbridge.market import END, LOOKBACK, START, build_market
from xlbridge import udfs
from xlbridge.server.thread import serve_in_thread
from xlbridge.settings import ServerSettings, write_server_info

TEMPLATE = Path(__file__).resolve().parents[1] / "workbook_templates" / "posbt_template.xlsx"


def _stats(name: str, seconds: list[float]) -> None:
    ms = sorted(1000 * s for s in seconds)
    print(f"{name}: n={len(ms)} median={statistics.median(ms):.1f} ms "
          f"p90={ms[int(0.9 * (len(ms) - 1))]:.1f} ms max={ms[-1]:.1f} ms")


def main() -> None:
    root = Path(tempfile.mkdtemp())
    home = root / "home"
    build_market(home)
    shutil.copy(TEMPLATE, root / "book.xlsx")
    os.environ["POSBT_HOME"] = str(home)
    token = "bench"
    (home / "server.token").write_text(token)
    with serve_in_thread(ServerSettings(home=home, port=0, allowed_roots=(root,)), token) as port:
        write_server_info(home, port, 0)
        head = {"Authorization": f"Bearer {token}"}
        base = f"http://127.0.0.1:{port}/v1"
        with httpx.Client(headers=head, trust_env=False) as c:
            params = {"symbol": "NIFTY", "lookback": LOOKBACK}
            c.get(base + "/metrics/ivp", params=params)
            warm = []
            for _ in range(200):
                t0 = time.perf_counter()
                c.get(base + "/metrics/ivp", params=params).raise_for_status()
                warm.append(time.perf_counter() - t0)
            _stats("warm IVP over HTTP (kept-alive client)", warm)
            job = c.post(base + "/backtests", json={"path": str(root / "book.xlsx"),
                                                    "date_from": str(START),
                                                    "date_to": str(END)}).json()["job_id"]
            during = []
            while c.get(f"{base}/jobs/{job}").json()["state"] in ("queued", "running"):
                t0 = time.perf_counter()
                udfs.POSBT_IVP("NIFTY", None, LOOKBACK)
                during.append(time.perf_counter() - t0)
            _stats("POSBT_IVP cell call while a backtest runs", during)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
