"""The local server (``posbt serve``): FastAPI app, backtest jobs in worker processes,
request guards and structured logs."""
