using System.IO.Compression;
using System.Security.Cryptography;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using GmoSign.Retention.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace GmoSign.EndToEndTests;

/// <summary>Encrypted storage, 電子帳簿保存法 search, corrections, retention and hold, export (terms Art. 4-5, 5, 11).</summary>
[Collection(PlatformCollection.Name)]
public sealed class RetentionTests(PlatformFixture platform)
{
    private RetentionService.RetentionServiceClient Retention => new(platform.Channel);

    private async Task<Metadata> NewTenantAdminAsync()
    {
        var tenant = await platform.NewTenantAsync("standard");
        return Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
    }

    [Fact]
    public async Task Documents_are_stored_encrypted_and_come_back_byte_for_byte()
    {
        var admin = await NewTenantAdminAsync();
        var pdf = Documents.Pdf("Encrypted at rest " + Guid.NewGuid());
        var stored = await Documents.UploadAsync(platform.Channel, admin,
            Documents.Metadata("業務委託契約書", "株式会社テスト商事", new DateOnly(2026, 4, 1), 1_100_000), pdf, chunk: 100);

        Assert.Equal(Convert.ToHexString(SHA256.HashData(pdf)).ToLowerInvariant(), stored.Sha256);
        Assert.Equal(new Common.V1.CalendarDate { Year = 2036, Month = 4, Day = 1 }, stored.RetentionUntil); // contracts: 10 years
        Assert.Equal(pdf, await Documents.DownloadAsync(platform.Channel, admin, stored.DocumentId));

        // What the database holds is ciphertext: no PDF header, not the content's bytes.
        var raw = await platform.Database.ScalarAsync<byte[]>("SELECT sealed FROM retention.blob WHERE document_id = $1", Guid.Parse(stored.DocumentId));
        Assert.NotNull(raw);
        Assert.Equal(-1, raw!.AsSpan().IndexOf("%PDF"u8));
        Assert.Equal(-1, raw.AsSpan().IndexOf("Encrypted at rest"u8));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM retention.blob WHERE position('\\x25504446'::bytea in sealed) > 0"));
        // A dump of the whole database, as a backup would hold it, carries no plaintext PDF.
        var dumpTool = Directory.GetFiles("/usr/lib/postgresql", "pg_dump", SearchOption.AllDirectories).OrderDescending().First();
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(platform.Database.ConnectionString);
        var dumpFile = Path.Combine(Path.GetTempPath(), $"gmosign-dump-{Guid.NewGuid():N}.sql");
        var dump = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(dumpTool,
            ["-h", builder.Host!, "-p", builder.Port.ToString(), "-U", builder.Username!, "-d", builder.Database!, "-f", dumpFile])
        {
            Environment = { ["PGPASSWORD"] = builder.Password },
        })!;
        await dump.WaitForExitAsync();
        Assert.Equal(0, dump.ExitCode);
        var dumped = await File.ReadAllBytesAsync(dumpFile);
        File.Delete(dumpFile);
        Assert.True(dumped.AsSpan().IndexOf("業務委託契約書"u8) >= 0); // the dump is real: search metadata is there …
        Assert.Equal(-1, dumped.AsSpan().IndexOf("Encrypted at rest"u8)); // … document content is not
        Assert.Equal(-1, dumped.AsSpan().IndexOf("%PDF-1.7"u8));
        Assert.Equal(-1, dumped.AsSpan().IndexOf("255044462d"u8)); // not even hex-encoded (bytea text form)

        var key = await platform.Database.ScalarAsync<byte[]>("SELECT wrapped_key FROM retention.tenant_key WHERE tenant_id = (SELECT tenant_id FROM retention.document WHERE document_id = $1)", Guid.Parse(stored.DocumentId));
        Assert.Equal(12 + 16 + 32, key!.Length); // wrapped, not the bare key
    }

    [Fact]
    public async Task Search_combines_date_amount_and_counterparty_with_inclusive_edges()
    {
        var admin = await NewTenantAdminAsync();
        var seed = new (string Title, string Counterparty, DateOnly Date, long Amount, string Type, string[] Tags)[]
        {
            ("A", "株式会社テスト商事", new DateOnly(2026, 1, 1), 100_000, "contract", ["営業"]),
            ("B", "株式会社テスト商事", new DateOnly(2026, 1, 31), 500_000, "invoice", ["営業", "重要"]),
            ("C", "テスト物産株式会社", new DateOnly(2026, 2, 1), 1_000_000, "contract", []),
            ("D", "Acme Corporation", new DateOnly(2025, 12, 31), 99_999, "quotation", ["重要"]),
            ("E", "有限会社サンプル", new DateOnly(2026, 1, 15), 0, "receipt", []),
            ("F", "株式会社テスト商事 大阪支店", new DateOnly(2026, 3, 1), 250_000, "contract", ["営業"]),
        };
        foreach (var d in seed)
        {
            var metadata = Documents.Metadata(d.Title, d.Counterparty, d.Date, d.Amount, d.Type, d.Tags);
            metadata.Parties.Add(d.Counterparty + " 代表取締役");
            await Documents.UploadAsync(platform.Channel, admin, metadata, Documents.Pdf(d.Title + Guid.NewGuid()));
        }

        async Task<string[]> Titles(SearchDocumentsRequest request) =>
            (await Retention.SearchDocumentsAsync(request, admin)).Documents.Select(x => x.Metadata.Title).ToArray();
        static Common.V1.CalendarDate Day(int y, int m, int d) => new() { Year = y, Month = m, Day = d };

        // Ranges include their edges; newest transaction date first.
        Assert.Equal(["C", "B", "E", "A"], await Titles(new() { TransactionDate = new() { From = Day(2026, 1, 1), To = Day(2026, 2, 1) } }));
        Assert.Equal(["F", "C", "B"], await Titles(new() { Amount = new() { Min = 250_000, Max = 1_000_000 } }));
        Assert.Equal(["E", "D"], await Titles(new() { Amount = new() { Max = 99_999 } }));
        // Counterparty is a substring match, Japanese included, and combines with the other conditions.
        Assert.Equal(["F", "B", "A"], await Titles(new() { Counterparty = "テスト商事" }));
        Assert.Equal(["B"], await Titles(new() { Counterparty = "テスト商事", TransactionDate = new() { From = Day(2026, 1, 2), To = Day(2026, 2, 28) }, Amount = new() { Min = 200_000 } }));
        Assert.Equal(["F", "C", "B", "A"], await Titles(new() { Counterparty = "テスト" }));
        Assert.Equal(["F", "B", "A"], await Titles(new() { Tags = { "営業" } }));
        Assert.Equal(["B"], await Titles(new() { Tags = { "営業", "重要" } }));
        Assert.Equal(["F", "C", "A"], await Titles(new() { DocumentType = "contract" }));
        Assert.Equal(["E"], await Titles(new() { Party = "サンプル 代表" }));
        Assert.Equal(["D"], await Titles(new() { Title = "d", Counterparty = "acme" }));
        Assert.Empty(await Titles(new() { Counterparty = "テスト商事", DocumentType = "receipt" }));

        // Paging: a stable cursor walks every document once, in order.
        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await Retention.SearchDocumentsAsync(new SearchDocumentsRequest { PageSize = 2, PageToken = token }, admin);
            seen.AddRange(page.Documents.Select(x => x.Metadata.Title));
            token = page.NextPageToken;
        }
        while (token != "");
        Assert.Equal(["F", "C", "B", "E", "A", "D"], seen);
    }

    [Fact]
    public async Task Corrections_keep_the_history_and_every_access_is_logged()
    {
        var admin = await NewTenantAdminAsync();
        var stored = await Documents.UploadAsync(platform.Channel, admin,
            Documents.Metadata("請求書 10月分", "株式会社旧社名", new DateOnly(2026, 10, 31), 330_000, "invoice"), Documents.Pdf("invoice" + Guid.NewGuid()));
        await Retention.GetDocumentAsync(new GetDocumentRequest { DocumentId = stored.DocumentId }, admin);
        await Documents.DownloadAsync(platform.Channel, admin, stored.DocumentId);

        var corrected = stored.Metadata.Clone();
        corrected.Counterparty = "株式会社新社名";
        corrected.Amount = 363_000;
        var after = (await Retention.CorrectMetadataAsync(new CorrectMetadataRequest
        {
            DocumentId = stored.DocumentId, Metadata = corrected, Reason = "社名変更と消費税額の訂正",
        }, admin)).Document;
        Assert.Equal("株式会社新社名", after.Metadata.Counterparty);

        var history = await Retention.GetDocumentHistoryAsync(new GetDocumentHistoryRequest { DocumentId = stored.DocumentId }, admin);
        Assert.Equal([("amount", "330000", "363000"), ("counterparty", "株式会社旧社名", "株式会社新社名")],
            history.Corrections.Select(c => (c.Field, c.OldValue, c.NewValue)).OrderBy(c => c.Field));
        Assert.All(history.Corrections, c => Assert.Equal("社名変更と消費税額の訂正", c.Reason));
        Assert.Equal(["correct", "download", "view", "store"], history.Accesses.Select(a => a.Action));
        Assert.All(history.Accesses, a => Assert.Equal("127.0.0.1", a.IpAddress));

        Assert.Single((await Retention.SearchDocumentsAsync(new SearchDocumentsRequest { Counterparty = "新社名" }, admin)).Documents);
        Assert.Empty((await Retention.SearchDocumentsAsync(new SearchDocumentsRequest { Counterparty = "旧社名" }, admin)).Documents);
    }

    [Fact]
    public async Task Retention_period_and_legal_hold_refuse_deletion()
    {
        var admin = await NewTenantAdminAsync();
        var recent = await Documents.UploadAsync(platform.Channel, admin,
            Documents.Metadata("新しい契約", "相手方", new DateOnly(2026, 1, 1), 1), Documents.Pdf("recent" + Guid.NewGuid()));
        var kept = await Calls.FailsAsync(() => Retention.DeleteDocumentAsync(new DeleteDocumentRequest { DocumentId = recent.DocumentId, Reason = "不要" }, admin).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, kept.StatusCode);
        Assert.Equal("RETENTION_PERIOD", Calls.ErrorInfo(kept).Reason);

        var old = await Documents.UploadAsync(platform.Channel, admin,
            Documents.Metadata("古い請求書", "相手方", new DateOnly(2010, 1, 1), 1, "invoice"), Documents.Pdf("old" + Guid.NewGuid()));
        await Retention.SetLegalHoldAsync(new SetLegalHoldRequest { DocumentId = old.DocumentId, Hold = true }, admin);
        var held = await Calls.FailsAsync(() => Retention.DeleteDocumentAsync(new DeleteDocumentRequest { DocumentId = old.DocumentId, Reason = "期限経過" }, admin).ResponseAsync);
        Assert.Equal("LEGAL_HOLD", Calls.ErrorInfo(held).Reason);
        Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.blob WHERE document_id = $1", Guid.Parse(old.DocumentId)));

        await Retention.SetLegalHoldAsync(new SetLegalHoldRequest { DocumentId = old.DocumentId, Hold = false }, admin);
        await Retention.DeleteDocumentAsync(new DeleteDocumentRequest { DocumentId = old.DocumentId, Reason = "保存期間経過" }, admin);
        var gone = await Calls.FailsAsync(() => Retention.GetDocumentAsync(new GetDocumentRequest { DocumentId = old.DocumentId }, admin).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.blob WHERE document_id = $1", Guid.Parse(old.DocumentId)));
        Assert.Equal(["delete", "release", "hold", "store"], (await platform.Database.ScalarAsync<string[]>(
            "SELECT array_agg(action ORDER BY at DESC, entry_id DESC) FROM retention.access_log WHERE document_id = $1", Guid.Parse(old.DocumentId)))!);
    }

    [Fact]
    public async Task Export_streams_a_zip_of_everything_that_resumes_where_it_stopped_even_while_suspended()
    {
        var tenant = await platform.NewTenantAsync("standard");
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var contents = new Dictionary<string, byte[]>();
        for (var i = 0; i < 25; i++)
        {
            var pdf = Documents.Pdf($"Export document {i} {Guid.NewGuid()} " + new string('x', 20_000 + i * 977));
            var stored = await Documents.UploadAsync(platform.Channel, admin, Documents.Metadata($"契約 {i}", $"取引先{i}", new DateOnly(2026, 1, 1).AddDays(i), i * 1000), pdf);
            contents[stored.DocumentId] = pdf;
        }
        await platform.Operator.SuspendTenantAsync(new SuspendTenantRequest { TenantId = tenant.TenantId, Reason = "未払い" }, platform.AsOperator);

        var full = await Documents.ExportAsync(platform.Channel, admin);
        Assert.Equal(full.Zip.Length, full.TotalBytes);
        Assert.Equal(25, full.Progress[^1].DocumentsDone);
        using (var zip = new ZipArchive(new MemoryStream(full.Zip)))
        {
            var documents = zip.Entries.Where(e => e.FullName.StartsWith("documents/", StringComparison.Ordinal)).ToList();
            Assert.Equal(25, documents.Count);
            foreach (var entry in documents)
            {
                var id = Guid.ParseExact(entry.Name.Split('_')[1], "N").ToString();
                using var stream = entry.Open();
                var bytes = new MemoryStream();
                stream.CopyTo(bytes);
                Assert.Equal(SHA256.HashData(contents[id]), SHA256.HashData(bytes.ToArray()));
            }
            Assert.Contains(zip.Entries, e => e.FullName == "metadata.json");
            using var csv = new StreamReader(zip.GetEntry("metadata.csv")!.Open());
            Assert.Contains("取引先24", csv.ReadToEnd());
            Assert.NotNull(zip.GetEntry("access_log.csv"));
        }

        // A broken download resumes from the bytes received, with the same export id, and yields the same ZIP.
        var partial = await Documents.ExportAsync(platform.Channel, admin, full.ExportId, stopAfterBytes: 200_000);
        Assert.InRange(partial.Zip.Length, 200_000, full.Zip.Length - 1);
        var rest = await Documents.ExportAsync(platform.Channel, admin, full.ExportId, resumeOffset: partial.Zip.Length);
        Assert.Equal(full.Zip, (byte[])[.. partial.Zip, .. rest.Zip]);

        await platform.Operator.ResumeTenantAsync(new ResumeTenantRequest { TenantId = tenant.TenantId }, platform.AsOperator);
    }

    [Fact]
    public async Task Bad_uploads_name_the_field_and_store_nothing()
    {
        var admin = await NewTenantAdminAsync();
        var before = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.document");
        var good = Documents.Metadata("x", "y", new DateOnly(2026, 1, 1), 1);
        var cases = new (string Field, DocumentMetadata? Metadata, byte[] Content)[]
        {
            ("metadata", null, Documents.Pdf("no metadata")),
            ("chunk", good, "just text, not a PDF"u8.ToArray()),
            ("chunk", good, []),
            ("chunk", good, [.. Documents.Pdf("big"), .. new byte[3 * 1024 * 1024]]),
            ("metadata.document_type", Documents.Metadata("x", "y", new DateOnly(2026, 1, 1), 1, "napkin"), Documents.Pdf("t")),
            ("metadata.title", Documents.Metadata("", "y", new DateOnly(2026, 1, 1), 1), Documents.Pdf("t")),
            ("metadata.counterparty", Documents.Metadata("x", new string('長', 201), new DateOnly(2026, 1, 1), 1), Documents.Pdf("t")),
            ("metadata.amount", Documents.Metadata("x", "y", new DateOnly(2026, 1, 1), -5), Documents.Pdf("t")),
        };
        foreach (var (field, metadata, content) in cases)
        {
            var ex = await Calls.FailsAsync(() => Documents.UploadAsync(platform.Channel, admin, metadata, content));
            Assert.True(ex.StatusCode == StatusCode.InvalidArgument, $"{field}: {ex.Status}");
            Assert.Equal(field, Calls.ErrorInfo(ex).Field);
        }
        var other = new (string Field, Func<Task> Call)[]
        {
            ("document_id", () => Retention.GetDocumentAsync(new GetDocumentRequest { DocumentId = "nope" }, admin).ResponseAsync),
            ("document_id", () => Documents.DownloadAsync(platform.Channel, admin, "")),
            ("reason", () => Retention.DeleteDocumentAsync(new DeleteDocumentRequest { DocumentId = Guid.NewGuid().ToString() }, admin).ResponseAsync),
            ("resume_offset", () => Documents.ExportAsync(platform.Channel, admin, resumeOffset: -1)),
            ("export_id", () => Documents.ExportAsync(platform.Channel, admin, exportId: "garbage")),
            ("transaction_date.to", () => Retention.SearchDocumentsAsync(new SearchDocumentsRequest { TransactionDate = new DateRange { From = new() { Year = 2026, Month = 2, Day = 1 }, To = new() { Year = 2026, Month = 1, Day = 1 } } }, admin).ResponseAsync),
            ("page_size", () => Retention.SearchDocumentsAsync(new SearchDocumentsRequest { PageSize = 201 }, admin).ResponseAsync),
            ("tags[0]", () => Retention.SearchDocumentsAsync(new SearchDocumentsRequest { Tags = { "" } }, admin).ResponseAsync),
        };
        foreach (var (field, call) in other)
        {
            var ex = await Calls.FailsAsync(call);
            Assert.True(ex.StatusCode == StatusCode.InvalidArgument, $"{field}: {ex.Status}");
            Assert.Equal(field, Calls.ErrorInfo(ex).Field);
        }
        var badSearch = await Calls.FailsAsync(() => Retention.SearchDocumentsAsync(new SearchDocumentsRequest
        {
            Amount = new AmountRange { Min = 10, Max = 1 },
        }, admin).ResponseAsync);
        Assert.Equal("amount.max", Calls.ErrorInfo(badSearch).Field);
        Assert.Equal(before, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.document"));
    }

    [Fact]
    public async Task Other_tenants_and_the_operator_never_reach_a_tenants_documents()
    {
        var owner = await NewTenantAdminAsync();
        var stranger = await NewTenantAdminAsync();
        var stored = await Documents.UploadAsync(platform.Channel, owner, Documents.Metadata("秘密の契約", "取引先", new DateOnly(2026, 5, 1), 1), Documents.Pdf("secret" + Guid.NewGuid()));
        var id = stored.DocumentId;

        foreach (var call in new Func<Task>[]
        {
            () => Retention.GetDocumentAsync(new GetDocumentRequest { DocumentId = id }, stranger).ResponseAsync,
            () => Documents.DownloadAsync(platform.Channel, stranger, id),
            () => Retention.GetDocumentHistoryAsync(new GetDocumentHistoryRequest { DocumentId = id }, stranger).ResponseAsync,
            () => Retention.SetLegalHoldAsync(new SetLegalHoldRequest { DocumentId = id, Hold = true }, stranger).ResponseAsync,
            () => Retention.DeleteDocumentAsync(new DeleteDocumentRequest { DocumentId = id, Reason = "x" }, stranger).ResponseAsync,
            () => Retention.CorrectMetadataAsync(new CorrectMetadataRequest { DocumentId = id, Metadata = Documents.Metadata("乗っ取り", "x", new DateOnly(2026, 5, 1), 1), Reason = "x" }, stranger).ResponseAsync,
        })
        {
            Assert.Equal(StatusCode.NotFound, (await Calls.FailsAsync(call)).StatusCode);
        }
        Assert.Empty((await Retention.SearchDocumentsAsync(new SearchDocumentsRequest { Title = "秘密" }, stranger)).Documents);
        var strangerExport = await Documents.ExportAsync(platform.Channel, stranger);
        using (var zip = new ZipArchive(new MemoryStream(strangerExport.Zip)))
        {
            Assert.DoesNotContain(zip.Entries, e => e.FullName.Contains(Guid.Parse(id).ToString("N"), StringComparison.Ordinal));
        }

        // The operator has no document RPC at all (Art. 4-5).
        Assert.Equal(StatusCode.PermissionDenied, (await Calls.FailsAsync(() =>
            Retention.GetDocumentAsync(new GetDocumentRequest { DocumentId = id }, platform.AsOperator).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Calls.FailsAsync(() => Documents.DownloadAsync(platform.Channel, platform.AsOperator, id))).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Calls.FailsAsync(() => Documents.ExportAsync(platform.Channel, platform.AsOperator))).StatusCode);
        Assert.Equal("秘密の契約", (await Retention.GetDocumentAsync(new GetDocumentRequest { DocumentId = id }, owner)).Document.Metadata.Title);
    }
}
