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
    ValueTask<DeferredWrite?> PrepareAsync(Guid tenantId, Guid documentId, byte[] sealedBytes, CancellationToken cancellationToken);

    Task<byte[]?> GetAsync(Guid tenantId, Guid documentId, CancellationToken cancellationToken);

    /// <summary>Removes one document's bytes; returns whether there were any.</summary>
    Task<bool> DeleteAsync(Guid tenantId, Guid documentId, NpgsqlTransaction? transaction, CancellationToken cancellationToken);

    /// <summary>Removes every blob of a tenant; returns how many.</summary>
    Task<int> DeleteTenantAsync(Guid tenantId, NpgsqlTransaction? transaction, CancellationToken cancellationToken);
}

internal sealed class PostgresBlobStore(NpgsqlDataSource db) : IDocumentBlobStore
{
    /// <summary>The one way a blob is written, here or in another store's batch (<see cref="PrepareAsync"/>).</summary>
    private static DeferredWrite Insert(Guid tenantId, Guid documentId, byte[] sealedBytes) =>
        new("INSERT INTO retention.blob (document_id, tenant_id, sealed) VALUES ($1, $2, $3)", [documentId, tenantId, sealedBytes]);

    public async Task PutAsync(Guid tenantId, Guid documentId, byte[] sealedBytes, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var owned = transaction is null ? await db.OpenConnectionAsync(cancellationToken) : null;
        var write = Insert(tenantId, documentId, sealedBytes);
        await using var command = new NpgsqlCommand(write.Sql, owned ?? transaction!.Connection, transaction);
        write.Bind(command.Parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask<DeferredWrite?> PrepareAsync(Guid tenantId, Guid documentId, byte[] sealedBytes, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DeferredWrite?>(Insert(tenantId, documentId, sealedBytes));

    public async Task<byte[]?> GetAsync(Guid tenantId, Guid documentId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteScalarAsync<byte[]?>(new CommandDefinition(
            "SELECT sealed FROM retention.blob WHERE document_id = @DocumentId AND tenant_id = @TenantId",
            new { DocumentId = documentId, TenantId = tenantId }, cancellationToken: cancellationToken));
    }

    public async Task<bool> DeleteAsync(Guid tenantId, Guid documentId, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var owned = transaction is null ? db.CreateConnection() : null;
        return await (owned ?? transaction!.Connection!).ExecuteAsync(new CommandDefinition(
            "DELETE FROM retention.blob WHERE document_id = @DocumentId AND tenant_id = @TenantId",
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
