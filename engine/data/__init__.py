"""Market-data layer: the Store protocol, its DuckDB (default) and HeavyDB implementations,
importers that turn real files into the canonical schema, and the synthetic market."""
