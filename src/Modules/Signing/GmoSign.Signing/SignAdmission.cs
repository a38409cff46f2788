using System.Threading.RateLimiting;
using GmoSign.Grains;
using Microsoft.Extensions.Options;

namespace GmoSign.Signing;

/// <summary>
/// Admission of SignEnvelope calls on this host: at most <see cref="EnvelopeOptions.MaxConcurrentSigns"/> at once, the
/// others queued oldest first (<see cref="ConcurrencyLimiter"/>), so that under load each call waits its turn instead
/// of every call sharing the cores and finishing late at random. A full queue answers UNAVAILABLE with retry-after:
/// the client sends the same request (same request id) again. A call cancelled while waiting leaves the queue.
/// </summary>
internal sealed class SignAdmission : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;

    public SignAdmission(IOptions<EnvelopeOptions> options)
    {
        var settings = options.Value;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.MaxConcurrentSigns > 0 ? settings.MaxConcurrentSigns : 4 * Environment.ProcessorCount,
            QueueLimit = Math.Max(0, settings.SignQueueLimit),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>The turn of one call; dispose it when the call is done.</summary>
    public async ValueTask<RateLimitLease> EnterAsync(CancellationToken cancellationToken)
    {
        var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            // Classified as a temporary unavailability by the error interceptor: UNAVAILABLE, retry-after.
            throw new TimeoutException("Too many signatures are waiting on this host.");
        }
        return lease;
    }

    public void Dispose() => _limiter.Dispose();
}
