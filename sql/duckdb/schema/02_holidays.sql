-- Trading holidays per exchange.
CREATE TABLE IF NOT EXISTS holidays (
    exchange    VARCHAR NOT NULL,
    date        DATE    NOT NULL,
    description VARCHAR
);
