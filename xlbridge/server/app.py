"""The local server's FastAPI app: health, validation, backtest jobs, metrics, pricing.

Server stage: ``posbt serve`` (:mod:`xlbridge.server.cli`) runs this app under uvicorn on
127.0.0.1. Every request must name this server in ``Host`` and carry no foreign ``Origin``
(:class:`xlbridge.server.security.LocalOnly`); every route but ``GET /v1/health`` needs
``Authorization: Bearer <token>``.
Metric, price and validate handlers are plain functions run on the thread pool, so they
answer while a backtest runs in its worker process. Errors come back as
``{"error": text, "place": where, "problems": [...]}`` with a 4xx status.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from engine import __version__
from engine.errors import DataMissingError, PosbtError
from engine.results.excel import check_out_path
from xlbridge.breakeven import breakevens
from xlbridge.metrics import (
    MetricName,
    MetricQuery,
    VolService,
    metric_value,
    parse_method,
    plain,
    snapshot_rows,
)
from xlbridge.pricing import OptionInput, parse_model, price_greeks
from xlbridge.server.jobs import JobLimits, JobManager, JobState, QueueFullError
from xlbridge.server.logs import AccessLog, ServerLog
from xlbridge.server.schemas import (
    ABTestRequest,
    BacktestRequest,
    BreakevenRequest,
    PriceRequest,
    SweepRequest,
    ValidateRequest,
)
from xlbridge.server.security import (
    BodyLimit,
    LocalOnly,
    PathRefusedError,
    checked_path,
    token_ok,
)
from xlbridge.server.worker import JobKind
from xlbridge.settings import ServerSettings, ensure_token
from xlbridge.validation import problem_rows, validate_path, validate_sheets


def _error(status: int, message: str, place: str | None = None,
           problems: list[dict[str, Any]] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "place": place, "problems": problems or []},
                        status_code=status)


def _posbt_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PosbtError)
    status = 404 if isinstance(exc, DataMissingError) else 400
    if isinstance(exc, PathRefusedError) and "outside the allowed folders" in exc.message:
        status = 403
    if isinstance(exc, QueueFullError):
        response = _error(429, exc.message, exc.place)
        response.headers["Retry-After"] = "30"
        return response
    return _error(status, exc.message, exc.place)


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    request.app.state.log.event("error", path=request.url.path,
                                error=f"{type(exc).__name__}: {exc}")
    return _error(500, f"internal error {type(exc).__name__}: {exc}")


def _request_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for e in exc.errors():
        place = ".".join(str(p) for p in e.get("loc", ()))
        msg = str(e.get("msg", "invalid"))
        if e.get("type") == "json_invalid":
            loc = e.get("loc", ("body",))
            place = "body"
            msg = (f"malformed JSON at character {loc[-1]}: "
                   f"{e.get('ctx', {}).get('error', msg)}")
        problems.append({"place": place, "message": msg})
    first = problems[0] if problems else {"place": None, "message": "invalid request"}
    return _error(422, f"{first['place']}: {first['message']}", first["place"], problems)


def _token_dep(request: Request) -> None:
    if not token_ok(request.headers.get("authorization"), request.app.state.token):
        raise HTTPException(401, "missing or wrong token: send 'Authorization: Bearer "
                            "<token>' with the token in $POSBT_HOME/server.token",
                            headers={"WWW-Authenticate": "Bearer"})


_AUTH = [Depends(_token_dep)]


def _file_routes(settings: ServerSettings) -> APIRouter:
    """Health, validation and backtest submission."""
    api = APIRouter(prefix="/v1")
    auth = _AUTH

    @api.get("/health")
    def health(request: Request) -> dict[str, Any]:
        """Liveness; needs no token."""
        return {"status": "ok", "version": __version__,
                "jobs_running": request.app.state.jobs.running()}

    @api.post("/validate", dependencies=auth)
    def validate(body: ValidateRequest, request: Request) -> dict[str, Any]:
        """Validate a config file or the sheets' values; problems carry their places."""
        if body.path is not None:
            loaded = validate_path(checked_path(body.path, settings.allowed_roots))
        else:
            assert body.sheets is not None
            loaded = validate_sheets(body.sheets, body.source)
        return {"ok": loaded.report.ok, "strategies": sorted(loaded.strategies),
                "problems": problem_rows(loaded)}

    @api.post("/backtests", dependencies=auth, status_code=202)
    def submit(body: BacktestRequest, request: Request) -> dict[str, Any]:
        """Queue a backtest of a config file; poll ``/v1/jobs/{id}``."""
        req = body.model_dump(mode="json")
        req["path"] = str(checked_path(body.path, settings.allowed_roots))
        if body.out is not None:
            req["out"] = str(checked_path(body.out, settings.allowed_roots,
                                          suffixes=(".xlsx", ".xlsm"), must_exist=False,
                                          field="out"))
            check_out_path(FilePath(req["out"]), FilePath(req["path"]), replace=body.replace,
                           place="out")
        job = request.app.state.jobs.submit(req)
        return {"job_id": job.id, "state": job.state.value}

    @api.post("/sweeps", dependencies=auth, status_code=202)
    def submit_sweep(body: SweepRequest, request: Request) -> dict[str, Any]:
        """Queue a parameter sweep of one strategy (BT_Sweep, BT_SweepStats); poll
        ``/v1/jobs/{id}`` (``variants_done`` / ``variants_total``). Without ``params``, the
        file's Sweep sheet (or YAML ``sweep:`` block) says what to sweep."""
        if body.params is None:
            _has_sweep_rows(checked_path(body.path, settings.allowed_roots))
        return _queue(request, JobKind.SWEEP, body.model_dump(mode="json"), settings)

    @api.post("/abtests", dependencies=auth, status_code=202)
    def submit_abtest(body: ABTestRequest, request: Request) -> dict[str, Any]:
        """Queue an A/B test of two strategies, or of one and a parameter change
        (BT_ABTest, BT_ABTestPairs); poll ``/v1/jobs/{id}``."""
        return _queue(request, JobKind.ABTEST, body.model_dump(mode="json"), settings)

    return api


def _has_sweep_rows(path: FilePath) -> None:
    """A 422 naming ``params`` when the file has no Sweep sheet rows (no YAML ``sweep:``
    block) to sweep; a bad row is left to the job, which names its cell as posbt sweep does."""
    from engine.config.loader import has_sweep

    if has_sweep(path):  # only the Sweep sheet (sweep: block) is read here; the job reads all
        return
    what = "Sweep sheet rows" if path.suffix.lower() in (".xlsx", ".xlsm") else \
        "sweep: block"
    raise RequestValidationError([{
        "loc": ("body", "params"), "type": "missing",
        "msg": f"no params given and {path.name} has no {what} to sweep: send params "
               "([{name, values}]) or fill the file's Sweep sheet (a parameter's Excel name "
               "in column A, its values in column B)"}])


def _queue(request: Request, kind: JobKind, req: dict[str, Any],
           settings: ServerSettings) -> dict[str, Any]:
    """Check the request's paths (the same rules as a backtest's) and queue the job."""
    req["path"] = str(checked_path(req["path"], settings.allowed_roots))
    if req.get("out") is not None:
        req["out"] = str(checked_path(req["out"], settings.allowed_roots,
                                      suffixes=(".xlsx", ".xlsm"), must_exist=False,
                                      field="out"))
        check_out_path(FilePath(req["out"]), FilePath(req["path"]),
                       replace=bool(req.get("replace")), place="out")
    job = request.app.state.jobs.submit({"kind": kind.value, **req})
    return {"job_id": job.id, "state": job.state.value, "kind": kind.value}


def _job(request: Request, job_id: str) -> Any:
    job = request.app.state.jobs.get(job_id)
    if job is None:
        raise DataMissingError(f"no job {job_id}", place="job_id")
    return job


def _job_routes() -> APIRouter:
    """Job state, cancel and results."""
    api = APIRouter(prefix="/v1")
    auth = _AUTH

    @api.get("/jobs/{job_id}", dependencies=auth)
    def job_status(job_id: str, request: Request) -> dict[str, Any]:
        """State, progress 0-100, log lines and errors with places."""
        return dict(_job(request, job_id).public())

    @api.delete("/jobs/{job_id}", dependencies=auth)
    def job_cancel(job_id: str, request: Request) -> dict[str, Any]:
        """Cancel a queued or running job (its worker process is terminated)."""
        _job(request, job_id)
        return dict(request.app.state.jobs.cancel(job_id).public())

    @api.get("/jobs/{job_id}/results", dependencies=auth)
    def job_results(job_id: str, request: Request) -> dict[str, Any]:
        """The finished job's results workbook path, run ids and BT_* tables (a sweep's
        BT_Sweep and BT_SweepStats, an A/B test's BT_ABTest and BT_ABTestPairs)."""
        job = _job(request, job_id)
        if job.state is not JobState.DONE:
            raise HTTPException(409, f"job {job_id} is {job.state.value}, not done")
        return {"job_id": job.id, **job.result}

    return api


def _calc_routes() -> APIRouter:
    """Metrics, prices and breakevens: quick answers, run on the thread pool."""
    api = APIRouter(prefix="/v1")
    auth = _AUTH

    @api.get("/metrics/{name}", dependencies=auth)
    def metric(name: Annotated[MetricName, Path()], request: Request,
               symbol: Annotated[str, Query(min_length=1, max_length=32)],
               at: Annotated[str | None, Query(description="YYYY-MM-DD[ HH:MM] IST")] = None,
               lookback: Annotated[int, Query(ge=1, le=5000)] = 252,
               window: Annotated[int, Query(ge=2, le=1000)] = 20,
               method: str | None = None) -> dict[str, Any]:
        """One volatility metric (or ``snapshot``: the whole table with missing reasons)."""
        q = MetricQuery(symbol=symbol.upper(), at=_parse_at(at), lookback=lookback,
                        window=window, method=parse_method(method))
        vol: VolService = request.app.state.vol
        snap = vol.snapshot(q)
        head = {"name": name.value, "symbol": snap.symbol, "at": plain(snap.at)}
        if name is MetricName.SNAPSHOT:
            return {**head, "rows": snapshot_rows(snap), "missing": dict(snap.missing)}
        return {**head, "value": metric_value(snap, name, q)}

    @api.post("/price", dependencies=auth)
    def price(body: PriceRequest) -> dict[str, Any]:
        """Price and greeks of one option (vega per vol point, theta per day)."""
        return price_greeks(OptionInput(model=parse_model(body.model), right=body.right,
                                        underlying_pts=body.underlying_pts,
                                        strike_pts=body.strike_pts, t_years=body.t_years,
                                        vol=body.vol, rate=body.rate, div_yield=body.div_yield))

    @api.post("/breakeven", dependencies=auth)
    def breakeven(body: BreakevenRequest) -> dict[str, Any]:
        """Breakevens of an iron fly (closed form) or a calendar (root finding)."""
        return breakevens(body.kind, body.params)

    return api


def _parse_at(text: str | None) -> Any:
    import datetime as dt

    if text is None or not text.strip():
        return None
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise PosbtError(f"expected YYYY-MM-DD or YYYY-MM-DD HH:MM, got {text!r}",
                         place="at") from None


def create_app(settings: ServerSettings, token: str | None = None) -> FastAPI:
    """The app for ``settings``; jobs, the vol service and the log live with its lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log = ServerLog(settings.logs_dir)
        app.state.log = log
        app.state.token = token or ensure_token(settings.home)
        app.state.vol = VolService(settings.home)
        limits = JobLimits(max_queued=settings.max_queued_jobs, time_s=settings.job_time_s,
                           memory_bytes=settings.job_memory_bytes)
        app.state.jobs = JobManager(settings.home, settings.jobs_file,
                                    on_event=lambda e, d: log.event(e, **d), limits=limits)
        log.event("server_started", home=str(settings.home), port=settings.port)
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            app.state.vol.close()
            log.event("server_stopped")
            log.close()

    app = FastAPI(title="posbt local server", version=__version__, lifespan=lifespan,
                  openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/v1/openapi.json", dependencies=_AUTH, include_in_schema=False)
    def openapi() -> dict[str, Any]:
        """The OpenAPI schema (behind the token, like every route but health)."""
        return app.openapi()

    app.add_exception_handler(PosbtError, _posbt_error)
    app.add_exception_handler(RequestValidationError, _request_error)
    app.add_exception_handler(Exception, _internal_error)

    for router in (_file_routes(settings), _job_routes(), _calc_routes()):
        app.include_router(router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(LocalOnly)  # outside the body limit: a foreign request is not read
    app.add_middleware(AccessLog)
    return app
