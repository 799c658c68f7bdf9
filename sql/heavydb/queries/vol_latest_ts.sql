-- mode: sql
-- The latest spot bar stamp of :symbol (any interval): the default "as of" for `posbt vol`.
-- params: symbol
SELECT MAX(ts) AS ts FROM spot_bars WHERE symbol = :symbol
