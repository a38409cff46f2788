using Dapper;
using GmoSign.Platform.Database;
using Npgsql;

namespace GmoSign.Retention;

/// <summary>
/// Where sealed document bytes live. PostgreSQL by default; a large deployment plugs in an S3-compatible object
/// store behind the same interface (the search rows stay in PostgreSQL).
/// </summary>
public interface IDocumentBlobStore
{
    Task PutAsync(Guid tenantId, Guid documentId, byte[] sealedBytes, NpgsqlTransaction? transaction, CancellationToken cancellationToken);

    /// <summary>
    /// The write of one document's bytes for another store's transaction (see <see cref="DeferredWrite"/>); a store
    /// outside PostgreSQL writes the bytes now and returns null.
    /// </summary>
    /// <param name="baseId">the blob these bytes continue (a delta), which must then stay while this one does; null: none.</param>
    ValueTask<DeferredWrite?> PrepareAsync(Guid tenantId, Guid documentId, byte[] sealedBytes, Guid? baseId, CancellationToken cancellationToken);

    /// <summary>
    /// A blob and the blobs it continues, oldest first (the first stands alone; each next one names the one before as
    /// its base); empty when the blob does not exist.
    /// </summary>
    Task<IReadOnlyList<StoredBlob>> GetChainAsync(Guid tenantId, Guid documentId, CancellationToken cancellationToken);

    /// <summary>
    /// Removes one document's bytes; returns whether there were any. Bytes another blob continues are never removed on
    /// their own (only with the whole tenant): the check is made in the deleting statement, so a revision committed
    /// over them just before is seen.
    /// </summary>
    Task<bool> DeleteAsync(Guid tenantId, Guid documentId, NpgsqlTransaction? transaction, CancellationToken cancellationToken);

    /// <summary>Removes every blob of a tenant; returns how many.</summary>
    Task<int> DeleteTenantAsync(Guid tenantId, NpgsqlTransaction? transaction, CancellationToken cancellationToken);
}

/// <summary>One stored blob: its sealed bytes and the blob it continues, if any.</summary>
public sealed record StoredBlob(Guid DocumentId, Guid? BaseId, byte[] Sealed);

internal sealed class PostgresBlobStore(NpgsqlDataSource db) : IDocumentBlobStore
{
    /// <summary>A chain longer than this is damaged (one revision per signature: no envelope has this many).</summary>
    private const int MaxChain = 2000;

    /// <summary>The one way a blob is written, here or in another store's batch (<see cref="PrepareAsync"/>).</summary>
    private static DeferredWrite Insert(Guid tenantId, Guid documentId, byte[] sealedBytes, Guid? baseId = null) => baseId is { } b
        ? new("INSERT INTO retention.blob (document_id, tenant_id, sealed, base_id) VALUES ($1, $2, $3, $4)", [documentId, tenantId, sealedBytes, b])
        : new("INSERT INTO retention.blob (document_id, tenant_id, sealed) VALUES ($1, $2, $3)", [documentId, tenantId, sealedBytes]);

    public async Task PutAsync(Guid tenantId, Guid documentId, byte[] sealedBytes, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var owned = transaction is null ? await db.OpenConnectionAsync(cancellationToken) : null;
        var write = Insert(tenantId, documentId, sealedBytes);
        await using var command = new NpgsqlCommand(write.Sql, owned ?? transaction!.Connection, transaction);
        write.Bind(command.Parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask<DeferredWrite?> PrepareAsync(Guid tenantId, Guid documentId, byte[] sealedBytes, Guid? baseId, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DeferredWrite?>(Insert(tenantId, documentId, sealedBytes, baseId));

    public async Task<IReadOnlyList<StoredBlob>> GetChainAsync(Guid tenantId, Guid documentId, CancellationToken cancellationToken)
    {
        // One round trip for the whole chain; every link stays within the tenant.
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<StoredBlob>(new CommandDefinition("""
            WITH RECURSIVE chain AS (
                SELECT document_id, base_id, sealed, 1 AS depth FROM retention.blob WHERE document_id = @DocumentId AND tenant_id = @TenantId
                UNION ALL
                SELECT b.document_id, b.base_id, b.sealed, c.depth + 1
                FROM chain c JOIN retention.blob b ON b.document_id = c.base_id AND b.tenant_id = @TenantId
                WHERE c.depth < @MaxChain)
            SELECT document_id, base_id, sealed FROM chain ORDER BY depth DESC
            """, new { DocumentId = documentId, TenantId = tenantId, MaxChain }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<bool> DeleteAsync(Guid tenantId, Guid documentId, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var owned = transaction is null ? db.CreateConnection() : null;
        return await (owned ?? transaction!.Connection!).ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM retention.blob b WHERE b.document_id = @DocumentId AND b.tenant_id = @TenantId
              AND NOT EXISTS (SELECT 1 FROM retention.blob c WHERE c.base_id = b.document_id)
            """,
            new { DocumentId = documentId, TenantId = tenantId }, transaction, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<int> DeleteTenantAsync(Guid tenantId, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var owned = transaction is null ? db.CreateConnection() : null;
        return await (owned ?? transaction!.Connection!).ExecuteAsync(new CommandDefinition(
            "DELETE FROM retention.blob WHERE tenant_id = @TenantId",
            new { TenantId = tenantId }, transaction, cancellationToken: cancellationToken));
    }
}
