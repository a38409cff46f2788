using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Google.Protobuf;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>
/// The unary upload path browsers use (over gRPC-Web, HTTP/1.1, as a page does): limits before any byte, chunks in
/// order only, a resent chunk accepted once, finishing runs the same PDF checks and adds the document once.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class UploadSessionTests(PlatformFixture platform)
{
    private static ByteString Bytes(byte[] all, int offset, int count) => ByteString.CopyFrom(all, offset, count);

    [Fact]
    public async Task A_PDF_sent_in_chunks_over_gRPC_Web_becomes_one_document_and_every_misuse_is_refused_naming_the_field()
    {
        var tenant = await platform.NewTenantAsync("standard");
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        using var web = platform.Host.GrpcWebChannel();
        var signing = new SigningService.SigningServiceClient(web);
        var draft = (await signing.CreateEnvelopeAsync(Envelopes.Draft("分割アップロード", Envelopes.Signer("署名 太郎", 1)), admin)).Envelope;
        var pdf = GmoSign.Testing.MinimalPdf.Create("Chunked " + Guid.NewGuid(), pages: 40);
        Assert.True(pdf.Length > 3000);

        // Limits are checked from the announced size, before any byte is sent.
        var tooLarge = await Calls.FailsAsync(() => signing.StartUploadAsync(new StartUploadRequest
        {
            EnvelopeId = draft.EnvelopeId, FileName = "big.pdf", SizeBytes = 2L * 1024 * 1024 + 1,
        }, admin).ResponseAsync);
        Assert.Equal("DOCUMENT_TOO_LARGE", Calls.ErrorInfo(tooLarge).Reason);
        var badName = await Calls.FailsAsync(() => signing.StartUploadAsync(new StartUploadRequest { EnvelopeId = draft.EnvelopeId, FileName = "../x.pdf", SizeBytes = 10 }, admin).ResponseAsync);
        Assert.Equal("file_name", Calls.ErrorInfo(badName).Field);

        var start = new StartUploadRequest { EnvelopeId = draft.EnvelopeId, FileName = "terms.pdf", SizeBytes = pdf.Length, RequestId = "upload-1" };
        var upload = (await signing.StartUploadAsync(start, admin)).Upload;
        Assert.Equal(upload.UploadId, (await signing.StartUploadAsync(start, admin)).Upload.UploadId); // the same request id: the same session
        Assert.Equal(1024 * 1024, upload.MaxChunkBytes);

        var third = pdf.Length / 3;
        await signing.UploadChunkAsync(new UploadChunkRequest { UploadId = upload.UploadId, Offset = 0, Chunk = Bytes(pdf, 0, third) }, admin);
        // What waits in the database is sealed: not the PDF's bytes, and longer by the nonce and tag.
        var stored = await platform.Database.ScalarAsync<byte[]>("SELECT data FROM signing.upload_chunk WHERE upload_id = $1 AND sealed", Guid.Parse(upload.UploadId));
        Assert.NotNull(stored);
        Assert.True(stored.Length > third);
        Assert.Equal(-1, stored.AsSpan().IndexOf(pdf.AsSpan(0, 64)));
        Assert.Equal(-1, stored.AsSpan().IndexOf("%PDF"u8));
        // A gap is refused and says where to continue; a resent chunk changes nothing.
        var gap = await Calls.FailsAsync(() => signing.UploadChunkAsync(new UploadChunkRequest { UploadId = upload.UploadId, Offset = 2 * third, Chunk = Bytes(pdf, 2 * third, 10) }, admin).ResponseAsync);
        Assert.Equal(("UPLOAD_OFFSET", "offset"), Calls.ErrorInfo(gap));
        var again = (await signing.UploadChunkAsync(new UploadChunkRequest { UploadId = upload.UploadId, Offset = 0, Chunk = Bytes(pdf, 0, third) }, admin)).Upload;
        Assert.Equal(third, again.ReceivedBytes);
        var early = await Calls.FailsAsync(() => signing.FinishUploadAsync(new FinishUploadRequest { UploadId = upload.UploadId }, admin).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, early.StatusCode);
        Assert.Equal("UPLOAD_INCOMPLETE", Calls.ErrorInfo(early).Reason);
        var pastEnd = await Calls.FailsAsync(() => signing.UploadChunkAsync(new UploadChunkRequest { UploadId = upload.UploadId, Offset = third, Chunk = ByteString.CopyFrom(new byte[pdf.Length]) }, admin).ResponseAsync);
        Assert.Equal(("UPLOAD_SIZE", "chunk"), Calls.ErrorInfo(pastEnd));

        // After an interruption the session says how far it got; the rest follows.
        Assert.Equal(third, (await signing.GetUploadAsync(new GetUploadRequest { UploadId = upload.UploadId }, admin)).Upload.ReceivedBytes);
        await signing.UploadChunkAsync(new UploadChunkRequest { UploadId = upload.UploadId, Offset = third, Chunk = Bytes(pdf, third, pdf.Length - third) }, admin);
        var finished = await signing.FinishUploadAsync(new FinishUploadRequest { UploadId = upload.UploadId }, admin);
        var repeated = await signing.FinishUploadAsync(new FinishUploadRequest { UploadId = upload.UploadId }, admin);
        Assert.Equal(finished.Document.DocumentId, repeated.Document.DocumentId);
        Assert.Single(repeated.Envelope.Documents);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(pdf), finished.Document.OriginalSha256.ToByteArray());
        Assert.Equal(0, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM signing.upload_chunk WHERE upload_id = $1", Guid.Parse(upload.UploadId)));
        var late = await Calls.FailsAsync(() => signing.UploadChunkAsync(new UploadChunkRequest { UploadId = upload.UploadId, Offset = pdf.Length, Chunk = Bytes(pdf, 0, 1) }, admin).ResponseAsync);
        Assert.Equal("UPLOAD_FINISHED", Calls.ErrorInfo(late).Reason);

        // The same content checks as the streamed upload: bytes that are not a PDF become no document.
        var text = "this is not a PDF at all"u8.ToArray();
        var fake = (await signing.StartUploadAsync(new StartUploadRequest { EnvelopeId = draft.EnvelopeId, FileName = "fake.pdf", SizeBytes = text.Length }, admin)).Upload;
        await signing.UploadChunkAsync(new UploadChunkRequest { UploadId = fake.UploadId, Offset = 0, Chunk = ByteString.CopyFrom(text) }, admin);
        var notPdf = await Calls.FailsAsync(() => signing.FinishUploadAsync(new FinishUploadRequest { UploadId = fake.UploadId }, admin).ResponseAsync);
        Assert.Equal("NOT_A_PDF", Calls.ErrorInfo(notPdf).Reason);
        // A refused session is gone: finishing it again cannot make the server read and check the same bytes again.
        var gone = await Calls.FailsAsync(() => signing.FinishUploadAsync(new FinishUploadRequest { UploadId = fake.UploadId }, admin).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);

        // A client cannot park unlimited sessions on one envelope.
        var parked = new List<string>();
        for (var i = 0; i < UploadSessionsLimit; i++)
        {
            parked.Add((await signing.StartUploadAsync(new StartUploadRequest { EnvelopeId = draft.EnvelopeId, FileName = $"p{i}.pdf", SizeBytes = 100 }, admin)).Upload.UploadId);
        }
        var tooMany = await Calls.FailsAsync(() => signing.StartUploadAsync(new StartUploadRequest { EnvelopeId = draft.EnvelopeId, FileName = "one-more.pdf", SizeBytes = 100 }, admin).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, tooMany.StatusCode);
        Assert.Equal("TOO_MANY_UPLOADS", Calls.ErrorInfo(tooMany).Reason);

        // The envelope holds exactly the one document, which signs like any other.
        var sent = (await signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = draft.EnvelopeId, RequestId = "send" }, admin)).Envelope;
        Assert.Single(sent.Documents);
        // The parked sessions went with the sending: no more bytes are taken for them.
        var afterSend = await Calls.FailsAsync(() => signing.UploadChunkAsync(new UploadChunkRequest { UploadId = parked[0], Offset = 0, Chunk = Bytes(pdf, 0, 100) }, admin).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, afterSend.StatusCode);
        Assert.Equal(0, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM signing.upload WHERE envelope_id = $1 AND document_id IS NULL", Guid.Parse(draft.EnvelopeId)));
        // A client's own request id may not pose as an upload session's.
        var draft2 = (await signing.CreateEnvelopeAsync(Envelopes.Draft("予約済みの要求ID", Envelopes.Signer("署名 次郎", 1)), admin)).Envelope;
        var reserved = await Calls.FailsAsync(() => Envelopes.UploadAsync(web, admin, draft2.EnvelopeId, "x.pdf", Documents.Pdf("reserved"),
            requestId: "upload:" + upload.UploadId.Replace("-", "")));
        Assert.Equal("header.request_id", Calls.ErrorInfo(reserved).Field);
        var done = await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "署名 太郎"));
        Assert.Equal(GmoSign.Signing.V1.EnvelopeStatus.Completed, done.Status);
    }

    [Fact]
    public async Task A_chunk_changed_in_the_database_is_refused_at_finish_and_the_session_goes()
    {
        var tenant = await platform.NewTenantAsync("standard");
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var signing = new SigningService.SigningServiceClient(platform.Channel);
        var draft = (await signing.CreateEnvelopeAsync(Envelopes.Draft("改ざん検知", Envelopes.Signer("署名 次郎", 1)), admin)).Envelope;
        var pdf = GmoSign.Testing.MinimalPdf.Create("Tampered " + Guid.NewGuid(), pages: 3);
        var upload = (await signing.StartUploadAsync(new StartUploadRequest { EnvelopeId = draft.EnvelopeId, FileName = "t.pdf", SizeBytes = pdf.Length }, admin)).Upload;
        var half = pdf.Length / 2;
        await signing.UploadChunkAsync(new UploadChunkRequest { UploadId = upload.UploadId, Offset = 0, Chunk = Bytes(pdf, 0, half) }, admin);
        await signing.UploadChunkAsync(new UploadChunkRequest { UploadId = upload.UploadId, Offset = half, Chunk = Bytes(pdf, half, pdf.Length - half) }, admin);
        // One byte of the second sealed chunk changes while it waits.
        Assert.Equal(1, await platform.Database.ExecuteAsync(
            "UPDATE signing.upload_chunk SET data = set_byte(data, 40, get_byte(data, 40) # 1) WHERE upload_id = $1 AND \"offset\" > 0",
            Guid.Parse(upload.UploadId)));

        var damaged = await Calls.FailsAsync(() => signing.FinishUploadAsync(new FinishUploadRequest { UploadId = upload.UploadId }, admin).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "UPLOAD_DAMAGED", "upload_id"), (damaged.StatusCode, Calls.ErrorInfo(damaged).Reason, Calls.ErrorInfo(damaged).Field));
        // The session is gone (a retry could never succeed), and the envelope gained nothing.
        var gone = await Calls.FailsAsync(() => signing.GetUploadAsync(new GetUploadRequest { UploadId = upload.UploadId }, admin).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Empty((await signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, admin)).Envelope.Documents);
    }

    // Ten unfinished sessions per envelope (the refused fake.pdf session was deleted, so the loop fills all ten).
    private const int UploadSessionsLimit = 10;
}
