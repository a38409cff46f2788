using GmoSign.Accounts.Contracts;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using Npgsql;
using NpgsqlTypes;

using GmoSign.Grains.Ports;

namespace GmoSign.Accounts;

internal sealed record DelegationRecord(
    Guid DelegationId, Guid TenantId, Guid PrincipalUserId, Guid DelegateUserId, short Scope, string? Tag,
    DateTimeOffset ValidFrom, DateTimeOffset ValidUntil, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

internal sealed record DelegationEventRecord(Guid DelegationId, string Action, Guid ActorUserId, DateTimeOffset At, string? IpAddress);

/// <summary>
/// Signing-authority delegation (Art. 8): a tenant user lets another user of the same tenant sign on their behalf,
/// for all envelopes or those with a tag, for a period, revocable. Each grant and revocation is written together with
/// its audit event in one statement.
/// </summary>
internal sealed class Delegations(NpgsqlDataSource db, TimeProvider clock) : IDelegationLookup
{
    public const short ScopeAll = 1;
    public const short ScopeTag = 2;
    private const string Columns = "delegation_id, tenant_id, principal_user_id, delegate_user_id, scope, tag, valid_from, valid_until, created_at, revoked_at";

    public async Task<DelegationRecord> GrantAsync(Caller caller, string? delegateText, short scope, string? tagInput,
        DateTimeOffset? validFromInput, DateTimeOffset? validUntilInput, CancellationToken cancellationToken)
    {
        var delegateId = Check.Id(delegateText, "delegate_user_id");
        if (delegateId == caller.UserId)
        {
            throw DomainException.Invalid("delegate_user_id", "cannot be yourself", "自分自身は指定できません");
        }
        string? tag = null;
        if (scope == ScopeTag)
        {
            tag = Check.Required(tagInput, "tag", 50);
        }
        else if (scope != ScopeAll)
        {
            throw DomainException.Invalid("scope", "must be ALL or TAG", "ALL または TAG を指定してください");
        }
        var now = clock.GetUtcNow();
        var validFrom = validFromInput ?? now;
        var validUntil = validUntilInput ?? throw DomainException.Required("valid_until");
        if (validUntil <= validFrom || validUntil <= now)
        {
            throw DomainException.Invalid("valid_until", "must be after valid_from and in the future", "valid_from より後の未来の日時を指定してください");
        }
        if (validUntil > validFrom.AddYears(1))
        {
            throw DomainException.Invalid("valid_until", "may be at most one year after valid_from", "valid_from から1年以内で指定してください");
        }

        var record = new DelegationRecord(Guid.CreateVersion7(), caller.RequireTenant(), caller.UserId!.Value, delegateId, scope, tag,
            validFrom, validUntil, now, null);
        // The delegate must be an active user of the same tenant; insert and audit together, or nothing.
        await using var command = db.CreateCommand($"""
            WITH granted AS (
                INSERT INTO accounts.delegation ({Columns})
                SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, NULL
                FROM accounts.user_account d
                WHERE d.user_id = $4 AND d.tenant_id = $2 AND d.status = 1
                RETURNING delegation_id
            ), audited AS (
                INSERT INTO accounts.delegation_event (event_id, tenant_id, delegation_id, action, actor_user_id, at, ip_address)
                SELECT $10, $2, delegation_id, 'granted', $3, $9, $11 FROM granted
            )
            SELECT count(*)::int FROM granted
            """);
        command.Parameters.AddWithValue(record.DelegationId);
        command.Parameters.AddWithValue(record.TenantId);
        command.Parameters.AddWithValue(record.PrincipalUserId);
        command.Parameters.AddWithValue(record.DelegateUserId);
        command.Parameters.AddWithValue(record.Scope);
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)record.Tag ?? DBNull.Value);
        command.Parameters.AddWithValue(record.ValidFrom);
        command.Parameters.AddWithValue(record.ValidUntil);
        command.Parameters.AddWithValue(record.CreatedAt);
        command.Parameters.AddWithValue(Guid.CreateVersion7());
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)caller.IpAddress ?? DBNull.Value);
        if ((int)(await command.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            throw DomainException.NotFound("User", "ユーザー", "delegate_user_id");
        }
        return record;
    }

    public async Task<List<DelegationRecord>> ListAsync(Caller caller, bool includeInactive, CancellationToken cancellationToken)
    {
        var admin = caller.HasRole(TenantAdministration.AdminRole);
        await using var command = db.CreateCommand($"""
            SELECT {Columns} FROM accounts.delegation
            WHERE tenant_id = $1
              AND ($2 OR principal_user_id = $3 OR delegate_user_id = $3)
              AND ($4 OR (revoked_at IS NULL AND valid_until > $5))
            ORDER BY created_at DESC, delegation_id DESC
            LIMIT 500
            """);
        command.Parameters.AddWithValue(caller.RequireTenant());
        command.Parameters.AddWithValue(admin);
        command.Parameters.AddWithValue(caller.UserId!.Value);
        command.Parameters.AddWithValue(includeInactive);
        command.Parameters.AddWithValue(clock.GetUtcNow());
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task RevokeAsync(Caller caller, string? idText, CancellationToken cancellationToken)
    {
        var id = Check.Id(idText, "delegation_id");
        var now = clock.GetUtcNow();
        await using var command = db.CreateCommand("""
            WITH revoked AS (
                UPDATE accounts.delegation SET revoked_at = $4, revoked_by = $3
                WHERE delegation_id = $1 AND tenant_id = $2 AND revoked_at IS NULL AND ($5 OR principal_user_id = $3)
                RETURNING delegation_id
            ), audited AS (
                INSERT INTO accounts.delegation_event (event_id, tenant_id, delegation_id, action, actor_user_id, at, ip_address)
                SELECT $6, $2, delegation_id, 'revoked', $3, $4, $7 FROM revoked
            )
            SELECT count(*)::int FROM revoked
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(caller.RequireTenant());
        command.Parameters.AddWithValue(caller.UserId!.Value);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(caller.HasRole(TenantAdministration.AdminRole));
        command.Parameters.AddWithValue(Guid.CreateVersion7());
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)caller.IpAddress ?? DBNull.Value);
        if ((int)(await command.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            throw DomainException.NotFound("Delegation", "署名代行の委任", "delegation_id");
        }
    }

    public async Task<List<DelegationEventRecord>> EventsAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT delegation_id, action, actor_user_id, at, ip_address FROM accounts.delegation_event
            WHERE tenant_id = $1 ORDER BY at DESC, event_id DESC LIMIT 500
            """);
        command.Parameters.AddWithValue(tenantId);
        var events = new List<DelegationEventRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new DelegationEventRecord(reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return events;
    }

    public async Task<DelegationGrant?> FindAsync(Guid tenantId, Guid delegateUserId, Guid principalUserId, IReadOnlyCollection<string> envelopeTags,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand($"""
            SELECT {Columns} FROM accounts.delegation
            WHERE tenant_id = $1 AND delegate_user_id = $2 AND principal_user_id = $3 AND revoked_at IS NULL
              AND valid_from <= $4 AND valid_until > $4
              AND (scope = 1 OR tag = ANY($5))
            ORDER BY scope, created_at
            LIMIT 1
            """);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(delegateUserId);
        command.Parameters.AddWithValue(principalUserId);
        command.Parameters.AddWithValue(at);
        command.Parameters.AddWithValue(envelopeTags.ToArray());
        var found = await ReadAllAsync(command, cancellationToken);
        return found.Count == 0
            ? null
            : new DelegationGrant(found[0].DelegationId, tenantId, principalUserId, delegateUserId, found[0].Tag, found[0].ValidUntil);
    }

    private static async Task<List<DelegationRecord>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var list = new List<DelegationRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new DelegationRecord(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetInt16(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9)));
        }
        return list;
    }
}
