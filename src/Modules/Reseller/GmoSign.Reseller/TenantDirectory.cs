using Dapper;
using GmoSign.Reseller.Contracts;
using Npgsql;

using GmoSign.Grains;
using GmoSign.Grains.Ports;

namespace GmoSign.Reseller;

/// <summary>Schema <c>reseller.tenant</c>: the tenants' queryable projection (lists, screening look-ups).</summary>
internal sealed class TenantDirectory(NpgsqlDataSource db) : ITenantDirectory
{
    public async Task UpsertAsync(TenantEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO reseller.tenant (tenant_id, reseller_id, name, corporate_number, status, plan, term_end, termination_kind, created_at)
            VALUES (@TenantId, @ResellerId, @Name, @CorporateNumber, @Status, @Plan, @TermEnd, @TerminationKind, @CreatedAt)
            ON CONFLICT (tenant_id) DO UPDATE
            SET name = excluded.name, corporate_number = excluded.corporate_number, status = excluded.status,
                plan = excluded.plan, term_end = excluded.term_end, termination_kind = excluded.termination_kind
            """, new
        {
            entry.TenantId, entry.ResellerId, entry.Name, entry.CorporateNumber, Status = (short)entry.Status, entry.Plan, entry.TermEnd,
            TerminationKind = (short?)entry.TerminationKind, entry.CreatedAt,
        }, cancellationToken: cancellationToken));
    }

    /// <summary>Tenant ids in creation order, after the cursor; optionally one reseller's.</summary>
    public async Task<List<Guid>> ListAsync(Guid? resellerId, (DateTimeOffset CreatedAt, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<Guid>(new CommandDefinition("""
            SELECT tenant_id FROM reseller.tenant
            WHERE (@ResellerId::uuid IS NULL OR reseller_id = @ResellerId)
              AND (@AfterCreatedAt::timestamptz IS NULL OR (created_at, tenant_id) > (@AfterCreatedAt, @AfterId::uuid))
            ORDER BY created_at, tenant_id
            LIMIT @Limit
            """, new { ResellerId = resellerId, AfterCreatedAt = after?.CreatedAt, AfterId = after?.Id, Limit = limit },
            cancellationToken: cancellationToken))).AsList();
    }
}

/// <summary>Other modules read tenants' contracts through the tenant grains.</summary>
internal sealed class TenantContracts(IGrainFactory grains) : ITenantContracts
{
    public async Task<TenantView> EnsureCanTransactAsync(Guid tenantId, CancellationToken cancellationToken) =>
        TenantGuards.EnsureCanTransact(await GetAsync(tenantId, cancellationToken));

    public async Task<TenantView?> GetAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var tenant = await grains.Reference<ITenantGrain>(tenantId).GetAsync();
        return tenant is null
            ? null
            : new TenantView(tenant.TenantId, tenant.ResellerId, (TenantLifecycleStatus)tenant.Status, tenant.StatusReason,
                tenant.Seats, tenant.Options, tenant.ExportUntil, tenant.Customer.Name) { SessionEpoch = tenant.SessionEpoch };
    }

    public Task ForgetSessionsAsync(Guid tenantId, CancellationToken cancellationToken) =>
        grains.Reference<ITenantGrain>(tenantId).ForgetSessionsAsync();
}

/// <summary>The rules other modules apply to a tenant's contract.</summary>
internal static class TenantGuards
{
    public static TenantView EnsureCanTransact(TenantView? tenant) => tenant switch
    {
        null => throw GmoSign.Errors.DomainException.NotFound("Tenant", "テナント", "tenant_id"),
        { Status: TenantLifecycleStatus.Suspended } => throw new GmoSign.Errors.DomainException(GmoSign.Errors.ErrorKind.FailedPrecondition,
            "TENANT_SUSPENDED",
            $"The service is suspended for your organization (Art. 12-2): {tenant.StatusReason}. Sign-in, reading and export remain available.",
            $"貴社のご利用は停止されています（第12条第2項）：{tenant.StatusReason}。ログイン・閲覧・エクスポートは引き続きご利用いただけます。")
        {
            Metadata = { ["reason"] = tenant.StatusReason ?? "" },
        },
        { CanTransact: false } => throw GmoSign.Errors.DomainException.Precondition("TENANT_TERMINATED",
            "The contract has ended: documents can be read and exported until the export window closes.",
            "契約は終了しています。エクスポート期間の終了まで閲覧・エクスポートのみ可能です。"),
        _ => tenant,
    };
}
