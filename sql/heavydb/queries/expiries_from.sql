-- mode: post
-- Listed expiries on or after :on_date. HeavyDB has no arg_min and no MIN over text, so
-- the SQL returns every (expiry, kind, source) row and the post hook (expiries_from)
-- keeps one per expiry, preferring source DATA over GENERATED.
-- params: symbol, on_date
SELECT expiry, kind, source
FROM expiries
WHERE symbol = :symbol AND expiry >= :on_date
