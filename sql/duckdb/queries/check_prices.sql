-- Bars with impossible prices: zero or negative, high below low, open/close outside
-- [low, high], crossed quotes (bid > ask), implausibly large (over 1e7 points). One problem
-- per row (the first that applies). A price of 0 is real for an option on its expiry day
-- (it settles at 0); a no-trade bar (NULL prices) has no price to check.
-- params: none
WITH p AS (
    SELECT 'option_bars' AS tbl, symbol, open, high, low, close, bid, ask,
           concat_ws(' ', symbol, expiry, strike, "right", ts) AS example,
           CAST(ts AS DATE) = expiry AS zero_ok
    FROM option_bars
    UNION ALL
    SELECT 'futures_bars', symbol, open, high, low, close, NULL, NULL,
           concat_ws(' ', symbol, expiry, ts), FALSE
    FROM futures_bars
    UNION ALL
    SELECT 'spot_bars', symbol, open, high, low, close, NULL, NULL, concat_ws(' ', symbol, ts), FALSE
    FROM spot_bars
    UNION ALL
    SELECT 'vix_bars', symbol, open, high, low, close, NULL, NULL, concat_ws(' ', symbol, ts), FALSE
    FROM vix_bars
), f AS (
    SELECT tbl, symbol, example,
           CASE WHEN least(open, high, low, close) < 0
                  OR (least(open, high, low, close) = 0 AND NOT zero_ok)
                    THEN 'zero or negative price'
                WHEN greatest(open, high, low, close, bid, ask) > 1e7
                    THEN 'implausibly large price'
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
