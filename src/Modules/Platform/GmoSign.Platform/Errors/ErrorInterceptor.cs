using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using GmoSign.Common.V1;
using GmoSign.Errors;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace GmoSign.Platform.Errors;

/// <summary>
/// The one place where errors become gRPC statuses. A <see cref="DomainException"/> becomes its status with the
/// message in the caller's language (accept-language: ja → Japanese, otherwise English), a google.rpc.ErrorInfo
/// (reason, field), a BadRequest field violation when a field is named, and both language versions. Anything
/// unexpected becomes INTERNAL with a correlation id that is also in the log — never a stack trace.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public const string Domain = "gmosign.jp";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Translate(ex, context);
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
