-- mode: post
-- Bars with impossible prices, one problem per row (the first that applies): the SQL
-- classifies each bad row; the post hook (check_prices) formats the example text and
-- counts per problem, table and symbol.
-- params: none
SELECT tbl, symbol, expiry, strike, "right", ts, problem
FROM (
    SELECT tbl, symbol, expiry, strike, "right", ts,
           CASE WHEN "open" <= 0 OR high <= 0 OR low <= 0 OR "close" <= 0
                    THEN 'zero or negative price'
                WHEN high < low THEN 'high below low'
                WHEN "close" < low OR "close" > high OR "open" < low OR "open" > high
                    THEN 'open or close outside [low, high]'
                WHEN bid > ask THEN 'crossed quote (bid > ask)'
                WHEN bid < 0 OR ask <= 0 THEN 'zero or negative price'
           END AS problem
    FROM (
        SELECT 'option_bars' AS tbl, symbol, expiry, strike, "right", ts,
               "open", high, low, "close", bid, ask
        FROM option_bars
        UNION ALL
        SELECT 'futures_bars', symbol, expiry, CAST(NULL AS DOUBLE), CAST(NULL AS TEXT), ts,
               "open", high, low, "close", CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE)
        FROM futures_bars
        UNION ALL
        SELECT 'spot_bars', symbol, CAST(NULL AS DATE), CAST(NULL AS DOUBLE), CAST(NULL AS TEXT),
               ts, "open", high, low, "close", CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE)
        FROM spot_bars
        UNION ALL
        SELECT 'vix_bars', symbol, CAST(NULL AS DATE), CAST(NULL AS DOUBLE), CAST(NULL AS TEXT),
               ts, "open", high, low, "close", CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE)
        FROM vix_bars
    ) p
) f
WHERE problem IS NOT NULL
