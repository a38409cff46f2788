using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace GmoSign.Platform.Validation;

/// <summary>
/// Every request message of every call kind (unary, client-, server- and duplex-streaming) passes
/// <see cref="MessageLimits"/> before the service sees it; a streamed request is checked message by message.
/// Runs before authentication, so even unauthenticated calls (Login) never carry a NUL into PostgreSQL.
/// </summary>
public sealed class RequestValidationInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new CheckedStream<TRequest>(requestStream), context);

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new CheckedStream<TRequest>(requestStream), responseStream, context);

    private static void Check<T>(T message)
    {
        if (message is IMessage protobuf)
        {
            MessageLimits.Validate(protobuf);
        }
    }

    private sealed class CheckedStream<T>(IAsyncStreamReader<T> inner) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken))
            {
                return false;
            }
            Check(inner.Current);
            return true;
        }
    }
}
