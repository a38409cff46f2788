using System.Diagnostics;
using System.Text;
using GmoSign.Signing.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

/// <summary>
/// A CSV bulk send of <c>rows</c> envelopes from a template (one signer, one 1-page PDF with two fields), timed from the
/// upload to the last row sent, while another caller's GetEnvelope latency is probed before and during the run — the
/// numbers bench/bulk.sh reports.
/// </summary>
internal static class BulkBench
{
    public static async Task RunAsync(GrpcChannel channel, Metadata admin, int rows)
    {
        var signing = new SigningService.SigningServiceClient(channel);
        var templates = new TemplateService.TemplateServiceClient(channel);
        var bulk = new BulkSendService.BulkSendServiceClient(channel);

        var draft = (await signing.CreateEnvelopeAsync(new CreateEnvelopeRequest
        {
            Title = "原本", Recipients = { new RecipientInput { Name = "仮", Email = "x@bench.example.jp", Step = 1 } },
        }, admin)).Envelope;
        using (var upload = signing.UploadDocument(admin))
        {
            await upload.RequestStream.WriteAsync(new UploadDocumentRequest { Header = new UploadDocumentHeader { EnvelopeId = draft.EnvelopeId, FileName = "order.pdf" } });
            await upload.RequestStream.WriteAsync(new UploadDocumentRequest { Chunk = ByteString.CopyFrom(GmoSign.Testing.MinimalPdf.Create("Purchase order")) });
            await upload.RequestStream.CompleteAsync();
            await upload;
        }
        var template = (await templates.CreateTemplateAsync(new CreateTemplateRequest
        {
            Name = "発注書", SourceEnvelopeId = draft.EnvelopeId,
            Definition = new TemplateDefinition
            {
                Title = "発注書 - {{会社名}}", RemindersOff = true,
                Roles = { new TemplateRole { Label = "取引先", Role = RecipientRole.Signer, Step = 1 } },
                MergeFields = { new MergeField { Name = "会社名", Required = true }, new MergeField { Name = "金額", Type = MergeFieldType.Number } },
                Fields =
                {
                    new TemplateField { Name = "company", RoleLabel = "取引先", Type = FieldType.Text, Page = 1, Value = "{{会社名}}", ReadOnly = true,
                        Rect = new FieldRect { X = 72, Y = 600, Width = 250, Height = 20 } },
                    new TemplateField { Name = "amount", RoleLabel = "取引先", Type = FieldType.Text, Page = 1, Value = "{{金額}}", MapsTo = FieldMapping.Amount,
                        Rect = new FieldRect { X = 72, Y = 570, Width = 150, Height = 20 } },
                },
            },
        }, admin)).Template;
        var csv = new StringBuilder("取引先:氏名,取引先:メールアドレス,会社名,金額\r\n");
        for (var i = 1; i <= rows; i++)
        {
            csv.Append($"担当 {i},buyer{i}@bench.example.jp,株式会社 取引先{i},{i * 1000}\r\n");
        }
        var bytes = Encoding.UTF8.GetBytes(csv.ToString());

        // Another caller, alone, then during the bulk send.
        async Task<List<double>> Probe(TimeSpan duration)
        {
            var latencies = new List<double>();
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, admin);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await Task.Delay(20);
            }
            return latencies;
        }
        var alone = await Probe(TimeSpan.FromSeconds(3));

        var clock = Stopwatch.StartNew();
        var started = await bulk.StartBulkSendAsync(new StartBulkSendRequest
        {
            RequestId = Guid.NewGuid().ToString("N"), TemplateId = template.TemplateId, FileName = "bench.csv", Csv = ByteString.CopyFrom(bytes),
        }, admin);
        var checkedIn = clock.Elapsed;
        if (started.BulkSend.Status != BulkSendStatus.Running)
        {
            throw new InvalidOperationException($"The bulk send did not start: {started.BulkSend.Status}, {started.InvalidRows.Count} invalid rows.");
        }
        var probe = Probe(TimeSpan.FromSeconds(10));
        BulkSend state;
        do
        {
            await Task.Delay(500);
            state = (await bulk.GetBulkSendAsync(new GetBulkSendRequest { BulkSendId = started.BulkSend.BulkSendId, PageSize = 1 }, admin)).BulkSend;
        }
        while (state.Status == BulkSendStatus.Running);
        var total = clock.Elapsed;
        var during = await probe;
        Console.WriteLine($"bulk send: {rows:N0} rows ({bytes.Length / 1024.0:N0} KiB CSV) checked and stored in {checkedIn.TotalSeconds:N1} s; "
            + $"all {state.Sent:N0} envelopes made and sent in {total.TotalSeconds:N1} s ({state.Sent / (total - checkedIn).TotalSeconds:N1} rows/s); "
            + $"failed {state.Failed}, status {state.Status}");
        Console.WriteLine($"another caller's GetEnvelope: p50 {Percentile(alone, 0.5):N1} ms / p95 {Percentile(alone, 0.95):N1} ms alone; "
            + $"p50 {Percentile(during, 0.5):N1} ms / p95 {Percentile(during, 0.95):N1} ms during the bulk send");
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }
}
