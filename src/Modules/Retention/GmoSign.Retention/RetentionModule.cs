using GmoSign.Platform.Database;
using GmoSign.Platform.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GmoSign.Retention;

/// <summary>The Retention module's public surface: registration, endpoints, migrations, access rules.</summary>
public static class RetentionModule
{
    public static IEnumerable<Migration> Migrations => Migration.FromAssembly(typeof(RetentionModule).Assembly, "retention");

    /// <summary>The service has no RPCs yet; each RPC added later gets its rule here.</summary>
    public static IEnumerable<RpcAccess> AccessRules => [];

    public static IServiceCollection AddRetentionModule(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapRetentionModule(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<RetentionGrpcService>();
        return endpoints;
    }
}

internal sealed class RetentionGrpcService : V1.RetentionService.RetentionServiceBase;
