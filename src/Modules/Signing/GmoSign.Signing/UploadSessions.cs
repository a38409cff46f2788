using GmoSign.Errors;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>A session of <c>signing.upload</c> as the service sees it.</summary>
internal sealed record UploadSession(
    Guid UploadId, Guid TenantId, Guid EnvelopeId, string FileName, long SizeBytes, long ReceivedBytes, string? RequestId, Guid? DocumentId,
    DateTimeOffset CreatedAt)
{
    public DateTimeOffset ExpiresAt => CreatedAt + UploadSessions.Lifetime;
}

/// <summary>
/// Upload sessions for clients that cannot stream a request: chunks arrive as unary calls, strictly in order, each
/// written together with the session's new length in one statement (a chunk sent twice is accepted once; a chunk that
/// would leave a gap or run past the announced size is refused, naming the field). Every statement is scoped by
/// tenant, so another tenant's session id is "not found".
/// </summary>
internal sealed class UploadSessions(NpgsqlDataSource db)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>Unfinished sessions one envelope may hold at once (a bound on what a client can park on the server).</summary>
    public const int MaxOpenPerEnvelope = 10;

    private const string Columns = "upload_id, tenant_id, envelope_id, file_name, size_bytes, received_bytes, request_id, document_id, created_at";

    public async Task<UploadSession> StartAsync(Guid tenantId, Guid envelopeId, string fileName, long size, string? requestId, CancellationToken ct)
    {
        if (requestId is not null)
        {
            if (await FindByRequestAsync(tenantId, envelopeId, requestId, ct) is { } earlier)
            {
                return earlier.FileName == fileName && earlier.SizeBytes == size
                    ? earlier
                    : throw new DomainException(ErrorKind.InvalidArgument, "REQUEST_ID_REUSED", "request_id: was used for another upload",
                        "request_id: 別のアップロードに使用済みです", "request_id");
            }
            // An expired session the sweep has not reached yet gives its request id back.
            await using var expired = db.CreateCommand(
                "DELETE FROM signing.upload WHERE tenant_id = $1 AND envelope_id = $2 AND request_id = $3 AND created_at <= now() - $4");
            expired.Parameters.AddWithValue(tenantId);
            expired.Parameters.AddWithValue(envelopeId);
            expired.Parameters.AddWithValue(requestId);
            expired.Parameters.AddWithValue(Lifetime);
            await expired.ExecuteNonQueryAsync(ct);
        }
        // One statement: counts the envelope's open sessions and inserts only below the bound; a concurrent retry with the
        // same request id meets the unique index and reads the first session.
        await using var command = db.CreateCommand($"""
            INSERT INTO signing.upload (upload_id, tenant_id, envelope_id, file_name, size_bytes, request_id)
            SELECT $1, $2, $3, $4, $5, $6
            WHERE (SELECT count(*) FROM signing.upload WHERE envelope_id = $3 AND document_id IS NULL AND created_at > now() - $7) < $8
            ON CONFLICT DO NOTHING
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue(Guid.CreateVersion7());
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(envelopeId);
        command.Parameters.AddWithValue(fileName);
        command.Parameters.AddWithValue(size);
        command.Parameters.AddWithValue((object?)requestId ?? DBNull.Value);
        command.Parameters.AddWithValue(Lifetime);
        command.Parameters.AddWithValue((long)MaxOpenPerEnvelope);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                return Read(reader);
            }
        }
        if (requestId is not null && await FindByRequestAsync(tenantId, envelopeId, requestId, ct) is { } raced)
        {
            return raced;
        }
        throw new DomainException(ErrorKind.ResourceExhausted, "TOO_MANY_UPLOADS",
            $"The envelope has {MaxOpenPerEnvelope} unfinished uploads: finish them or wait until they expire.",
            $"この封筒には未完了のアップロードが{MaxOpenPerEnvelope}件あります。完了させるか、期限切れをお待ちください。");
    }

    public async Task<UploadSession> GetAsync(Guid tenantId, Guid uploadId, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"SELECT {Columns} FROM signing.upload WHERE upload_id = $1 AND tenant_id = $2 AND created_at > now() - $3");
        command.Parameters.AddWithValue(uploadId);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(Lifetime);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : throw DomainException.NotFound("Upload", "アップロード", "upload_id");
    }

    /// <summary>Appends a chunk at <paramref name="offset"/> (= the bytes received so far); a resent earlier chunk changes nothing.</summary>
    public async Task<UploadSession> AppendAsync(Guid tenantId, Guid uploadId, long offset, ReadOnlyMemory<byte> chunk, CancellationToken ct)
    {
        var session = await GetAsync(tenantId, uploadId, ct);
        if (session.DocumentId is not null)
        {
            throw DomainException.Precondition("UPLOAD_FINISHED", "The upload is finished already.", "このアップロードは完了しています。");
        }
        if (offset < session.ReceivedBytes)
        {
            return session; // a retry of a chunk that arrived
        }
        if (offset > session.ReceivedBytes)
        {
            throw new DomainException(ErrorKind.InvalidArgument, "UPLOAD_OFFSET",
                $"offset: the next chunk starts at {session.ReceivedBytes}, not {offset}.", $"offset: 次のチャンクは {session.ReceivedBytes} バイト目からです（指定: {offset}）。", "offset")
            {
                Metadata = { ["received_bytes"] = session.ReceivedBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            };
        }
        if (offset + chunk.Length > session.SizeBytes)
        {
            throw new DomainException(ErrorKind.InvalidArgument, "UPLOAD_SIZE",
                $"chunk: runs past the announced size of {session.SizeBytes} bytes.", $"chunk: 予告されたサイズ（{session.SizeBytes}バイト）を超えています。", "chunk")
            {
                Metadata = { ["limit"] = session.SizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            };
        }
        // The chunk and the new length in one statement, conditional on the length it was appended to.
        await using var command = db.CreateCommand($"""
            WITH moved AS (
                UPDATE signing.upload SET received_bytes = $3 + length($4)
                WHERE upload_id = $1 AND tenant_id = $2 AND received_bytes = $3 AND document_id IS NULL
                RETURNING upload_id),
            chunk AS (
                INSERT INTO signing.upload_chunk (upload_id, "offset", data) SELECT upload_id, $3, $4 FROM moved)
            SELECT count(*) FROM moved
            """);
        command.Parameters.AddWithValue(uploadId);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(offset);
        command.Parameters.AddWithValue(chunk.ToArray());
        await command.ExecuteScalarAsync(ct);
        // Either this call or a concurrent identical one moved it; read what is there now.
        return await GetAsync(tenantId, uploadId, ct);
    }

    public async Task<byte[]> ContentAsync(UploadSession session, CancellationToken ct)
    {
        var bytes = new byte[session.ReceivedBytes];
        await using var command = db.CreateCommand("""SELECT "offset", data FROM signing.upload_chunk WHERE upload_id = $1 ORDER BY "offset" """);
        command.Parameters.AddWithValue(session.UploadId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var offset = reader.GetInt64(0);
            var data = reader.GetFieldValue<byte[]>(1);
            data.CopyTo(bytes, offset);
        }
        return bytes;
    }

    /// <summary>Marks the session finished (it became <paramref name="documentId"/>) and drops its chunks.</summary>
    public async Task FinishAsync(UploadSession session, Guid documentId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            WITH done AS (UPDATE signing.upload SET document_id = $2 WHERE upload_id = $1 RETURNING upload_id)
            DELETE FROM signing.upload_chunk WHERE upload_id = $1
            """);
        command.Parameters.AddWithValue(session.UploadId);
        command.Parameters.AddWithValue(documentId);
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<int> DeleteExpiredAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand("DELETE FROM signing.upload WHERE created_at < now() - $1");
        command.Parameters.AddWithValue(Lifetime);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<UploadSession?> FindByRequestAsync(Guid tenantId, Guid envelopeId, string requestId, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            SELECT {Columns} FROM signing.upload WHERE tenant_id = $1 AND envelope_id = $2 AND request_id = $3 AND created_at > now() - $4
            """);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(envelopeId);
        command.Parameters.AddWithValue(requestId);
        command.Parameters.AddWithValue(Lifetime);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private static UploadSession Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5),
        r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetGuid(7), r.GetFieldValue<DateTimeOffset>(8));
}
