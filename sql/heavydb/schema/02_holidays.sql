-- Trading holidays per exchange.
CREATE TABLE IF NOT EXISTS holidays (
    exchange    TEXT NOT NULL ENCODING DICT(32),
    "date"      DATE NOT NULL ENCODING DAYS(32),
    description TEXT ENCODING DICT(32),
    load_id     BIGINT
);
