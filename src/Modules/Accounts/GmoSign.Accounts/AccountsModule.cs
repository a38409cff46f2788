using GmoSign.Accounts.V1;
using GmoSign.Platform.Database;
using GmoSign.Platform.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GmoSign.Accounts;

/// <summary>The Accounts module's whole public surface: registration, endpoints, migrations, access rules.</summary>
public static class AccountsModule
{
    public static IEnumerable<Migration> Migrations => Migration.FromAssembly(typeof(AccountsModule).Assembly, "accounts");

    public static IEnumerable<RpcAccess> AccessRules
    {
        get
        {
            var service = AccountsService.Descriptor;
            yield return RpcAccess.PublicMethod(service, nameof(AccountsService.AccountsServiceBase.Login));
            yield return RpcAccess.For(service, nameof(AccountsService.AccountsServiceBase.Logout), CallerKind.Operator, CallerKind.TenantUser);
            yield return RpcAccess.For(service, nameof(AccountsService.AccountsServiceBase.WhoAmI),
                CallerKind.Operator, CallerKind.Reseller, CallerKind.TenantUser, CallerKind.Integration);
        }
    }

    public static IServiceCollection AddAccountsModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AccountsOptions>(configuration.GetSection(AccountsOptions.Section));
        services.AddSingleton<AccountStore>();
        services.AddSingleton<Passwords>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<ICredentialResolver>(sp => sp.GetRequiredService<SessionService>());
        services.AddHostedService<OperatorBootstrap>();
        foreach (var rule in AccessRules)
        {
            services.AddSingleton(rule);
        }
        return services;
    }

    public static IEndpointRouteBuilder MapAccountsModule(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<AccountsGrpcService>();
        return endpoints;
    }
}
