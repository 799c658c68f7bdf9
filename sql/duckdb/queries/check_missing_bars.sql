-- Intraday bars missing inside the 09:15-15:30 session: for each series and trading day
-- that has bars, expected = floor(375 / bar_minutes) close stamps in (09:15, 15:30]
-- (09:15 + k x bar_minutes, k = 1 .. expected); have = how many of those stamps hold a bar.
-- n = bars missing in total, example = the series-day with the most missing (the earliest
-- day, then the first series by name, among equals).
-- Bounded memory: a bar sets bit k - 1 of its series-day's 6 x 64-bit mask (bit_or), so
-- each group keeps 48 bytes whatever the number of bars (a distinct count kept every
-- stamp of every group and ran out of a reader's 1 GB on a 9.4M-bar store); a repeated
-- key or a stamp off the grid fills no extra slot.
-- params: none
WITH s AS (
    SELECT 'spot_bars' AS tbl, symbol, CAST(NULL AS DATE) AS expiry,
           CAST(NULL AS DOUBLE) AS strike, CAST(NULL AS VARCHAR) AS "right", bar_minutes, ts
    FROM spot_bars WHERE bar_minutes < 1440
    UNION ALL
    SELECT 'vix_bars', symbol, NULL, NULL, NULL, bar_minutes, ts
    FROM vix_bars WHERE bar_minutes < 1440
    UNION ALL
    SELECT 'futures_bars', symbol, expiry, NULL, NULL, bar_minutes, ts
    FROM futures_bars WHERE bar_minutes < 1440
    UNION ALL
    SELECT 'option_bars', symbol, expiry, strike, "right", bar_minutes, ts
    FROM option_bars WHERE bar_minutes < 1440
), slots AS (
    SELECT tbl, symbol, expiry, strike, "right", bar_minutes, CAST(ts AS DATE) AS day,
           CAST(floor(375 / bar_minutes) AS BIGINT) AS expected,
           CASE WHEN epoch_us(ts) % 60000000 = 0
                 AND (hour(ts) * 60 + minute(ts) - 555) % bar_minutes = 0
                THEN (hour(ts) * 60 + minute(ts) - 555) // bar_minutes - 1 END AS slot
    FROM s
), masks AS (
    SELECT tbl, symbol, expiry, strike, "right", bar_minutes, day, expected,
           bit_or(CASE WHEN slot BETWEEN 0 AND 63 AND slot < expected
                       THEN CAST(1 AS UBIGINT) << slot END) AS m0,
           bit_or(CASE WHEN slot BETWEEN 64 AND 127 AND slot < expected
                       THEN CAST(1 AS UBIGINT) << (slot - 64) END) AS m1,
           bit_or(CASE WHEN slot BETWEEN 128 AND 191 AND slot < expected
                       THEN CAST(1 AS UBIGINT) << (slot - 128) END) AS m2,
           bit_or(CASE WHEN slot BETWEEN 192 AND 255 AND slot < expected
                       THEN CAST(1 AS UBIGINT) << (slot - 192) END) AS m3,
           bit_or(CASE WHEN slot BETWEEN 256 AND 319 AND slot < expected
                       THEN CAST(1 AS UBIGINT) << (slot - 256) END) AS m4,
           bit_or(CASE WHEN slot BETWEEN 320 AND 383 AND slot < expected
                       THEN CAST(1 AS UBIGINT) << (slot - 320) END) AS m5
    FROM slots
    GROUP BY tbl, symbol, expiry, strike, "right", bar_minutes, day, expected
), days AS (
    SELECT tbl, symbol, concat_ws(' ', symbol, expiry, strike, "right") AS series,
           bar_minutes, day, expected,
           CAST(bit_count(coalesce(m0, CAST(0 AS UBIGINT))) AS BIGINT)
         + CAST(bit_count(coalesce(m1, CAST(0 AS UBIGINT))) AS BIGINT)
         + CAST(bit_count(coalesce(m2, CAST(0 AS UBIGINT))) AS BIGINT)
         + CAST(bit_count(coalesce(m3, CAST(0 AS UBIGINT))) AS BIGINT)
         + CAST(bit_count(coalesce(m4, CAST(0 AS UBIGINT))) AS BIGINT)
         + CAST(bit_count(coalesce(m5, CAST(0 AS UBIGINT))) AS BIGINT) AS have
    FROM masks
)
SELECT 'missing bars inside the session' AS check_name, tbl, symbol,
       sum(expected - have) AS n,
       arg_min(concat_ws(' ', series, day, bar_minutes || 'm:', have, 'of', expected),
               {'gap': have - expected, 'day': day, 'series': series}) AS example
FROM days WHERE have < expected
GROUP BY tbl, symbol ORDER BY tbl, symbol
