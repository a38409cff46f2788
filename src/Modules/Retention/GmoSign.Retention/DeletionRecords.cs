using System.Security.Cryptography;
using GmoSign.Retention.Contracts;
using GmoSign.Retention.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

using GmoSign.Grains.Ports;

namespace GmoSign.Retention;

/// <summary>Deletes a tenant's retained data in one transaction and keeps the record of it (Art. 21).</summary>
internal sealed class DeletionRecords(NpgsqlDataSource db, IDocumentBlobStore blobs, DocumentVault vault, TimeProvider clock) : ITenantDataDeletion
{
    public async Task DeleteTenantDataAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM retention.deletion_record WHERE tenant_id = $1", connection, transaction))
        {
            exists.Parameters.AddWithValue(tenantId);
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return;
            }
        }
        int documents;
        long bytes;
        byte[] digest;
        await using (var summary = new NpgsqlCommand(
            "SELECT count(*)::int, coalesce(sum(size_bytes), 0)::bigint, coalesce(array_agg(sha256 ORDER BY document_id), '{}') FROM retention.document WHERE tenant_id = $1",
            connection, transaction))
        {
            summary.Parameters.AddWithValue(tenantId);
            await using var reader = await summary.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            documents = reader.GetInt32(0);
            bytes = reader.GetInt64(1);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var documentHash in reader.GetFieldValue<byte[][]>(2))
            {
                hash.AppendData(documentHash);
            }
            digest = hash.GetHashAndReset();
        }
        await blobs.DeleteTenantAsync(tenantId, transaction, cancellationToken);
        int keys;
        await using (var purge = new NpgsqlCommand("""
            WITH d AS (DELETE FROM retention.document WHERE tenant_id = $1),
                 c AS (DELETE FROM retention.correction WHERE tenant_id = $1),
                 a AS (DELETE FROM retention.access_log WHERE tenant_id = $1),
                 e AS (DELETE FROM retention.export WHERE tenant_id = $1),
                 v AS (DELETE FROM retention.envelope_record WHERE tenant_id = $1),
                 k AS (DELETE FROM retention.tenant_key WHERE tenant_id = $1 RETURNING 1)
            SELECT count(*)::int FROM k
            """, connection, transaction))
        {
            purge.Parameters.AddWithValue(tenantId);
            keys = (int)(await purge.ExecuteScalarAsync(cancellationToken))!;
        }
        await using (var record = new NpgsqlCommand("""
            INSERT INTO retention.deletion_record (tenant_id, deleted_at, documents, bytes, content_digest, key_destroyed)
            VALUES ($1, $2, $3, $4, $5, $6)
            """, connection, transaction))
        {
            record.Parameters.AddWithValue(tenantId);
            record.Parameters.AddWithValue(clock.GetUtcNow());
            record.Parameters.AddWithValue(documents);
            record.Parameters.AddWithValue(bytes);
            record.Parameters.AddWithValue(digest);
            record.Parameters.AddWithValue(keys == 1 || documents == 0);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        vault.Forget(tenantId);
    }

    public async Task<List<DeletionRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            SELECT tenant_id, deleted_at, documents, bytes, content_digest, key_destroyed FROM retention.deletion_record
            ORDER BY deleted_at DESC LIMIT 500
            """);
        var list = new List<DeletionRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new DeletionRecord
            {
                TenantId = reader.GetGuid(0).ToString(),
                DeletedAt = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(1)),
                Documents = reader.GetInt32(2),
                Bytes = reader.GetInt64(3),
                ContentDigest = Convert.ToHexString(reader.GetFieldValue<byte[]>(4)).ToLowerInvariant(),
                KeyDestroyed = reader.GetBoolean(5),
            });
        }
        return list;
    }
}
