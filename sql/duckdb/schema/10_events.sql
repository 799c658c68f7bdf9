-- Event calendar (budget, policy, elections) with blackout flags.
CREATE TABLE IF NOT EXISTS events (
    date        DATE    NOT NULL,
    symbol      VARCHAR NOT NULL,   -- '*' = every symbol
    name        VARCHAR NOT NULL,
    blackout_entry      BOOLEAN NOT NULL DEFAULT TRUE,
    blackout_adjustment BOOLEAN NOT NULL DEFAULT FALSE
);
