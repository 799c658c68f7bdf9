-- Columns of one canonical table, for validating a column mapping and converting values.
-- params: table_name
SELECT column_name, data_type, is_nullable = 'YES' AS nullable,
       column_default IS NOT NULL AS has_default
FROM information_schema.columns
WHERE table_name = $table_name AND table_schema = 'main'
ORDER BY ordinal_position
