-- What only the protocol Orleans replaced used: the workers table (registration, heartbeats), the leases table
-- (leader election), and the indexes its polling loops read (expired leases, a dead worker's leases). Workers and
-- their liveness are Orleans membership's now; every shard write is keyed by (job_id, shard_index).
DROP TABLE IF EXISTS workers;
DROP TABLE IF EXISTS leases;
DROP INDEX IF EXISTS shards_leased_expiry;
DROP INDEX IF EXISTS shards_leased_owner;
