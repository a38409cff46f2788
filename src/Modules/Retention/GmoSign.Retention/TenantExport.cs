using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Dapper;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Retention.V1;
using Google.Protobuf;
using Grpc.Core;

namespace GmoSign.Retention;

/// <summary>
/// Art. 11 / 21-2: everything of a tenant as one ZIP — every document, metadata as JSON and CSV, corrections and the
/// access log — streamed over gRPC. The first call fixes the export (document set and metadata as of that moment,
/// logs up to that moment); the ZIP is written deterministically (stored entries, fixed times), so a call with the
/// export id and the bytes already received continues exactly where the interrupted one stopped.
/// </summary>
internal sealed class TenantExport(DocumentStore documents, DocumentVault vault, Microsoft.Extensions.Options.IOptions<RetentionOptions> options, TimeProvider clock)
{
    private const int ChunkSize = RetentionGrpcService.ChunkSize;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private sealed record Snapshot(Guid ExportId, Guid TenantId, Guid[] DocumentIds, DateTimeOffset CreatedAt);

    public async Task StreamAsync(Caller caller, ExportDocumentsRequest request, IServerStreamWriter<ExportDocumentsResponse> stream, CancellationToken cancellationToken)
    {
        var tenantId = caller.RequireTenant();
        if (request.ResumeOffset < 0)
        {
            throw DomainException.Invalid("resume_offset", "must not be negative", "負の値は指定できません");
        }
        if (string.IsNullOrEmpty(request.ExportId) && request.ResumeOffset > 0)
        {
            throw DomainException.Invalid("export_id", "is required to resume", "再開には export_id が必要です");
        }
        var snapshot = string.IsNullOrEmpty(request.ExportId)
            ? await CreateAsync(tenantId, cancellationToken)
            : await FindAsync(tenantId, Platform.Validation.Check.Id(request.ExportId, "export_id"), cancellationToken);
        await documents.LogAsync(tenantId, null, "export", RetentionGrpcService.Actor(caller), caller.IpAddress, clock.GetUtcNow(), cancellationToken);

        var records = new List<DocumentRecord>();
        foreach (var id in snapshot.DocumentIds)
        {
            records.Add(await documents.GetAsync(tenantId, id, cancellationToken) ?? throw Stale());
        }

        var sink = new ChunkSink(request.ResumeOffset, stream);
        using (var zip = new ZipArchive(sink, ZipArchiveMode.Create, leaveOpen: true))
        {
            var stamp = snapshot.CreatedAt;
            for (var i = 0; i < records.Count; i++)
            {
                await stream.WriteAsync(Progress(snapshot, i, records.Count, 0), cancellationToken);
                var record = records[i];
                var content = await vault.ReadAsync(tenantId, record.DocumentId, cancellationToken) ?? throw Stale();
                Add(zip, $"documents/{record.Meta.TransactionDate:yyyy-MM-dd}_{record.DocumentId:N}_{record.Meta.FileName}", content, stamp);
                await sink.FlushAsync(cancellationToken);
            }
            Add(zip, "metadata.json", JsonSerializer.SerializeToUtf8Bytes(records.Select(Row), Json), stamp);
            Add(zip, "metadata.csv", MetadataCsv(records), stamp);
            // Signed envelopes: the certificate of completion and the audit trail kept with their documents.
            foreach (var (envelopeId, certificateId, auditTrailId) in await EnvelopesAsync(tenantId, snapshot.CreatedAt, cancellationToken))
            {
                Add(zip, $"envelopes/{envelopeId:N}/certificate_of_completion.pdf",
                    await vault.ReadAsync(tenantId, certificateId, cancellationToken) ?? throw Stale(), stamp);
                Add(zip, $"envelopes/{envelopeId:N}/audit_trail.json",
                    await vault.ReadAsync(tenantId, auditTrailId, cancellationToken) ?? throw Stale(), stamp);
                await sink.FlushAsync(cancellationToken);
            }
            var (corrections, accesses) = await LogsAsync(tenantId, snapshot.CreatedAt, cancellationToken);
            Add(zip, "corrections.csv", corrections, stamp);
            Add(zip, "access_log.csv", accesses, stamp);
        }
        await sink.FlushAsync(cancellationToken, final: true);
        await stream.WriteAsync(Progress(snapshot, records.Count, records.Count, sink.Position), cancellationToken);
    }

    private static DomainException Stale() => DomainException.Precondition("EXPORT_STALE",
        "A document of this export was deleted since; start a new export.",
        "このエクスポートの文書が削除されました。新しいエクスポートを開始してください。");

    private static ExportDocumentsResponse Progress(Snapshot s, int done, int total, long bytes) => new()
    {
        Progress = new ExportProgress { ExportId = s.ExportId.ToString(), DocumentsDone = done, DocumentsTotal = total, TotalBytes = bytes },
    };

    private static void Add(ZipArchive zip, string name, byte[] content, DateTimeOffset stamp)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        entry.LastWriteTime = stamp;
        using var output = entry.Open();
        output.Write(content);
    }

    private static object Row(DocumentRecord d) => new
    {
        documentId = d.DocumentId,
        d.Meta.Title,
        d.Meta.DocumentType,
        transactionDate = d.Meta.TransactionDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        d.Meta.Amount,
        d.Meta.Currency,
        d.Meta.Counterparty,
        d.Meta.Parties,
        d.Meta.Tags,
        d.Meta.FileName,
        source = d.Source == 2 ? "envelope" : "upload",
        d.SizeBytes,
        sha256 = Convert.ToHexString(d.Sha256).ToLowerInvariant(),
        retentionUntil = d.RetentionUntil.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        d.LegalHold,
        storedAt = d.StoredAt.ToString("O", CultureInfo.InvariantCulture),
        d.Status,
        d.EnvelopeId,
    };

    private sealed record EnvelopeRow(Guid EnvelopeId, Guid CertificateId, Guid AuditTrailId);

    private sealed record CorrectionRow(Guid DocumentId, string Field, string OldValue, string NewValue, Guid UserId, DateTimeOffset At, string Reason);

    private sealed record ExportRow(Guid[] DocumentIds, DateTimeOffset CreatedAt);

    private sealed record AccessRow(Guid? DocumentId, string Action, string Actor, string? IpAddress, DateTimeOffset At);

    private async Task<List<(Guid EnvelopeId, Guid CertificateId, Guid AuditTrailId)>> EnvelopesAsync(Guid tenantId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = documents.DataSource.CreateConnection();
        var rows = await connection.QueryAsync<EnvelopeRow>(new CommandDefinition("""
            SELECT envelope_id, certificate_id, audit_trail_id FROM retention.envelope_record
            WHERE tenant_id = @TenantId AND archived_at <= @Until ORDER BY envelope_id
            """, new { TenantId = tenantId, Until = until }, cancellationToken: cancellationToken));
        return rows.Select(r => (r.EnvelopeId, r.CertificateId, r.AuditTrailId)).ToList();
    }

    private static byte[] MetadataCsv(List<DocumentRecord> records)
    {
        var csv = new StringBuilder("document_id,title,document_type,transaction_date,amount,currency,counterparty,parties,tags,file_name,sha256,retention_until,legal_hold\r\n");
        foreach (var d in records)
        {
            CsvRow(csv, d.DocumentId.ToString(), d.Meta.Title, d.Meta.DocumentType, d.Meta.TransactionDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                d.Meta.Amount.ToString(CultureInfo.InvariantCulture), d.Meta.Currency, d.Meta.Counterparty, string.Join(';', d.Meta.Parties),
                string.Join(';', d.Meta.Tags), d.Meta.FileName, Convert.ToHexString(d.Sha256).ToLowerInvariant(),
                d.RetentionUntil.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.LegalHold ? "true" : "false");
        }
        // UTF-8 with BOM so that spreadsheet software shows the Japanese text correctly.
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
    }

    private static void CsvRow(StringBuilder csv, params string[] values) => csv.AppendJoin(',', values.Select(Csv)).Append("\r\n");

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    private async Task<(byte[] Corrections, byte[] Accesses)> LogsAsync(Guid tenantId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await using var connection = documents.DataSource.CreateConnection();
        // The logs can be long: rows are read one at a time (unbuffered) straight into the CSV.
        var corrections = new StringBuilder("document_id,field,old_value,new_value,user_id,at,reason\r\n");
        await foreach (var c in connection.QueryUnbufferedAsync<CorrectionRow>("""
            SELECT document_id, field, old_value, new_value, user_id, at, reason FROM retention.correction
            WHERE tenant_id = @TenantId AND at <= @Until ORDER BY at, correction_id
            """, new { TenantId = tenantId, Until = until }).WithCancellation(cancellationToken))
        {
            CsvRow(corrections, c.DocumentId.ToString(), c.Field, c.OldValue, c.NewValue, c.UserId.ToString(),
                c.At.ToString("O", CultureInfo.InvariantCulture), c.Reason);
        }
        var accesses = new StringBuilder("document_id,action,actor,ip_address,at\r\n");
        await foreach (var a in connection.QueryUnbufferedAsync<AccessRow>("""
            SELECT document_id, action, actor, ip_address, at FROM retention.access_log
            WHERE tenant_id = @TenantId AND at <= @Until ORDER BY at, entry_id
            """, new { TenantId = tenantId, Until = until }).WithCancellation(cancellationToken))
        {
            CsvRow(accesses, a.DocumentId?.ToString() ?? "", a.Action, a.Actor, a.IpAddress ?? "", a.At.ToString("O", CultureInfo.InvariantCulture));
        }
        return ([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(corrections.ToString())],
            [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(accesses.ToString())]);
    }

    private async Task<Snapshot> CreateAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var snapshot = new Snapshot(Guid.CreateVersion7(), tenantId, [], now);
        await using var connection = documents.DataSource.CreateConnection();
        // Exports past their lifetime (every tenant's: the table is small) go when any tenant starts a new one: what is
        // left is the exports of one lifetime, plus expired ones until the next export starts.
        var ids = (await connection.ExecuteScalarAsync<Guid[]>(new CommandDefinition("""
            WITH expired AS (DELETE FROM retention.export WHERE created_at < @ExpiredBefore)
            INSERT INTO retention.export (export_id, tenant_id, document_ids, created_at)
            SELECT @ExportId, @TenantId, coalesce(array_agg(document_id ORDER BY stored_at, document_id), '{}'), @CreatedAt
            FROM retention.document WHERE tenant_id = @TenantId
            RETURNING document_ids
            """, new { snapshot.ExportId, TenantId = tenantId, CreatedAt = now, ExpiredBefore = now - options.Value.ExportLifetime },
            cancellationToken: cancellationToken)))!;
        return snapshot with { DocumentIds = ids };
    }

    private async Task<Snapshot> FindAsync(Guid tenantId, Guid exportId, CancellationToken cancellationToken)
    {
        await using var connection = documents.DataSource.CreateConnection();
        var found = await connection.QueryFirstOrDefaultAsync<ExportRow>(new CommandDefinition(
            "SELECT document_ids, created_at FROM retention.export WHERE export_id = @ExportId AND tenant_id = @TenantId",
            new { ExportId = exportId, TenantId = tenantId }, cancellationToken: cancellationToken));
        var lifetime = options.Value.ExportLifetime;
        // Export ids are time-ordered (UUIDv7): one whose row is gone is told apart as expired by the time it holds.
        var startedAt = found?.CreatedAt ?? (exportId.Version == 7 ? StartedAt(exportId) : (DateTimeOffset?)null);
        if (startedAt < clock.GetUtcNow() - lifetime)
        {
            var days = lifetime.TotalDays.ToString("0.#", CultureInfo.InvariantCulture);
            throw new DomainException(ErrorKind.FailedPrecondition, "EXPORT_EXPIRED",
                $"export_id: an export can be resumed for {days} day(s) after it started, and this one is older; start a new export (without export_id).",
                $"export_id: このエクスポートは開始から{days}日を過ぎたため再開できません。export_id を指定せずに新しいエクスポートを開始してください。",
                "export_id");
        }
        return found is not null
            ? new Snapshot(exportId, tenantId, found.DocumentIds, found.CreatedAt)
            : throw DomainException.NotFound("Export", "エクスポート", "export_id");
    }

    /// <summary>The time a UUIDv7 holds: its first 48 bits, Unix milliseconds.</summary>
    private static DateTimeOffset StartedAt(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        var milliseconds = 0L;
        for (var i = 0; i < 6; i++)
        {
            milliseconds = milliseconds << 8 | bytes[i];
        }
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }

    /// <summary>
    /// The ZIP's destination: counts every byte, drops those before the resume offset, and sends the rest as
    /// chunks when flushed (ZipArchive writes synchronously; the network is written asynchronously between entries).
    /// </summary>
    private sealed class ChunkSink(long skip, IServerStreamWriter<ExportDocumentsResponse> stream) : Stream
    {
        private readonly MemoryStream _pending = new();
        private long _pendingStart = -1;

        public override long Position { get; set; }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var start = Position;
            Position += buffer.Length;
            if (Position <= skip)
            {
                return;
            }
            var from = (int)Math.Max(0, skip - start);
            if (_pendingStart < 0)
            {
                _pendingStart = start + from;
            }
            _pending.Write(buffer[from..]);
        }

        public async Task FlushAsync(CancellationToken token, bool final = false)
        {
            var data = _pending.GetBuffer();
            var length = (int)_pending.Length;
            for (var offset = 0; offset < length; offset += ChunkSize)
            {
                var count = Math.Min(ChunkSize, length - offset);
                await stream.WriteAsync(new ExportDocumentsResponse
                {
                    Chunk = new ExportChunk { Offset = _pendingStart + offset, Data = ByteString.CopyFrom(data, offset, count) },
                }, token);
            }
            _pending.SetLength(0);
            _pendingStart = -1;
        }

        public override void Flush()
        {
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Position;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
