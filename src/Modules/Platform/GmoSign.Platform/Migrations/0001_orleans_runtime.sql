-- GmoSign's own schema for the Orleans ADO.NET providers (clustering, grain storage, reminders) on PostgreSQL.
--
-- The providers read their SQL from the OrleansQuery table (the one name they hard-code) and bind
-- parameters / read result columns by name. Everything else below is ours: table names, column names,
-- and how each operation is expressed. Each query is one statement, so a provider call is one round trip.
-- Parameters are cast explicitly so that NULLs sent without a type still resolve.

CREATE TABLE OrleansQuery
(
    QueryKey  text PRIMARY KEY,
    QueryText text NOT NULL
);

-- ---------------------------------------------------------------------------------------------
-- Clustering: one version row per cluster (deployment), one row per silo incarnation.
-- Every membership change bumps the version row, which serializes concurrent writers on its row lock.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE orleans_cluster_version
(
    deployment_id text        PRIMARY KEY,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    version       integer     NOT NULL DEFAULT 0
);

CREATE TABLE orleans_silo
(
    deployment_id   text        NOT NULL REFERENCES orleans_cluster_version (deployment_id) ON DELETE CASCADE,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NULL,
    suspect_times   text        NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans_cluster_version (deployment_id)
    VALUES (@DeploymentId::text)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT count(*)::int FROM created
$q$),

('InsertMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_cluster_version v
    SET version = v.version + 1, changed_at = now()
    WHERE v.deployment_id = @DeploymentId::text
      AND v.version = @Version::int
      AND NOT EXISTS (
          SELECT 1 FROM orleans_silo s
          WHERE s.deployment_id = @DeploymentId::text AND s.address = @Address::text
            AND s.port = @Port::int AND s.generation = @Generation::int)
    RETURNING v.deployment_id
), added AS (
    INSERT INTO orleans_silo (deployment_id, address, port, generation, silo_name, host_name, status,
                              proxy_port, start_time, i_am_alive_time)
    SELECT b.deployment_id, @Address::text, @Port::int, @Generation::int, @SiloName::text, @HostName::text,
           @Status::int, @ProxyPort::int, @StartTime::timestamptz, @IAmAliveTime::timestamptz
    FROM bumped b
    RETURNING 1
)
SELECT count(*)::int FROM added
$q$),

('UpdateMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_cluster_version v
    SET version = v.version + 1, changed_at = now()
    WHERE v.deployment_id = @DeploymentId::text
      AND v.version = @Version::int
      AND EXISTS (
          SELECT 1 FROM orleans_silo s
          WHERE s.deployment_id = @DeploymentId::text AND s.address = @Address::text
            AND s.port = @Port::int AND s.generation = @Generation::int)
    RETURNING v.deployment_id
), changed AS (
    UPDATE orleans_silo s
    SET status = @Status::int, suspect_times = @SuspectTimes::text, i_am_alive_time = @IAmAliveTime::timestamptz
    FROM bumped b
    WHERE s.deployment_id = b.deployment_id AND s.address = @Address::text
      AND s.port = @Port::int AND s.generation = @Generation::int
    RETURNING 1
)
SELECT count(*)::int FROM changed
$q$),

('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_silo
SET i_am_alive_time = @IAmAliveTime::timestamptz
WHERE deployment_id = @DeploymentId::text AND address = @Address::text
  AND port = @Port::int AND generation = @Generation::int
$q$),

('MembershipReadRowKey', $q$
SELECT v.deployment_id AS DeploymentId, s.address AS Address, s.port AS Port, s.generation AS Generation,
       s.silo_name AS SiloName, s.host_name AS HostName, s.status AS Status, s.proxy_port AS ProxyPort,
       s.suspect_times AS SuspectTimes, s.start_time AS StartTime, s.i_am_alive_time AS IAmAliveTime,
       v.version AS Version
FROM orleans_cluster_version v
LEFT JOIN orleans_silo s
       ON s.deployment_id = v.deployment_id AND s.address = @Address::text
      AND s.port = @Port::int AND s.generation = @Generation::int
WHERE v.deployment_id = @DeploymentId::text
$q$),

('MembershipReadAllKey', $q$
SELECT v.deployment_id AS DeploymentId, s.address AS Address, s.port AS Port, s.generation AS Generation,
       s.silo_name AS SiloName, s.host_name AS HostName, s.status AS Status, s.proxy_port AS ProxyPort,
       s.suspect_times AS SuspectTimes, s.start_time AS StartTime, s.i_am_alive_time AS IAmAliveTime,
       v.version AS Version
FROM orleans_cluster_version v
LEFT JOIN orleans_silo s ON s.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId::text
$q$),

('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_cluster_version WHERE deployment_id = @DeploymentId::text
$q$),

('GatewaysQueryKey', $q$
SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
FROM orleans_silo
WHERE deployment_id = @DeploymentId::text AND status = @Status::int AND proxy_port > 0
$q$),

-- Dead silos (status 6) whose last sign of life is older than the cut-off.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_silo
WHERE deployment_id = @DeploymentId::text
  AND status = 6
  AND i_am_alive_time < @IAmAliveTime::timestamptz
  AND start_time < @IAmAliveTime::timestamptz
  AND coalesce(suspect_times, '') = ''
$q$),

-- One dead silo row, removed only while it still holds the values the caller saw.
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans_silo
WHERE deployment_id = @DeploymentId::text AND status = 6
  AND address = @Address::text AND port = @Port::int AND generation = @Generation::int
  AND i_am_alive_time = @IAmAliveTime::timestamptz AND start_time = @StartTime::timestamptz
  AND coalesce(suspect_times, '') = coalesce(@SuspectTimes::text, '')
$q$);

-- ---------------------------------------------------------------------------------------------
-- Grain state: one row per (service, grain type, grain id); optimistic concurrency on version.
-- A NULL result tells the provider that its write lost the race (it raises InconsistentStateException).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE orleans_grain_state
(
    service_id     text        NOT NULL,
    grain_type     text        NOT NULL,
    grain_type_hash integer    NOT NULL,
    grain_id_hash  integer     NOT NULL,
    grain_id_n0    bigint      NOT NULL,
    grain_id_n1    bigint      NOT NULL,
    grain_id_ext   text        NULL,
    payload        bytea       NULL,
    modified_at    timestamptz NOT NULL DEFAULT now(),
    version        integer     NOT NULL,
    CONSTRAINT uq_orleans_grain_state UNIQUE NULLS NOT DISTINCT
        (grain_id_hash, grain_type_hash, service_id, grain_id_n0, grain_id_n1, grain_type, grain_id_ext)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
SELECT payload AS PayloadBinary, version AS Version
FROM orleans_grain_state
WHERE grain_id_hash = @GrainIdHash::int AND grain_type_hash = @GrainTypeHash::int
  AND service_id = @ServiceId::text AND grain_id_n0 = @GrainIdN0::bigint AND grain_id_n1 = @GrainIdN1::bigint
  AND grain_type = @GrainTypeString::text AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString::text
$q$),

('WriteToStorageKey', $q$
WITH replaced AS (
    UPDATE orleans_grain_state
    SET payload = @PayloadBinary::bytea, modified_at = now(), version = version + 1
    WHERE @GrainStateVersion::int IS NOT NULL
      AND grain_id_hash = @GrainIdHash::int AND grain_type_hash = @GrainTypeHash::int
      AND service_id = @ServiceId::text AND grain_id_n0 = @GrainIdN0::bigint AND grain_id_n1 = @GrainIdN1::bigint
      AND grain_type = @GrainTypeString::text AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString::text
      AND version = @GrainStateVersion::int
    RETURNING version
), created AS (
    INSERT INTO orleans_grain_state (service_id, grain_type, grain_type_hash, grain_id_hash, grain_id_n0,
                                     grain_id_n1, grain_id_ext, payload, version)
    SELECT @ServiceId::text, @GrainTypeString::text, @GrainTypeHash::int, @GrainIdHash::int, @GrainIdN0::bigint,
           @GrainIdN1::bigint, @GrainIdExtensionString::text, @PayloadBinary::bytea, 1
    WHERE @GrainStateVersion::int IS NULL
    ON CONFLICT ON CONSTRAINT uq_orleans_grain_state DO NOTHING
    RETURNING version
)
SELECT coalesce((SELECT version FROM replaced), (SELECT version FROM created)) AS NewGrainStateVersion
$q$),

('ClearStorageKey', $q$
UPDATE orleans_grain_state
SET payload = NULL, modified_at = now(), version = version + 1
WHERE grain_id_hash = @GrainIdHash::int AND grain_type_hash = @GrainTypeHash::int
  AND service_id = @ServiceId::text AND grain_id_n0 = @GrainIdN0::bigint AND grain_id_n1 = @GrainIdN1::bigint
  AND grain_type = @GrainTypeString::text AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString::text
  AND version = @GrainStateVersion::int
RETURNING version AS NewGrainStateVersion
$q$),

-- Used when DeleteStateOnClear is on: the row goes away entirely (nothing of the state survives).
('DeleteStorageKey', $q$
DELETE FROM orleans_grain_state
WHERE grain_id_hash = @GrainIdHash::int AND grain_type_hash = @GrainTypeHash::int
  AND service_id = @ServiceId::text AND grain_id_n0 = @GrainIdN0::bigint AND grain_id_n1 = @GrainIdN1::bigint
  AND grain_type = @GrainTypeString::text AND grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString::text
  AND version = @GrainStateVersion::int
RETURNING version + 1 AS NewGrainStateVersion
$q$);

-- ---------------------------------------------------------------------------------------------
-- Reminders: durable timers, partitioned across silos by the grain's uniform hash.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE orleans_reminder
(
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    start_time    timestamptz NOT NULL,
    period_ms     bigint      NOT NULL,
    grain_hash    integer     NOT NULL,
    version       integer     NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);
CREATE INDEX ix_orleans_reminder_hash ON orleans_reminder (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey', $q$
INSERT INTO orleans_reminder AS r (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
VALUES (@ServiceId::text, @GrainId::text, @ReminderName::text, @StartTime::timestamptz, @Period::bigint,
        @GrainHash::int, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
SET start_time = excluded.start_time, period_ms = excluded.period_ms, grain_hash = excluded.grain_hash,
    version = r.version + 1
RETURNING r.version AS Version
$q$),

('ReadReminderRowsKey', $q$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period,
       version AS Version
FROM orleans_reminder
WHERE service_id = @ServiceId::text AND grain_id = @GrainId::text
$q$),

('ReadReminderRowKey', $q$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period,
       version AS Version
FROM orleans_reminder
WHERE service_id = @ServiceId::text AND grain_id = @GrainId::text AND reminder_name = @ReminderName::text
$q$),

-- A hash range that does not wrap around: (begin, end].
('ReadRangeRows1Key', $q$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period,
       version AS Version
FROM orleans_reminder
WHERE service_id = @ServiceId::text AND grain_hash > @BeginHash::int AND grain_hash <= @EndHash::int
$q$),

-- A hash range that wraps around the end of the ring.
('ReadRangeRows2Key', $q$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period,
       version AS Version
FROM orleans_reminder
WHERE service_id = @ServiceId::text AND (grain_hash > @BeginHash::int OR grain_hash <= @EndHash::int)
$q$),

('DeleteReminderRowKey', $q$
WITH removed AS (
    DELETE FROM orleans_reminder
    WHERE service_id = @ServiceId::text AND grain_id = @GrainId::text
      AND reminder_name = @ReminderName::text AND version = @Version::int
    RETURNING 1
)
SELECT count(*)::int FROM removed
$q$),

('DeleteReminderRowsKey', $q$
DELETE FROM orleans_reminder WHERE service_id = @ServiceId::text
$q$);
