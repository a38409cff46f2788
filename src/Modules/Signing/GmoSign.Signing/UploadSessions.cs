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

    /// <summary>The announced bytes of one tenant's unfinished sessions, all envelopes together.</summary>
    public const long MaxOpenBytesPerTenant = 1024L * 1024 * 1024;

    /// <summary>
    /// Opens a session unless a bound would be passed: the envelope's document count and size counting its other
    /// unfinished sessions, <see cref="MaxOpenPerEnvelope"/>, and <see cref="MaxOpenBytesPerTenant"/>. The check and
    /// the insert run under the tenant's advisory lock, so concurrent starts cannot overshoot.
    /// </summary>
    public async Task<UploadSession> StartAsync(Guid tenantId, Guid envelopeId, string fileName, long size, string? requestId,
        int documentsLeft, long bytesLeft, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockTenant = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 17))", connection, transaction))
        {
            lockTenant.Parameters.AddWithValue(tenantId);
            await lockTenant.ExecuteNonQueryAsync(ct);
        }
        if (requestId is not null)
        {
            if (await FindByRequestAsync(connection, transaction, tenantId, envelopeId, requestId, ct) is { } earlier)
            {
                return earlier.FileName == fileName && earlier.SizeBytes == size
                    ? earlier
                    : throw new DomainException(ErrorKind.InvalidArgument, "REQUEST_ID_REUSED", "request_id: was used for another upload",
                        "request_id: 別のアップロードに使用済みです", "request_id");
            }
            // An expired session the sweep has not reached yet gives its request id back.
            await using var expired = new NpgsqlCommand(
                "DELETE FROM signing.upload WHERE tenant_id = $1 AND envelope_id = $2 AND request_id = $3 AND created_at <= now() - $4", connection, transaction);
            expired.Parameters.AddWithValue(tenantId);
            expired.Parameters.AddWithValue(envelopeId);
            expired.Parameters.AddWithValue(requestId);
            expired.Parameters.AddWithValue(Lifetime);
            await expired.ExecuteNonQueryAsync(ct);
        }
        long envelopeOpen, envelopeBytes, tenantBytes;
        await using (var open = new NpgsqlCommand("""
            SELECT count(*) FILTER (WHERE envelope_id = $2), coalesce(sum(size_bytes) FILTER (WHERE envelope_id = $2), 0)::bigint,
                   coalesce(sum(size_bytes), 0)::bigint
            FROM signing.upload WHERE tenant_id = $1 AND document_id IS NULL AND created_at > now() - $3
            """, connection, transaction))
        {
            open.Parameters.AddWithValue(tenantId);
            open.Parameters.AddWithValue(envelopeId);
            open.Parameters.AddWithValue(Lifetime);
            await using var reader = await open.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (envelopeOpen, envelopeBytes, tenantBytes) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }
        if (envelopeOpen >= MaxOpenPerEnvelope || tenantBytes + size > MaxOpenBytesPerTenant)
        {
            throw new DomainException(ErrorKind.ResourceExhausted, "TOO_MANY_UPLOADS",
                $"Too many unfinished uploads (at most {MaxOpenPerEnvelope} per envelope and {MaxOpenBytesPerTenant / 1024 / 1024} MiB per organisation): finish them or wait until they expire.",
                $"未完了のアップロードが多すぎます（封筒ごとに{MaxOpenPerEnvelope}件、組織全体で{MaxOpenBytesPerTenant / 1024 / 1024}MiBまで）。完了させるか、期限切れをお待ちください。");
        }
        if (envelopeOpen + 1 > documentsLeft)
        {
            throw new DomainException(ErrorKind.InvalidArgument, "ENVELOPE_FULL", "The envelope holds as many documents as it may (counting unfinished uploads).",
                "封筒に追加できる文書数の上限に達しています（未完了のアップロードを含む）。")
            {
                Metadata = { ["limit"] = documentsLeft.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            };
        }
        if (envelopeBytes + size > bytesLeft)
        {
            throw new DomainException(ErrorKind.InvalidArgument, "ENVELOPE_TOO_LARGE", "size_bytes: the envelope would exceed its total size (counting unfinished uploads).",
                "size_bytes: 封筒の合計サイズの上限を超えます（未完了のアップロードを含む）。", "size_bytes")
            {
                Metadata = { ["limit"] = bytesLeft.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            };
        }
        await using var insert = new NpgsqlCommand($"""
            INSERT INTO signing.upload (upload_id, tenant_id, envelope_id, file_name, size_bytes, request_id)
            VALUES ($1, $2, $3, $4, $5, $6)
            RETURNING {Columns}
            """, connection, transaction);
        insert.Parameters.AddWithValue(Guid.CreateVersion7());
        insert.Parameters.AddWithValue(tenantId);
        insert.Parameters.AddWithValue(envelopeId);
        insert.Parameters.AddWithValue(fileName);
        insert.Parameters.AddWithValue(size);
        insert.Parameters.AddWithValue((object?)requestId ?? DBNull.Value);
        UploadSession session;
        await using (var reader = await insert.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            session = Read(reader);
        }
        await transaction.CommitAsync(ct);
        return session;
    }

    /// <summary>
    /// Claims a complete session for one FinishUpload call, so that concurrent calls do not each read and check the
    /// whole file: false when another call holds a fresh claim.
    /// </summary>
    public async Task<bool> ClaimFinishAsync(UploadSession session, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            UPDATE signing.upload SET finishing_at = now()
            WHERE upload_id = $1 AND document_id IS NULL AND (finishing_at IS NULL OR finishing_at < now() - interval '5 minutes')
            """);
        command.Parameters.AddWithValue(session.UploadId);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>A session whose bytes were refused is deleted: finishing it again could only be refused again.</summary>
    public async Task DiscardAsync(UploadSession session, CancellationToken ct)
    {
        await using var command = db.CreateCommand("DELETE FROM signing.upload WHERE upload_id = $1 AND document_id IS NULL");
        command.Parameters.AddWithValue(session.UploadId);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Sessions of an envelope that left draft can never finish: they go at once.</summary>
    public async Task DiscardForEnvelopeAsync(Guid envelopeId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("DELETE FROM signing.upload WHERE envelope_id = $1 AND document_id IS NULL");
        command.Parameters.AddWithValue(envelopeId);
        await command.ExecuteNonQueryAsync(ct);
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
    public async Task<UploadSession> AppendAsync(UploadSession session, long offset, ReadOnlyMemory<byte> chunk, CancellationToken ct)
    {
        var (tenantId, uploadId) = (session.TenantId, session.UploadId);
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

    private static async Task<UploadSession?> FindByRequestAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid envelopeId,
        string requestId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT {Columns} FROM signing.upload WHERE tenant_id = $1 AND envelope_id = $2 AND request_id = $3 AND created_at > now() - $4
            """, connection, transaction);
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
