-- mode: sql
-- daily_features rows of :symbol over [date_from, date_to] (columns listed: the HeavyDB
-- table also carries load_id).
-- params: symbol, date_from, date_to
SELECT symbol, trade_date, "close", atm_iv_7d, atm_iv_30d, atm_iv_60d, atm_iv_front,
       atm_iv_back, ivp, ivr, hv_cc_20, hv_parkinson_20, hv_gk_20, hv_rs_20, hv_yz_20, atr_14,
       atr_pct, iv_hv_ratio, term_slope, term_class, rr25, vix_close, regime
FROM daily_features
WHERE symbol = :symbol AND trade_date BETWEEN :date_from AND :date_to
ORDER BY trade_date
