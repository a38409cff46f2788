using GmoSign.Errors;
using Grpc.Core;
using GmoSign.Platform.Pipeline;
using Microsoft.Extensions.Logging;

namespace GmoSign.Platform.Security;

/// <summary>
/// Authenticates every call and enforces the RPC's access rule before the service method runs.
/// The standard grpc.* services (health, reflection) are public.
/// </summary>
public sealed class AuthenticationInterceptor(
    RpcAccessTable access,
    IEnumerable<ICredentialResolver> resolvers,
    IEnumerable<ICallerCheck> checks,
    ILogger<AuthenticationInterceptor> logger) : CallInterceptor
{
    private readonly ICredentialResolver[] _resolvers = resolvers.ToArray();
    private readonly ICallerCheck[] _checks = checks.ToArray();

    protected override async Task<TResult> InterceptAsync<TRequest, TResult>(ServerCall<TRequest> call, Func<ServerCall<TRequest>, Task<TResult>> next)
    {
        await AuthenticateAsync(call.Context);
        return await next(call);
    }

    private async Task AuthenticateAsync(ServerCallContext context)
    {
        if (context.Method.StartsWith("/grpc.", StringComparison.Ordinal))
        {
            return;
        }

        var rule = access.Find(context.Method);
        if (rule is null)
        {
            logger.LogError("No access rule for {Method}; refusing the call", context.Method);
            throw DomainException.Denied("This method is not available.", "このメソッドは利用できません。");
        }

        var caller = await ResolveAsync(context);
        caller = caller with
        {
            IpAddress = ClientAddress(context),
            UserAgent = context.RequestHeaders.GetValue("user-agent"),
        };

        if (!rule.Admits(caller))
        {
            if (caller.Kind == CallerKind.Anonymous)
            {
                throw DomainException.Unauthenticated(
                    "Credentials are required: send 'authorization: Bearer <session token>' or 'x-api-key'.",
                    "認証情報が必要です。「authorization: Bearer <セッショントークン>」または「x-api-key」を送信してください。");
            }
            throw DomainException.Denied(
                "You are not allowed to call this method.", "このメソッドを呼び出す権限がありません。");
        }
        if (caller.EnrollmentOnly && !rule.DuringEnrollment)
        {
            throw DomainException.Precondition("TOTP_ENROLLMENT_REQUIRED",
                "Your organization requires two-factor sign-in: enroll an authenticator first (BeginTotpEnrollment, ConfirmTotpEnrollment).",
                "組織の設定により二要素認証が必須です。先に認証アプリを登録してください（BeginTotpEnrollment、ConfirmTotpEnrollment）。");
        }
        if (caller.Kind != CallerKind.Anonymous)
        {
            foreach (var check in _checks)
            {
                await check.CheckAsync(caller, context.CancellationToken);
            }
        }
        context.UserState[CallerContextExtensions.Key] = caller;
    }

    private async ValueTask<Caller> ResolveAsync(ServerCallContext context)
    {
        var (type, credential) = ReadCredential(context.RequestHeaders);
        if (credential is null)
        {
            return Caller.Anonymous;
        }
        foreach (var resolver in _resolvers)
        {
            var caller = await resolver.ResolveAsync(type, credential, context.CancellationToken);
            if (caller is not null)
            {
                return caller;
            }
        }
        throw DomainException.Unauthenticated(
            "The credentials are not valid (unknown, expired or revoked).",
            "認証情報が無効です（不明、期限切れ、または失効済み）。");
    }

    private static (CredentialType, string?) ReadCredential(Metadata headers)
    {
        var authorization = headers.GetValue("authorization");
        if (!string.IsNullOrWhiteSpace(authorization))
        {
            const string prefix = "Bearer ";
            if (!authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || authorization.Length == prefix.Length)
            {
                throw DomainException.Unauthenticated(
                    "The authorization header must be 'Bearer <token>'.",
                    "authorization ヘッダーは「Bearer <トークン>」の形式で指定してください。");
            }
            return (CredentialType.Bearer, authorization[prefix.Length..].Trim());
        }
        var apiKey = headers.GetValue("x-api-key");
        return string.IsNullOrWhiteSpace(apiKey) ? (CredentialType.ApiKey, null) : (CredentialType.ApiKey, apiKey.Trim());
    }

    private static string? ClientAddress(ServerCallContext context)
    {
        var address = context.GetHttpContext().Connection.RemoteIpAddress;
        return address?.IsIPv4MappedToIPv6 == true ? address.MapToIPv4().ToString() : address?.ToString();
    }
}
