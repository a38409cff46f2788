using GmoSign.Platform.Database;
using GmoSign.Platform.Security;
using GmoSign.Reseller.Contracts;
using GmoSign.Reseller.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GmoSign.Reseller;

/// <summary>The Reseller module's public surface: registration, endpoints, migrations, access rules.</summary>
public static class ResellerModule
{
    public static IEnumerable<Migration> Migrations => Migration.FromAssembly(typeof(ResellerModule).Assembly, "reseller");

    public static IEnumerable<RpcAccess> AccessRules
    {
        get
        {
            var service = ResellerService.Descriptor;
            yield return RpcAccess.ForRoles(service, nameof(ResellerService.ResellerServiceBase.RegisterReseller), CallerKind.Operator, "admin");
            yield return RpcAccess.For(service, nameof(ResellerService.ResellerServiceBase.GetReseller), CallerKind.Operator, CallerKind.Reseller);
        }
    }

    public static IServiceCollection AddResellerModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ResellerDirectory>();
        services.AddSingleton<IResellerDirectory>(sp => sp.GetRequiredService<ResellerDirectory>());
        services.AddSingleton<ICredentialResolver>(sp => sp.GetRequiredService<ResellerDirectory>());
        foreach (var rule in AccessRules)
        {
            services.AddSingleton(rule);
        }
        return services;
    }

    public static IEndpointRouteBuilder MapResellerModule(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<ResellerGrpcService>();
        return endpoints;
    }
}
