"""Configuration models, one module per parameter group (config stage: after the merge).

``StrategyConfig`` (in :mod:`engine.config.models.strategy`) is the top model the
engine consumes; the group models are its nested parts.
"""
