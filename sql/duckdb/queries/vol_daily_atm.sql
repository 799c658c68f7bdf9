-- ATM figures per (trade_date, expiry) at each day's last bar of $bar_minutes, for
-- trade dates in [date_from, date_to] and expiries within $max_dte calendar days.
-- Forward from put-call parity at the strike where |C - P| is smallest:
--   F = K + exp(rate * T) * (C - P), T = minutes to 15:30 on expiry / 525600;
-- without a quoted pair, the bar's underlying * exp(rate * T). ATM = strike nearest F.
-- Ties (two strikes with the same |C - P| at tick-rounded prices) go to the lower strike,
-- as the HeavyDB post hook's argmin over sorted strikes; without it the pick varied run to run.
-- iv columns are NULL where enrichment has not filled them (the caller solves those).
-- params: symbol, bar_minutes, date_from, date_to, max_dte, rate
WITH bars AS (
    SELECT CAST(ts AS DATE) AS trade_date, ts, expiry, strike, "right", close, iv, underlying
    FROM option_bars
    WHERE symbol = $symbol AND bar_minutes = $bar_minutes
      AND ts >= CAST($date_from AS TIMESTAMP)
      AND ts < CAST($date_to AS TIMESTAMP) + INTERVAL 1 DAY
),
day_last AS (
    SELECT trade_date, max(ts) AS ts FROM bars GROUP BY trade_date
),
last_bars AS (
    SELECT b.*,
           date_diff('minute', b.ts, CAST(b.expiry AS TIMESTAMP) + INTERVAL '15 hours 30 minutes')
               / 525600.0 AS t_years
    FROM bars b JOIN day_last d ON b.ts = d.ts
    WHERE b.expiry >= b.trade_date AND b.expiry <= b.trade_date + CAST($max_dte AS INTEGER)
),
pairs AS (
    SELECT trade_date, ts, expiry, strike, any_value(t_years) AS t_years,
           max(close) FILTER (WHERE "right" = 'CE') AS ce_close,
           max(close) FILTER (WHERE "right" = 'PE') AS pe_close,
           max(iv) FILTER (WHERE "right" = 'CE') AS ce_iv,
           max(iv) FILTER (WHERE "right" = 'PE') AS pe_iv,
           median(underlying) AS underlying
    FROM last_bars
    GROUP BY trade_date, ts, expiry, strike
),
fwd AS (
    SELECT trade_date, expiry, any_value(t_years) AS t_years,
           coalesce(
               arg_min(strike + exp($rate * t_years) * (ce_close - pe_close),
                       (abs(ce_close - pe_close), strike))
                   FILTER (WHERE ce_close > 0 AND pe_close > 0),
               median(underlying) * exp($rate * any_value(t_years))
           ) AS forward
    FROM pairs
    GROUP BY trade_date, expiry
)
SELECT p.trade_date, p.ts, p.expiry, f.t_years, f.forward,
       arg_min(p.strike, (abs(p.strike - f.forward), p.strike)) AS atm_strike,
       arg_min(p.ce_close, (abs(p.strike - f.forward), p.strike)) AS ce_close,
       arg_min(p.pe_close, (abs(p.strike - f.forward), p.strike)) AS pe_close,
       arg_min(p.ce_iv, (abs(p.strike - f.forward), p.strike)) AS ce_iv,
       arg_min(p.pe_iv, (abs(p.strike - f.forward), p.strike)) AS pe_iv
FROM pairs p JOIN fwd f ON p.trade_date = f.trade_date AND p.expiry = f.expiry
WHERE f.t_years > 0 AND f.forward > 0
GROUP BY p.trade_date, p.ts, p.expiry, f.t_years, f.forward
ORDER BY p.trade_date, p.expiry
