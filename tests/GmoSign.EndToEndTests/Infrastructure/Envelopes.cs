using GmoSign.Signing.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>Envelope helpers: create, upload in chunks, send, act through signing links, download, judge with pdfsig.</summary>
public static class Envelopes
{
    public static RecipientInput Signer(string name, int step, string? email = null, string? accessCode = null, string? userId = null) => new()
    {
        Name = name,
        Email = email ?? $"signer-{Guid.NewGuid():N}@counterparty.example.jp",
        Step = step,
        Role = RecipientRole.Signer,
        AccessCode = accessCode ?? "",
        UserId = userId ?? "",
    };

    public static RecipientInput CarbonCopy(string name) => new()
    {
        Name = name, Email = $"cc-{Guid.NewGuid():N}@counterparty.example.jp", Step = 1, Role = RecipientRole.CarbonCopy,
    };

    public static CreateEnvelopeRequest Draft(string title, params RecipientInput[] recipients) => new()
    {
        RequestId = "create-" + Guid.NewGuid().ToString("N"),
        Title = title,
        Message = "ご確認のうえ署名をお願いします。",
        Recipients = { recipients },
        Retention = new RetentionMetadata { Counterparty = "株式会社取引先", Amount = 1_100_000, Tags = { "e2e" } },
    };

    public static async Task<Document> UploadAsync(GrpcChannel channel, Metadata headers, string envelopeId, string fileName, byte[] content, int chunk = 64 * 1024,
        string? requestId = null)
    {
        using var call = new SigningService.SigningServiceClient(channel).UploadDocument(headers);
        await call.RequestStream.WriteAsync(new UploadDocumentRequest
        {
            Header = new UploadDocumentHeader { EnvelopeId = envelopeId, FileName = fileName, RequestId = requestId ?? "" },
        });
        for (var offset = 0; offset < content.Length; offset += chunk)
        {
            await call.RequestStream.WriteAsync(new UploadDocumentRequest { Chunk = ByteString.CopyFrom(content, offset, Math.Min(chunk, content.Length - offset)) });
        }
        await call.RequestStream.CompleteAsync();
        return (await call).Document;
    }

    /// <summary>Creates, uploads one PDF per name and sends; returns the sent envelope.</summary>
    public static async Task<Envelope> SendAsync(GrpcChannel channel, Metadata sender, CreateEnvelopeRequest draft, params string[] documentNames)
    {
        var client = new SigningService.SigningServiceClient(channel);
        var created = (await client.CreateEnvelopeAsync(draft, sender)).Envelope;
        foreach (var name in documentNames.DefaultIfEmpty("contract.pdf"))
        {
            await UploadAsync(channel, sender, created.EnvelopeId, name, Documents.Pdf($"{draft.Title} {name} {Guid.NewGuid()}"));
        }
        return (await client.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = created.EnvelopeId, RequestId = "send-" + created.EnvelopeId }, sender)).Envelope;
    }

    public static async Task<Metadata> LinkAsync(GrpcChannel channel, Metadata sender, Envelope envelope, string recipientName)
    {
        var recipient = envelope.Recipients.Single(r => r.Name == recipientName && r.Status != RecipientStatus.Reassigned);
        var link = await new SigningService.SigningServiceClient(channel).CreateSigningLinkAsync(
            new CreateSigningLinkRequest { EnvelopeId = envelope.EnvelopeId, RecipientId = recipient.RecipientId }, sender);
        return Calls.Bearer(link.Token);
    }

    public static async Task<Envelope> OpenAndSignAsync(GrpcChannel channel, Metadata link, string? accessCode = null)
    {
        var client = new SigningService.SigningServiceClient(channel);
        await client.OpenEnvelopeAsync(new OpenEnvelopeRequest { AccessCode = accessCode ?? "" }, link);
        return (await client.SignEnvelopeAsync(new SignEnvelopeRequest { AccessCode = accessCode ?? "", RequestId = "sign-" + Guid.NewGuid().ToString("N") }, link)).Envelope;
    }

    public static async Task<byte[]> DownloadAsync(GrpcChannel channel, Metadata headers, string envelopeId, string documentId)
    {
        using var call = new SigningService.SigningServiceClient(channel).DownloadDocument(
            new DownloadDocumentRequest { EnvelopeId = envelopeId, DocumentId = documentId }, headers);
        using var content = new MemoryStream();
        await foreach (var part in call.ResponseStream.ReadAllAsync())
        {
            part.Chunk.WriteTo(content);
        }
        return content.ToArray();
    }

    public static async Task<VerifyDocumentResponse> VerifyAsync(GrpcChannel channel, Metadata headers, byte[] pdf)
    {
        using var call = new SigningService.SigningServiceClient(channel).VerifyDocument(headers);
        await call.RequestStream.WriteAsync(new VerifyDocumentRequest { FileName = "check.pdf" });
        await call.RequestStream.WriteAsync(new VerifyDocumentRequest { Chunk = ByteString.CopyFrom(pdf) });
        await call.RequestStream.CompleteAsync();
        return await call;
    }

    /// <summary>
    /// Waits (bounded) until the hand-overs an envelope's changes wrote (usage, archive to Retention) are carried out;
    /// the worker deletes each row once done.
    /// </summary>
    public static async Task WaitForHandOversAsync(TestDatabase database, string? envelopeId = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var sql = envelopeId is null ? "SELECT count(*) FROM signing.handover" : "SELECT count(*) FROM signing.handover WHERE envelope_id = $1";
        object[] parameters = envelopeId is null ? [] : [Guid.Parse(envelopeId)];
        while (await database.ScalarAsync<long>(sql, parameters) > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                var errors = await database.ScalarAsync<string>("SELECT string_agg(kind || ': ' || coalesce(last_error, '-'), '; ') FROM signing.handover");
                throw new TimeoutException($"Hand-overs still pending: {errors}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Runs Debian's pdfsig on the file and returns its report.</summary>
    public static Task<string> PdfsigAsync(byte[] pdf) => RunOnFileAsync(pdf, file => ["-nocert", file]);

    /// <summary>The text poppler's pdftotext extracts (what a reader sees).</summary>
    public static Task<string> PdfToTextAsync(byte[] pdf) => RunOnFileAsync(pdf, file => [file, "-"], "pdftotext");

    private static async Task<string> RunOnFileAsync(byte[] pdf, Func<string, string[]> arguments, string tool = "pdfsig")
    {
        var file = Path.Combine(Path.GetTempPath(), $"gmosign-e2e-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(file, pdf);
        try
        {
            return (await Tools.RunAsync(tool, null, arguments(file))).Output;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
