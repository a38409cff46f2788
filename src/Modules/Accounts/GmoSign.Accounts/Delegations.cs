using Dapper;
using GmoSign.Accounts.Contracts;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using Npgsql;

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
        await using var connection = db.CreateConnection();
        var granted = await connection.ExecuteScalarAsync<int>(new CommandDefinition($"""
            WITH granted AS (
                INSERT INTO accounts.delegation ({Columns})
                SELECT @DelegationId, @TenantId, @PrincipalUserId, @DelegateUserId, @Scope, @Tag, @ValidFrom, @ValidUntil, @CreatedAt, NULL
                FROM accounts.user_account d
                WHERE d.user_id = @DelegateUserId AND d.tenant_id = @TenantId AND d.status = 1
                RETURNING delegation_id
            ), audited AS (
                INSERT INTO accounts.delegation_event (event_id, tenant_id, delegation_id, action, actor_user_id, at, ip_address)
                SELECT @EventId, @TenantId, delegation_id, 'granted', @PrincipalUserId, @CreatedAt, @IpAddress FROM granted
            )
            SELECT count(*)::int FROM granted
            """, new
        {
            record.DelegationId, record.TenantId, record.PrincipalUserId, record.DelegateUserId, record.Scope, record.Tag,
            record.ValidFrom, record.ValidUntil, record.CreatedAt, EventId = Guid.CreateVersion7(), caller.IpAddress,
        }, cancellationToken: cancellationToken));
        if (granted == 0)
        {
            throw DomainException.NotFound("User", "ユーザー", "delegate_user_id");
        }
        return record;
    }

    public async Task<List<DelegationRecord>> ListAsync(Caller caller, bool includeInactive, CancellationToken cancellationToken)
    {
        var admin = caller.HasRole(TenantAdministration.AdminRole);
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<DelegationRecord>(new CommandDefinition($"""
            SELECT {Columns} FROM accounts.delegation
            WHERE tenant_id = @TenantId
              AND (@Admin OR principal_user_id = @UserId OR delegate_user_id = @UserId)
              AND (@IncludeInactive OR (revoked_at IS NULL AND valid_until > @Now))
            ORDER BY created_at DESC, delegation_id DESC
            LIMIT 500
            """, new { TenantId = caller.RequireTenant(), Admin = admin, UserId = caller.UserId!.Value, IncludeInactive = includeInactive, Now = clock.GetUtcNow() },
            cancellationToken: cancellationToken))).AsList();
    }

    public async Task RevokeAsync(Caller caller, string? idText, CancellationToken cancellationToken)
    {
        var id = Check.Id(idText, "delegation_id");
        var now = clock.GetUtcNow();
        await using var connection = db.CreateConnection();
        var revoked = await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            WITH revoked AS (
                UPDATE accounts.delegation SET revoked_at = @Now, revoked_by = @UserId
                WHERE delegation_id = @DelegationId AND tenant_id = @TenantId AND revoked_at IS NULL AND (@Admin OR principal_user_id = @UserId)
                RETURNING delegation_id
            ), audited AS (
                INSERT INTO accounts.delegation_event (event_id, tenant_id, delegation_id, action, actor_user_id, at, ip_address)
                SELECT @EventId, @TenantId, delegation_id, 'revoked', @UserId, @Now, @IpAddress FROM revoked
            )
            SELECT count(*)::int FROM revoked
            """, new
        {
            DelegationId = id, TenantId = caller.RequireTenant(), UserId = caller.UserId!.Value, Now = now,
            Admin = caller.HasRole(TenantAdministration.AdminRole), EventId = Guid.CreateVersion7(), caller.IpAddress,
        }, cancellationToken: cancellationToken));
        if (revoked == 0)
        {
            throw DomainException.NotFound("Delegation", "署名代行の委任", "delegation_id");
        }
    }

    public async Task<List<DelegationEventRecord>> EventsAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<DelegationEventRecord>(new CommandDefinition("""
            SELECT delegation_id, action, actor_user_id, at, ip_address FROM accounts.delegation_event
            WHERE tenant_id = @TenantId ORDER BY at DESC, event_id DESC LIMIT 500
            """, new { TenantId = tenantId }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<DelegationGrant?> FindAsync(Guid tenantId, Guid delegateUserId, Guid principalUserId, IReadOnlyCollection<string> envelopeTags,
        DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var found = await connection.QueryFirstOrDefaultAsync<DelegationRecord>(new CommandDefinition($"""
            SELECT {Columns} FROM accounts.delegation
            WHERE tenant_id = @TenantId AND delegate_user_id = @DelegateUserId AND principal_user_id = @PrincipalUserId AND revoked_at IS NULL
              AND valid_from <= @At AND valid_until > @At
              AND (scope = 1 OR tag = ANY(@Tags))
            ORDER BY scope, created_at
            LIMIT 1
            """, new { TenantId = tenantId, DelegateUserId = delegateUserId, PrincipalUserId = principalUserId, At = at, Tags = envelopeTags.ToArray() },
            cancellationToken: cancellationToken));
        return found is null
            ? null
            : new DelegationGrant(found.DelegationId, tenantId, principalUserId, delegateUserId, found.Tag, found.ValidUntil);
    }
}
