-- Bars with impossible prices: zero or negative, high below low, open/close outside
-- [low, high], crossed quotes (bid > ask). One problem per row (the first that applies).
-- params: none
WITH p AS (
    SELECT 'option_bars' AS tbl, symbol, open, high, low, close, bid, ask,
           concat_ws(' ', symbol, expiry, strike, "right", ts) AS example
    FROM option_bars
    UNION ALL
    SELECT 'futures_bars', symbol, open, high, low, close, NULL, NULL,
           concat_ws(' ', symbol, expiry, ts)
    FROM futures_bars
    UNION ALL
    SELECT 'spot_bars', symbol, open, high, low, close, NULL, NULL, concat_ws(' ', symbol, ts)
    FROM spot_bars
    UNION ALL
    SELECT 'vix_bars', symbol, open, high, low, close, NULL, NULL, concat_ws(' ', symbol, ts)
    FROM vix_bars
), f AS (
    SELECT tbl, symbol, example,
           CASE WHEN least(open, high, low, close) <= 0 THEN 'zero or negative price'
                WHEN high < low THEN 'high below low'
                WHEN close < low OR close > high OR open < low OR open > high
                    THEN 'open or close outside [low, high]'
                WHEN bid > ask THEN 'crossed quote (bid > ask)'
                WHEN bid < 0 OR ask <= 0 THEN 'zero or negative price'
           END AS problem
    FROM p
)
SELECT problem AS check_name, tbl, symbol, count(*) AS n, min(example) AS example
FROM f WHERE problem IS NOT NULL
GROUP BY problem, tbl, symbol ORDER BY tbl, symbol, problem
