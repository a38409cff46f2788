using System.Security.Cryptography;
using Dapper;
using GmoSign.Retention.Contracts;
using GmoSign.Retention.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

using GmoSign.Grains.Ports;

using GmoSign.Platform.Validation;

namespace GmoSign.Retention;

/// <summary>Deletes a tenant's retained data in one transaction and keeps the record of it (Art. 21).</summary>
internal sealed class DeletionRecords(NpgsqlDataSource db, IDocumentBlobStore blobs, DocumentVault vault, TimeProvider clock) : ITenantDataDeletion
{
    private sealed record Summary(int Documents, long Bytes, byte[][] Hashes);

    private sealed record Row(Guid TenantId, DateTimeOffset DeletedAt, int Documents, long Bytes, byte[] ContentDigest, bool KeyDestroyed);

    public async Task DeleteTenantDataAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await connection.ExecuteScalarAsync<int?>(new CommandDefinition("SELECT 1 FROM retention.deletion_record WHERE tenant_id = @TenantId",
                new { TenantId = tenantId }, transaction, cancellationToken: cancellationToken)) is not null)
        {
            return;
        }
        var summary = await connection.QuerySingleAsync<Summary>(new CommandDefinition("""
            SELECT count(*)::int AS documents, coalesce(sum(size_bytes), 0)::bigint AS bytes,
                   coalesce(array_agg(sha256 ORDER BY document_id), '{}') AS hashes
            FROM retention.document WHERE tenant_id = @TenantId
            """, new { TenantId = tenantId }, transaction, cancellationToken: cancellationToken));
        byte[] digest;
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            foreach (var documentHash in summary.Hashes)
            {
                hash.AppendData(documentHash);
            }
            digest = hash.GetHashAndReset();
        }
        await blobs.DeleteTenantAsync(tenantId, transaction, cancellationToken);
        var keys = await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            WITH d AS (DELETE FROM retention.document WHERE tenant_id = @TenantId),
                 c AS (DELETE FROM retention.correction WHERE tenant_id = @TenantId),
                 a AS (DELETE FROM retention.access_log WHERE tenant_id = @TenantId),
                 e AS (DELETE FROM retention.export WHERE tenant_id = @TenantId),
                 v AS (DELETE FROM retention.envelope_record WHERE tenant_id = @TenantId),
                 k AS (DELETE FROM retention.tenant_key WHERE tenant_id = @TenantId RETURNING 1)
            SELECT count(*)::int FROM k
            """, new { TenantId = tenantId }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO retention.deletion_record (tenant_id, deleted_at, documents, bytes, content_digest, key_destroyed)
            VALUES (@TenantId, @DeletedAt, @Documents, @Bytes, @ContentDigest, @KeyDestroyed)
            """, new
        {
            TenantId = tenantId, DeletedAt = clock.GetUtcNow(), summary.Documents, summary.Bytes, ContentDigest = digest,
            KeyDestroyed = keys == 1 || summary.Documents == 0,
        }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        vault.Forget(tenantId);
    }

    public async Task<List<DeletionRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var rows = await connection.QueryAsync<Row>(new CommandDefinition("""
            SELECT tenant_id, deleted_at, documents, bytes, content_digest, key_destroyed FROM retention.deletion_record
            ORDER BY deleted_at DESC LIMIT 500
            """, cancellationToken: cancellationToken));
        return rows.Select(r => new DeletionRecord
        {
            TenantId = r.TenantId.ToString(),
            DeletedAt = r.DeletedAt.ToTimestamp(),
            Documents = r.Documents,
            Bytes = r.Bytes,
            ContentDigest = Convert.ToHexString(r.ContentDigest).ToLowerInvariant(),
            KeyDestroyed = r.KeyDestroyed,
        }).ToList();
    }
}
