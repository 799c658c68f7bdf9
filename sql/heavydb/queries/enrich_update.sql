-- mode: statement
-- Write iv and greeks from the staged temporary table _posbt_greeks (loaded with
-- load_table_arrow by HeavyDBStore.update_option_greeks) into option_bars, only where
-- iv IS NULL. HeavyDB has no UPDATE ... FROM; it updates via correlated subqueries
-- (SAMPLE picks the one matching staged row; rows without a match stay NULL).
UPDATE option_bars SET
    iv    = (SELECT SAMPLE(b.iv) FROM _posbt_greeks b
             WHERE b.symbol = option_bars.symbol AND b.expiry = option_bars.expiry
               AND b.strike = option_bars.strike AND b."right" = option_bars."right"
               AND b.bar_minutes = option_bars.bar_minutes AND b.ts = option_bars.ts),
    delta = (SELECT SAMPLE(b.delta) FROM _posbt_greeks b
             WHERE b.symbol = option_bars.symbol AND b.expiry = option_bars.expiry
               AND b.strike = option_bars.strike AND b."right" = option_bars."right"
               AND b.bar_minutes = option_bars.bar_minutes AND b.ts = option_bars.ts),
    gamma = (SELECT SAMPLE(b.gamma) FROM _posbt_greeks b
             WHERE b.symbol = option_bars.symbol AND b.expiry = option_bars.expiry
               AND b.strike = option_bars.strike AND b."right" = option_bars."right"
               AND b.bar_minutes = option_bars.bar_minutes AND b.ts = option_bars.ts),
    vega  = (SELECT SAMPLE(b.vega) FROM _posbt_greeks b
             WHERE b.symbol = option_bars.symbol AND b.expiry = option_bars.expiry
               AND b.strike = option_bars.strike AND b."right" = option_bars."right"
               AND b.bar_minutes = option_bars.bar_minutes AND b.ts = option_bars.ts),
    theta = (SELECT SAMPLE(b.theta) FROM _posbt_greeks b
             WHERE b.symbol = option_bars.symbol AND b.expiry = option_bars.expiry
               AND b.strike = option_bars.strike AND b."right" = option_bars."right"
               AND b.bar_minutes = option_bars.bar_minutes AND b.ts = option_bars.ts)
WHERE iv IS NULL
  AND symbol IN (SELECT DISTINCT symbol FROM _posbt_greeks)
  AND ts BETWEEN (SELECT MIN(ts) FROM _posbt_greeks) AND (SELECT MAX(ts) FROM _posbt_greeks)
