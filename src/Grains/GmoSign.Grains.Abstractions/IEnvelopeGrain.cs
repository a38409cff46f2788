namespace GmoSign.Grains;

public enum EnvelopeStatus
{
    Draft = 1,
    Approval = 2,
    Sent = 3,
    Completed = 4,
    Declined = 5,
    Voided = 6,
    Expired = 7,
}

public enum RecipientStatus
{
    Pending = 1,
    Notified = 2,
    Viewed = 3,
    Signed = 4,
    Declined = 5,
    Reassigned = 6,
}

/// <summary>
/// Who performs an action, as the audit trail records it (from the call: user, IP, user agent). <see cref="ManagesAll"/>:
/// a tenant administrator or an integration, who may manage envelopes other users sent.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record Actor(
    [property: Id(0)] Guid? UserId,
    [property: Id(1)] string Name,
    [property: Id(2)] string? Email,
    [property: Id(3)] string? IpAddress,
    [property: Id(4)] string? UserAgent,
    [property: Id(5)] bool ManagesAll = false);

/// <summary>An internal approver (自社ワークフロー): a user of the sending tenant.</summary>
[GenerateSerializer, Immutable]
public sealed record Approver(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Name,
    [property: Id(2)] string Email);

[GenerateSerializer, Immutable]
public sealed record RecipientSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string Email,
    [property: Id(2)] bool CarbonCopy,
    [property: Id(3)] int Step,
    [property: Id(4)] string? AccessCode,
    [property: Id(5)] bool CertificateType,
    [property: Id(6)] Guid? UserId,
    [property: Id(7)] string? Label = null);

/// <summary>Search metadata for Retention (電子帳簿保存法).</summary>
[GenerateSerializer, Immutable]
public sealed record RetentionSpec(
    [property: Id(0)] string DocumentType,
    [property: Id(1)] DateOnly? TransactionDate,
    [property: Id(2)] long Amount,
    [property: Id(3)] string Currency,
    [property: Id(4)] string? Counterparty,
    [property: Id(5)] IReadOnlyList<string> Tags);

/// <summary>A new draft envelope, validated by the service.</summary>
[GenerateSerializer, Immutable]
public sealed record EnvelopeDraft(
    [property: Id(0)] Guid TenantId,
    [property: Id(1)] string? RequestId,
    [property: Id(2)] string Title,
    [property: Id(3)] string Message,
    [property: Id(4)] IReadOnlyList<RecipientSpec> Recipients,
    [property: Id(5)] IReadOnlyList<int> AnyOneSteps,
    [property: Id(6)] IReadOnlyList<Approver> Approvers,
    [property: Id(7)] RetentionSpec Retention,
    [property: Id(8)] bool AllowReassign,
    [property: Id(9)] int ExpiryDays,
    [property: Id(10)] IReadOnlyList<int> ReminderDaysBeforeExpiry,
    [property: Id(11)] int ReminderEveryDays,
    [property: Id(12)] Actor Sender)
{
    /// <summary>The template and version the draft is made from.</summary>
    [Id(13)] public Guid? TemplateId { get; init; }

    [Id(14)] public int TemplateVersion { get; init; }
}

/// <summary>An uploaded PDF whose content is already stored encrypted.</summary>
[GenerateSerializer, Immutable]
public sealed record NewDocument(
    [property: Id(0)] Guid DocumentId,
    [property: Id(1)] Guid ContentId,
    [property: Id(2)] string FileName,
    [property: Id(3)] long SizeBytes,
    [property: Id(4)] byte[] Sha256,
    [property: Id(5)] string? RequestId)
{
    /// <summary>
    /// The stored bytes themselves, when the caller has them at hand (an upload): the activation keeps them for the
    /// first signature instead of reading them back. Null: read from storage when needed.
    /// </summary>
    [Id(6)] public byte[]? Content { get; init; }
}

/// <summary>
/// A recipient acting: through their signing link (the link already identified them) or a tenant user's session
/// (the grain checks that the user is the recipient, or holds a delegation from them).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RecipientAccess(
    [property: Id(0)] Guid TenantId,
    [property: Id(1)] Guid RecipientId,
    [property: Id(2)] bool ViaLink,
    [property: Id(3)] string? AccessCode,
    [property: Id(4)] Actor Actor);

[GenerateSerializer, Immutable]
public sealed record RecipientResult(
    [property: Id(0)] EnvelopeView Envelope,
    [property: Id(1)] Guid RecipientId,
    [property: Id(2)] bool CanSign);

/// <summary>A document's stored content, for download.</summary>
[GenerateSerializer, Immutable]
public sealed record DocumentContentRef(
    [property: Id(0)] Guid DocumentId,
    [property: Id(1)] Guid ContentId,
    [property: Id(2)] string FileName,
    [property: Id(3)] long SizeBytes);

/// <summary>
/// One envelope (docs/architecture.md, "Envelopes"); key = envelope id. Every change of an envelope is serialized here and is
/// durable (state, audit entries, notifications in one transaction) before the call returns. Every method checks
/// that the envelope belongs to the caller's tenant and answers NOT_FOUND otherwise; changing a sent or draft envelope
/// (documents, send, void, resend, signing links) is for its sender, tenant administrators and integrations.
/// </summary>
public interface IEnvelopeGrain : IGrainWithGuidKey
{
    Task<EnvelopeView> CreateAsync(EnvelopeDraft draft);

    Task<EnvelopeView> AddDocumentAsync(Guid tenantId, NewDocument document, Actor actor);

    Task<EnvelopeView> GetAsync(Guid tenantId);

    Task<EnvelopeView> SendAsync(Guid tenantId, Actor actor, string? requestId);

    Task<EnvelopeView> ApproveAsync(Guid tenantId, Actor actor, bool approve, string? comment, string? requestId);

    Task<EnvelopeView> VoidAsync(Guid tenantId, Actor actor, string reason, string? requestId);

    Task<int> ResendAsync(Guid tenantId, Actor actor, Guid? recipientId, string? requestId);

    /// <summary>The expiry of a signing link for a recipient who may still act.</summary>
    Task<DateTimeOffset> SigningLinkExpiryAsync(Guid tenantId, Guid recipientId, Actor actor);

    Task<RecipientResult> OpenAsync(RecipientAccess access);

    Task<EnvelopeView> SignAsync(RecipientAccess access, string requestId, IReadOnlyList<FieldValueInput> values);

    /// <summary>Places the draft's input fields, replacing those placed before.</summary>
    Task<EnvelopeView> SetFieldsAsync(Guid tenantId, IReadOnlyList<FieldSpec> fields, Actor actor, string? requestId);

    /// <summary>
    /// Sends the reminders and carries out the expiry that are due. The deadline sweep calls it for the envelopes whose
    /// stored next deadline has come, <paramref name="dueAt"/> being that deadline; a call with nothing due changes
    /// nothing and answers false (another host's sweep was first, or the envelope ended).
    /// </summary>
    Task<bool> CheckDeadlineAsync(DateTimeOffset dueAt);

    /// <summary>Hands a completed envelope to Retention once (the hand-over worker calls it; repeated calls do nothing more).</summary>
    Task HandOverToRetentionAsync();

    Task<EnvelopeView> DeclineAsync(RecipientAccess access, string reason, string? requestId);

    Task<RecipientResult> ReassignAsync(RecipientAccess access, string name, string email, string reason, string? requestId);

    /// <summary>For the sender's tenant (recipientAccess null) or a recipient who has opened the envelope.</summary>
    Task<DocumentContentRef> DocumentAsync(Guid tenantId, Guid documentId, RecipientAccess? recipientAccess, Actor actor);
}
