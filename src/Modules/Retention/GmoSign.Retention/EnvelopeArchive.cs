using Dapper;
using GmoSign.Retention.Contracts;

using GmoSign.Grains.Ports;

namespace GmoSign.Retention;

/// <summary>
/// Content for other modules (envelope uploads and revisions) sealed like retained documents, and the intake of
/// completed envelopes: each signed document becomes a retained document whose id is its content id, so its
/// sealed bytes are already where Retention reads them.
/// </summary>
internal sealed class EnvelopeArchive(DocumentVault vault, IDocumentBlobStore blobs, DocumentStore documents, StorageUsage storage, TimeProvider clock)
    : IDocumentContent, IEnvelopeArchive, IKeyDerivation, IRetentionPolicy
{
    public bool IsKnownDocumentType(string code) => RetentionDefaults.All.Any(d => d.Type == code);

    public async Task PutAsync(Guid tenantId, Guid contentId, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken) =>
        await blobs.PutAsync(tenantId, contentId, await vault.SealAsync(tenantId, contentId, plaintext, cancellationToken), null, cancellationToken);

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

    public byte[] DeriveKey(string purpose) => vault.DeriveKey(purpose);

    public async Task ArchiveAsync(ArchivedEnvelope envelope, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var m = envelope.Metadata;
        await using var connection = await documents.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var recorded = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO retention.envelope_record (envelope_id, tenant_id, status, completed_at, title, document_ids, certificate_id, audit_trail_id, archived_at)
            VALUES (@EnvelopeId, @TenantId, @Status, @CompletedAt, @Title, @DocumentIds, @CertificateId, @AuditTrailId, @ArchivedAt)
            ON CONFLICT (envelope_id) DO NOTHING
            """, new
        {
            envelope.EnvelopeId, envelope.TenantId, envelope.Status, envelope.CompletedAt, m.Title,
            DocumentIds = envelope.Documents.Select(d => d.ContentId).ToArray(), CertificateId = envelope.CertificateContentId,
            AuditTrailId = envelope.AuditTrailContentId, ArchivedAt = now,
        }, transaction, cancellationToken: cancellationToken));
        if (recorded == 0)
        {
            return; // handed over before (a retried hand-over)
        }
        foreach (var d in envelope.Documents)
        {
            var meta = new DocumentMeta(envelope.Documents.Count == 1 ? m.Title : $"{m.Title} - {d.FileName}", m.DocumentType, m.TransactionDate,
                m.Amount, m.Currency, m.Counterparty, [.. m.Parties], [.. m.Tags], d.FileName);
            var row = new DocumentRecord(d.ContentId, envelope.TenantId, meta, 2, d.SizeBytes, d.Sha256, DocumentRules.RetentionUntil(meta), false, now)
            {
                EnvelopeId = envelope.EnvelopeId,
                Status = envelope.Status,
            };
            await documents.InsertAsync(row, envelope.StoredBy, transaction, cancellationToken);
            await documents.LogAsync(connection, transaction, envelope.TenantId, d.ContentId, "store", envelope.StoredBy, null, now, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        await storage.ChangedAsync(envelope.TenantId, envelope.Documents.Sum(d => d.SizeBytes), CancellationToken.None);
    }
}
