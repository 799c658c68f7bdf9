-- mode: sql
-- Distinct option contracts with their first trading day, for the strike-step check.
-- params: none
SELECT symbol, expiry, strike, CAST(MIN(ts) AS DATE) AS first_day
FROM option_bars GROUP BY symbol, expiry, strike ORDER BY symbol, expiry, strike
