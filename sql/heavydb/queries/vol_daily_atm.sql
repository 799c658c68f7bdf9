-- mode: post
-- ATM figures per (trade_date, expiry) at each day's last bar of :bar_minutes. The SQL
-- returns the option bars at each day's last stamp with expiries within :max_dte days;
-- HeavyDB has no arg_min, FILTER or exact median, so the post hook (vol_daily_atm) pairs
-- calls and puts, takes the parity forward F = K + exp(rate T) (C - P) at the strike
-- where |C - P| is smallest (else median underlying * exp(rate T)), T = minutes to 15:30
-- on expiry / 525600, and the ATM strike nearest F, exactly as the DuckDB text does.
-- params: symbol, bar_minutes, date_from, date_to, max_dte, rate
SELECT CAST(b.ts AS DATE) AS trade_date, b.ts, b.expiry, b.strike, b."right", b."close", b.iv,
       b.underlying
FROM option_bars b
JOIN (SELECT CAST(ts AS DATE) AS trade_date, MAX(ts) AS ts
      FROM option_bars
      WHERE symbol = :symbol AND bar_minutes = :bar_minutes
        AND ts >= CAST(:date_from AS TIMESTAMP(0))
        AND ts < TIMESTAMPADD(DAY, 1, CAST(:date_to AS TIMESTAMP(0)))
      GROUP BY CAST(ts AS DATE)) d ON b.ts = d.ts
WHERE b.symbol = :symbol AND b.bar_minutes = :bar_minutes
  AND b.expiry >= CAST(b.ts AS DATE)
  AND b.expiry <= TIMESTAMPADD(DAY, :max_dte, CAST(b.ts AS DATE))
ORDER BY b.ts, b.expiry, b.strike, b."right"
