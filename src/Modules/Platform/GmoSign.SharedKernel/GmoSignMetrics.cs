using System.Diagnostics.Metrics;

namespace GmoSign;

/// <summary>
/// The service's own instruments, on the meter <c>GmoSign</c> (exported with ASP.NET Core's, gRPC's, Npgsql's and
/// Orleans' meters; see docs/architecture.md, "Observability"). Tags never carry tenant ids, people or addresses:
/// only small fixed sets of values.
/// </summary>
public static class GmoSignMetrics
{
    public const string MeterName = "GmoSign";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Signatures applied to documents (one per document per signer), once their change is stored; tag <c>type</c>: witness or certificate.</summary>
    public static readonly Counter<long> Signatures = Meter.CreateCounter<long>("gmosign.signatures", "{signature}",
        "Signatures applied to documents, once stored");

    /// <summary>Envelopes that reached an end state; tag <c>status</c>: completed, declined, voided, expired.</summary>
    public static readonly Counter<long> EnvelopesEnded = Meter.CreateCounter<long>("gmosign.envelopes.ended", "{envelope}",
        "Envelopes that reached an end state");

    /// <summary>Envelopes sent to their first recipients or approvers (a send after a rejection counts again).</summary>
    public static readonly Counter<long> EnvelopesSent = Meter.CreateCounter<long>("gmosign.envelopes.sent", "{envelope}", "Envelopes sent");

    /// <summary>Calls refused by a rate-limit budget; tag <c>budget</c>: the budget's kind (tenant, address, login, link, …).</summary>
    public static readonly Counter<long> RateLimitRefusals = Meter.CreateCounter<long>("gmosign.rate_limit.refusals", "{call}",
        "Calls refused by a rate-limit budget");

    /// <summary>
    /// How late an envelope's deadline (a reminder to send, its expiry) was carried out after the time it was due; tag
    /// <c>by</c>: reminder (its Orleans reminder fired) or sweep (the deadline sweep found one a reminder missed).
    /// </summary>
    public static readonly Histogram<double> ReminderLag = Meter.CreateHistogram<double>("gmosign.reminder.lag", "s",
        "How late envelope deadline reminders fire");

    /// <summary>
    /// Time spent in each stage of a signature inside the envelope grain (tag <c>stage</c>: authorize, tenant_check,
    /// sign_read, sign_pdf, sign_seal, timestamp_read, timestamp_pdf, timestamp_seal, trail_read, certificate_pdf,
    /// certificate_seal, commit,
    /// total), so that an operator — and <c>bench/service.sh</c> — can see where a signature's time goes.
    /// </summary>
    public static readonly Histogram<double> SignStage = Meter.CreateHistogram<double>("gmosign.sign.stage", "s",
        "Time spent in each stage of a signature");

    /// <summary>Records the time since <paramref name="since"/> under a sign stage and moves <paramref name="since"/> to now.</summary>
    public static void RecordSignStage(string stage, ref long since)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        SignStage.Record(System.Diagnostics.Stopwatch.GetElapsedTime(since, now).TotalSeconds, new KeyValuePair<string, object?>("stage", stage));
        since = now;
    }

    /// <summary>Observes values another part of the service measures (envelopes by state, outbox lag) on each collection.</summary>
    public static ObservableGauge<T> Gauge<T>(string name, string unit, string description, Func<IEnumerable<Measurement<T>>> observe)
        where T : struct => Meter.CreateObservableGauge(name, observe, unit, description);
}
