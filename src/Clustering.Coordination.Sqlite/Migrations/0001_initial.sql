-- Cluster state for the embedded store. Times are Unix milliseconds (UTC), taken from the application's clock.
CREATE TABLE jobs (
    id                    TEXT PRIMARY KEY,
    spec                  TEXT NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN ('pending','planning','running','succeeded','failed','cancelled')),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    max_attempts          INTEGER NOT NULL CHECK (max_attempts >= 1),
    allowed_failed_shards INTEGER NOT NULL CHECK (allowed_failed_shards >= 0),
    required_device_kind  TEXT NULL,
    min_gpu_memory_bytes  INTEGER NULL,
    model_id              TEXT NOT NULL,
    output_location       TEXT NOT NULL
);
CREATE INDEX jobs_by_state ON jobs (state, created_at);

CREATE TABLE shards (
    job_id           TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    shard_index      INTEGER NOT NULL,
    spec             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending','leased','done','failed')),
    attempt          INTEGER NOT NULL DEFAULT 0,
    failures         INTEGER NOT NULL DEFAULT 0,
    owner            TEXT NULL,
    lease_expires_at INTEGER NULL,
    not_before       INTEGER NOT NULL,
    last_error       TEXT NULL,
    output_key       TEXT NULL,
    row_count        INTEGER NOT NULL DEFAULT 0,
    byte_count       INTEGER NOT NULL DEFAULT 0,
    checksum         TEXT NULL,
    error_count      INTEGER NOT NULL DEFAULT 0,
    token_count      INTEGER NOT NULL DEFAULT 0,
    completed_at     INTEGER NULL,
    PRIMARY KEY (job_id, shard_index)
) WITHOUT ROWID;
-- The stream: pending shards of a job in index order.
CREATE INDEX shards_pending ON shards (job_id, shard_index) WHERE state = 'pending';
CREATE INDEX shards_leased_expiry ON shards (lease_expires_at) WHERE state = 'leased';
CREATE INDEX shards_leased_owner ON shards (owner) WHERE state = 'leased';

CREATE TABLE workers (
    id               TEXT PRIMARY KEY,
    silo_name        TEXT NOT NULL,
    device_kind      TEXT NOT NULL,
    gpu_name         TEXT NULL,
    gpu_memory_bytes INTEGER NOT NULL,
    models_loaded    TEXT NOT NULL, -- JSON array of model ids
    registered_at    INTEGER NOT NULL,
    last_heartbeat   INTEGER NOT NULL,
    documents        INTEGER NOT NULL DEFAULT 0,
    tokens           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE leases (
    name          TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    expires_at    INTEGER NOT NULL,
    fencing_token INTEGER NOT NULL
);

CREATE TABLE schedules (
    id           TEXT PRIMARY KEY,
    spec         TEXT NOT NULL,
    job_template TEXT NOT NULL,
    next_run_at  INTEGER NOT NULL,
    enabled      INTEGER NOT NULL,
    last_run_at  INTEGER NULL,
    last_job_id  TEXT NULL
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled = 1;

CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id  TEXT NOT NULL,
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX events_by_job ON events (job_id, id);
