using System.Globalization;
using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Reseller.Contracts;
using GmoSign.Retention.Contracts;
using GmoSign.Grains.Ports;
using GmoSign.Signing.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using EnvelopeStatus = GmoSign.Grains.EnvelopeStatus;

namespace GmoSign.Signing;

/// <summary>
/// The Signing service: each RPC reads its request (<see cref="EnvelopeRequests"/>), calls the envelope grain, the
/// document intake or a query, and maps the answer (<see cref="Mapping"/>). Rules live in the envelope; SQL lives in
/// the stores and queries.
/// </summary>
internal sealed class SigningGrpcService(
    IGrainFactory grains,
    IOptions<EnvelopeOptions> options,
    SignAdmission admission,
    EnvelopeRequests requests,
    DocumentIntake intake,
    UploadSessions uploads,
    EnvelopeQueries queries,
    IEnvelopeStore store,
    IDocumentContent contents,
    IPdfSignatures pdf,
    PdfVerification verification,
    ISigningLinks links,
    ITenantContracts tenants,
    WebhookEndpoints webhooks) : SigningService.SigningServiceBase
{
    private readonly EnvelopeOptions _limits = options.Value;

    public override async Task<GetSigningLimitsResponse> GetSigningLimits(GetSigningLimitsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var response = new GetSigningLimitsResponse
        {
            MaxDocumentsPerEnvelope = _limits.MaxDocumentsPerEnvelope,
            MaxDocumentBytes = _limits.MaxDocumentBytes,
            MaxEnvelopeBytes = _limits.MaxEnvelopeBytes,
            DefaultExpiryDays = _limits.DefaultExpiryDays,
            MaxExpiryDays = _limits.MaxExpiryDays,
            DefaultReminderDaysBeforeExpiry = { _limits.DefaultReminderDaysBeforeExpiry },
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
        var (envelopeId, draft) = await requests.DraftAsync(context.GetCaller(), request, context.CancellationToken);
        var envelope = await Envelope(envelopeId).CreateAsync(draft);
        return new CreateEnvelopeResponse { Envelope = Mapping.ToProto(envelope) };
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
        var fileName = EnvelopeRequests.FileName(header.FileName, "header.file_name");
        var requestId = EnvelopeRequests.OptionalRequestId(header.RequestId, "header.request_id");
        if (requestId?.StartsWith(DocumentIntake.UploadRequestPrefix, StringComparison.Ordinal) == true)
        {
            throw DomainException.Invalid("header.request_id", $"must not start with '{DocumentIntake.UploadRequestPrefix}' (reserved for upload sessions)",
                $"「{DocumentIntake.UploadRequestPrefix}」で始まる値は使用できません（アップロードセッション用に予約）");
        }
        var (envelope, earlier) = await intake.PrepareAsync(caller, tenantId, envelopeId, requestId);
        if (earlier is not null)
        {
            return new UploadDocumentResponse { Document = Mapping.ToProto(earlier), Envelope = Mapping.ToProto(envelope) };
        }
        var bytes = await StreamedContent.ReadAsync(requestStream, m => m.PartCase == UploadDocumentRequest.PartOneofCase.Chunk ? m.Chunk : null,
            _limits.MaxDocumentBytes, DocumentIntake.ChunkSize,
            () => DomainException.Invalid("header", "may be sent only once, first", "最初に1回だけ送信してください"),
            () => intake.TooLarge(fileName), ct);
        var (document, stored) = await intake.StoreAsync(caller, tenantId, envelopeId, fileName, requestId, bytes, ct);
        return new UploadDocumentResponse { Document = Mapping.ToProto(document), Envelope = Mapping.ToProto(stored) };
    }

    public override async Task<StartUploadResponse> StartUpload(StartUploadRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        var fileName = EnvelopeRequests.FileName(request.FileName, "file_name");
        if (request.SizeBytes <= 0)
        {
            throw DocumentRefusal.Empty(fileName);
        }
        if (request.SizeBytes > _limits.MaxDocumentBytes)
        {
            throw intake.TooLarge(fileName);
        }
        var requestId = EnvelopeRequests.OptionalRequestId(request.RequestId);
        var (envelope, _) = await intake.PrepareAsync(caller, tenantId, envelopeId, requestId: null);
        var (documentsLeft, bytesLeft) = intake.Room(envelope);
        var session = await uploads.StartAsync(tenantId, envelopeId, fileName, request.SizeBytes, requestId, documentsLeft, bytesLeft,
            context.CancellationToken);
        return new StartUploadResponse { Upload = Mapping.ToProto(session) };
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
        if (request.Chunk.Length > DocumentIntake.ChunkSize)
        {
            throw new DomainException(ErrorKind.InvalidArgument, "CHUNK_TOO_LARGE", $"chunk: at most {DocumentIntake.ChunkSize} bytes per chunk",
                $"chunk: 1回に送れるのは{DocumentIntake.ChunkSize}バイトまでです", "chunk")
            {
                Metadata = { ["limit"] = DocumentIntake.ChunkSize.ToString(CultureInfo.InvariantCulture), ["actual"] = request.Chunk.Length.ToString(CultureInfo.InvariantCulture) },
            };
        }
        var caller = context.GetCaller();
        var open = await uploads.GetAsync(tenantId, uploadId, context.CancellationToken);
        // Bytes go only to a draft the caller may still change; a session of an envelope that left draft is dropped.
        try
        {
            await intake.PrepareAsync(caller, tenantId, open.EnvelopeId, requestId: null);
        }
        catch (DomainException ex) when (ex.Reason == "ENVELOPE_STATUS")
        {
            await uploads.DiscardForEnvelopeAsync(open.EnvelopeId, CancellationToken.None);
            throw;
        }
        var session = await uploads.AppendAsync(open, request.Offset, request.Chunk.Memory, context.CancellationToken);
        return new UploadChunkResponse { Upload = Mapping.ToProto(session) };
    }

    public override async Task<GetUploadResponse> GetUpload(GetUploadRequest request, ServerCallContext context)
    {
        var tenantId = context.GetCaller().RequireTenant();
        var session = await uploads.GetAsync(tenantId, Check.Id(request.UploadId, "upload_id"), context.CancellationToken);
        return new GetUploadResponse { Upload = Mapping.ToProto(session) };
    }

    public override async Task<FinishUploadResponse> FinishUpload(FinishUploadRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var ct = context.CancellationToken;
        var session = await uploads.GetAsync(tenantId, Check.Id(request.UploadId, "upload_id"), ct);
        // The session's own id is the document's idempotency key: finishing twice (or after a lost reply) adds it once.
        var requestId = DocumentIntake.UploadRequestPrefix + session.UploadId.ToString("N");
        var (envelope, earlier) = await intake.PrepareAsync(caller, tenantId, session.EnvelopeId, requestId);
        if (earlier is not null)
        {
            return new FinishUploadResponse { Document = Mapping.ToProto(earlier), Envelope = Mapping.ToProto(envelope) };
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
        (DocumentView Document, EnvelopeView Envelope) added;
        try
        {
            added = await intake.StoreAsync(caller, tenantId, session.EnvelopeId, session.FileName, requestId, bytes, ct);
        }
        catch (DomainException ex) when (ex.Kind == ErrorKind.InvalidArgument || ex.Reason == "ENVELOPE_STATUS")
        {
            // Refused bytes (not a PDF, damaged, encrypted, over a limit) or an envelope no longer a draft: the session
            // is gone, so finishing again cannot make the server read and check the same file again.
            await uploads.DiscardAsync(session, CancellationToken.None);
            throw;
        }
        await uploads.FinishAsync(session, added.Document.DocumentId, CancellationToken.None);
        return new FinishUploadResponse { Document = Mapping.ToProto(added.Document), Envelope = Mapping.ToProto(added.Envelope) };
    }

    public override async Task<SetFieldsResponse> SetFields(SetFieldsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        var fields = EnvelopeRequests.Fields(request);
        var state = await Envelope(envelopeId).SetFieldsAsync(caller.RequireTenant(), fields, EnvelopeRequests.ActorOf(caller),
            EnvelopeRequests.OptionalRequestId(request.RequestId));
        return new SetFieldsResponse { Envelope = Mapping.ToProto(state) };
    }

    public override async Task<SendEnvelopeResponse> SendEnvelope(SendEnvelopeRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        var state = await Envelope(envelopeId).SendAsync(caller.RequireTenant(), EnvelopeRequests.ActorOf(caller), EnvelopeRequests.OptionalRequestId(request.RequestId));
        // Unfinished upload sessions of a sent envelope can never finish: their bytes go now, not in 24 hours.
        await uploads.DiscardForEnvelopeAsync(envelopeId, CancellationToken.None);
        return new SendEnvelopeResponse { Envelope = Mapping.ToProto(state) };
    }

    public override async Task<GetEnvelopeResponse> GetEnvelope(GetEnvelopeRequest request, ServerCallContext context)
    {
        var state = await Envelope(Check.Id(request.EnvelopeId, "envelope_id")).GetAsync(context.GetCaller().RequireTenant());
        return new GetEnvelopeResponse { Envelope = Mapping.ToProto(state) };
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
        short? status = request.Status == V1.EnvelopeStatus.Unspecified ? null : (short)request.Status;
        var title = Check.Optional(request.TitleContains, "title_contains", 200);
        var rows = await queries.ListAsync(tenantId, status, title, after, size + 1, context.CancellationToken);
        var response = new ListEnvelopesResponse { Envelopes = { rows.Take(size).Select(Mapping.ToProto) } };
        if (rows.Count > size)
        {
            response.NextPageToken = Paging.Token(rows[size - 1].UpdatedAt, rows[size - 1].EnvelopeId);
        }
        return response;
    }

    public override async Task<ApproveEnvelopeResponse> ApproveEnvelope(ApproveEnvelopeRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        var comment = request.Approve ? Check.Optional(request.Comment, "comment", 500) : Check.Required(request.Comment, "comment", 500);
        var state = await Envelope(envelopeId).ApproveAsync(caller.RequireTenant(), EnvelopeRequests.ActorOf(caller), request.Approve, comment, EnvelopeRequests.OptionalRequestId(request.RequestId));
        return new ApproveEnvelopeResponse { Envelope = Mapping.ToProto(state) };
    }

    public override async Task<VoidEnvelopeResponse> VoidEnvelope(VoidEnvelopeRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        var reason = Check.Required(request.Reason, "reason", 500);
        var state = await Envelope(envelopeId).VoidAsync(caller.RequireTenant(), EnvelopeRequests.ActorOf(caller), reason, EnvelopeRequests.OptionalRequestId(request.RequestId));
        return new VoidEnvelopeResponse { Envelope = Mapping.ToProto(state) };
    }

    public override async Task<ResendNotificationResponse> ResendNotification(ResendNotificationRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        Guid? recipientId = string.IsNullOrEmpty(request.RecipientId) ? null : Check.Id(request.RecipientId, "recipient_id");
        var queued = await Envelope(envelopeId).ResendAsync(caller.RequireTenant(), EnvelopeRequests.ActorOf(caller), recipientId, EnvelopeRequests.OptionalRequestId(request.RequestId));
        return new ResendNotificationResponse { Queued = queued };
    }

    public override async Task<CreateSigningLinkResponse> CreateSigningLink(CreateSigningLinkRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var tenantId = caller.RequireTenant();
        var envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        var recipientId = Check.Id(request.RecipientId, "recipient_id");
        var expires = await Envelope(envelopeId).SigningLinkExpiryAsync(tenantId, recipientId, EnvelopeRequests.ActorOf(caller));
        return new CreateSigningLinkResponse
        {
            Token = links.Create(tenantId, envelopeId, recipientId),
            ExpiresAt = expires.ToTimestamp(),
        };
    }

    // ------------------------------------------------------------------ recipient

    public override async Task<OpenEnvelopeResponse> OpenEnvelope(OpenEnvelopeRequest request, ServerCallContext context)
    {
        var (envelopeId, access) = EnvelopeRequests.Access(context.GetCaller(), request.EnvelopeId, request.RecipientId, request.AccessCode);
        var result = await Envelope(envelopeId).OpenAsync(access);
        var organization = (await tenants.GetAsync(access.TenantId, context.CancellationToken))?.Name ?? "";
        return new OpenEnvelopeResponse
        {
            Envelope = Mapping.ToProto(result.Envelope, forRecipient: true), RecipientId = result.RecipientId.ToString(), CanSign = result.CanSign,
            SenderOrganization = organization,
        };
    }

    public override async Task<SignEnvelopeResponse> SignEnvelope(SignEnvelopeRequest request, ServerCallContext context)
    {
        var (envelopeId, access) = EnvelopeRequests.Access(context.GetCaller(), request.EnvelopeId, request.RecipientId, request.AccessCode);
        var requestId = Check.RequestId(request.RequestId);
        var values = request.FieldValues.Select(v => new FieldValueInput(v.Name, v.Value)).ToList();
        using var turn = await admission.EnterAsync(context.CancellationToken);
        var state = await Envelope(envelopeId).SignAsync(access, requestId, values);
        return new SignEnvelopeResponse { Envelope = Mapping.ToProto(state, forRecipient: access.ViaLink) };
    }

    public override async Task<DeclineEnvelopeResponse> DeclineEnvelope(DeclineEnvelopeRequest request, ServerCallContext context)
    {
        var (envelopeId, access) = EnvelopeRequests.Access(context.GetCaller(), request.EnvelopeId, request.RecipientId, request.AccessCode);
        var reason = Check.Required(request.Reason, "reason", 500);
        var state = await Envelope(envelopeId).DeclineAsync(access, reason, EnvelopeRequests.OptionalRequestId(request.RequestId));
        return new DeclineEnvelopeResponse { Envelope = Mapping.ToProto(state, forRecipient: access.ViaLink) };
    }

    public override async Task<ReassignRecipientResponse> ReassignRecipient(ReassignRecipientRequest request, ServerCallContext context)
    {
        var (envelopeId, access) = EnvelopeRequests.Access(context.GetCaller(), request.EnvelopeId, request.RecipientId, request.AccessCode);
        var name = Check.Required(request.NewName, "new_name", 100);
        var email = Check.Email(request.NewEmail, "new_email");
        var reason = Check.Required(request.Reason, "reason", 500);
        var result = await Envelope(envelopeId).ReassignAsync(access, name, email, reason, EnvelopeRequests.OptionalRequestId(request.RequestId));
        return new ReassignRecipientResponse { Envelope = Mapping.ToProto(result.Envelope, forRecipient: access.ViaLink), NewRecipientId = result.RecipientId.ToString() };
    }

    public override async Task DownloadDocument(DownloadDocumentRequest request, IServerStreamWriter<DownloadDocumentResponse> responseStream, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var documentId = Check.Id(request.DocumentId, "document_id");
        Guid envelopeId;
        RecipientAccess? access = null;
        if (caller.Kind == CallerKind.Signer || !string.IsNullOrEmpty(request.RecipientId))
        {
            (envelopeId, access) = EnvelopeRequests.Access(caller, request.EnvelopeId, request.RecipientId, request.AccessCode);
        }
        else
        {
            envelopeId = Check.Id(request.EnvelopeId, "envelope_id");
        }
        var tenantId = caller.RequireTenant();
        var reference = await Envelope(envelopeId).DocumentAsync(tenantId, documentId, access, EnvelopeRequests.ActorOf(caller));
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
        for (var offset = 0; offset < bytes.Length || offset == 0; offset += DocumentIntake.ChunkSize)
        {
            var chunk = ByteString.CopyFrom(bytes, offset, Math.Min(DocumentIntake.ChunkSize, bytes.Length - offset));
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
        response.Entries.AddRange(trail.Select(Mapping.ToProto));
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
            _limits.MaxDocumentBytes, null,
            () => DomainException.Invalid("file_name", "may be sent only once, first", "最初に1回だけ送信してください"),
            () => intake.TooLarge(fileName), ct);
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
        return new CreateWebhookEndpointResponse { Endpoint = Mapping.ToProto(endpoint), Secret = secret };
    }

    public override async Task<ListWebhookEndpointsResponse> ListWebhookEndpoints(ListWebhookEndpointsRequest request, ServerCallContext context)
    {
        var list = await webhooks.ListAsync(context.GetCaller().RequireTenant(), context.CancellationToken);
        return new ListWebhookEndpointsResponse { Endpoints = { list.Select(Mapping.ToProto) } };
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
        return new ListWebhookDeliveriesResponse { Deliveries = { list.Select(Mapping.ToProto) } };
    }

    private IEnvelopeGrain Envelope(Guid id) => grains.Reference<IEnvelopeGrain>(id);
}
