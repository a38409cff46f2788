using System.Collections.Concurrent;
using System.Globalization;
using GmoSign.Errors;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace GmoSign.Platform.Security;

/// <summary>Configuration section <c>GmoSign:RateLimit</c> (SPEC Art. 12-1 (6): excessive load).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "GmoSign:RateLimit";

    /// <summary>Calls a tenant (all its users and integrations together) or a reseller may make per window, per host.</summary>
    public int Limit { get; set; } = 1000;

    /// <summary>The window the limit counts in; it opens with the first call after the previous one closed.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Per-tenant and per-reseller call limits, announced the way DocuSign does (here as gRPC response metadata):
/// <c>x-ratelimit-limit</c>, <c>x-ratelimit-remaining</c>, <c>x-ratelimit-reset</c> (Unix seconds) on every call;
/// beyond the limit RESOURCE_EXHAUSTED with <c>retry-after</c>. Counted in memory per host, in windows opened by the first call — cheap on
/// the hot path; operator calls are not limited.
/// </summary>
public sealed class RateLimitInterceptor(IOptions<RateLimitOptions> options, TimeProvider clock) : Interceptor
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new();

    private sealed class Counter
    {
        public long WindowStart;
        public int Count;
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync(context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync(context);
        return await continuation(requestStream, context);
    }

    private async Task AdmitAsync(ServerCallContext context)
    {
        var caller = context.GetCaller();
        var key = caller.Kind switch
        {
            CallerKind.TenantUser or CallerKind.Integration when caller.TenantId is { } tenant => "t:" + tenant.ToString("N"),
            CallerKind.Reseller when caller.ResellerId is { } reseller => "r:" + reseller.ToString("N"),
            _ => null,
        };
        if (key is null)
        {
            return;
        }
        var settings = options.Value;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)settings.Window.TotalMilliseconds;
        var counter = _counters.GetOrAdd(key, _ => new Counter());
        int count;
        long windowStart;
        lock (counter)
        {
            // A window opens with the first call after the previous one closed.
            if (counter.Count == 0 || now >= counter.WindowStart + windowMs)
            {
                counter.WindowStart = now;
                counter.Count = 0;
            }
            count = ++counter.Count;
            windowStart = counter.WindowStart;
        }
        var reset = (windowStart + windowMs) / 1000;
        var remaining = Math.Max(0, settings.Limit - count);
        var metadata = new Metadata
        {
            { "x-ratelimit-limit", settings.Limit.ToString(CultureInfo.InvariantCulture) },
            { "x-ratelimit-remaining", remaining.ToString(CultureInfo.InvariantCulture) },
            { "x-ratelimit-reset", reset.ToString(CultureInfo.InvariantCulture) },
        };
        if (count <= settings.Limit)
        {
            await context.WriteResponseHeadersAsync(metadata);
            return;
        }
        var retryAfter = Math.Max(1, (windowStart + windowMs - now + 999) / 1000);
        foreach (var entry in metadata)
        {
            context.ResponseTrailers.Add(entry);
        }
        context.ResponseTrailers.Add("retry-after", retryAfter.ToString(CultureInfo.InvariantCulture));
        throw new DomainException(ErrorKind.ResourceExhausted, "RATE_LIMITED",
            $"Too many calls: at most {settings.Limit} per {settings.Window.TotalSeconds:0} s; retry in {retryAfter} s.",
            $"呼び出しが多すぎます（{settings.Window.TotalSeconds:0}秒あたり最大{settings.Limit}回）。{retryAfter}秒後に再試行してください。")
        {
            Metadata = { ["retry_after"] = retryAfter.ToString(CultureInfo.InvariantCulture) },
        };
    }
}
