using GmoSign.Platform.Database;
using GmoSign.Platform.Security;
using GmoSign.Reseller.Contracts;
using GmoSign.Reseller.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

using GmoSign.Grains.Ports;

namespace GmoSign.Reseller;

/// <summary>The Reseller module's public surface: registration, endpoints, migrations, access rules.</summary>
public static class ResellerModule
{
    public static IEnumerable<Migration> Migrations => Migration.FromAssembly(typeof(ResellerModule).Assembly, "reseller");

    public static IEnumerable<RpcAccess> AccessRules
    {
        get
        {
            const CallerKind op = CallerKind.Operator, reseller = CallerKind.Reseller, user = CallerKind.TenantUser, integration = CallerKind.Integration;
            var r = ResellerService.Descriptor;
            yield return RpcAccess.ForRoles(r, nameof(ResellerService.ResellerServiceBase.RegisterReseller), op, "admin");
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.GetReseller), op, reseller);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.SubmitApplication), reseller);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.GetApplication), op, reseller);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.ListApplications), op, reseller);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.ListTenants), op, reseller);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.GetTenant), op, reseller, user, integration);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.SetTenantOption), reseller);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.SetNonRenewal), op, reseller);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.TerminateTenant), reseller);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.GetUsage), op, reseller);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.ReportFee), reseller);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.GetLiabilityCap), op, reseller);
            yield return RpcAccess.For(r, nameof(ResellerService.ResellerServiceBase.ListCatalog), op, reseller, user, integration);

            var o = OperatorService.Descriptor;
            foreach (var method in new[]
            {
                nameof(OperatorService.OperatorServiceBase.ApproveApplication), nameof(OperatorService.OperatorServiceBase.RejectApplication),
                nameof(OperatorService.OperatorServiceBase.SuspendTenant), nameof(OperatorService.OperatorServiceBase.ResumeTenant),
                nameof(OperatorService.OperatorServiceBase.SuspendReseller), nameof(OperatorService.OperatorServiceBase.ReinstateReseller),
                nameof(OperatorService.OperatorServiceBase.TerminateTenantForCause), nameof(OperatorService.OperatorServiceBase.RecordDelinquency),
                nameof(OperatorService.OperatorServiceBase.StartMaintenance), nameof(OperatorService.OperatorServiceBase.EndMaintenance),
                nameof(OperatorService.OperatorServiceBase.PublishTermsVersion),
                nameof(OperatorService.OperatorServiceBase.DecideChangeRequest), nameof(OperatorService.OperatorServiceBase.PublishNotice),
            })
            {
                yield return RpcAccess.ForRoles(o, method, op, "admin");
            }
            yield return RpcAccess.For(o, nameof(OperatorService.OperatorServiceBase.GetMaintenance), op, reseller, user, integration);
            yield return RpcAccess.For(o, nameof(OperatorService.OperatorServiceBase.ListTermsVersions), op, reseller, user, integration);

            var c = ContractService.Descriptor;
            yield return new RpcAccess(RpcAccess.PathOf(c, nameof(ContractService.ContractServiceBase.FileChangeRequest)), [reseller, user], ["admin"]);
            yield return new RpcAccess(RpcAccess.PathOf(c, nameof(ContractService.ContractServiceBase.ListChangeRequests)), [op, reseller, user], ["admin"]);
            yield return RpcAccess.For(c, nameof(ContractService.ContractServiceBase.ListNotices), op, reseller, user, integration);
            yield return RpcAccess.ForRoles(c, nameof(ContractService.ContractServiceBase.AcceptTermsVersion), user, "admin");
        }
    }

    public static IServiceCollection AddResellerModule(this IServiceCollection services, IConfiguration configuration)
    {
        DapperConventions.Apply();
        services.AddSingleton<ResellerDirectory>();
        services.AddSingleton<IResellerDirectory>(sp => sp.GetRequiredService<ResellerDirectory>());
        services.AddSingleton<ICredentialResolver>(sp => sp.GetRequiredService<ResellerDirectory>());
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton<ITenantDirectory>(sp => sp.GetRequiredService<TenantDirectory>());
        services.AddSingleton<ITenantContracts, TenantContracts>();
        services.AddSingleton<UsageStore>();
        services.AddSingleton<IUsageRecorder>(sp => sp.GetRequiredService<UsageStore>());
        services.AddSingleton<ApplicationStore>();
        services.AddHostedService<TermsBootstrap>();
        services.AddSingleton<Catalog>();
        services.AddSingleton<TermsStore>();
        services.AddSingleton<TermsCatalog>();
        services.AddSingleton<ContractStore>();
        services.AddSingleton<ICallerCheck, TermsConsentObserver>();
        services.AddSingleton<TenantLookup>();
        services.AddSingleton<MaintenanceSchedule>();
        services.AddSingleton<IMaintenanceGate>(sp => sp.GetRequiredService<MaintenanceSchedule>());
        services.AddHostedService(sp => sp.GetRequiredService<MaintenanceSchedule>());
        return services.AddRpcAccessRules(AccessRules);
    }

    public static IEndpointRouteBuilder MapResellerModule(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<ResellerGrpcService>();
        endpoints.MapGrpcService<OperatorGrpcService>();
        endpoints.MapGrpcService<ContractGrpcService>();
        endpoints.MapInstalledTerms();
        return endpoints;
    }
}
