-- Option contracts that stopped trading: the last traded bar (close NOT NULL) is more than
-- 7 calendar days before both the contract's expiry and the symbol's last bar day (they
-- may still have no-trade rows). Information: thin far strikes do this in real data.
-- params: none
WITH c AS (
    SELECT symbol, expiry, strike, "right",
           max(CASE WHEN close IS NOT NULL THEN ts END) AS last_traded
    FROM option_bars GROUP BY symbol, expiry, strike, "right"
), ends AS (
    SELECT symbol, max(ts) AS last_ts FROM option_bars GROUP BY symbol
)
SELECT c.symbol, count(*) AS n, min(c.expiry) AS first_expiry, min(c.last_traded) AS first_last
FROM c JOIN ends e ON e.symbol = c.symbol
WHERE c.last_traded IS NOT NULL
  AND c.last_traded < CAST(c.expiry AS TIMESTAMP) - INTERVAL 7 DAY
  AND c.last_traded < e.last_ts - INTERVAL 7 DAY
GROUP BY c.symbol ORDER BY c.symbol
