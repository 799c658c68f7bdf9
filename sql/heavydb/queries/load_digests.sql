-- mode: sql
-- The distinct source digests of the committed loads, sorted (the data fingerprint's input).
-- params: none
SELECT DISTINCT digest FROM loads ORDER BY digest
