using GmoSign.Errors;
using Grpc.Core;
using GmoSign.Platform.Pipeline;

namespace GmoSign.Platform.Security;

/// <summary>A maintenance window in effect (terms Art. 16).</summary>
public sealed record MaintenanceNotice(string NoticeJa, string NoticeEn, DateTimeOffset StartsAt, DateTimeOffset EndsAt);

/// <summary>Answers, cheaply and without I/O, whether maintenance is in effect now.</summary>
public interface IMaintenanceGate
{
    MaintenanceNotice? InEffect(DateTimeOffset now);
}

/// <summary>
/// During maintenance, every call from a tenant, integration or reseller answers UNAVAILABLE with the notice and a
/// retry hint (<c>retry-after</c> seconds in the trailers, ErrorInfo metadata <c>retry_after</c>). Operator calls,
/// sign-in and the grpc.* services go through, so the operator can end the window and health stays truthful.
/// Runs after authentication: it needs to know who calls. Calls already running are not touched.
/// </summary>
public sealed class MaintenanceInterceptor(IMaintenanceGate gate, TimeProvider clock) : CallInterceptor
{
    protected override Task<TResult> InterceptAsync<TRequest, TResult>(ServerCall<TRequest> call, Func<ServerCall<TRequest>, Task<TResult>> next)
    {
        Check(call.Context);
        return next(call);
    }

    private void Check(ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (caller.Kind is CallerKind.Operator or CallerKind.Anonymous)
        {
            return;
        }
        var now = clock.GetUtcNow();
        if (gate.InEffect(now) is not { } notice)
        {
            return;
        }
        var retryAfter = Math.Max(1, (long)Math.Ceiling((notice.EndsAt - now).TotalSeconds));
        context.ResponseTrailers.Add("retry-after", retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture));
        throw new DomainException(ErrorKind.Unavailable, "MAINTENANCE", notice.NoticeEn, notice.NoticeJa)
        {
            Metadata =
            {
                ["retry_after"] = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ends_at"] = notice.EndsAt.ToString("O"),
            },
        };
    }
}
