-- Cluster state for PostgreSQL. Times are timestamptz written by the application's clock (never now()).
CREATE TABLE jobs (
    id                    text PRIMARY KEY,
    spec                  text NOT NULL,
    state                 text NOT NULL CHECK (state IN ('pending','planning','running','succeeded','failed','cancelled')),
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    max_attempts          integer NOT NULL CHECK (max_attempts >= 1),
    allowed_failed_shards integer NOT NULL CHECK (allowed_failed_shards >= 0),
    required_device_kind  text NULL,
    min_gpu_memory_bytes  bigint NULL,
    model_id              text NOT NULL,
    output_location       text NOT NULL
);
CREATE INDEX jobs_by_state ON jobs (state, created_at);

CREATE TABLE shards (
    job_id           text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    shard_index      integer NOT NULL,
    spec             text NOT NULL,
    state            text NOT NULL CHECK (state IN ('pending','leased','done','failed')),
    attempt          integer NOT NULL DEFAULT 0,
    failures         integer NOT NULL DEFAULT 0,
    owner            text NULL,
    lease_expires_at timestamptz NULL,
    not_before       timestamptz NOT NULL,
    last_error       text NULL,
    output_key       text NULL,
    row_count        bigint NOT NULL DEFAULT 0,
    byte_count       bigint NOT NULL DEFAULT 0,
    checksum         text NULL,
    error_count      bigint NOT NULL DEFAULT 0,
    token_count      bigint NOT NULL DEFAULT 0,
    completed_at     timestamptz NULL,
    PRIMARY KEY (job_id, shard_index)
);
-- The stream: pending shards of a job in index order (what LeaseShard probes under SKIP LOCKED).
CREATE INDEX shards_pending ON shards (job_id, shard_index) WHERE state = 'pending';
CREATE INDEX shards_leased_expiry ON shards (lease_expires_at) WHERE state = 'leased';
CREATE INDEX shards_leased_owner ON shards (owner) WHERE state = 'leased';

CREATE TABLE workers (
    id               text PRIMARY KEY,
    silo_name        text NOT NULL,
    device_kind      text NOT NULL,
    gpu_name         text NULL,
    gpu_memory_bytes bigint NOT NULL,
    models_loaded    text NOT NULL, -- JSON array of model ids
    registered_at    timestamptz NOT NULL,
    last_heartbeat   timestamptz NOT NULL,
    documents        bigint NOT NULL DEFAULT 0,
    tokens           bigint NOT NULL DEFAULT 0
);

CREATE TABLE leases (
    name          text PRIMARY KEY,
    owner         text NOT NULL,
    expires_at    timestamptz NOT NULL,
    fencing_token bigint NOT NULL
);

CREATE TABLE schedules (
    id           text PRIMARY KEY,
    spec         text NOT NULL,
    job_template text NOT NULL,
    next_run_at  timestamptz NOT NULL,
    enabled      boolean NOT NULL,
    last_run_at  timestamptz NULL,
    last_job_id  text NULL
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled;

CREATE TABLE events (
    id      bigserial PRIMARY KEY,
    job_id  text NOT NULL,
    at      timestamptz NOT NULL,
    kind    text NOT NULL,
    message text NOT NULL
);
CREATE INDEX events_by_job ON events (job_id, id);
