-- Re-derive the kind of every data-derived expiry after an import: an expiry is MONTHLY
-- when it is the last DATA expiry of its calendar month for its symbol, else WEEKLY.
-- params: none (an UPDATE; run after each committed import)
UPDATE expiries AS e
SET kind = CASE WHEN e.expiry = m.last_expiry THEN 'MONTHLY' ELSE 'WEEKLY' END
FROM (
    SELECT symbol, date_trunc('month', expiry) AS month_start, max(expiry) AS last_expiry
    FROM expiries
    WHERE source = 'DATA'
    GROUP BY symbol, date_trunc('month', expiry)
) AS m
WHERE e.source = 'DATA' AND e.symbol = m.symbol
  AND date_trunc('month', e.expiry) = m.month_start
