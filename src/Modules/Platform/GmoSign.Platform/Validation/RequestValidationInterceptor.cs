using Google.Protobuf;
using Grpc.Core;
using GmoSign.Platform.Pipeline;

namespace GmoSign.Platform.Validation;

/// <summary>
/// Every request message of every call kind (unary, client-, server- and duplex-streaming) passes
/// <see cref="MessageLimits"/> before the service sees it; a streamed request is checked message by message.
/// Runs before authentication, so even unauthenticated calls (Login) never carry a NUL into PostgreSQL.
/// </summary>
public sealed class RequestValidationInterceptor : CallInterceptor
{
    protected override Task<TResult> InterceptAsync<TRequest, TResult>(ServerCall<TRequest> call, Func<ServerCall<TRequest>, Task<TResult>> next)
    {
        if (call.Requests is { } stream)
        {
            return next(call with { Requests = new CheckedStream<TRequest>(stream) });
        }
        Check(call.Request);
        return next(call);
    }

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
