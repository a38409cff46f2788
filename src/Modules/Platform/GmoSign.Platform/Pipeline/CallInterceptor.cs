using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GmoSign.Platform.Pipeline;

/// <summary>
/// One call on the request path, of any kind: the single request message of a unary or server-streaming call, or the
/// request stream of a client- or duplex-streaming call. An interceptor may hand the next one a different stream
/// (one that checks each message, say) with <c>call with { Requests = … }</c>.
/// </summary>
public sealed record ServerCall<TRequest>(MethodType Kind, ServerCallContext Context, TRequest? Request, IAsyncStreamReader<TRequest>? Requests)
    where TRequest : class;

/// <summary>
/// The base of every interceptor on the request path (docs/architecture.md, "The request path"). An interceptor says
/// once what it does around a call, in <see cref="InterceptAsync{TRequest,TResult}"/>; this class applies it to
/// unary, client-streaming, server-streaming and duplex-streaming calls alike, and its four handlers are sealed, so no
/// interceptor can leave a call kind out — a future streaming RPC gets error mapping, validation, authentication,
/// maintenance and rate limits like every other.
/// </summary>
public abstract class CallInterceptor : Interceptor
{
    /// <summary>
    /// Runs around one call: checks before <paramref name="next"/>, handling of what it throws, or both. The result
    /// is the call's response (or a placeholder for calls that stream their responses); pass it through.
    /// </summary>
    protected abstract Task<TResult> InterceptAsync<TRequest, TResult>(ServerCall<TRequest> call, Func<ServerCall<TRequest>, Task<TResult>> next)
        where TRequest : class;

    public sealed override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        InterceptAsync(new ServerCall<TRequest>(MethodType.Unary, context, request, null), c => continuation(c.Request!, c.Context));

    public sealed override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        InterceptAsync(new ServerCall<TRequest>(MethodType.ClientStreaming, context, null, requestStream), c => continuation(c.Requests!, c.Context));

    public sealed override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        InterceptAsync(new ServerCall<TRequest>(MethodType.ServerStreaming, context, request, null), async c =>
        {
            await continuation(c.Request!, responseStream, c.Context);
            return Streamed.Value;
        });

    public sealed override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        InterceptAsync(new ServerCall<TRequest>(MethodType.DuplexStreaming, context, null, requestStream), async c =>
        {
            await continuation(c.Requests!, responseStream, c.Context);
            return Streamed.Value;
        });

    /// <summary>The result of a call whose responses went to the response stream.</summary>
    private sealed class Streamed
    {
        public static readonly Streamed Value = new();
    }
}
