"""SQL text as package data (installed as ``engine.sql``): DDL and named queries, one file
each, in ``duckdb/`` and ``heavydb/`` (schema/, queries/) and ``results/``."""
