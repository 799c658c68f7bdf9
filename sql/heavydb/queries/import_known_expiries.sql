-- mode: sql
-- Expiries already stored, for resolving monthly tickers and classifying new expiries.
-- params: none
SELECT symbol, expiry, kind, source
FROM expiries
ORDER BY symbol, expiry
