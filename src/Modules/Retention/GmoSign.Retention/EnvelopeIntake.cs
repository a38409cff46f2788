using Dapper;
using GmoSign.Grains.Ports;

namespace GmoSign.Retention;

/// <summary>
/// The intake of completed envelopes (the envelope grain's archive port): each signed document becomes a retained
/// document whose id is its content id, so its sealed bytes are already where Retention reads them. A repeated
/// hand-over of the same envelope changes nothing.
/// </summary>
internal sealed class EnvelopeIntake(DocumentStore documents, StorageUsage storage, TimeProvider clock) : IEnvelopeArchive
{
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
