using GmoSign.Accounts.V1;
using GmoSign.Platform.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GmoSign.Accounts;

internal sealed class AccountsGrpcService(SessionService sessions) : AccountsService.AccountsServiceBase
{
    public override async Task<LoginResponse> Login(LoginRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var signedIn = await sessions.LoginAsync(request.LoginId, request.Password, caller.IpAddress, context.CancellationToken);
        return new LoginResponse
        {
            SessionToken = signedIn.Token,
            ExpiresAt = Timestamp.FromDateTimeOffset(signedIn.ExpiresAt),
            Identity = Describe(signedIn.Caller),
        };
    }

    public override async Task<LogoutResponse> Logout(LogoutRequest request, ServerCallContext context)
    {
        await sessions.LogoutAsync(context.GetCaller(), context.CancellationToken);
        return new LogoutResponse();
    }

    public override Task<WhoAmIResponse> WhoAmI(WhoAmIRequest request, ServerCallContext context) =>
        Task.FromResult(Describe(context.GetCaller()));

    internal static WhoAmIResponse Describe(Caller caller) => new()
    {
        Kind = caller.Kind switch
        {
            CallerKind.Operator => IdentityKind.Operator,
            CallerKind.Reseller => IdentityKind.Reseller,
            CallerKind.TenantUser => IdentityKind.TenantUser,
            CallerKind.Integration => IdentityKind.Integration,
            _ => IdentityKind.Unspecified,
        },
        UserId = caller.UserId?.ToString() ?? "",
        TenantId = caller.TenantId?.ToString() ?? "",
        ResellerId = caller.ResellerId?.ToString() ?? "",
        Roles = { caller.Roles },
        DisplayName = caller.DisplayName,
    };
}
