namespace GmoSign.Grains.Envelopes;

/// <summary>
/// An envelope's whole state as stored: small (documents are referenced by content id and hash), one JSON document
/// with a version. Only <see cref="Envelope"/> changes it; callers outside the grain see an <see cref="EnvelopeView"/>.
/// The property names are the stored JSON's: rename none without migrating the stored states.
/// </summary>
public sealed class EnvelopeState
{
    public Guid EnvelopeId { get; set; }
    public Guid TenantId { get; set; }
    public long Version { get; set; }
    public EnvelopeStatus Status { get; set; }
    public string Title { get; set; } = "";
    public string Message { get; set; } = "";
    public List<RecipientState> Recipients { get; set; } = [];
    public List<int> AnyOneSteps { get; set; } = [];
    public List<DocumentState> Documents { get; set; } = [];
    public List<Approver> Approvers { get; set; } = [];
    public List<Guid> ApprovedBy { get; set; } = [];
    public RetentionSpec Retention { get; set; } = new("contract", null, 0, "JPY", null, []);
    public bool AllowReassign { get; set; }
    public int ExpiryDays { get; set; }
    public List<int> ReminderDaysBeforeExpiry { get; set; } = [];
    public int ReminderEveryDays { get; set; }
    public Actor Sender { get; set; } = new(null, "", null, null, null);
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? StatusReason { get; set; }
    public string? CreateRequestId { get; set; }
    /// <summary>Recent idempotency keys → the version their change produced.</summary>
    public Dictionary<string, long> Requests { get; set; } = new(StringComparer.Ordinal);
    public long AuditSequence { get; set; }
    public byte[] AuditHash { get; set; } = new byte[32];
    /// <summary>Reminders already sent, as their due times.</summary>
    public List<DateTimeOffset> RemindersSent { get; set; } = [];
    /// <summary>Completed but not yet handed to Retention (retried by the deadline reminder).</summary>
    public bool ArchivePending { get; set; }
    public Guid? CertificateContentId { get; set; }
    public Guid? AuditTrailContentId { get; set; }
    public int SignatureCount { get; set; }
    /// <summary>When the envelope reached Completed, Declined, Voided or Expired.</summary>
    public DateTimeOffset? EndedAt { get; set; }
    public List<FieldState> Fields { get; set; } = [];
    public Guid? TemplateId { get; set; }
    public int TemplateVersion { get; set; }
}

public sealed class RecipientState
{
    public Guid RecipientId { get; set; }
    public string Name { get; set; } = "";
    public string Email { get; set; } = "";
    public bool CarbonCopy { get; set; }
    public int Step { get; set; }
    /// <summary>SHA-256 of the access code, when one is set (the code itself is not kept).</summary>
    public byte[]? AccessCodeHash { get; set; }
    public bool CertificateType { get; set; }
    public Guid? UserId { get; set; }
    public RecipientStatus Status { get; set; } = RecipientStatus.Pending;
    public DateTimeOffset? NotifiedAt { get; set; }
    public DateTimeOffset? ViewedAt { get; set; }
    public DateTimeOffset? SignedAt { get; set; }
    public string? DeclineReason { get; set; }
    public Guid? ReassignedTo { get; set; }
    public Guid? ReassignedFrom { get; set; }
    public string? SignedByDelegate { get; set; }
    public string? SignedFromIp { get; set; }
    /// <summary>Wrong access codes since the last (re)send; at the limit the link is locked until the sender resends.</summary>
    public int FailedAccessCodes { get; set; }
    /// <summary>The label of the recipient's part (甲, 乙, …).</summary>
    public string? Label { get; set; }
}

public sealed class DocumentState
{
    public Guid DocumentId { get; set; }
    public string FileName { get; set; } = "";
    public Guid OriginalContentId { get; set; }
    public byte[] OriginalSha256 { get; set; } = [];
    public Guid ContentId { get; set; }
    public byte[] Sha256 { get; set; } = [];
    public long SizeBytes { get; set; }
    public int Signatures { get; set; }
    public Guid? ArchivedDocumentId { get; set; }
    public string? UploadRequestId { get; set; }
}
