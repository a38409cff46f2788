namespace GmoSign.Grains;

/// <summary>Configuration section <c>GmoSign:Signing</c>: envelope limits, deadlines and reminders (defaults follow GMO Sign).</summary>
public sealed class EnvelopeOptions
{
    public const string Section = "GmoSign:Signing";

    public int MaxDocumentsPerEnvelope { get; set; } = 100;
    public long MaxDocumentBytes { get; set; } = 50L * 1024 * 1024;
    public long MaxEnvelopeBytes { get; set; } = 200L * 1024 * 1024;
    public int MaxRecipients { get; set; } = 50;
    public int DefaultExpiryDays { get; set; } = 30;
    public int MaxExpiryDays { get; set; } = 30;
    public int[] DefaultReminderDaysBeforeExpiry { get; set; } = [23, 16, 9, 2];

    /// <summary>
    /// For tests and demonstrations only: a "day" of expiry and reminder schedules lasts this long instead of 24 hours.
    /// </summary>
    public TimeSpan? DayLengthOverride { get; set; }

    /// <summary>Documents up to this size stay in the activation's memory between signatures (the sign hot path).</summary>
    public long ContentCacheBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>After an envelope ends, recipients' links still open it (to read the outcome, download) this long.</summary>
    public TimeSpan LinkValidityAfterEnd { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// SignEnvelope calls a host carries out at once (0: four per core); the rest wait in arrival order. A signature is
    /// CPU work on the host and in PostgreSQL: beyond a few per core more at once only lengthens every one of them and
    /// spreads the waits unevenly, while a queue served in order keeps each call's latency close to the mean.
    /// </summary>
    public int MaxConcurrentSigns { get; set; }

    /// <summary>SignEnvelope calls that may wait for their turn on a host; the next is answered UNAVAILABLE (retry).</summary>
    public int SignQueueLimit { get; set; } = 1000;

    public TimeSpan Day => DayLengthOverride ?? TimeSpan.FromDays(1);
}
