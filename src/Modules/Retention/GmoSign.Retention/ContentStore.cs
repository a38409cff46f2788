using Dapper;
using GmoSign.Grains.Ports;
using GmoSign.Retention.Contracts;

namespace GmoSign.Retention;

/// <summary>
/// Content other modules keep in Retention's blob store (envelope uploads and every signed revision), sealed under the
/// tenant's key like retained documents, so tenant deletion shreds it too; and the sweep's view of content that no
/// document or completed envelope references.
/// </summary>
internal sealed class ContentStore(DocumentVault vault, IDocumentBlobStore blobs, DocumentStore documents) : IDocumentContent, IContentWrites
{
    public async Task PutAsync(Guid tenantId, Guid contentId, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken) =>
        await blobs.PutAsync(tenantId, contentId, await vault.SealAsync(tenantId, contentId, plaintext, cancellationToken), null, cancellationToken);

    /// <summary>Below this, a revision is stored whole: a small base saves little and every read would fetch two blobs.</summary>
    internal const int MinBaseLength = 4096;

    /// <summary>
    /// A revision that continues stored content is kept as what it adds (a PDF's incremental update never changes the
    /// bytes before it), so a signature on a 5 MB contract writes its few KiB, not 5 MB again.
    /// </summary>
    public async Task<DeferredWrite?> PrepareAsync(Guid tenantId, Guid contentId, ReadOnlyMemory<byte> plaintext, ContentBase? extends,
        CancellationToken cancellationToken)
    {
        if (extends is { Length: >= MinBaseLength } b && b.Length < plaintext.Length)
        {
            var delta = await vault.SealAsync(tenantId, contentId, plaintext[b.Length..], cancellationToken, b);
            return await blobs.PrepareAsync(tenantId, contentId, delta, b.ContentId, cancellationToken);
        }
        return await blobs.PrepareAsync(tenantId, contentId, await vault.SealAsync(tenantId, contentId, plaintext, cancellationToken), null, cancellationToken);
    }

    public Task<byte[]?> GetAsync(Guid tenantId, Guid contentId, CancellationToken cancellationToken) =>
        vault.ReadAsync(tenantId, contentId, cancellationToken);

    public async Task<IReadOnlyList<LooseContent>> LooseContentAsync(TimeSpan olderThan, LooseContent? after, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = documents.DataSource.CreateConnection();
        return (await connection.QueryAsync<LooseContent>(new CommandDefinition("""
            SELECT b.tenant_id, b.document_id AS content_id, b.created_at AS written_at FROM retention.blob b
            WHERE b.created_at < now() - @OlderThan AND (b.created_at, b.document_id) > (@AfterWrittenAt, @AfterContentId)
              AND NOT EXISTS (SELECT 1 FROM retention.document d WHERE d.document_id = b.document_id)
              AND NOT EXISTS (SELECT 1 FROM retention.blob c WHERE c.base_id = b.document_id)
              AND NOT EXISTS (SELECT 1 FROM retention.envelope_record r
                              WHERE r.tenant_id = b.tenant_id
                                AND (r.certificate_id = b.document_id OR r.audit_trail_id = b.document_id OR b.document_id = ANY (r.document_ids)))
            ORDER BY b.created_at, b.document_id LIMIT @Limit
            """, new
        {
            OlderThan = olderThan, Limit = limit, AfterWrittenAt = after?.WrittenAt ?? DateTimeOffset.MinValue.AddYears(1),
            AfterContentId = after?.ContentId ?? Guid.Empty,
        }, cancellationToken: cancellationToken))).AsList();
    }

    public Task DeleteAsync(Guid tenantId, Guid contentId, CancellationToken cancellationToken) =>
        blobs.DeleteAsync(tenantId, contentId, null, cancellationToken);
}
