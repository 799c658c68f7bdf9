-- mode: statement
-- Record a committed load's source, tagged with its load id (removed with the load's rows
-- if the commit fails). params: digest, kind, label, data_version, load_id
INSERT INTO loads (digest, kind, label, data_version, load_id)
VALUES (:digest, :kind, :label, :data_version, :load_id)
