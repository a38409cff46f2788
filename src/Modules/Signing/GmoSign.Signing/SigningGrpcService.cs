using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GmoSign.Accounts.Contracts;
using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Reseller.Contracts;
using GmoSign.Retention.Contracts;
using GmoSign.Signing.Contracts;
using GmoSign.Signing.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Npgsql;
using EnvelopeStatus = GmoSign.Grains.EnvelopeStatus;
using RecipientStatus = GmoSign.Grains.RecipientStatus;

namespace GmoSign.Signing;

/// <summary>Maps SigningService RPCs to the envelope grain; validates every field before anything is written.</summary>
internal sealed class SigningGrpcService(
    IGrainFactory grains,
    IOptions<EnvelopeOptions> options,
    IDocumentContent contents,
    IPdfSignatures pdf,
    PdfVerification verification,
    ISigningLinks links,
    IEnvelopeStore store,
    ITenantContracts tenants,
    ITenantUserLookup users,
    IRetentionPolicy retention,
    WebhookEndpoints webhooks,
    UploadSessions uploads,
    NpgsqlDataSource db) : SigningService.SigningServiceBase
{
    private const int ChunkSize = 1024 * 1024;
    // A finished upload session's document carries this prefix and the session id as its request id.
    private const string UploadRequestPrefix = "upload:";
    private const int MaxSteps = 20;
    private readonly EnvelopeOptions _o = options.Value;

    public override async Task<GetSigningLimitsResponse> GetSigningLimits(GetSigningLimitsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var response = new GetSigningLimitsResponse
        {
            MaxDocumentsPerEnvelope = _o.MaxDocumentsPerEnvelope,
            MaxDocumentBytes = _o.MaxDocumentBytes,
            MaxEnvelopeBytes = _o.MaxEnvelopeBytes,
            DefaultExpiryDays = _o.DefaultExpiryDays,
            MaxExpiryDays = _o.MaxExpiryDays,
            DefaultReminderDaysBeforeExpiry = { _o.DefaultReminderDaysBeforeExpiry },
            SignatureTypes = { SignatureType.Witness },
        };
        if (pdf.SupportsCertificateType && caller.TenantId is { } tenantId && await tenants.GetAsync(tenantId, context.CancellationToken) is { } view
            && view.Holds(OptionCodes.CertificateSigning))
        {
            response.SignatureTypes.Add(SignatureType.Certificate);
        }
        return response;
    }

    // ------------------------------------------------------------------ sender

    public override async Task<CreateEnvelopeResponse> CreateEnvelope(CreateEnvelopeRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var ct = context.CancellationToken;
        var requestId = string.IsNullOrEmpty(request.RequestId) ? null : Check.RequestId(request.RequestId);
        var title = Check.Required(request.Title, "title", 200);
        var message = Check.Optional(request.Message, "message", 2000) ?? "";
        var recipients = await RecipientsAsync(tenantId, request, ct);
        var anyOne = Steps(request, recipients);
        var approvers = await ApproversAsync(tenantId, request.ApproverUserIds, ct);
        var retentionSpec = Retention(request.Retention);
        var (expiryDays, reminderDays, everyDays) = Schedule(request);
        if (recipients.Any(r => r.CertificateType))
        {
            if (!pdf.SupportsCertificateType)
            {
                throw DomainException.Precondition("CERTIFICATE_TYPE_UNAVAILABLE",
                    "recipients: this installation has no certificate authority for certificate-type signatures.",
                    "recipients: この環境には当事者型署名用の認証局が設定されていません。");
            }
            var view = await tenants.GetAsync(tenantId, ct);
            if (view is null || !view.Holds(OptionCodes.CertificateSigning))
            {
                throw DomainException.Precondition("OPTION_REQUIRED",
                    "recipients: certificate-type signatures need the certificate-signing option.", "recipients: 当事者型署名には電子証明書オプションが必要です。");
            }
        }
        var sender = await SenderAsync(caller, ct);
        var envelopeId = requestId is null ? Guid.CreateVersion7() : IdFor(tenantId, "envelope", requestId);
        var draft = new EnvelopeDraft(tenantId, requestId, title, message, recipients, anyOne, approvers, retentionSpec, request.AllowReassign,
            expiryDays, reminderDays, everyDays, sender);
        var state = await Envelope(envelopeId).CreateAsync(draft);
        return new CreateEnvelopeResponse { Envelope = ToProto(state) };
    }

    public override async Task<UploadDocumentResponse> UploadDocument(IAsyncStreamReader<UploadDocumentRequest> requestStream, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct) || requestStream.Current.PartCase != UploadDocumentRequest.PartOneofCase.Header)
        {
            throw DomainException.Required("header");
        }
        var header = requestStream.Current.Header;
        var envelopeId = Check.Id(header.EnvelopeId, "header.envelope_id");
        var fileName = CheckFileName(header.FileName, "header.file_name");
        var requestId = string.IsNullOrEmpty(header.RequestId) ? null : Check.RequestId(header.RequestId, "header.request_id");
        if (requestId?.StartsWith(UploadRequestPrefix, StringComparison.Ordinal) == true)
        {
            throw DomainException.Invalid("header.request_id", $"must not start with '{UploadRequestPrefix}' (reserved for upload sessions)",
                $"「{UploadRequestPrefix}」で始まる値は使用できません（アップロードセッション用に予約）");
        }
        var (envelope, earlier) = await PrepareUploadAsync(caller, tenantId, envelopeId, requestId);
        if (earlier is not null)
        {
            return new UploadDocumentResponse { Document = ToProto(earlier), Envelope = ToProto(envelope) };
        }
        var bytes = await StreamedContent.ReadAsync(requestStream, m => m.PartCase == UploadDocumentRequest.PartOneofCase.Chunk ? m.Chunk : null,
            _o.MaxDocumentBytes, ChunkSize,
            () => DomainException.Invalid("header", "may be sent only once, first", "最初に1回だけ送信してください"),
            () => TooLarge(fileName), ct);
        return await StoreDocumentAsync(caller, tenantId, envelopeId, fileName, requestId, bytes, ct);
    }

    public override async Task<StartUploadResponse> StartUpload(StartUploadRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        var fileName = CheckFileName(request.FileName, "file_name");
        if (request.SizeBytes <= 0)
        {
            throw DocumentRefusal.Empty(fileName);
        }
        if (request.SizeBytes > _o.MaxDocumentBytes)
        {
            throw TooLarge(fileName);
        }
        var requestId = string.IsNullOrEmpty(request.RequestId) ? null : Check.RequestId(request.RequestId);
        var (envelope, _) = await PrepareUploadAsync(caller, tenantId, envelopeId, requestId: null);
        var session = await uploads.StartAsync(tenantId, envelopeId, fileName, request.SizeBytes, requestId,
            documentsLeft: _o.MaxDocumentsPerEnvelope - envelope.Documents.Count, bytesLeft: _o.MaxEnvelopeBytes - envelope.Documents.Sum(d => d.SizeBytes),
            context.CancellationToken);
        return new StartUploadResponse { Upload = ToProto(session) };
    }

    public override async Task<UploadChunkResponse> UploadChunk(UploadChunkRequest request, ServerCallContext context)
    {
        var tenantId = context.GetCaller().RequireTenant();
        var uploadId = Check.Id(request.UploadId, "upload_id");
        if (request.Offset < 0)
        {
            throw DomainException.Invalid("offset", "must not be negative", "0以上で指定してください");
        }
        if (request.Chunk.Length == 0)
        {
            throw DomainException.Required("chunk");
        }
        if (request.Chunk.Length > ChunkSize)
        {
            throw new DomainException(ErrorKind.InvalidArgument, "CHUNK_TOO_LARGE", $"chunk: at most {ChunkSize} bytes per chunk",
                $"chunk: 1回に送れるのは{ChunkSize}バイトまでです", "chunk")
            {
                Metadata = { ["limit"] = ChunkSize.ToString(CultureInfo.InvariantCulture), ["actual"] = request.Chunk.Length.ToString(CultureInfo.InvariantCulture) },
            };
        }
        var caller = context.GetCaller();
        var open = await uploads.GetAsync(tenantId, uploadId, context.CancellationToken);
        // Bytes go only to a draft the caller may still change; a session of an envelope that left draft is dropped.
        try
        {
            await PrepareUploadAsync(caller, tenantId, open.EnvelopeId, requestId: null);
        }
        catch (DomainException ex) when (ex.Reason == "ENVELOPE_STATUS")
        {
            await uploads.DiscardForEnvelopeAsync(open.EnvelopeId, CancellationToken.None);
            throw;
        }
        var session = await uploads.AppendAsync(open, request.Offset, request.Chunk.Memory, context.CancellationToken);
        return new UploadChunkResponse { Upload = ToProto(session) };
    }

    public override async Task<GetUploadResponse> GetUpload(GetUploadRequest request, ServerCallContext context)
    {
        var tenantId = context.GetCaller().RequireTenant();
        var session = await uploads.GetAsync(tenantId, Check.Id(request.UploadId, "upload_id"), context.CancellationToken);
        return new GetUploadResponse { Upload = ToProto(session) };
    }

    public override async Task<FinishUploadResponse> FinishUpload(FinishUploadRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var ct = context.CancellationToken;
        var session = await uploads.GetAsync(tenantId, Check.Id(request.UploadId, "upload_id"), ct);
        // The session's own id is the document's idempotency key: finishing twice (or after a lost reply) adds it once.
        var requestId = UploadRequestPrefix + session.UploadId.ToString("N");
        var (envelope, earlier) = await PrepareUploadAsync(caller, tenantId, session.EnvelopeId, requestId);
        if (earlier is not null)
        {
            return new FinishUploadResponse { Document = ToProto(earlier), Envelope = ToProto(envelope) };
        }
        if (session.ReceivedBytes != session.SizeBytes)
        {
            throw new DomainException(ErrorKind.FailedPrecondition, "UPLOAD_INCOMPLETE",
                $"The upload has {session.ReceivedBytes} of {session.SizeBytes} bytes: send the rest first.",
                $"アップロードは{session.SizeBytes}バイト中{session.ReceivedBytes}バイトです。残りを送信してください。")
            {
                Metadata = { ["received_bytes"] = session.ReceivedBytes.ToString(CultureInfo.InvariantCulture) },
            };
        }
        if (!await uploads.ClaimFinishAsync(session, ct))
        {
            throw new DomainException(ErrorKind.Unavailable, "UPLOAD_FINISHING", "Another call is finishing this upload: ask again in a moment.",
                "このアップロードは別の呼び出しが完了処理中です。少し待ってから再度お試しください。")
            {
                Metadata = { ["retry_after"] = "2" },
            };
        }
        var bytes = await uploads.ContentAsync(session, ct);
        UploadDocumentResponse response;
        try
        {
            response = await StoreDocumentAsync(caller, tenantId, session.EnvelopeId, session.FileName, requestId, bytes, ct);
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.InvalidArgument || ex.Reason == "ENVELOPE_STATUS")
        {
            // Refused bytes (not a PDF, damaged, encrypted, over a limit) or an envelope no longer a draft: the session
            // is gone, so finishing again cannot make the server read and check the same file again.
            await uploads.DiscardAsync(session, CancellationToken.None);
            throw;
        }
        await uploads.FinishAsync(session, Guid.Parse(response.Document.DocumentId), CancellationToken.None);
        return new FinishUploadResponse { Document = response.Document, Envelope = response.Envelope };
    }

    private static string CheckFileName(string value, string field)
    {
        var fileName = Check.Required(value, field, 200);
        if (!fileName.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase) || fileName.IndexOfAny(['/', '\\', '\0']) >= 0)
        {
            throw DomainException.Invalid(field, "must be a file name ending in .pdf", "「.pdf」で終わるファイル名を指定してください");
        }
        return fileName;
    }

    /// <summary>The checks before any byte is read: the caller manages the envelope and it is a draft; or the document a request id added before.</summary>
    private async Task<(EnvelopeView Envelope, DocumentView? Earlier)> PrepareUploadAsync(Caller caller, Guid tenantId, Guid envelopeId, string? requestId)
    {
        var envelope = await Envelope(envelopeId).GetAsync(tenantId);
        if (requestId is not null && envelope.Documents.FirstOrDefault(d => d.UploadRequestId == requestId) is { } earlier)
        {
            return (envelope, earlier);
        }
        if (!envelope.IsManagedBy(ActorOf(caller)))
        {
            throw DomainException.Denied("Only the envelope's sender or a tenant administrator can add documents.",
                "文書を追加できるのは封筒の送信者またはテナント管理者のみです。");
        }
        if (envelope.Status != EnvelopeStatus.Draft)
        {
            throw DomainException.Precondition("ENVELOPE_STATUS", $"Documents can be added to drafts only: the envelope is {envelope.Status}.",
                $"文書は下書きの封筒にのみ追加できます（現在の状態: {envelope.Status}）。");
        }
        return (envelope, null);
    }

    /// <summary>Checks the bytes are a PDF that can be signed, stores them and adds the document to the draft.</summary>
    private async Task<UploadDocumentResponse> StoreDocumentAsync(Caller caller, Guid tenantId, Guid envelopeId, string fileName, string? requestId,
        byte[] bytes, CancellationToken ct)
    {
        switch (bytes.Length == 0 ? PdfCheck.NotPdf : pdf.Check(bytes))
        {
            case PdfCheck.NotPdf:
                throw bytes.Length == 0 ? DocumentRefusal.Empty(fileName) : DocumentRefusal.NotPdf(fileName);
            case PdfCheck.Corrupt:
                throw DocumentRefusal.Damaged(fileName);
            case PdfCheck.Encrypted:
                throw DocumentRefusal.Encrypted(fileName);
        }
        var documentId = requestId is null ? Guid.CreateVersion7() : IdFor(envelopeId, "document", requestId);
        var contentId = Guid.CreateVersion7();
        await contents.PutAsync(tenantId, contentId, bytes, ct);
        try
        {
            var state = await Envelope(envelopeId).AddDocumentAsync(tenantId,
                new NewDocument(documentId, contentId, fileName, bytes.Length, SHA256.HashData(bytes), requestId), ActorOf(caller));
            var document = state.Documents.First(d => d.DocumentId == documentId);
            if (document.ContentId != contentId)
            {
                await contents.DeleteAsync(tenantId, contentId, CancellationToken.None); // a concurrent retry stored it first
            }
            return new UploadDocumentResponse { Document = ToProto(document), Envelope = ToProto(state) };
        }
        catch
        {
            await contents.DeleteAsync(tenantId, contentId, CancellationToken.None);
            throw;
        }
    }

    private Upload ToProto(UploadSession s) => new()
    {
        UploadId = s.UploadId.ToString(),
        EnvelopeId = s.EnvelopeId.ToString(),
        FileName = s.FileName,
        SizeBytes = s.SizeBytes,
        ReceivedBytes = s.ReceivedBytes,
        MaxChunkBytes = ChunkSize,
        DocumentId = s.DocumentId?.ToString() ?? "",
        ExpiresAt = Timestamp.FromDateTimeOffset(s.ExpiresAt),
    };

    public override async Task<SendEnvelopeResponse> SendEnvelope(SendEnvelopeRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        var state = await Envelope(envelopeId).SendAsync(caller.RequireTenant(), ActorOf(caller), OptionalRequestId(request.RequestId));
        // Unfinished upload sessions of a sent envelope can never finish: their bytes go now, not in 24 hours.
        await uploads.DiscardForEnvelopeAsync(envelopeId, CancellationToken.None);
        return new SendEnvelopeResponse { Envelope = ToProto(state) };
    }

    public override async Task<GetEnvelopeResponse> GetEnvelope(GetEnvelopeRequest request, ServerCallContext context)
    {
        var state = await Envelope(Check.Id(request.EnvelopeId, "envelope_id")).GetAsync(context.GetCaller().RequireTenant());
        return new GetEnvelopeResponse { Envelope = ToProto(state) };
    }

    public override async Task<ListEnvelopesResponse> ListEnvelopes(ListEnvelopesRequest request, ServerCallContext context)
    {
        var tenantId = context.GetCaller().RequireTenant();
        var size = Paging.Size(request.PageSize, fallback: 50, max: 100);
        var after = Paging.Parse(request.PageToken);
        if (!System.Enum.IsDefined(request.Status))
        {
            throw DomainException.Invalid("status", "is not a known envelope status", "封筒の状態として正しくありません");
        }
        var sql = new StringBuilder("SELECT envelope_id, title, status, updated_at, expires_at FROM signing.envelope WHERE tenant_id = $1");
        var parameters = new List<object> { tenantId };
        if (request.Status != V1.EnvelopeStatus.Unspecified)
        {
            parameters.Add((short)request.Status);
            sql.Append($" AND status = ${parameters.Count}");
        }
        if (!string.IsNullOrEmpty(request.TitleContains))
        {
            var text = Check.Optional(request.TitleContains, "title_contains", 200)!;
            // The text is matched literally: LIKE's wildcards and its escape character are escaped.
            parameters.Add("%" + text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%");
            sql.Append($" AND title ILIKE ${parameters.Count} ESCAPE '\\'");
        }
        if (after is { } cursor)
        {
            parameters.Add(cursor.At);
            parameters.Add(cursor.Id);
            sql.Append($" AND (updated_at, envelope_id) < (${parameters.Count - 1}, ${parameters.Count})");
        }
        parameters.Add(size + 1);
        sql.Append($" ORDER BY updated_at DESC, envelope_id DESC LIMIT ${parameters.Count}");
        await using var command = db.CreateCommand(sql.ToString());
        foreach (var p in parameters)
        {
            command.Parameters.AddWithValue(p);
        }
        var response = new ListEnvelopesResponse();
        await using var reader = await command.ExecuteReaderAsync(context.CancellationToken);
        while (await reader.ReadAsync(context.CancellationToken))
        {
            if (response.Envelopes.Count == size)
            {
                var last = response.Envelopes[^1];
                response.NextPageToken = Paging.Token(last.UpdatedAt.ToDateTimeOffset(), Guid.Parse(last.EnvelopeId));
                break;
            }
            response.Envelopes.Add(new EnvelopeSummary
            {
                EnvelopeId = reader.GetGuid(0).ToString(),
                Title = reader.GetString(1),
                Status = (V1.EnvelopeStatus)reader.GetInt16(2),
                UpdatedAt = Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(3)),
                ExpiresAt = reader.IsDBNull(4) ? null : Timestamp.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(4)),
            });
        }
        return response;
    }

    public override async Task<ApproveEnvelopeResponse> ApproveEnvelope(ApproveEnvelopeRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        var comment = request.Approve ? Check.Optional(request.Comment, "comment", 500) : Check.Required(request.Comment, "comment", 500);
        var state = await Envelope(envelopeId).ApproveAsync(caller.RequireTenant(), ActorOf(caller), request.Approve, comment, OptionalRequestId(request.RequestId));
        return new ApproveEnvelopeResponse { Envelope = ToProto(state) };
    }

    public override async Task<VoidEnvelopeResponse> VoidEnvelope(VoidEnvelopeRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        var reason = Check.Required(request.Reason, "reason", 500);
        var state = await Envelope(envelopeId).VoidAsync(caller.RequireTenant(), ActorOf(caller), reason, OptionalRequestId(request.RequestId));
        return new VoidEnvelopeResponse { Envelope = ToProto(state) };
    }

    public override async Task<ResendNotificationResponse> ResendNotification(ResendNotificationRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        Guid? recipientId = string.IsNullOrEmpty(request.RecipientId) ? null : Check.Id(request.RecipientId, "recipient_id");
        var queued = await Envelope(envelopeId).ResendAsync(caller.RequireTenant(), ActorOf(caller), recipientId, OptionalRequestId(request.RequestId));
        return new ResendNotificationResponse { Queued = queued };
    }

    public override async Task<CreateSigningLinkResponse> CreateSigningLink(CreateSigningLinkRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        var recipientId = Check.Id(request.RecipientId, "recipient_id");
        var expires = await Envelope(envelopeId).SigningLinkExpiryAsync(tenantId, recipientId, ActorOf(caller));
        return new CreateSigningLinkResponse
        {
            Token = links.Create(tenantId, envelopeId, recipientId),
            ExpiresAt = Timestamp.FromDateTimeOffset(expires),
        };
    }

    // ------------------------------------------------------------------ recipient

    public override async Task<OpenEnvelopeResponse> OpenEnvelope(OpenEnvelopeRequest request, ServerCallContext context)
    {
        var (envelopeId, access) = Access(context.GetCaller(), request.EnvelopeId, request.RecipientId, request.AccessCode);
        var result = await Envelope(envelopeId).OpenAsync(access);
        var organization = (await tenants.GetAsync(access.TenantId, context.CancellationToken))?.Name ?? "";
        return new OpenEnvelopeResponse
        {
            Envelope = ToProto(result.Envelope, forRecipient: true), RecipientId = result.RecipientId.ToString(), CanSign = result.CanSign,
            SenderOrganization = organization,
        };
    }

    public override async Task<SignEnvelopeResponse> SignEnvelope(SignEnvelopeRequest request, ServerCallContext context)
    {
        var (envelopeId, access) = Access(context.GetCaller(), request.EnvelopeId, request.RecipientId, request.AccessCode);
        var requestId = Check.RequestId(request.RequestId);
        var state = await Envelope(envelopeId).SignAsync(access, requestId);
        return new SignEnvelopeResponse { Envelope = ToProto(state, forRecipient: access.ViaLink) };
    }

    public override async Task<DeclineEnvelopeResponse> DeclineEnvelope(DeclineEnvelopeRequest request, ServerCallContext context)
    {
        var (envelopeId, access) = Access(context.GetCaller(), request.EnvelopeId, request.RecipientId, request.AccessCode);
        var reason = Check.Required(request.Reason, "reason", 500);
        var state = await Envelope(envelopeId).DeclineAsync(access, reason, OptionalRequestId(request.RequestId));
        return new DeclineEnvelopeResponse { Envelope = ToProto(state, forRecipient: access.ViaLink) };
    }

    public override async Task<ReassignRecipientResponse> ReassignRecipient(ReassignRecipientRequest request, ServerCallContext context)
    {
        var (envelopeId, access) = Access(context.GetCaller(), request.EnvelopeId, request.RecipientId, request.AccessCode);
        var name = Check.Required(request.NewName, "new_name", 100);
        var email = Check.Email(request.NewEmail, "new_email");
        var reason = Check.Required(request.Reason, "reason", 500);
        var result = await Envelope(envelopeId).ReassignAsync(access, name, email, reason, OptionalRequestId(request.RequestId));
        return new ReassignRecipientResponse { Envelope = ToProto(result.Envelope, forRecipient: access.ViaLink), NewRecipientId = result.RecipientId.ToString() };
    }

    public override async Task DownloadDocument(DownloadDocumentRequest request, IServerStreamWriter<DownloadDocumentResponse> responseStream, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var documentId = Check.Id(request.DocumentId, "document_id");
        Guid envelopeId;
        RecipientAccess? access = null;
        if (caller.Kind == CallerKind.Signer || !string.IsNullOrEmpty(request.RecipientId))
        {
            (envelopeId, access) = Access(caller, request.EnvelopeId, request.RecipientId, request.AccessCode);
        }
        else
        {
            envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        }
        var tenantId = caller.RequireTenant();
        var reference = await Envelope(envelopeId).DocumentAsync(tenantId, documentId, access, ActorOf(caller));
        var bytes = await contents.GetAsync(tenantId, reference.ContentId, context.CancellationToken)
            ?? throw DomainException.NotFound("Document content", "文書の内容", "document_id");
        await StreamFileAsync(bytes, reference.FileName, responseStream, context.CancellationToken,
            (chunk, name, size) => new DownloadDocumentResponse { Chunk = chunk, FileName = name, SizeBytes = size });
    }

    public override async Task DownloadCertificate(DownloadCertificateRequest request, IServerStreamWriter<DownloadCertificateResponse> responseStream, ServerCallContext context)
    {
        var tenantId = context.GetCaller().RequireTenant();
        var envelope = await Envelope(Check.Id(request.EnvelopeId, "envelope_id")).GetAsync(tenantId);
        if (envelope.Status != EnvelopeStatus.Completed || envelope.CertificateContentId is not { } certificate)
        {
            throw DomainException.Precondition("ENVELOPE_STATUS", $"The certificate of completion exists once the envelope is completed: it is {envelope.Status}.",
                $"締結証明書は封筒の締結後に作成されます（現在の状態: {envelope.Status}）。");
        }
        var bytes = await contents.GetAsync(tenantId, certificate, context.CancellationToken)
            ?? throw DomainException.NotFound("Certificate content", "締結証明書の内容", "envelope_id");
        await StreamFileAsync(bytes, "certificate_of_completion.pdf", responseStream, context.CancellationToken,
            (chunk, name, size) => new DownloadCertificateResponse { Chunk = chunk, FileName = name, SizeBytes = size });
    }

    /// <summary>Streams a file in chunks; the first message also names the file and its size.</summary>
    private static async Task StreamFileAsync<T>(byte[] bytes, string fileName, IServerStreamWriter<T> responseStream, CancellationToken ct,
        Func<ByteString, string, long, T> message)
    {
        for (var offset = 0; offset < bytes.Length || offset == 0; offset += ChunkSize)
        {
            var chunk = ByteString.CopyFrom(bytes, offset, Math.Min(ChunkSize, bytes.Length - offset));
            await responseStream.WriteAsync(offset == 0 ? message(chunk, fileName, bytes.Length) : message(chunk, "", 0), ct);
            if (bytes.Length == 0)
            {
                break;
            }
        }
    }

    public override async Task<GetAuditTrailResponse> GetAuditTrail(GetAuditTrailRequest request, ServerCallContext context)
    {
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        await Envelope(envelopeId).GetAsync(context.GetCaller().RequireTenant());
        var trail = await store.AuditTrailAsync(envelopeId, context.CancellationToken);
        var response = new GetAuditTrailResponse();
        response.Entries.AddRange(trail.Select(e => new AuditEntry
        {
            Sequence = e.Sequence,
            At = Timestamp.FromDateTimeOffset(e.At),
            Action = e.Action,
            Actor = e.Actor,
            Principal = e.Principal ?? "",
            RecipientId = e.RecipientId?.ToString() ?? "",
            IpAddress = e.IpAddress ?? "",
            UserAgent = e.UserAgent ?? "",
            Detail = e.Detail,
            PreviousHash = ByteString.CopyFrom(e.PreviousHash),
            Hash = ByteString.CopyFrom(e.Hash),
        }));
        return response;
    }

    public override async Task<VerifyAuditTrailResponse> VerifyAuditTrail(VerifyAuditTrailRequest request, ServerCallContext context)
    {
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        await Envelope(envelopeId).GetAsync(context.GetCaller().RequireTenant());
        var trail = await store.AuditTrailAsync(envelopeId, context.CancellationToken);
        var broken = AuditChain.FirstBroken(envelopeId, trail);
        return new VerifyAuditTrailResponse { Intact = broken == 0, Entries = trail.Count, FirstBrokenSequence = broken };
    }

    public override async Task<VerifyDocumentResponse> VerifyDocument(IAsyncStreamReader<VerifyDocumentRequest> requestStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct) || requestStream.Current.PartCase != VerifyDocumentRequest.PartOneofCase.FileName)
        {
            throw DomainException.Required("file_name");
        }
        var fileName = Check.Required(requestStream.Current.FileName, "file_name", 200);
        var bytes = await StreamedContent.ReadAsync(requestStream, m => m.PartCase == VerifyDocumentRequest.PartOneofCase.Chunk ? m.Chunk : null,
            _o.MaxDocumentBytes, null,
            () => DomainException.Invalid("file_name", "may be sent only once, first", "最初に1回だけ送信してください"),
            () => TooLarge(fileName), ct);
        if (bytes.Length == 0)
        {
            throw DocumentRefusal.Empty(fileName);
        }
        if (pdf.Check(bytes) == PdfCheck.NotPdf)
        {
            throw DocumentRefusal.NotPdf(fileName);
        }
        return verification.Verify(bytes, fileName);
    }

    // ------------------------------------------------------------------ webhooks (Art. 10)

    public override async Task<CreateWebhookEndpointResponse> CreateWebhookEndpoint(CreateWebhookEndpointRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var url = Check.Required(request.Url, "url", 2000);
        var (endpoint, secret) = await webhooks.CreateAsync(caller.RequireTenant(), url, request.Events, caller.DisplayName, context.CancellationToken);
        return new CreateWebhookEndpointResponse { Endpoint = ToProto(endpoint), Secret = secret };
    }

    public override async Task<ListWebhookEndpointsResponse> ListWebhookEndpoints(ListWebhookEndpointsRequest request, ServerCallContext context)
    {
        var list = await webhooks.ListAsync(context.GetCaller().RequireTenant(), context.CancellationToken);
        return new ListWebhookEndpointsResponse { Endpoints = { list.Select(ToProto) } };
    }

    public override async Task<DeleteWebhookEndpointResponse> DeleteWebhookEndpoint(DeleteWebhookEndpointRequest request, ServerCallContext context)
    {
        await webhooks.DeleteAsync(context.GetCaller().RequireTenant(), Check.Id(request.EndpointId, "endpoint_id"), context.CancellationToken);
        return new DeleteWebhookEndpointResponse();
    }

    public override async Task<ListWebhookDeliveriesResponse> ListWebhookDeliveries(ListWebhookDeliveriesRequest request, ServerCallContext context)
    {
        var endpointId = Check.Id(request.EndpointId, "endpoint_id");
        Guid? envelopeId = string.IsNullOrEmpty(request.EnvelopeId) ? null : Check.Id(request.EnvelopeId, "envelope_id");
        var size = Paging.Size(request.PageSize, fallback: 50, max: 200);
        var list = await webhooks.DeliveriesAsync(context.GetCaller().RequireTenant(), endpointId, envelopeId, size, context.CancellationToken);
        return new ListWebhookDeliveriesResponse
        {
            Deliveries =
            {
                list.Select(d => new WebhookDelivery
                {
                    DeliveryId = d.DeliveryId,
                    EnvelopeId = d.EnvelopeId.ToString(),
                    Sequence = d.Sequence,
                    Event = d.Event,
                    Attempts = d.Attempts,
                    CreatedAt = Timestamp.FromDateTimeOffset(d.CreatedAt),
                    DeliveredAt = d.DeliveredAt is { } delivered ? Timestamp.FromDateTimeOffset(delivered) : null,
                    FailedAt = d.FailedAt is { } failed ? Timestamp.FromDateTimeOffset(failed) : null,
                    LastStatus = d.LastStatus ?? 0,
                    LastError = d.LastError ?? "",
                    NextAttemptAt = Timestamp.FromDateTimeOffset(d.NextAttemptAt),
                }),
            },
        };
    }

    private static WebhookEndpoint ToProto(WebhookEndpointRecord e) => new()
    {
        EndpointId = e.EndpointId.ToString(), Url = e.Url, Events = { e.Events }, CreatedAt = Timestamp.FromDateTimeOffset(e.CreatedAt),
    };

    // ------------------------------------------------------------------ mapping and validation

    private IEnvelopeGrain Envelope(Guid id) => grains.GetGrain<IEnvelopeGrain>(id);

    private DomainException TooLarge(string fileName) => DocumentRefusal.TooLarge(fileName, _o.MaxDocumentBytes);

    private static string? OptionalRequestId(string value) => string.IsNullOrEmpty(value) ? null : Check.RequestId(value);

    /// <summary>An id derived from an idempotency key, so a retried create lands on the same grain.</summary>
    private static Guid IdFor(Guid scope, string kind, string requestId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{scope:N}/{kind}/{requestId}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8 (custom), RFC 9562
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    private static Actor ActorOf(Caller caller) => new(caller.UserId, caller.DisplayName, null, caller.IpAddress, caller.UserAgent,
        ManagesAll: caller.Kind == CallerKind.Integration || (caller.Kind == CallerKind.TenantUser && caller.HasRole("admin")));

    private async Task<Actor> SenderAsync(Caller caller, CancellationToken ct)
    {
        var actor = ActorOf(caller);
        return caller.UserId is { } userId && await users.FindAsync(caller.RequireTenant(), userId, ct) is { } user
            ? actor with { Name = user.DisplayName, Email = user.Email }
            : actor;
    }

    private static (Guid EnvelopeId, RecipientAccess Access) Access(Caller caller, string envelopeField, string recipientField, string accessCode)
    {
        var code = string.IsNullOrEmpty(accessCode) ? null : accessCode;
        if (caller.Kind == CallerKind.Signer)
        {
            var envelopeId = caller.EnvelopeId!.Value;
            if ((!string.IsNullOrEmpty(envelopeField) && Check.Id(envelopeField, "envelope_id") != envelopeId)
                || (!string.IsNullOrEmpty(recipientField) && Check.Id(recipientField, "recipient_id") != caller.RecipientId))
            {
                throw DomainException.Denied("The signing link is for another envelope or recipient.", "署名用リンクは別の封筒または受信者のものです。");
            }
            return (envelopeId, new RecipientAccess(caller.TenantId!.Value, caller.RecipientId!.Value, true, code, ActorOf(caller)));
        }
        return (Check.Id(envelopeField, "envelope_id"),
            new RecipientAccess(caller.RequireTenant(), Check.Id(recipientField, "recipient_id"), false, code, ActorOf(caller)));
    }

    private async Task<List<RecipientSpec>> RecipientsAsync(Guid tenantId, CreateEnvelopeRequest request, CancellationToken ct)
    {
        if (request.Recipients.Count == 0)
        {
            throw DomainException.Required("recipients");
        }
        if (request.Recipients.Count > _o.MaxRecipients)
        {
            throw DomainException.Invalid("recipients", $"at most {_o.MaxRecipients} recipients", $"受信者は{_o.MaxRecipients}人までです");
        }
        var result = new List<RecipientSpec>();
        for (var i = 0; i < request.Recipients.Count; i++)
        {
            var r = request.Recipients[i];
            var field = $"recipients[{i}]";
            var name = Check.Required(r.Name, $"{field}.name", 100);
            var email = Check.Email(r.Email, $"{field}.email");
            if (r.Step is < 1 or > MaxSteps)
            {
                throw DomainException.Invalid($"{field}.step", $"must be between 1 and {MaxSteps}", $"1〜{MaxSteps}の範囲で指定してください");
            }
            if (!System.Enum.IsDefined(r.Role))
            {
                throw DomainException.Invalid($"{field}.role", "is not a known role", "役割として正しくありません");
            }
            if (!System.Enum.IsDefined(r.SignatureType))
            {
                throw DomainException.Invalid($"{field}.signature_type", "is not a known signature type", "署名タイプとして正しくありません");
            }
            string? code = null;
            if (!string.IsNullOrEmpty(r.AccessCode))
            {
                code = r.AccessCode;
                if (code.Length is < 4 or > 64)
                {
                    throw DomainException.Invalid($"{field}.access_code", "must be 4..64 characters", "4〜64文字で指定してください");
                }
            }
            Guid? userId = null;
            if (!string.IsNullOrEmpty(r.UserId))
            {
                userId = Check.Id(r.UserId, $"{field}.user_id");
                var user = await users.FindAsync(tenantId, userId.Value, ct);
                if (user is not { Active: true })
                {
                    throw DomainException.NotFound("User", "ユーザー", $"{field}.user_id");
                }
            }
            var carbonCopy = r.Role == RecipientRole.CarbonCopy;
            if (result.Any(x => x.Step == r.Step && x.CarbonCopy == carbonCopy && string.Equals(x.Email, email, StringComparison.OrdinalIgnoreCase)))
            {
                throw DomainException.Invalid($"{field}.email", "appears twice in the same step", "同じ順番に重複して指定されています");
            }
            result.Add(new RecipientSpec(name, email, carbonCopy, r.Step, code, r.SignatureType == SignatureType.Certificate && !carbonCopy, userId));
        }
        if (result.All(r => r.CarbonCopy))
        {
            throw DomainException.Invalid("recipients", "need at least one signer", "署名者を1人以上指定してください");
        }
        return result;
    }

    private static List<int> Steps(CreateEnvelopeRequest request, List<RecipientSpec> recipients)
    {
        var anyOne = new List<int>();
        for (var i = 0; i < request.Steps.Count; i++)
        {
            var rule = request.Steps[i];
            if (!recipients.Any(r => !r.CarbonCopy && r.Step == rule.Step))
            {
                throw DomainException.Invalid($"steps[{i}].step", "has no signer", "この順番に署名者がいません");
            }
            if (!System.Enum.IsDefined(rule.Completion))
            {
                throw DomainException.Invalid($"steps[{i}].completion", "is not a known completion rule", "完了条件として正しくありません");
            }
            if (rule.Completion == StepCompletion.Any && !anyOne.Contains(rule.Step))
            {
                anyOne.Add(rule.Step);
            }
        }
        return anyOne;
    }

    private async Task<List<Approver>> ApproversAsync(Guid tenantId, IList<string> ids, CancellationToken ct)
    {
        if (ids.Count > 10)
        {
            throw DomainException.Invalid("approver_user_ids", "at most 10 approvers", "承認者は10人までです");
        }
        var approvers = new List<Approver>();
        for (var i = 0; i < ids.Count; i++)
        {
            var field = $"approver_user_ids[{i}]";
            var id = Check.Id(ids[i], field);
            var user = await users.FindAsync(tenantId, id, ct);
            if (user is not { Active: true })
            {
                throw DomainException.NotFound("User", "ユーザー", field);
            }
            if (approvers.Any(a => a.UserId == id))
            {
                throw DomainException.Invalid(field, "appears twice", "重複しています");
            }
            approvers.Add(new Approver(id, user.DisplayName, user.Email));
        }
        return approvers;
    }

    private RetentionSpec Retention(RetentionMetadata? m)
    {
        m ??= new RetentionMetadata();
        var type = string.IsNullOrEmpty(m.DocumentType) ? "contract" : m.DocumentType;
        if (!retention.IsKnownDocumentType(type))
        {
            throw DomainException.Invalid("retention.document_type", "is not a known document type", "文書種別として正しくありません");
        }
        if (m.Amount is < 0 or > 1_000_000_000_000_000)
        {
            throw DomainException.Invalid("retention.amount", "must be between 0 and 10^15", "0〜10^15の範囲で指定してください");
        }
        var currency = string.IsNullOrEmpty(m.Currency) ? "JPY" : m.Currency;
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            throw DomainException.Invalid("retention.currency", "must be an ISO 4217 code such as JPY", "JPY のような ISO 4217 通貨コードを指定してください");
        }
        if (m.Tags.Count > 20)
        {
            throw DomainException.Invalid("retention.tags", "at most 20 tags", "タグは20個までです");
        }
        var tags = m.Tags.Select((t, i) => Check.Required(t, $"retention.tags[{i}]", 50)).Distinct().ToList();
        return new RetentionSpec(type, Dates.Optional(m.TransactionDate, "retention.transaction_date"), m.Amount, currency,
            Check.Optional(m.Counterparty, "retention.counterparty", 200), tags);
    }

    private (int ExpiryDays, List<int> ReminderDays, int EveryDays) Schedule(CreateEnvelopeRequest request)
    {
        var expiry = request.ExpiryDays == 0 ? _o.DefaultExpiryDays : request.ExpiryDays;
        if (expiry < 1 || expiry > _o.MaxExpiryDays)
        {
            throw DomainException.Invalid("expiry_days", $"must be between 1 and {_o.MaxExpiryDays}", $"1〜{_o.MaxExpiryDays}の範囲で指定してください");
        }
        if (request.RemindersOff)
        {
            return (expiry, [], 0);
        }
        if (request.ReminderEveryDays is < 0 or > 30)
        {
            throw DomainException.Invalid("reminder_every_days", "must be between 1 and 30", "1〜30の範囲で指定してください");
        }
        if (request.ReminderEveryDays > 0 && request.ReminderDaysBeforeExpiry.Count > 0)
        {
            throw DomainException.Invalid("reminder_every_days", "cannot be combined with reminder_days_before_expiry", "reminder_days_before_expiry と同時には指定できません");
        }
        for (var i = 0; i < request.ReminderDaysBeforeExpiry.Count; i++)
        {
            if (request.ReminderDaysBeforeExpiry[i] < 1 || request.ReminderDaysBeforeExpiry[i] >= expiry)
            {
                throw DomainException.Invalid($"reminder_days_before_expiry[{i}]", $"must be between 1 and {expiry - 1}", $"1〜{expiry - 1}の範囲で指定してください");
            }
        }
        var days = request.ReminderEveryDays > 0 ? []
            : request.ReminderDaysBeforeExpiry.Count > 0 ? request.ReminderDaysBeforeExpiry.Distinct().ToList()
            : _o.DefaultReminderDaysBeforeExpiry.Where(d => d < expiry).ToList();
        return (expiry, days, request.ReminderEveryDays);
    }

    private static Envelope ToProto(EnvelopeView s, bool forRecipient = false)
    {
        var e = new Envelope
        {
            EnvelopeId = s.EnvelopeId.ToString(),
            Title = s.Title,
            Message = s.Message,
            Status = (V1.EnvelopeStatus)s.Status,
            AllowReassign = s.AllowReassign,
            CreatedAt = Timestamp.FromDateTimeOffset(s.CreatedAt),
            SentAt = s.SentAt is { } sent ? Timestamp.FromDateTimeOffset(sent) : null,
            ExpiresAt = s.ExpiresAt is { } expires ? Timestamp.FromDateTimeOffset(expires) : null,
            CompletedAt = s.CompletedAt is { } completed ? Timestamp.FromDateTimeOffset(completed) : null,
            StatusReason = s.StatusReason ?? "",
            Version = s.Version,
            SenderUserId = s.SenderUserId?.ToString() ?? "",
            SenderName = s.SenderName,
            ExpiryDays = s.ExpiryDays,
            ReminderDaysBeforeExpiry = { s.ReminderDaysBeforeExpiry },
            ReminderEveryDays = s.ReminderEveryDays,
            Retention = new RetentionMetadata
            {
                DocumentType = s.Retention.DocumentType,
                TransactionDate = s.Retention.TransactionDate is { } date ? Dates.ToProto(date) : null,
                Amount = s.Retention.Amount,
                Currency = s.Retention.Currency,
                Counterparty = s.Retention.Counterparty ?? "",
                Tags = { s.Retention.Tags },
            },
        };
        e.Steps.AddRange(s.AnyOneSteps.Select(step => new StepRule { Step = step, Completion = StepCompletion.Any }));
        e.Documents.AddRange(s.Documents.Select(ToProto));
        e.Recipients.AddRange(s.Recipients.Select(r => new Recipient
        {
            RecipientId = r.RecipientId.ToString(),
            Name = r.Name,
            Email = r.Email,
            Role = r.CarbonCopy ? RecipientRole.CarbonCopy : RecipientRole.Signer,
            Step = r.Step,
            SignatureType = r.CertificateType ? SignatureType.Certificate : SignatureType.Witness,
            Status = (V1.RecipientStatus)r.Status,
            HasAccessCode = r.HasAccessCode,
            UserId = r.UserId?.ToString() ?? "",
            NotifiedAt = r.NotifiedAt is { } n ? Timestamp.FromDateTimeOffset(n) : null,
            ViewedAt = r.ViewedAt is { } v ? Timestamp.FromDateTimeOffset(v) : null,
            SignedAt = r.SignedAt is { } si ? Timestamp.FromDateTimeOffset(si) : null,
            DeclineReason = r.DeclineReason ?? "",
            ReassignedTo = r.ReassignedTo?.ToString() ?? "",
            ReassignedFrom = r.ReassignedFrom?.ToString() ?? "",
            SignedByDelegate = r.SignedByDelegate ?? "",
        }));
        if (!forRecipient)
        {
            e.ApproverUserIds.AddRange(s.ApproverUserIds.Select(a => a.ToString()));
            e.ApprovedBy.AddRange(s.ApprovedBy.Select(a => a.ToString()));
        }
        return e;
    }

    private static Document ToProto(DocumentView d) => new()
    {
        DocumentId = d.DocumentId.ToString(),
        FileName = d.FileName,
        SizeBytes = d.SizeBytes,
        OriginalSha256 = ByteString.CopyFrom(d.OriginalSha256),
        CurrentSha256 = ByteString.CopyFrom(d.Sha256),
        Signatures = d.Signatures,
        ArchivedDocumentId = d.ArchivedDocumentId?.ToString() ?? "",
    };
}
