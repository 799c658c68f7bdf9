-- Record a committed load's source (inside the load's transaction, after its rows).
-- params: digest, kind, label, data_version
INSERT INTO loads (digest, kind, label, data_version)
VALUES ($digest, $kind, $label, $data_version)
