-- mode: statement
-- Re-derive the kind of every data-derived expiry (run by HeavyDBStore.refresh_expiry_kinds
-- after an import): MONTHLY when it is the last DATA expiry of its calendar month for its
-- symbol, else WEEKLY. HeavyDB has no UPDATE ... FROM: a correlated scalar subquery.
UPDATE expiries SET kind = CASE
    WHEN expiry = (SELECT MAX(m.expiry) FROM expiries m
                   WHERE m.source = 'DATA' AND m.symbol = expiries.symbol
                     AND DATE_TRUNC(MONTH, m.expiry) = DATE_TRUNC(MONTH, expiries.expiry))
    THEN 'MONTHLY' ELSE 'WEEKLY' END
WHERE source = 'DATA'
