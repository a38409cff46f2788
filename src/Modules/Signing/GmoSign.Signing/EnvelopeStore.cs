using Dapper;
using GmoSign.Grains.Ports;
using GmoSign.Platform.Database;
using Npgsql;
using NpgsqlTypes;

namespace GmoSign.Signing;

/// <summary>
/// Envelope persistence: one statement per change (data-modifying CTEs), so the state, its audit entries, its
/// notifications, webhook deliveries and hand-overs are written together or not at all, in one round trip, and only over the expected version;
/// the content the change references travels in the same batch (one round trip, one transaction).
/// </summary>
internal sealed class EnvelopeStore(NpgsqlDataSource db) : IEnvelopeStore
{
    private const string Insert = """
        INSERT INTO signing.envelope (envelope_id, tenant_id, version, status, title, sender_user_id, created_at, updated_at, expires_at, state, deadline_at)
        VALUES ($1, $2, $4, $5, $6, $7, $8, $9, $10, $11, $33) ON CONFLICT (envelope_id) DO NOTHING RETURNING 1
        """;

    private const string Update = """
        UPDATE signing.envelope SET version = $4, status = $5, title = $6, updated_at = $9, expires_at = $10, state = $11, deadline_at = $33
        WHERE envelope_id = $1 AND version = $3 RETURNING 1
        """;

    private const string Rest = """
        , audit AS (
            INSERT INTO signing.audit_event (envelope_id, sequence, tenant_id, at, action, actor, principal, recipient_id, ip_address,
                                             user_agent, detail, previous_hash, hash)
            SELECT $1, a.sequence, $2, a.at, a.action, a.actor, a.principal, a.recipient_id, a.ip_address, a.user_agent, a.detail,
                   a.previous_hash, a.hash
            FROM unnest($12::bigint[], $13::timestamptz[], $14::text[], $15::text[], $16::text[], $17::uuid[], $18::text[], $19::text[],
                        $20::text[], $21::bytea[], $22::bytea[])
                 AS a(sequence, at, action, actor, principal, recipient_id, ip_address, user_agent, detail, previous_hash, hash)
            WHERE EXISTS (SELECT 1 FROM changed))
        , outbox AS (
            INSERT INTO signing.outbox (envelope_id, version, position, tenant_id, kind, recipient_id, email, name, detail, created_at, next_attempt_at)
            SELECT $1, $4, n.position, $2, n.kind, n.recipient_id, n.email, n.name, n.detail, $9, $9
            FROM unnest($23::integer[], $24::text[], $25::uuid[], $26::text[], $27::text[], $28::text[])
                 AS n(position, kind, recipient_id, email, name, detail)
            WHERE EXISTS (SELECT 1 FROM changed))
        , hooks AS (
            INSERT INTO signing.webhook_delivery (endpoint_id, tenant_id, envelope_id, sequence, event, payload, created_at, next_attempt_at)
            SELECT w.endpoint_id, $2, $1, a.sequence, a.action, a.payload, $9, $9
            FROM unnest($12::bigint[], $14::text[], $29::text[]) AS a(sequence, action, payload)
            JOIN signing.webhook_endpoint w ON w.tenant_id = $2 AND w.active AND (cardinality(w.events) = 0 OR a.action = ANY (w.events))
            WHERE EXISTS (SELECT 1 FROM changed))
        , handover AS (
            INSERT INTO signing.handover (envelope_id, version, kind, tenant_id, envelopes_sent, signatures, at, next_attempt_at)
            SELECT $1, $4, h.kind, $2, h.envelopes_sent, h.signatures, $9, $9
            FROM unnest($30::text[], $31::bigint[], $32::bigint[]) AS h(kind, envelopes_sent, signatures)
            WHERE EXISTS (SELECT 1 FROM changed))
        SELECT count(*) FROM changed
        """;

    public async Task<StoredEnvelope?> LoadAsync(Guid envelopeId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.QueryFirstOrDefaultAsync<StoredEnvelope>(new CommandDefinition(
            "SELECT version, state::text AS state_json FROM signing.envelope WHERE envelope_id = @EnvelopeId",
            new { EnvelopeId = envelopeId }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The one statement of a change. It stays with Npgsql's own parameters: 33 positional values, eleven of them typed
    /// arrays (some with null elements) that <c>unnest</c> turns into rows, on the path every signature takes.
    /// </summary>
    public async Task CommitAsync(EnvelopeCommit commit, CancellationToken cancellationToken)
    {
        var row = commit.Row;
        var sql = $"WITH changed AS ({(commit.ExpectedVersion == 0 ? Insert : Update)}){Rest}";
        // The change's statement first, then the content it references (written by the module that owns it): one
        // batch is one round trip and one implicit transaction, so an error anywhere stores none of it.
        await using var batch = db.CreateBatch();
        var command = new NpgsqlBatchCommand(sql);
        batch.BatchCommands.Add(command);
        foreach (var write in commit.Writes ?? [])
        {
            batch.BatchCommands.Add(write.ToBatchCommand());
        }
        var p = command.Parameters;
        p.AddWithValue(row.EnvelopeId);
        p.AddWithValue(row.TenantId);
        p.AddWithValue(commit.ExpectedVersion);
        p.AddWithValue(commit.NewVersion);
        p.AddWithValue((short)row.Status);
        p.AddWithValue(row.Title);
        p.Add(new NpgsqlParameter<Guid?> { TypedValue = row.SenderUserId, NpgsqlDbType = NpgsqlDbType.Uuid });
        p.AddWithValue(row.CreatedAt);
        p.AddWithValue(row.UpdatedAt);
        p.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = row.ExpiresAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(new NpgsqlParameter<string> { TypedValue = commit.StateJson, NpgsqlDbType = NpgsqlDbType.Jsonb });
        var a = commit.Audit;
        p.AddWithValue(a.Select(x => x.Sequence).ToArray());
        p.AddWithValue(a.Select(x => x.At).ToArray());
        p.AddWithValue(a.Select(x => x.Action).ToArray());
        p.AddWithValue(a.Select(x => x.Actor).ToArray());
        AddText(p, a.Select(x => x.Principal));
        AddUuid(p, a.Select(x => x.RecipientId));
        AddText(p, a.Select(x => x.IpAddress));
        AddText(p, a.Select(x => x.UserAgent));
        p.AddWithValue(a.Select(x => x.Detail).ToArray());
        p.AddWithValue(a.Select(x => x.PreviousHash).ToArray());
        p.AddWithValue(a.Select(x => x.Hash).ToArray());
        var n = commit.Notifications;
        p.AddWithValue(Enumerable.Range(0, n.Count).ToArray());
        p.AddWithValue(n.Select(x => x.Kind).ToArray());
        AddUuid(p, n.Select(x => x.RecipientId));
        p.AddWithValue(n.Select(x => x.Email).ToArray());
        p.AddWithValue(n.Select(x => x.Name).ToArray());
        p.AddWithValue(n.Select(x => x.Detail).ToArray());
        p.AddWithValue(a.Select(x => WebhookPayload.Create(row, x)).ToArray());
        var h = commit.HandOvers ?? [];
        p.AddWithValue(h.Select(x => x.Kind).ToArray());
        p.AddWithValue(h.Select(x => x.EnvelopesSent).ToArray());
        p.AddWithValue(h.Select(x => x.Signatures).ToArray());
        p.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = row.DeadlineAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var changed = (long)(await batch.ExecuteScalarAsync(cancellationToken))!;
        if (changed != 1)
        {
            throw new EnvelopeConcurrencyException(row.EnvelopeId, commit.ExpectedVersion);
        }
    }

    public async Task<IReadOnlyList<AuditRecord>> AuditTrailAsync(Guid envelopeId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<AuditRecord>(new CommandDefinition("""
            SELECT sequence, at, action, actor, principal, recipient_id, ip_address, user_agent, detail, previous_hash, hash
            FROM signing.audit_event WHERE envelope_id = @EnvelopeId ORDER BY sequence
            """, new { EnvelopeId = envelopeId }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task SetDeadlineAsync(Guid envelopeId, long version, DateTimeOffset? deadlineAt, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("UPDATE signing.envelope SET deadline_at = $3 WHERE envelope_id = $1 AND version = $2");
        command.Parameters.AddWithValue(envelopeId);
        command.Parameters.AddWithValue(version);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = deadlineAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddText(NpgsqlParameterCollection p, IEnumerable<string?> values) =>
        p.Add(new NpgsqlParameter { Value = values.Select(v => (object?)v ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });

    private static void AddUuid(NpgsqlParameterCollection p, IEnumerable<Guid?> values) =>
        p.Add(new NpgsqlParameter { Value = values.Select(v => v.HasValue ? (object)v.Value : DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
}
