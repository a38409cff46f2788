using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;

namespace GmoSign.Reseller;

/// <summary>
/// Finds a tenant the caller may see: the operator sees every tenant, a reseller only its own customers, a tenant
/// user only its own tenant. Anything else is NOT_FOUND — a caller learns nothing about others' tenants.
/// </summary>
internal sealed class TenantLookup(IGrainFactory grains)
{
    public async Task<(ITenantGrain Grain, TenantSnapshot Tenant)> FindAsync(Caller caller, string? tenantIdText, string field = "tenant_id")
    {
        var tenantId = Check.Id(tenantIdText, field);
        var grain = grains.Reference<ITenantGrain>(tenantId);
        var mayAsk = caller.Kind switch
        {
            CallerKind.Operator => true,
            CallerKind.Reseller => true,
            CallerKind.TenantUser or CallerKind.Integration => caller.TenantId == tenantId,
            _ => false,
        };
        var tenant = mayAsk ? await grain.GetAsync() : null;
        if (tenant is null || (caller.Kind == CallerKind.Reseller && tenant.ResellerId != caller.ResellerId))
        {
            throw DomainException.NotFound("Tenant", "テナント", field);
        }
        return (grain, tenant);
    }
}
