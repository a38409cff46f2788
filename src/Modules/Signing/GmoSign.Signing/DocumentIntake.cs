using System.Security.Cryptography;
using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Platform.Security;
using GmoSign.Retention.Contracts;
using GmoSign.Grains.Ports;
using Microsoft.Extensions.Options;

namespace GmoSign.Signing;

/// <summary>
/// How a PDF joins a draft envelope, for both ways of uploading (one stream, or a resumable upload session): the
/// checks before any byte is read, then the check of the bytes, their storage, and the document's addition to the
/// envelope — once per request id.
/// </summary>
internal sealed class DocumentIntake(IGrainFactory grains, IDocumentContent contents, IPdfSignatures pdf, IOptions<EnvelopeOptions> options)
{
    /// <summary>The largest chunk accepted and sent, in both directions.</summary>
    public const int ChunkSize = 1024 * 1024;

    /// <summary>A finished upload session's document carries this prefix and the session id as its request id.</summary>
    public const string UploadRequestPrefix = "upload:";

    private readonly EnvelopeOptions _limits = options.Value;

    public DomainException TooLarge(string fileName) => DocumentRefusal.TooLarge(fileName, _limits.MaxDocumentBytes);

    /// <summary>How many more documents and bytes the draft takes.</summary>
    public (int Documents, long Bytes) Room(EnvelopeView envelope) =>
        (_limits.MaxDocumentsPerEnvelope - envelope.Documents.Count, _limits.MaxEnvelopeBytes - envelope.Documents.Sum(d => d.SizeBytes));

    /// <summary>The checks before any byte is read: the caller manages the envelope and it is a draft; or the document a request id added before.</summary>
    public async Task<(EnvelopeView Envelope, DocumentView? Earlier)> PrepareAsync(Caller caller, Guid tenantId, Guid envelopeId, string? requestId)
    {
        var envelope = await grains.Reference<IEnvelopeGrain>(envelopeId).GetAsync(tenantId);
        if (requestId is not null && envelope.Documents.FirstOrDefault(d => d.UploadRequestId == requestId) is { } earlier)
        {
            return (envelope, earlier);
        }
        if (!envelope.IsManagedBy(EnvelopeRequests.ActorOf(caller)))
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
    public async Task<(DocumentView Document, EnvelopeView Envelope)> StoreAsync(Caller caller, Guid tenantId, Guid envelopeId, string fileName,
        string? requestId, byte[] bytes, CancellationToken ct)
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
        var documentId = requestId is null ? Guid.CreateVersion7() : EnvelopeRequests.IdFor(envelopeId, "document", requestId);
        var contentId = Guid.CreateVersion7();
        await contents.PutAsync(tenantId, contentId, bytes, ct);
        try
        {
            var envelope = await grains.Reference<IEnvelopeGrain>(envelopeId).AddDocumentAsync(tenantId,
                new NewDocument(documentId, contentId, fileName, bytes.Length, SHA256.HashData(bytes), requestId)
                {
                    // Only what the activation may keep travels in the grain call (a grain on another host gets a copy).
                    Content = bytes.Length <= _limits.ContentCacheBytes ? bytes : null,
                },
                EnvelopeRequests.ActorOf(caller));
            var document = envelope.Documents.First(d => d.DocumentId == documentId);
            if (document.ContentId != contentId)
            {
                await contents.DeleteAsync(tenantId, contentId, CancellationToken.None); // a concurrent retry stored it first
            }
            return (document, envelope);
        }
        catch (DomainException)
        {
            // The envelope refused the document: nothing names the content. Any other failure (a timeout, a lost host)
            // may still have stored the change, and a later signature may build on the content: it stays for the
            // content sweep, which removes it only when no envelope names it.
            await contents.DeleteAsync(tenantId, contentId, CancellationToken.None);
            throw;
        }
    }
}
