namespace GmoSign.Grains;

/// <summary>
/// An envelope as its callers see it: what the services show and check, without what only the envelope keeps for
/// itself (access-code hashes, remembered request ids, the audit chain's head).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EnvelopeView(
    [property: Id(0)] Guid EnvelopeId,
    [property: Id(1)] Guid TenantId,
    [property: Id(2)] long Version,
    [property: Id(3)] EnvelopeStatus Status,
    [property: Id(4)] string Title,
    [property: Id(5)] string Message,
    [property: Id(6)] IReadOnlyList<RecipientView> Recipients,
    [property: Id(7)] IReadOnlyList<int> AnyOneSteps,
    [property: Id(8)] IReadOnlyList<DocumentView> Documents,
    [property: Id(9)] IReadOnlyList<Guid> ApproverUserIds,
    [property: Id(10)] IReadOnlyList<Guid> ApprovedBy,
    [property: Id(11)] RetentionSpec Retention,
    [property: Id(12)] bool AllowReassign,
    [property: Id(13)] int ExpiryDays,
    [property: Id(14)] IReadOnlyList<int> ReminderDaysBeforeExpiry,
    [property: Id(15)] int ReminderEveryDays,
    [property: Id(16)] Guid? SenderUserId,
    [property: Id(17)] string SenderName,
    [property: Id(18)] DateTimeOffset CreatedAt,
    [property: Id(19)] DateTimeOffset? SentAt,
    [property: Id(20)] DateTimeOffset? ExpiresAt,
    [property: Id(21)] DateTimeOffset? CompletedAt,
    [property: Id(22)] string? StatusReason,
    [property: Id(23)] Guid? CertificateContentId)
{
    /// <summary>The input fields placed on the documents.</summary>
    [Id(24)] public IReadOnlyList<FieldView> Fields { get; init; } = [];

    /// <summary>The template and version the envelope was made from.</summary>
    [Id(25)] public Guid? TemplateId { get; init; }

    [Id(26)] public int TemplateVersion { get; init; }

    /// <summary>The sender, a tenant administrator or an integration may change the envelope.</summary>
    public bool IsManagedBy(Actor actor) => actor.ManagesAll || (actor.UserId is { } user && user == SenderUserId);
}

[GenerateSerializer, Immutable]
public sealed record RecipientView(
    [property: Id(0)] Guid RecipientId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Email,
    [property: Id(3)] bool CarbonCopy,
    [property: Id(4)] int Step,
    [property: Id(5)] bool HasAccessCode,
    [property: Id(6)] bool CertificateType,
    [property: Id(7)] Guid? UserId,
    [property: Id(8)] RecipientStatus Status,
    [property: Id(9)] DateTimeOffset? NotifiedAt,
    [property: Id(10)] DateTimeOffset? ViewedAt,
    [property: Id(11)] DateTimeOffset? SignedAt,
    [property: Id(12)] string? DeclineReason,
    [property: Id(13)] Guid? ReassignedTo,
    [property: Id(14)] Guid? ReassignedFrom,
    [property: Id(15)] string? SignedByDelegate,
    [property: Id(16)] string? Label = null);

[GenerateSerializer, Immutable]
public sealed record DocumentView(
    [property: Id(0)] Guid DocumentId,
    [property: Id(1)] string FileName,
    [property: Id(2)] byte[] OriginalSha256,
    [property: Id(3)] Guid ContentId,
    [property: Id(4)] byte[] Sha256,
    [property: Id(5)] long SizeBytes,
    [property: Id(6)] int Signatures,
    [property: Id(7)] Guid? ArchivedDocumentId,
    /// <summary>The request id of the upload that added it (a retried upload finds its document).</summary>
    [property: Id(8)] string? UploadRequestId);
