namespace GmoSign.Grains;

/// <summary>
/// An envelope's whole state: small (documents are referenced by content id and hash), stored as one JSON document
/// with a version, and returned to callers as a snapshot.
/// </summary>
[GenerateSerializer]
public sealed class EnvelopeState
{
    [Id(0)] public Guid EnvelopeId { get; set; }
    [Id(1)] public Guid TenantId { get; set; }
    [Id(2)] public long Version { get; set; }
    [Id(3)] public EnvelopeStatus Status { get; set; }
    [Id(4)] public string Title { get; set; } = "";
    [Id(5)] public string Message { get; set; } = "";
    [Id(6)] public List<RecipientState> Recipients { get; set; } = [];
    [Id(7)] public List<int> AnyOneSteps { get; set; } = [];
    [Id(8)] public List<DocumentState> Documents { get; set; } = [];
    [Id(9)] public List<Approver> Approvers { get; set; } = [];
    [Id(10)] public List<Guid> ApprovedBy { get; set; } = [];
    [Id(11)] public RetentionSpec Retention { get; set; } = new("contract", null, 0, "JPY", null, []);
    [Id(12)] public bool AllowReassign { get; set; }
    [Id(13)] public int ExpiryDays { get; set; }
    [Id(14)] public List<int> ReminderDaysBeforeExpiry { get; set; } = [];
    [Id(15)] public int ReminderEveryDays { get; set; }
    [Id(16)] public Actor Sender { get; set; } = new(null, "", null, null, null);
    [Id(17)] public DateTimeOffset CreatedAt { get; set; }
    [Id(18)] public DateTimeOffset? SentAt { get; set; }
    [Id(19)] public DateTimeOffset? ExpiresAt { get; set; }
    [Id(20)] public DateTimeOffset? CompletedAt { get; set; }
    [Id(21)] public string? StatusReason { get; set; }
    [Id(22)] public string? CreateRequestId { get; set; }
    /// <summary>Recent idempotency keys → the version their change produced.</summary>
    [Id(23)] public Dictionary<string, long> Requests { get; set; } = new(StringComparer.Ordinal);
    [Id(24)] public long AuditSequence { get; set; }
    [Id(25)] public byte[] AuditHash { get; set; } = new byte[32];
    /// <summary>Reminders already sent, as their due times.</summary>
    [Id(26)] public List<DateTimeOffset> RemindersSent { get; set; } = [];
    /// <summary>Completed but not yet handed to Retention (retried by the deadline reminder).</summary>
    [Id(27)] public bool ArchivePending { get; set; }
    [Id(28)] public Guid? CertificateContentId { get; set; }
    [Id(29)] public Guid? AuditTrailContentId { get; set; }
    [Id(30)] public int SignatureCount { get; set; }
    /// <summary>When the envelope reached Completed, Declined, Voided or Expired.</summary>
    [Id(31)] public DateTimeOffset? EndedAt { get; set; }

    /// <summary>The sender, a tenant administrator or an integration may change the envelope.</summary>
    public bool IsManagedBy(Actor actor) => actor.ManagesAll || (actor.UserId is { } user && user == Sender.UserId);
}

[GenerateSerializer]
public sealed class RecipientState
{
    [Id(0)] public Guid RecipientId { get; set; }
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public string Email { get; set; } = "";
    [Id(3)] public bool CarbonCopy { get; set; }
    [Id(4)] public int Step { get; set; }
    /// <summary>SHA-256 of the access code, when one is set (the code itself is not kept).</summary>
    [Id(5)] public byte[]? AccessCodeHash { get; set; }
    [Id(6)] public bool CertificateType { get; set; }
    [Id(7)] public Guid? UserId { get; set; }
    [Id(8)] public RecipientStatus Status { get; set; } = RecipientStatus.Pending;
    [Id(9)] public DateTimeOffset? NotifiedAt { get; set; }
    [Id(10)] public DateTimeOffset? ViewedAt { get; set; }
    [Id(11)] public DateTimeOffset? SignedAt { get; set; }
    [Id(12)] public string? DeclineReason { get; set; }
    [Id(13)] public Guid? ReassignedTo { get; set; }
    [Id(14)] public Guid? ReassignedFrom { get; set; }
    [Id(15)] public string? SignedByDelegate { get; set; }
    [Id(16)] public string? SignedFromIp { get; set; }
    /// <summary>Wrong access codes since the last (re)send; at the limit the link is locked until the sender resends.</summary>
    [Id(17)] public int FailedAccessCodes { get; set; }
}

[GenerateSerializer]
public sealed class DocumentState
{
    [Id(0)] public Guid DocumentId { get; set; }
    [Id(1)] public string FileName { get; set; } = "";
    [Id(2)] public Guid OriginalContentId { get; set; }
    [Id(3)] public byte[] OriginalSha256 { get; set; } = [];
    [Id(4)] public Guid ContentId { get; set; }
    [Id(5)] public byte[] Sha256 { get; set; } = [];
    [Id(6)] public long SizeBytes { get; set; }
    [Id(7)] public int Signatures { get; set; }
    [Id(8)] public Guid? ArchivedDocumentId { get; set; }
    [Id(9)] public string? UploadRequestId { get; set; }
}
