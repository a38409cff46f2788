namespace GmoSign.Signing;

/// <summary>Configuration section <c>GmoSign:Signing</c>; defaults follow GMO Sign's published limits.</summary>
public sealed class SigningOptions
{
    public const string Section = "GmoSign:Signing";

    public int MaxDocumentsPerEnvelope { get; set; } = 100;
    public long MaxDocumentBytes { get; set; } = 50L * 1024 * 1024;
    public long MaxEnvelopeBytes { get; set; } = 200L * 1024 * 1024;
    public int DefaultExpiryDays { get; set; } = 30;
    public int MaxExpiryDays { get; set; } = 30;
    public int[] DefaultReminderDaysBeforeExpiry { get; set; } = [23, 16, 9, 2];
}
