-- mode: sql
-- The store's own holiday rows (what `seed` loaded, a user's list included): the checks add
-- them to the shipped calendar.
-- params: none
SELECT exchange, "date" AS day, description FROM holidays ORDER BY 1, 2
