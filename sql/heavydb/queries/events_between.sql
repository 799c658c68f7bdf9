-- mode: sql
-- Events for a symbol (or every symbol, '*') between two dates, with their blackout flags.
-- params: symbol, date_from, date_to
SELECT "date", symbol, name, blackout_entry, blackout_adjustment
FROM events
WHERE (symbol = :symbol OR symbol = '*') AND "date" BETWEEN :date_from AND :date_to
ORDER BY "date"
