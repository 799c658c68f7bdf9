-- mode: post
-- Bars with impossible prices, one problem per row (the first that applies): the SQL
-- classifies each bad row; the post hook (check_prices) formats the example text and
-- counts per problem, table and symbol. A price of 0 is real for an option on its expiry
-- day; a no-trade bar (NULL prices) has no price to check.
-- params: none
SELECT tbl, symbol, expiry, strike, "right", ts, problem
FROM (
    SELECT tbl, symbol, expiry, strike, "right", ts,
           CASE WHEN "open" < 0 OR high < 0 OR low < 0 OR "close" < 0
                  OR (("open" = 0 OR high = 0 OR low = 0 OR "close" = 0) AND zero_ok = 0)
                    THEN 'zero or negative price'
                WHEN "open" > 1e7 OR high > 1e7 OR low > 1e7 OR "close" > 1e7 OR bid > 1e7
                  OR ask > 1e7
                    THEN 'implausibly large price'
                WHEN high < low THEN 'high below low'
                WHEN "close" < low OR "close" > high OR "open" < low OR "open" > high
                    THEN 'open or close outside [low, high]'
                WHEN bid > ask THEN 'crossed quote (bid > ask)'
                WHEN bid < 0 OR ask <= 0 THEN 'zero or negative price'
           END AS problem
    FROM (
        SELECT 'option_bars' AS tbl, symbol, expiry, strike, "right", ts,
               "open", high, low, "close", bid, ask,
               CASE WHEN CAST(ts AS DATE) = expiry THEN 1 ELSE 0 END AS zero_ok
        FROM option_bars
        UNION ALL
        SELECT 'futures_bars', symbol, expiry, CAST(NULL AS DOUBLE), CAST(NULL AS TEXT), ts,
               "open", high, low, "close", CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), 0
        FROM futures_bars
        UNION ALL
        SELECT 'spot_bars', symbol, CAST(NULL AS DATE), CAST(NULL AS DOUBLE), CAST(NULL AS TEXT),
               ts, "open", high, low, "close", CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), 0
        FROM spot_bars
        UNION ALL
        SELECT 'vix_bars', symbol, CAST(NULL AS DATE), CAST(NULL AS DOUBLE), CAST(NULL AS TEXT),
               ts, "open", high, low, "close", CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), 0
        FROM vix_bars
    ) p
) f
WHERE problem IS NOT NULL
