using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GmoSign.Client;

/// <summary>When and how often a refused call is sent again.</summary>
public sealed record RetryPolicy(int MaxAttempts = 5, TimeSpan? FirstDelay = null, TimeSpan? MaxDelay = null)
{
    public static readonly RetryPolicy None = new(1);

    /// <summary>Exponential from <see cref="FirstDelay"/> (0.5 s), at most <see cref="MaxDelay"/> (20 s), unless the service says how long to wait.</summary>
    public TimeSpan Delay(int attempt, TimeSpan? retryAfter)
    {
        var max = MaxDelay ?? TimeSpan.FromSeconds(20);
        var delay = retryAfter ?? TimeSpan.FromTicks((FirstDelay ?? TimeSpan.FromMilliseconds(500)).Ticks * (1L << Math.Min(attempt - 1, 16)));
        return delay < max ? delay : max;
    }
}

/// <summary>
/// Unary calls: a request without a request id gets one (so that the service can recognise a retry), a call answered
/// UNAVAILABLE or RESOURCE_EXHAUSTED is sent again — the same message, so the same request id — after the wait the
/// service asked for (or an exponential one), and a final refusal arrives as a <see cref="GmoSignException"/>. Calls
/// that change something without carrying a request id are not repeated.
/// </summary>
internal sealed class RetryInterceptor(RetryPolicy policy) : Interceptor
{
    private static readonly string[] ReadPrefixes = ["Get", "List", "Search", "Verify", "WhoAmI", "Download"];

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var repeatable = EnsureRequestId(request) || ReadPrefixes.Any(p => context.Method.Name.StartsWith(p, StringComparison.Ordinal))
            || context.Method.Name is "UploadChunk" or "FinishUpload";
        AsyncUnaryCall<TResponse>? current = null;
        async Task<TResponse> RunAsync()
        {
            for (var attempt = 1; ; attempt++)
            {
                current = continuation(request, context);
                try
                {
                    return await current.ResponseAsync.ConfigureAwait(false);
                }
                catch (RpcException error)
                {
                    var typed = GmoSignException.From(error);
                    if (!repeatable || !typed.IsRetryable || attempt >= policy.MaxAttempts)
                    {
                        throw typed;
                    }
                    await Task.Delay(policy.Delay(attempt, typed.RetryAfter), context.Options.CancellationToken).ConfigureAwait(false);
                }
            }
        }
        var response = RunAsync();
        return new AsyncUnaryCall<TResponse>(response,
            response.ContinueWith(_ => current!.ResponseHeadersAsync, TaskScheduler.Default).Unwrap(),
            () => current!.GetStatus(), () => current!.GetTrailers(), () => current?.Dispose());
    }

    /// <summary>Fills an empty <c>request_id</c> with a new one; true when the request carries one (so a repeat is recognised).</summary>
    internal static bool EnsureRequestId(object request)
    {
        if (request is not IMessage message || message.Descriptor.FindFieldByName("request_id") is not { } field
            || field.FieldType != Google.Protobuf.Reflection.FieldType.String)
        {
            return false;
        }
        if (string.IsNullOrEmpty((string)field.Accessor.GetValue(message)))
        {
            field.Accessor.SetValue(message, Guid.NewGuid().ToString("N"));
        }
        return true;
    }
}

