namespace GmoSign.Grains.Ports;

/// <summary>An envelope as stored: the version of its last change and its state document.</summary>
public sealed record StoredEnvelope(long Version, string StateJson);

/// <summary>
/// The queryable columns of an envelope (lists, filters), written with every change; <see cref="DeadlineAt"/> is when
/// its next reminder or its expiry is due while it is open (the deadline sweep's column).
/// </summary>
public sealed record EnvelopeRow(
    Guid EnvelopeId,
    Guid TenantId,
    int Status,
    string Title,
    Guid? SenderUserId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? DeadlineAt = null);

/// <summary>One entry of an envelope's append-only, hash-chained audit trail.</summary>
public sealed record AuditRecord(
    long Sequence,
    DateTimeOffset At,
    string Action,
    string Actor,
    string? Principal,
    Guid? RecipientId,
    string? IpAddress,
    string? UserAgent,
    string Detail,
    byte[] PreviousHash,
    byte[] Hash);

/// <summary>A notification to deliver (durable outbox). The link, when one is needed, is made at delivery time.</summary>
public sealed record NotificationMessage(
    string Kind,
    Guid? RecipientId,
    string Email,
    string Name,
    string Detail);

/// <summary>
/// One change of one envelope: the new state, its audit entries, its notifications, its hand-overs, its row and the
/// content it references (<see cref="Writes"/>) are written in one database round trip and one transaction, and only if the stored version is still <see cref="ExpectedVersion"/>.
/// Either all of it is durable or none of it is.
/// </summary>
public sealed record EnvelopeCommit(
    EnvelopeRow Row,
    long ExpectedVersion,
    long NewVersion,
    string StateJson,
    IReadOnlyList<AuditRecord> Audit,
    IReadOnlyList<NotificationMessage> Notifications,
    IReadOnlyList<HandOver>? HandOvers = null,
    IReadOnlyList<DeferredWrite>? Writes = null);

/// <summary>
/// Work for other modules that a change makes due, written in the same statement as the change and carried out by a
/// background worker soon after (at least once; the receiving side is idempotent): usage for billing, and the
/// hand-over of a completed envelope to Retention. A crash or outage delays it by seconds; it is never lost.
/// </summary>
public sealed record HandOver(string Kind, long EnvelopesSent = 0, long Signatures = 0)
{
    public const string UsageKind = "usage";
    public const string ArchiveKind = "archive";

    public static HandOver Usage(long envelopesSent, long signatures) => new(UsageKind, envelopesSent, signatures);

    public static readonly HandOver Archive = new(ArchiveKind);
}

/// <summary>Another writer changed the envelope first (a second activation on another host).</summary>
public sealed class EnvelopeConcurrencyException(Guid envelopeId, long expected)
    : Exception($"Envelope {envelopeId} is no longer at version {expected}.");

/// <summary>Envelope persistence (Signing module owns the tables; the envelope grain is the only writer).</summary>
public interface IEnvelopeStore
{
    Task<StoredEnvelope?> LoadAsync(Guid envelopeId, CancellationToken cancellationToken);

    /// <summary>Throws <see cref="EnvelopeConcurrencyException"/> when the stored version is not the expected one.</summary>
    Task CommitAsync(EnvelopeCommit commit, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditRecord>> AuditTrailAsync(Guid envelopeId, CancellationToken cancellationToken);

    /// <summary>
    /// Corrects the stored next deadline of the envelope at <paramref name="version"/> (a commit writes it; this is for a
    /// stored one that is not the envelope's own, e.g. written under other settings). Nothing when the version moved on.
    /// </summary>
    Task SetDeadlineAsync(Guid envelopeId, long version, DateTimeOffset? deadlineAt, CancellationToken cancellationToken);
}
