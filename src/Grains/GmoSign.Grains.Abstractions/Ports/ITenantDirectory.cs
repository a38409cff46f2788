namespace GmoSign.Grains.Ports;

/// <summary>A tenant row as the directory (queryable projection) keeps it.</summary>
public sealed record TenantEntry(
    Guid TenantId,
    Guid ResellerId,
    string Name,
    string? CorporateNumber,
    int Status,
    string Plan,
    DateTimeOffset TermEnd,
    DateTimeOffset CreatedAt,
    int? TerminationKind);

/// <summary>The queryable side of tenants, written by the tenant grain before it acknowledges a change.</summary>
public interface ITenantDirectory
{
    Task UpsertAsync(TenantEntry entry, CancellationToken cancellationToken);
}
