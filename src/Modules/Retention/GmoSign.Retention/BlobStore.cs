using Npgsql;

namespace GmoSign.Retention;

/// <summary>
/// Where sealed document bytes live. PostgreSQL by default; a large deployment plugs in an S3-compatible object
/// store behind the same interface (the search rows stay in PostgreSQL).
/// </summary>
public interface IDocumentBlobStore
{
    Task PutAsync(Guid tenantId, Guid documentId, byte[] sealedBytes, NpgsqlTransaction? transaction, CancellationToken cancellationToken);

    Task<byte[]?> GetAsync(Guid tenantId, Guid documentId, CancellationToken cancellationToken);

    /// <summary>Removes one document's bytes; returns whether there were any.</summary>
    Task<bool> DeleteAsync(Guid tenantId, Guid documentId, NpgsqlTransaction? transaction, CancellationToken cancellationToken);

    /// <summary>Removes every blob of a tenant; returns how many.</summary>
    Task<int> DeleteTenantAsync(Guid tenantId, NpgsqlTransaction? transaction, CancellationToken cancellationToken);
}

internal sealed class PostgresBlobStore(NpgsqlDataSource db) : IDocumentBlobStore
{
    public async Task PutAsync(Guid tenantId, Guid documentId, byte[] sealedBytes, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = Command("INSERT INTO retention.blob (document_id, tenant_id, sealed) VALUES ($1, $2, $3)", transaction);
        command.Parameters.AddWithValue(documentId);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(sealedBytes);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<byte[]?> GetAsync(Guid tenantId, Guid documentId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT sealed FROM retention.blob WHERE document_id = $1 AND tenant_id = $2");
        command.Parameters.AddWithValue(documentId);
        command.Parameters.AddWithValue(tenantId);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    public async Task<bool> DeleteAsync(Guid tenantId, Guid documentId, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = Command("DELETE FROM retention.blob WHERE document_id = $1 AND tenant_id = $2", transaction);
        command.Parameters.AddWithValue(documentId);
        command.Parameters.AddWithValue(tenantId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<int> DeleteTenantAsync(Guid tenantId, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = Command("DELETE FROM retention.blob WHERE tenant_id = $1", transaction);
        command.Parameters.AddWithValue(tenantId);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private NpgsqlCommand Command(string sql, NpgsqlTransaction? transaction) =>
        transaction is null ? db.CreateCommand(sql) : new NpgsqlCommand(sql, transaction.Connection, transaction);
}
