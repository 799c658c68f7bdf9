-- Event calendar (budget, policy, elections) with blackout flags.
CREATE TABLE IF NOT EXISTS events (
    "date"              DATE NOT NULL ENCODING DAYS(32),
    symbol              TEXT NOT NULL ENCODING DICT(32),   -- '*' = every symbol
    name                TEXT NOT NULL ENCODING DICT(32),
    blackout_entry      BOOLEAN NOT NULL DEFAULT TRUE,
    blackout_adjustment BOOLEAN NOT NULL DEFAULT FALSE,
    load_id             BIGINT
);
