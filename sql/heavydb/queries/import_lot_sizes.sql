-- mode: sql
-- Date-ranged lot sizes from the contract master, to turn contract counts into units.
-- params: none
SELECT symbol, valid_from, valid_to, lot_size
FROM instruments
ORDER BY symbol, valid_from
