using GmoSign.Platform.Database;
using GmoSign.Platform.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GmoSign.Signing;

/// <summary>The Signing module's public surface: registration, endpoints, migrations, access rules.</summary>
public static class SigningModule
{
    public static IEnumerable<Migration> Migrations => Migration.FromAssembly(typeof(SigningModule).Assembly, "signing");

    /// <summary>The service has no RPCs yet; each RPC added later gets its rule here.</summary>
    public static IEnumerable<RpcAccess> AccessRules => [];

    public static IServiceCollection AddSigningModule(this IServiceCollection services, IConfiguration configuration) => services;

    public static IEndpointRouteBuilder MapSigningModule(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<SigningGrpcService>();
        return endpoints;
    }
}

internal sealed class SigningGrpcService : V1.SigningService.SigningServiceBase;
