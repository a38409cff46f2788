using GmoSign.Common.V1;
using GmoSign.Retention.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>Uploading, downloading and exporting documents over the streaming RPCs.</summary>
public static class Documents
{
    /// <summary>A small valid PDF whose text makes its bytes unique.</summary>
    public static byte[] Pdf(string text) => GmoSign.Testing.MinimalPdf.Create(text);

    public static DocumentMetadata Metadata(string title, string counterparty, DateOnly date, long amount, string type = "contract", params string[] tags) => new()
    {
        Title = title,
        DocumentType = type,
        TransactionDate = new CalendarDate { Year = date.Year, Month = date.Month, Day = date.Day },
        Amount = amount,
        Counterparty = counterparty,
        Tags = { tags },
        FileName = "contract.pdf",
    };

    public static async Task<Document> UploadAsync(GrpcChannel channel, Metadata headers, DocumentMetadata? metadata, byte[] content, int chunk = 64 * 1024)
    {
        using var call = new RetentionService.RetentionServiceClient(channel).UploadDocument(headers);
        try
        {
            if (metadata is not null)
            {
                await call.RequestStream.WriteAsync(new UploadDocumentRequest { Metadata = metadata });
            }
            for (var offset = 0; offset < content.Length; offset += chunk)
            {
                await call.RequestStream.WriteAsync(new UploadDocumentRequest { Chunk = ByteString.CopyFrom(content, offset, Math.Min(chunk, content.Length - offset)) });
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The server ended the call early (it refused the upload); its status is in the response.
        }
        return (await call.ResponseAsync).Document;
    }

    public static async Task<byte[]> DownloadAsync(GrpcChannel channel, Metadata headers, string documentId)
    {
        using var call = new RetentionService.RetentionServiceClient(channel).DownloadDocument(new DownloadDocumentRequest { DocumentId = documentId }, headers);
        var content = new MemoryStream();
        await foreach (var part in call.ResponseStream.ReadAllAsync())
        {
            part.Chunk.WriteTo(content);
        }
        return content.ToArray();
    }

    /// <summary>Runs an export; stops reading after <paramref name="stopAfterBytes"/> (simulating a broken connection).</summary>
    public static async Task<(string ExportId, byte[] Zip, long TotalBytes, List<ExportProgress> Progress)> ExportAsync(
        GrpcChannel channel, Metadata headers, string exportId = "", long resumeOffset = 0, long stopAfterBytes = long.MaxValue)
    {
        using var cancel = new CancellationTokenSource();
        using var call = new RetentionService.RetentionServiceClient(channel).ExportDocuments(
            new ExportDocumentsRequest { ExportId = exportId, ResumeOffset = resumeOffset }, headers, cancellationToken: cancel.Token);
        var zip = new MemoryStream();
        var progress = new List<ExportProgress>();
        var id = exportId;
        long total = 0;
        try
        {
            await foreach (var part in call.ResponseStream.ReadAllAsync(cancel.Token))
            {
                if (part.PartCase == ExportDocumentsResponse.PartOneofCase.Progress)
                {
                    progress.Add(part.Progress);
                    id = part.Progress.ExportId;
                    total = part.Progress.TotalBytes;
                    continue;
                }
                Assert.Equal(resumeOffset + zip.Length, part.Chunk.Offset);
                part.Chunk.Data.WriteTo(zip);
                if (zip.Length >= stopAfterBytes)
                {
                    await cancel.CancelAsync();
                    break;
                }
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
        }
        return (id, zip.ToArray(), total, progress);
    }
}
