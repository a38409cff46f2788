using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using GmoSign.Common.V1;
using GmoSign.Errors;
using Grpc.Core;
using GmoSign.Platform.Pipeline;
using Microsoft.Extensions.Logging;

namespace GmoSign.Platform.Errors;

/// <summary>
/// The one place where errors become gRPC statuses. A <see cref="DomainException"/> becomes its status with the
/// message in the caller's language (accept-language: ja → Japanese, otherwise English), a google.rpc.ErrorInfo
/// (reason, field), a BadRequest field violation when a field is named, and both language versions. Anything
/// unexpected becomes INTERNAL with a correlation id that is also in the log — never a stack trace.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : CallInterceptor
{
    public const string Domain = "gmosign.jp";

    protected override async Task<TResult> InterceptAsync<TRequest, TResult>(ServerCall<TRequest> call, Func<ServerCall<TRequest>, Task<TResult>> next)
    {
        // Only a client-streaming call is drained after a refusal: its client sends everything before it reads the answer.
        var drain = call.Kind == MethodType.ClientStreaming ? call.Requests : null;
        try
        {
            return await next(call);
        }
        catch (RpcException malformed) when (drain is not null && malformed.StatusCode == StatusCode.InvalidArgument)
        {
            await DrainAsync(drain, call.Context.CancellationToken);
            throw;
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            var error = Translate(ex, call.Context);
            // What the client sends is read on only for refusals of the content or its rate; an unauthenticated or
            // unauthorised caller gets its answer at once.
            if (drain is not null && ex is DomainException { Kind: ErrorKind.InvalidArgument or ErrorKind.ResourceExhausted or ErrorKind.FailedPrecondition })
            {
                await DrainAsync(drain, call.Context.CancellationToken);
            }
            throw error;
        }
    }

    /// <summary>Bytes of request messages read and discarded after a client-streaming call was refused.</summary>
    public const long DrainLimitBytes = 16L * 1024 * 1024;

    /// <summary>How long a refused client-streaming call waits for the client to finish sending.</summary>
    public static readonly TimeSpan DrainLimitTime = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Reads what the client is still sending after its call was refused, so that the refusal travels after the
    /// client's last message. Answering in the middle of the client's upload makes Kestrel reset the stream, and an
    /// HTTP/2 client can then see the reset (CANCELLED, INTERNAL or ENHANCE_YOUR_CALM) instead of the status.
    /// Bounded by <see cref="DrainLimitBytes"/> and <see cref="DrainLimitTime"/>: a client that sends more or longer
    /// gets the reset.
    /// </summary>
    private static async Task DrainAsync<TRequest>(IAsyncStreamReader<TRequest> requestStream, CancellationToken callCancelled)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(callCancelled);
        timeout.CancelAfter(DrainLimitTime);
        long drained = 0;
        try
        {
            while (drained <= DrainLimitBytes && await requestStream.MoveNext(timeout.Token))
            {
                drained += requestStream.Current is Google.Protobuf.IMessage message ? message.CalculateSize() : 1;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // The client went away, sent a message the server cannot read, or the time ran out: answer now.
        }
    }

    private RpcException Translate(Exception ex, ServerCallContext context)
    {
        if (ex is DomainException domain)
        {
            return ToRpcException(domain, PrefersJapanese(context.RequestHeaders));
        }
        if (ex is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return new RpcException(new Grpc.Core.Status(StatusCode.Cancelled, "The call was cancelled."));
        }
        if (Unavailability(ex) is { } cause)
        {
            // The database or a cluster host is out of reach: the same request (same request_id) may be sent again.
            logger.LogWarning("{Method} could not finish: {Cause}: {Message}", context.Method, cause, ex.Message);
            context.ResponseTrailers.Add("retry-after", RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return ToRpcException(new DomainException(ErrorKind.Unavailable, "TEMPORARILY_UNAVAILABLE",
                $"The service is temporarily unavailable; retry the same request in {RetryAfterSeconds} s.",
                $"サービスが一時的に利用できません。{RetryAfterSeconds}秒後に同じリクエストを再送してください。")
            {
                Metadata = { ["retry_after"] = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            }, PrefersJapanese(context.RequestHeaders));
        }

        var correlationId = Guid.NewGuid().ToString("N");
        logger.LogError(ex, "Unhandled error in {Method}; correlation id {CorrelationId}", context.Method, correlationId);
        var status = new Google.Rpc.Status
        {
            Code = (int)StatusCode.Internal,
            Message = $"Internal error (correlation id {correlationId}). / 内部エラーが発生しました（相関ID {correlationId}）。",
            Details =
            {
                Any.Pack(new ErrorInfo { Reason = "INTERNAL", Domain = Domain, Metadata = { ["correlation_id"] = correlationId } }),
            },
        };
        return status.ToRpcException();
    }

    /// <summary>The retry hint sent with UNAVAILABLE (trailer <c>retry-after</c>, ErrorInfo metadata <c>retry_after</c>).</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>
    /// Names the kind of outage when the exception (or one it wraps) says the database or a cluster host could not be
    /// reached: a transient Npgsql error (connection refused or broken, server shutting down, too many connections),
    /// an Orleans call that found its silo gone, was rejected or timed out. Null for anything else.
    /// </summary>
    public static string? Unavailability(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (Classify(e) is { } cause)
            {
                return cause;
            }
            if (e is AggregateException { InnerExceptions.Count: 1 } aggregate)
            {
                return Unavailability(aggregate.InnerExceptions[0]);
            }
        }
        return null;
    }

    private static string? Classify(Exception e) => e switch
    {
        Npgsql.NpgsqlException { IsTransient: true } => "database unavailable",
        Npgsql.NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException or TimeoutException } => "database connection lost",
        Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException => "cluster host unavailable",
        TimeoutException => "timed out",
        Orleans.Serialization.UnavailableExceptionFallbackException { ExceptionType: { } type } when type.StartsWith("Npgsql.", StringComparison.Ordinal)
            => "database unavailable",
        _ when e.GetType().Name is "ConnectionFailedException" or "GatewayTooBusyException" => "cluster host unavailable",
        _ => null,
    };

    public static bool PrefersJapanese(Metadata headers)
    {
        var value = headers.GetValue("accept-language");
        return value is not null && value.TrimStart().StartsWith("ja", StringComparison.OrdinalIgnoreCase);
    }

    public static StatusCode ToStatusCode(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        ErrorKind.NotFound => StatusCode.NotFound,
        ErrorKind.PermissionDenied => StatusCode.PermissionDenied,
        ErrorKind.FailedPrecondition => StatusCode.FailedPrecondition,
        ErrorKind.AlreadyExists => StatusCode.AlreadyExists,
        ErrorKind.ResourceExhausted => StatusCode.ResourceExhausted,
        ErrorKind.Unauthenticated => StatusCode.Unauthenticated,
        ErrorKind.Unavailable => StatusCode.Unavailable,
        _ => StatusCode.Internal,
    };

    public static RpcException ToRpcException(DomainException error, bool japanese)
    {
        var info = new ErrorInfo { Reason = error.Reason, Domain = Domain };
        if (error.Field is not null)
        {
            info.Metadata["field"] = error.Field;
        }
        foreach (var (key, value) in error.Metadata)
        {
            info.Metadata[key] = value;
        }

        var status = new Google.Rpc.Status
        {
            Code = (int)ToStatusCode(error.Kind),
            Message = japanese ? error.Japanese : error.English,
            Details =
            {
                Any.Pack(info),
                Any.Pack(new LocalizedMessages { Ja = error.Japanese, En = error.English }),
            },
        };
        if (error.Field is not null)
        {
            status.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = error.Field, Description = error.English } },
            }));
        }
        return status.ToRpcException();
    }
}
