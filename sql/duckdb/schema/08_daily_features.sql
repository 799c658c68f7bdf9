-- One row per (symbol, trade_date): volatility features as of that day's close.
-- Fractions in [0, 1] for ivp / ivr / atr_pct; vols as annualised fractions.
CREATE TABLE IF NOT EXISTS daily_features (
    symbol        VARCHAR NOT NULL,
    trade_date    DATE    NOT NULL,
    close         DOUBLE,
    atm_iv_7d     DOUBLE,
    atm_iv_30d    DOUBLE,
    atm_iv_60d    DOUBLE,
    atm_iv_front  DOUBLE,
    atm_iv_back   DOUBLE,
    ivp           DOUBLE,
    ivr           DOUBLE,
    hv_cc_20      DOUBLE,
    hv_parkinson_20 DOUBLE,
    hv_gk_20      DOUBLE,
    hv_rs_20      DOUBLE,
    hv_yz_20      DOUBLE,
    atr_14        DOUBLE,
    atr_pct       DOUBLE,
    iv_hv_ratio   DOUBLE,
    term_slope    DOUBLE,
    term_class    VARCHAR,
    rr25          DOUBLE,
    vix_close     DOUBLE,
    regime        VARCHAR
);
