using System.Security.Cryptography;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Retention.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmoSign.Retention;

internal sealed class RetentionGrpcService(
    DocumentStore documents,
    DocumentVault vault,
    TenantExport export,
    DeletionRecords deletions,
    StorageUsage storage,
    IOptions<RetentionOptions> options,
    TimeProvider clock) : RetentionService.RetentionServiceBase
{
    public const int ChunkSize = 1024 * 1024;

    public override Task<GetRetentionDefaultsResponse> GetRetentionDefaults(GetRetentionDefaultsRequest request, ServerCallContext context) =>
        Task.FromResult(new GetRetentionDefaultsResponse
        {
            Defaults =
            {
                RetentionDefaults.All.Select(d => new RetentionDefault
                {
                    DocumentType = d.Type, NameJa = d.Ja, NameEn = d.En, RetentionYears = d.Years,
                }),
            },
        });

    public override async Task<UploadDocumentResponse> UploadDocument(IAsyncStreamReader<UploadDocumentRequest> requestStream, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct) || requestStream.Current.PartCase != UploadDocumentRequest.PartOneofCase.Metadata)
        {
            throw DomainException.Required("metadata");
        }
        var meta = DocumentRules.Validate(requestStream.Current.Metadata, "metadata");
        var limit = options.Value.MaxDocumentBytes;
        var bytes = await StreamedContent.ReadAsync(requestStream, m => m.PartCase == UploadDocumentRequest.PartOneofCase.Chunk ? m.Chunk : null,
            limit, null,
            () => DomainException.Invalid("metadata", "must be sent once, first", "最初に一度だけ送信してください"),
            () => DocumentRefusal.TooLarge(meta.FileName, limit), ct);
        if (bytes.Length == 0)
        {
            throw DocumentRefusal.Empty(meta.FileName);
        }
        if (!DocumentRules.LooksLikePdf(bytes))
        {
            throw DocumentRefusal.NotPdf(meta.FileName);
        }

        var now = clock.GetUtcNow();
        var documentId = Guid.CreateVersion7();
        var record = new DocumentRecord(documentId, tenantId, meta, 1, bytes.Length, SHA256.HashData(bytes), DocumentRules.RetentionUntil(meta), false, now);
        var sealedBytes = await vault.SealAsync(tenantId, documentId, bytes, ct);
        await documents.StoreUploadAsync(record, sealedBytes, Actor(caller), caller.IpAddress, ct);
        await storage.ChangedAsync(tenantId, record.SizeBytes, CancellationToken.None);
        return new UploadDocumentResponse { Document = ToProto(record) };
    }

    public override async Task<GetDocumentResponse> GetDocument(GetDocumentRequest request, ServerCallContext context)
    {
        var (caller, document) = await FindAsync(request.DocumentId, context);
        await documents.LogAsync(document.TenantId, document.DocumentId, "view", Actor(caller), caller.IpAddress, clock.GetUtcNow(), context.CancellationToken);
        return new GetDocumentResponse { Document = ToProto(document) };
    }

    public override async Task DownloadDocument(DownloadDocumentRequest request, IServerStreamWriter<DownloadDocumentResponse> responseStream, ServerCallContext context)
    {
        var (caller, document) = await FindAsync(request.DocumentId, context);
        var content = await ReadContentAsync(document, context.CancellationToken);
        await documents.LogAsync(document.TenantId, document.DocumentId, "download", Actor(caller), caller.IpAddress, clock.GetUtcNow(), context.CancellationToken);
        for (var offset = 0; offset < content.Length; offset += ChunkSize)
        {
            await responseStream.WriteAsync(new DownloadDocumentResponse
            {
                Chunk = ByteString.CopyFrom(content, offset, Math.Min(ChunkSize, content.Length - offset)),
            }, context.CancellationToken);
        }
    }

    public override async Task<SearchDocumentsResponse> SearchDocuments(SearchDocumentsRequest request, ServerCallContext context)
    {
        var tenantId = context.GetCaller().RequireTenant();
        var size = Paging.Size(request.PageSize, fallback: 50, max: 200);
        var from = Dates.Optional(request.TransactionDate?.From, "transaction_date.from");
        var to = Dates.Optional(request.TransactionDate?.To, "transaction_date.to");
        if (from > to)
        {
            throw DomainException.Invalid("transaction_date.to", "is before transaction_date.from", "transaction_date.from より前です");
        }
        long? min = request.Amount is { HasMin: true } a1 ? a1.Min : null;
        long? max = request.Amount is { HasMax: true } a2 ? a2.Max : null;
        if (min > max)
        {
            throw DomainException.Invalid("amount.max", "is below amount.min", "amount.min より小さい値です");
        }
        (DateOnly, Guid)? after = null;
        if (Paging.Parse(request.PageToken) is { } token)
        {
            after = (DateOnly.FromDateTime(token.At.UtcDateTime), token.Id);
        }
        var query = new SearchQuery(from, to, min, max,
            Check.Optional(request.Counterparty, "counterparty", 200), Check.Optional(request.Title, "title", 200),
            request.Tags.Select((t, i) => Check.Required(t, $"tags[{i}]", 50)).ToArray(),
            Check.Optional(request.DocumentType, "document_type", 40), Check.Optional(request.Party, "party", 200), after, size + 1)
        {
            Status = Check.Optional(request.Status, "status", 20) is { } status
                ? status is "stored" or "completed" ? status : throw DomainException.Invalid("status", "must be stored or completed", "stored または completed を指定してください")
                : null,
        };
        var found = await documents.SearchAsync(tenantId, query, context.CancellationToken);
        var reply = new SearchDocumentsResponse { Documents = { found.Take(size).Select(ToProto) } };
        if (found.Count > size)
        {
            var last = found[size - 1];
            reply.NextPageToken = Paging.Token(new DateTimeOffset(last.Meta.TransactionDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), last.DocumentId);
        }
        return reply;
    }

    public override async Task<CorrectMetadataResponse> CorrectMetadata(CorrectMetadataRequest request, ServerCallContext context)
    {
        Check.Id(request.DocumentId, "document_id");
        var next = DocumentRules.Validate(request.Metadata, "metadata");
        var reason = Check.Required(request.Reason, "reason", 1000);
        var (caller, document) = await FindAsync(request.DocumentId, context);
        if (!DocumentStore.Differences(document.Meta, next).Any())
        {
            throw DomainException.Invalid("metadata", "changes nothing", "変更がありません");
        }
        // The retention period never shortens through a correction.
        var until = DocumentRules.RetentionUntil(next) > document.RetentionUntil ? DocumentRules.RetentionUntil(next) : document.RetentionUntil;
        await documents.CorrectAsync(document, next, until, caller.UserId!.Value, reason, caller.IpAddress, clock.GetUtcNow(), context.CancellationToken);
        return new CorrectMetadataResponse { Document = ToProto((await documents.GetAsync(document.TenantId, document.DocumentId, context.CancellationToken))!) };
    }

    public override async Task<GetDocumentHistoryResponse> GetDocumentHistory(GetDocumentHistoryRequest request, ServerCallContext context)
    {
        var (_, document) = await FindAsync(request.DocumentId, context);
        var (corrections, accesses) = await documents.HistoryAsync(document.TenantId, document.DocumentId, context.CancellationToken);
        return new GetDocumentHistoryResponse
        {
            Corrections =
            {
                corrections.Select(c => new Correction
                {
                    Field = c.Field, OldValue = c.OldValue, NewValue = c.NewValue, UserId = c.UserId.ToString(),
                    At = c.At.ToTimestamp(), Reason = c.Reason,
                }),
            },
            Accesses =
            {
                accesses.Select(a => new AccessEntry { Action = a.Action, Actor = a.Actor, IpAddress = a.IpAddress ?? "", At = a.At.ToTimestamp() }),
            },
        };
    }

    public override async Task<SetLegalHoldResponse> SetLegalHold(SetLegalHoldRequest request, ServerCallContext context)
    {
        var (caller, document) = await FindAsync(request.DocumentId, context);
        await documents.SetHoldAsync(document.TenantId, document.DocumentId, request.Hold, context.CancellationToken);
        await documents.LogAsync(document.TenantId, document.DocumentId, request.Hold ? "hold" : "release", Actor(caller), caller.IpAddress, clock.GetUtcNow(), context.CancellationToken);
        return new SetLegalHoldResponse { Document = ToProto(document with { LegalHold = request.Hold }) };
    }

    public override async Task<DeleteDocumentResponse> DeleteDocument(DeleteDocumentRequest request, ServerCallContext context)
    {
        Check.Id(request.DocumentId, "document_id");
        Check.Required(request.Reason, "reason", 1000);
        var (caller, document) = await FindAsync(request.DocumentId, context);
        var now = clock.GetUtcNow();
        var today = JapanTime.Today(now);
        if (document.LegalHold)
        {
            throw DomainException.Precondition("LEGAL_HOLD", "The document is on legal hold and cannot be deleted.", "文書は訴訟ホールド中のため削除できません。");
        }
        if (document.RetentionUntil >= today)
        {
            throw new DomainException(ErrorKind.FailedPrecondition, "RETENTION_PERIOD",
                $"The document must be kept until {document.RetentionUntil:yyyy-MM-dd}.", $"文書は {document.RetentionUntil:yyyy年M月d日} まで保存が必要です。")
            {
                Metadata = { ["retention_until"] = document.RetentionUntil.ToString("yyyy-MM-dd") },
            };
        }
        if (!await documents.DeleteAsync(document, today, Actor(caller), caller.IpAddress, now, context.CancellationToken))
        {
            throw DomainException.Precondition("NOT_DELETABLE", "The document changed meanwhile and cannot be deleted now.", "文書が変更されたため、削除できません。");
        }
        await storage.ChangedAsync(document.TenantId, -document.SizeBytes, CancellationToken.None);
        return new DeleteDocumentResponse();
    }

    public override Task ExportDocuments(ExportDocumentsRequest request, IServerStreamWriter<ExportDocumentsResponse> responseStream, ServerCallContext context) =>
        export.StreamAsync(context.GetCaller(), request, responseStream, context.CancellationToken);

    public override async Task<ListDeletionRecordsResponse> ListDeletionRecords(ListDeletionRecordsRequest request, ServerCallContext context) =>
        new() { Records = { (await deletions.ListAsync(context.CancellationToken)).Select(r => r) } };

    internal async Task<byte[]> ReadContentAsync(DocumentRecord document, CancellationToken cancellationToken)
    {
        return await vault.ReadAsync(document.TenantId, document.DocumentId, cancellationToken)
            ?? throw DomainException.NotFound("Document content", "文書の内容", "document_id");
    }

    private async Task<(Caller Caller, DocumentRecord Document)> FindAsync(string? documentIdText, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var id = Check.Id(documentIdText, "document_id");
        var document = await documents.GetAsync(caller.RequireTenant(), id, context.CancellationToken)
            ?? throw DomainException.NotFound("Document", "文書", "document_id");
        return (caller, document);
    }

    internal static string Actor(Caller caller) => caller.UserId?.ToString() ?? $"integration:{caller.DisplayName}";

    internal static Document ToProto(DocumentRecord d) => new()
    {
        DocumentId = d.DocumentId.ToString(),
        Metadata = new DocumentMetadata
        {
            Title = d.Meta.Title, DocumentType = d.Meta.DocumentType, TransactionDate = d.Meta.TransactionDate.ToCalendarDate(), Amount = d.Meta.Amount,
            Currency = d.Meta.Currency, Counterparty = d.Meta.Counterparty, Parties = { d.Meta.Parties }, Tags = { d.Meta.Tags }, FileName = d.Meta.FileName,
        },
        Source = d.Source == 2 ? DocumentSource.Envelope : DocumentSource.Upload,
        Status = d.Status,
        EnvelopeId = d.EnvelopeId?.ToString() ?? "",
        SizeBytes = d.SizeBytes,
        Sha256 = Convert.ToHexString(d.Sha256).ToLowerInvariant(),
        RetentionUntil = d.RetentionUntil.ToCalendarDate(),
        LegalHold = d.LegalHold,
        StoredAt = d.StoredAt.ToTimestamp(),
    };
}
