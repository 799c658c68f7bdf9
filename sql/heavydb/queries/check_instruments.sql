-- mode: sql
-- Date-ranged strike steps from the contract master table.
-- params: none
SELECT symbol, valid_from, valid_to, strike_step FROM instruments ORDER BY symbol, valid_from
