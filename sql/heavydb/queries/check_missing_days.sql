-- mode: post
-- Trading days (Mon-Fri, not an NSE holiday) with no spot bars between a symbol's first
-- and last day of spot data, per bar interval. HeavyDB cannot generate a date series per
-- row (no lateral generate_series), so the SQL returns the days that have bars and the
-- NSE holidays, and the post hook (check_missing_days) builds the weekday calendar with
-- NumPy and reports the gaps.
-- params: none
SELECT 'bars' AS what, symbol, bar_minutes, CAST(ts AS DATE) AS day
FROM spot_bars GROUP BY symbol, bar_minutes, CAST(ts AS DATE)
UNION ALL
SELECT 'holiday', CAST(NULL AS TEXT), CAST(NULL AS SMALLINT), "date"
FROM holidays WHERE exchange = 'NSE'
