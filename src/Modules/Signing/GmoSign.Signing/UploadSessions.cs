using System.Buffers.Binary;
using Dapper;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Retention.Contracts;
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
/// tenant, so another tenant's session id is "not found". A chunk is sealed before it is stored (AES-GCM under a key
/// derived from the master key, its upload id and offset as associated data), so the bytes of a document on its way in
/// are not plaintext at rest either, and a chunk cannot be moved to another place or session.
/// </summary>
internal sealed class UploadSessions(NpgsqlDataSource db, IKeyDerivation keys)
{
    private readonly Lazy<byte[]> _key = new(() => keys.DeriveKey("gmosign upload chunks v1"));

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>Unfinished sessions one envelope may hold at once (a bound on what a client can park on the server).</summary>
    public const int MaxOpenPerEnvelope = 10;

    private sealed record OpenUploads(long EnvelopeOpen, long EnvelopeBytes, long TenantBytes);

    private sealed record Chunk(long Offset, byte[] Data, bool Sealed);

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
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@TenantId::text, 17))",
            new { TenantId = tenantId }, transaction, cancellationToken: ct));
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
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM signing.upload WHERE tenant_id = @TenantId AND envelope_id = @EnvelopeId AND request_id = @RequestId AND created_at <= now() - @Lifetime",
                new { TenantId = tenantId, EnvelopeId = envelopeId, RequestId = requestId, Lifetime }, transaction, cancellationToken: ct));
        }
        var (envelopeOpen, envelopeBytes, tenantBytes) = await connection.QuerySingleAsync<OpenUploads>(new CommandDefinition("""
            SELECT count(*) FILTER (WHERE envelope_id = @EnvelopeId) AS envelope_open,
                   coalesce(sum(size_bytes) FILTER (WHERE envelope_id = @EnvelopeId), 0)::bigint AS envelope_bytes,
                   coalesce(sum(size_bytes), 0)::bigint AS tenant_bytes
            FROM signing.upload WHERE tenant_id = @TenantId AND document_id IS NULL AND created_at > now() - @Lifetime
            """, new { TenantId = tenantId, EnvelopeId = envelopeId, Lifetime }, transaction, cancellationToken: ct));
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
        var session = await connection.QuerySingleAsync<UploadSession>(new CommandDefinition($"""
            INSERT INTO signing.upload (upload_id, tenant_id, envelope_id, file_name, size_bytes, request_id)
            VALUES (@UploadId, @TenantId, @EnvelopeId, @FileName, @Size, @RequestId)
            RETURNING {Columns}
            """, new { UploadId = Guid.CreateVersion7(), TenantId = tenantId, EnvelopeId = envelopeId, FileName = fileName, Size = size, RequestId = requestId },
            transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return session;
    }

    /// <summary>
    /// Claims a complete session for one FinishUpload call, so that concurrent calls do not each read and check the
    /// whole file: false when another call holds a fresh claim.
    /// </summary>
    public async Task<bool> ClaimFinishAsync(UploadSession session, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE signing.upload SET finishing_at = now()
            WHERE upload_id = @UploadId AND document_id IS NULL AND (finishing_at IS NULL OR finishing_at < now() - interval '5 minutes')
            """, new { session.UploadId }, cancellationToken: ct)) == 1;
    }

    /// <summary>A session whose bytes were refused is deleted: finishing it again could only be refused again.</summary>
    public async Task DiscardAsync(UploadSession session, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM signing.upload WHERE upload_id = @UploadId AND document_id IS NULL",
            new { session.UploadId }, cancellationToken: ct));
    }

    /// <summary>Sessions of an envelope that left draft can never finish: they go at once.</summary>
    public async Task DiscardForEnvelopeAsync(Guid envelopeId, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM signing.upload WHERE envelope_id = @EnvelopeId AND document_id IS NULL",
            new { EnvelopeId = envelopeId }, cancellationToken: ct));
    }

    public async Task<UploadSession> GetAsync(Guid tenantId, Guid uploadId, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        return await connection.QueryFirstOrDefaultAsync<UploadSession>(new CommandDefinition(
                $"SELECT {Columns} FROM signing.upload WHERE upload_id = @UploadId AND tenant_id = @TenantId AND created_at > now() - @Lifetime",
                new { UploadId = uploadId, TenantId = tenantId, Lifetime }, cancellationToken: ct))
            ?? throw DomainException.NotFound("Upload", "アップロード", "upload_id");
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
        await using (var connection = db.CreateConnection())
        {
            await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
                WITH moved AS (
                    UPDATE signing.upload SET received_bytes = @Offset + @Length
                    WHERE upload_id = @UploadId AND tenant_id = @TenantId AND received_bytes = @Offset AND document_id IS NULL
                    RETURNING upload_id),
                chunk AS (
                    INSERT INTO signing.upload_chunk (upload_id, "offset", data, sealed) SELECT upload_id, @Offset, @Data, true FROM moved)
                SELECT count(*) FROM moved
                """, new
            {
                UploadId = uploadId, TenantId = tenantId, Offset = offset, Length = (long)chunk.Length,
                Data = SealedBox.Seal(_key.Value, chunk.Span, ChunkData(uploadId, offset)),
            }, cancellationToken: ct));
        }
        // Either this call or a concurrent identical one moved it; read what is there now.
        return await GetAsync(tenantId, uploadId, ct);
    }

    /// <summary>
    /// The session's file, its chunks opened in order. A chunk that does not open (changed in the database, or sealed
    /// under another master key) or does not fit deletes the session and answers FAILED_PRECONDITION UPLOAD_DAMAGED
    /// naming <c>upload_id</c>: the client starts a new upload instead of retrying one that can never finish.
    /// </summary>
    public async Task<byte[]> ContentAsync(UploadSession session, CancellationToken ct)
    {
        var bytes = new byte[session.ReceivedBytes];
        await using var connection = db.CreateConnection();
        // Unbuffered: one chunk at a time is held besides the file being assembled.
        await foreach (var chunk in connection.QueryUnbufferedAsync<Chunk>(
            """SELECT "offset", data, sealed FROM signing.upload_chunk WHERE upload_id = @UploadId ORDER BY "offset" """,
            new { session.UploadId }).WithCancellation(ct))
        {
            byte[] data;
            try
            {
                data = chunk.Sealed ? SealedBox.Open(_key.Value, chunk.Data, ChunkData(session.UploadId, chunk.Offset)) : chunk.Data;
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or OverflowException or ArgumentException)
            {
                throw await DamagedAsync(session);
            }
            if (chunk.Offset < 0 || chunk.Offset + data.Length > bytes.Length)
            {
                throw await DamagedAsync(session);
            }
            data.CopyTo(bytes, chunk.Offset);
        }
        return bytes;
    }

    private async Task<DomainException> DamagedAsync(UploadSession session)
    {
        await DiscardAsync(session, CancellationToken.None);
        return new DomainException(ErrorKind.FailedPrecondition, "UPLOAD_DAMAGED",
            "upload_id: the stored parts of this upload cannot be read back; start a new upload.",
            "upload_id: このアップロードの保存済みデータを読み戻せません。新しいアップロードを開始してください。", "upload_id");
    }

    /// <summary>A chunk's associated data: its upload and offset (a sealed chunk opens only in its own place).</summary>
    private static byte[] ChunkData(Guid uploadId, long offset)
    {
        var data = new byte[24];
        uploadId.TryWriteBytes(data);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(16), offset);
        return data;
    }

    /// <summary>Marks the session finished (it became <paramref name="documentId"/>) and drops its chunks.</summary>
    public async Task FinishAsync(UploadSession session, Guid documentId, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            WITH done AS (UPDATE signing.upload SET document_id = @DocumentId WHERE upload_id = @UploadId RETURNING upload_id)
            DELETE FROM signing.upload_chunk WHERE upload_id = @UploadId
            """, new { session.UploadId, DocumentId = documentId }, cancellationToken: ct));
    }

    public static async Task<int> DeleteExpiredAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = db.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM signing.upload WHERE created_at < now() - @Lifetime",
            new { Lifetime }, cancellationToken: ct));
    }

    private static Task<UploadSession?> FindByRequestAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, Guid envelopeId,
        string requestId, CancellationToken ct) =>
        connection.QueryFirstOrDefaultAsync<UploadSession>(new CommandDefinition($"""
            SELECT {Columns} FROM signing.upload
            WHERE tenant_id = @TenantId AND envelope_id = @EnvelopeId AND request_id = @RequestId AND created_at > now() - @Lifetime
            """, new { TenantId = tenantId, EnvelopeId = envelopeId, RequestId = requestId, Lifetime }, transaction, cancellationToken: ct));
}
