-- The latest spot bar stamp of $symbol (any interval): the default "as of" for `posbt vol`.
-- params: symbol
SELECT max(ts) AS ts FROM spot_bars WHERE symbol = $symbol
