namespace GmoSign.Retention;

/// <summary>Configuration section <c>GmoSign:Retention</c>.</summary>
public sealed class RetentionOptions
{
    public const string Section = "GmoSign:Retention";
    public const string MasterKeySetting = "GmoSign:Retention:MasterKey";

    /// <summary>
    /// 32 random bytes, base64: wraps every tenant's data key (environment <c>GmoSign__Retention__MasterKey</c>;
    /// deploy/run.sh generates one into .data/secrets). Production takes it from a KMS/HSM instead.
    /// </summary>
    public string? MasterKey { get; set; }

    /// <summary>Largest document accepted (50 MiB, as GMO Sign).</summary>
    public long MaxDocumentBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// How long an export can be resumed (its export id continues it) after its first call. Older exports answer
    /// FAILED_PRECONDITION (EXPORT_EXPIRED) and are deleted when a later export starts.
    /// </summary>
    public TimeSpan ExportLifetime { get; set; } = TimeSpan.FromDays(7);
}
