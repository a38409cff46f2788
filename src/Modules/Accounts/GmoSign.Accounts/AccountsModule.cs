using GmoSign.Accounts.V1;
using GmoSign.Platform.Database;
using GmoSign.Platform.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

using GmoSign.Grains.Ports;

namespace GmoSign.Accounts;

/// <summary>The Accounts module's whole public surface: registration, endpoints, migrations, access rules.</summary>
public static class AccountsModule
{
    public static IEnumerable<Migration> Migrations => Migration.FromAssembly(typeof(AccountsModule).Assembly, "accounts");

    public static IEnumerable<RpcAccess> AccessRules
    {
        get
        {
            const CallerKind op = CallerKind.Operator, user = CallerKind.TenantUser;
            var service = AccountsService.Descriptor;
            yield return RpcAccess.PublicMethod(service, nameof(AccountsService.AccountsServiceBase.Login));
            yield return RpcAccess.For(service, nameof(AccountsService.AccountsServiceBase.Logout), op, user) with { DuringEnrollment = true };
            yield return RpcAccess.For(service, nameof(AccountsService.AccountsServiceBase.WhoAmI),
                op, CallerKind.Reseller, user, CallerKind.Integration) with { DuringEnrollment = true };
            yield return RpcAccess.For(service, nameof(AccountsService.AccountsServiceBase.ChangePassword), op, user);
            yield return RpcAccess.For(service, nameof(AccountsService.AccountsServiceBase.GrantDelegation), user);
            yield return RpcAccess.For(service, nameof(AccountsService.AccountsServiceBase.ListDelegations), user);
            yield return RpcAccess.For(service, nameof(AccountsService.AccountsServiceBase.RevokeDelegation), user);
            yield return RpcAccess.For(service, nameof(AccountsService.AccountsServiceBase.BeginTotpEnrollment), op, user) with { DuringEnrollment = true };
            yield return RpcAccess.For(service, nameof(AccountsService.AccountsServiceBase.ConfirmTotpEnrollment), op, user) with { DuringEnrollment = true };
            foreach (var method in new[]
            {
                nameof(AccountsService.AccountsServiceBase.CreateUser), nameof(AccountsService.AccountsServiceBase.ListUsers),
                nameof(AccountsService.AccountsServiceBase.DeactivateUser), nameof(AccountsService.AccountsServiceBase.SetTwoFactorPolicy),
                nameof(AccountsService.AccountsServiceBase.CreateApiKey), nameof(AccountsService.AccountsServiceBase.ListApiKeys),
                nameof(AccountsService.AccountsServiceBase.RevokeApiKey), nameof(AccountsService.AccountsServiceBase.SetIpAllowList),
                nameof(AccountsService.AccountsServiceBase.GetSecuritySettings), nameof(AccountsService.AccountsServiceBase.ListDelegationEvents),
            })
            {
                yield return RpcAccess.ForRoles(service, method, user, TenantAdministration.AdminRole);
            }
        }
    }

    public static IServiceCollection AddAccountsModule(this IServiceCollection services, IConfiguration configuration)
    {
        DapperConventions.Apply();
        services.Configure<AccountsOptions>(configuration.GetSection(AccountsOptions.Section));
        services.AddSingleton<AccountStore>();
        services.AddSingleton<Passwords>();
        services.AddSingleton<SessionCache>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<TenantUserStore>();
        services.AddSingleton<TenantAdministration>();
        services.AddSingleton<IpAllowList>();
        services.AddSingleton<ICallerCheck>(sp => sp.GetRequiredService<IpAllowList>());
        services.AddSingleton<Delegations>();
        services.AddSingleton<GmoSign.Grains.Ports.IDelegationLookup>(sp => sp.GetRequiredService<Delegations>());
        services.AddSingleton<GmoSign.Accounts.Contracts.ITenantUserLookup, TenantUserLookup>();
        services.AddSingleton<ITenantDataDeletion, AccountsDataDeletion>();
        services.AddSingleton<GmoSign.Accounts.Contracts.ITenantUserProvisioning>(sp => sp.GetRequiredService<TenantAdministration>());
        services.AddSingleton<ICredentialResolver>(sp => sp.GetRequiredService<SessionService>());
        services.AddHostedService<OperatorBootstrap>();
        return services.AddRpcAccessRules(AccessRules);
    }

    public static IEndpointRouteBuilder MapAccountsModule(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<AccountsGrpcService>();
        return endpoints;
    }
}
