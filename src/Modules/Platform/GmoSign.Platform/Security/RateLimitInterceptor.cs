using System.Globalization;
using GmoSign.Errors;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using GmoSign.Platform.Pipeline;
using Microsoft.Extensions.Options;

namespace GmoSign.Platform.Security;

/// <summary>Configuration section <c>GmoSign:RateLimit</c> (terms Art. 12-1 (6): excessive load).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "GmoSign:RateLimit";

    /// <summary>Calls a tenant (all its users and integrations together) or a reseller may make per window, whichever hosts serve them.</summary>
    public int Limit { get; set; } = 1000;

    /// <summary>The window every limit counts in; it opens with the first call after the previous one closed.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Calls without credentials (Login, public look-ups) per client address per window.</summary>
    public int AnonymousPerAddress { get; set; } = 60;

    /// <summary>Login attempts per login id per window; each further window the id overruns doubles the wait (at most 64 windows).</summary>
    public int LoginPerLoginId { get; set; } = 10;

    /// <summary>Calls with one signing link per window.</summary>
    public int SignerPerLink { get; set; } = 120;

    /// <summary>Calls with any signing links from one client address per window.</summary>
    public int SignerPerAddress { get; set; } = 600;

    /// <summary>VerifyDocument calls per caller (tenant, or signing link) per window: each verifies a whole PDF.</summary>
    public int VerifyPerCaller { get; set; } = 30;
}

/// <summary>
/// Call budgets, announced the way DocuSign does (here as gRPC response metadata): <c>x-ratelimit-limit</c>,
/// <c>x-ratelimit-remaining</c>, <c>x-ratelimit-reset</c> (Unix seconds) of the tightest budget on every call; beyond
/// a budget RESOURCE_EXHAUSTED with <c>retry-after</c>. Budgets: per tenant and per reseller; per client address for
/// calls without credentials; per login id on Login (a growing wait for an id that keeps overrunning); per signing
/// link and per address for signer calls; per caller on VerifyDocument. Each budget is counted once for the whole
/// cluster, in windows opened by the first call (<see cref="IRateBudgets"/>: one budget grain per key in the host);
/// operator calls are not limited.
/// </summary>
public sealed class RateLimitInterceptor(IOptions<RateLimitOptions> options, IRateBudgets budgets, TimeProvider clock) : CallInterceptor
{
    /// <param name="FailuresOnly">Counts only calls that fail authentication (wrong passwords), each overrun doubling the wait.</param>
    /// <param name="Kind">The budget's kind, for the refusal counter (never the tenant, link or address itself).</param>
    private readonly record struct Budget(string Kind, string Key, int Limit, bool FailuresOnly = false);

    protected override async Task<TResult> InterceptAsync<TRequest, TResult>(ServerCall<TRequest> call, Func<ServerCall<TRequest>, Task<TResult>> next)
    {
        // A streamed request is admitted before its first message: its budgets cannot depend on what it says.
        var failures = await AdmitAsync(call.Context, call.Request, call.Kind is MethodType.ClientStreaming or MethodType.DuplexStreaming);
        if (failures is null)
        {
            return await next(call);
        }
        try
        {
            return await next(call);
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.Unauthenticated)
        {
            var budget = failures.Value;
            await budgets.RecordFailureAsync(budget.Key, budget.Limit, options.Value.Window, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The client address as budgets count it: IPv4 as is, IPv6 by its /64 (one customer's network).</summary>
    internal static string AddressKey(string? address)
    {
        if (address is null || !System.Net.IPAddress.TryParse(address, out var ip))
        {
            return "unknown";
        }
        if (ip.IsIPv4MappedToIPv6)
        {
            return ip.MapToIPv4().ToString();
        }
        if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return ip.ToString();
        }
        var bytes = ip.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

    /// <summary>Budgets in the order they are checked: the first that refuses ends the check, so later ones are not counted.</summary>
    private IEnumerable<Budget> BudgetsOf(Caller caller, ServerCallContext context, object? request)
    {
        var o = options.Value;
        var address = AddressKey(caller.IpAddress);
        switch (caller.Kind)
        {
            case CallerKind.TenantUser or CallerKind.Integration when caller.TenantId is { } tenant:
                yield return new Budget("tenant", "t:" + tenant.ToString("N"), o.Limit);
                break;
            case CallerKind.Reseller when caller.ResellerId is { } reseller:
                yield return new Budget("reseller", "r:" + reseller.ToString("N"), o.Limit);
                break;
            case CallerKind.Signer:
                yield return new Budget("signer_address", "sa:" + address, o.SignerPerAddress);
                yield return new Budget("signing_link", "s:" + caller.RecipientId?.ToString("N"), o.SignerPerLink);
                break;
            case CallerKind.Anonymous:
                yield return new Budget("address", "a:" + address, o.AnonymousPerAddress);
                break;
        }
        if (context.Method.EndsWith("/Login", StringComparison.Ordinal) && request is IMessage message
            && message.Descriptor.FindFieldByName("login_id")?.Accessor.GetValue(message) is string { Length: > 0 } loginId)
        {
            // Keyed by login id and address: a stranger elsewhere cannot hold up the owner's sign-in (the account
            // lockout after repeated wrong passwords still counts every address), and the key has a fixed size.
            var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(loginId.Trim().ToLowerInvariant())).AsSpan(0, 16));
            yield return new Budget("login", $"l:{id}@{address}", o.LoginPerLoginId, FailuresOnly: true);
        }
        if (context.Method.EndsWith("/VerifyDocument", StringComparison.Ordinal))
        {
            // A signer's budget is their link's, not their sender's tenant's.
            var who = caller.Kind == CallerKind.Signer ? "s" + caller.RecipientId?.ToString("N")
                : caller.TenantId?.ToString("N") ?? caller.ResellerId?.ToString("N") ?? address;
            yield return new Budget("verify", "v:" + who, o.VerifyPerCaller);
        }
    }

    /// <summary>Admits the call or throws RESOURCE_EXHAUSTED; returns the failures-only budget to charge if the call then fails authentication.</summary>
    /// <param name="streamedRequest">The client streams its request: the headers are sent at once, since the reply starts
    /// only after the client's last message, and a client may wait for them before it writes.</param>
    private async Task<Budget?> AdmitAsync(ServerCallContext context, object? request, bool streamedRequest)
    {
        var caller = context.GetCaller();
        if (caller.Kind == CallerKind.Operator)
        {
            return null;
        }
        var window = options.Value.Window;
        (Budget Budget, int Count, long Reset)? tightest = null;
        (Budget Budget, long RetryAt)? refused = null;
        Budget? failures = null;
        foreach (var budget in BudgetsOf(caller, context, request))
        {
            var (count, reset, retryAt) = budget.FailuresOnly
                ? await budgets.PeekAsync(budget.Key, budget.Limit, window, context.CancellationToken)
                : await budgets.TakeAsync(budget.Key, budget.Limit, window, context.CancellationToken);
            failures = budget.FailuresOnly ? budget : failures;
            if (tightest is null || budget.Limit - count < tightest.Value.Budget.Limit - tightest.Value.Count)
            {
                tightest = (budget, count, reset);
            }
            if (retryAt != 0)
            {
                refused = (budget, retryAt);
                break;
            }
        }
        if (tightest is not { } shown)
        {
            return null;
        }
        var metadata = new Metadata
        {
            { "x-ratelimit-limit", shown.Budget.Limit.ToString(CultureInfo.InvariantCulture) },
            { "x-ratelimit-remaining", Math.Max(0, shown.Budget.Limit - shown.Count).ToString(CultureInfo.InvariantCulture) },
            { "x-ratelimit-reset", (shown.Reset / 1000).ToString(CultureInfo.InvariantCulture) },
        };
        if (refused is null)
        {
            if (streamedRequest)
            {
                await context.WriteResponseHeadersAsync(metadata);
                return failures;
            }
            // Otherwise added to the response's headers, not written ahead of it: they leave with the reply's first
            // frame (or with the status of a call that fails), so a call costs one write to the connection instead of
            // two (WriteResponseHeadersAsync flushes on its own).
            var headers = context.GetHttpContext().Response.Headers;
            foreach (var entry in metadata)
            {
                headers.Append(entry.Key, entry.Value);
            }
            return failures;
        }
        var retryAfter = Math.Max(1, (refused.Value.RetryAt - clock.GetUtcNow().ToUnixTimeMilliseconds() + 999) / 1000);
        foreach (var entry in metadata)
        {
            context.ResponseTrailers.Add(entry);
        }
        context.ResponseTrailers.Add("retry-after", retryAfter.ToString(CultureInfo.InvariantCulture));
        var limit = refused.Value.Budget.Limit;
        var seconds = options.Value.Window.TotalSeconds;
        GmoSignMetrics.RateLimitRefusals.Add(1, new KeyValuePair<string, object?>("budget", refused.Value.Budget.Kind));
        throw new DomainException(ErrorKind.ResourceExhausted, "RATE_LIMITED",
            $"Too many calls: at most {limit} per {seconds:0} s; retry in {retryAfter} s.",
            $"呼び出しが多すぎます（{seconds:0}秒あたり最大{limit}回）。{retryAfter}秒後に再試行してください。")
        {
            Metadata = { ["retry_after"] = retryAfter.ToString(CultureInfo.InvariantCulture) },
        };
    }
}
