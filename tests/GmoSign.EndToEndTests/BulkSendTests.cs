using System.Text;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Google.Protobuf;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>
/// CSV bulk send against the real host: the whole file checked first (Shift_JIS and UTF-8), rows sent exactly once
/// across a host killed mid-way, usage counted, cancellation, and tenants kept apart.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class BulkSendTests(PlatformFixture platform)
{
    static BulkSendTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private BulkSendService.BulkSendServiceClient Bulk => new(platform.Channel);
    private TemplateService.TemplateServiceClient Templates => new(platform.Channel);
    private SigningService.SigningServiceClient Signing => new(platform.Channel);

    private async Task<(string TenantId, Metadata Admin)> NewAdminAsync()
    {
        var tenant = await platform.NewTenantAsync("standard");
        return (tenant.TenantId, Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword)));
    }

    /// <summary>A template with one counterparty role, a company name (required) and an amount (number) as merge fields.</summary>
    private async Task<Template> TemplateAsync(Metadata admin)
    {
        var draft = (await Signing.CreateEnvelopeAsync(Envelopes.Draft("原本", Envelopes.Signer("仮", 1)), admin)).Envelope;
        await Envelopes.UploadAsync(platform.Channel, admin, draft.EnvelopeId, "order.pdf", Documents.Pdf("発注書 " + Guid.NewGuid()));
        return (await Templates.CreateTemplateAsync(new CreateTemplateRequest
        {
            Name = "発注書 " + Guid.NewGuid().ToString("N")[..6], SourceEnvelopeId = draft.EnvelopeId,
            Definition = new TemplateDefinition
            {
                Title = "発注書 - {{会社名}}",
                Message = "{{会社名}} 様　金額 {{金額}} 円",
                Roles = { new TemplateRole { Label = "取引先", Role = RecipientRole.Signer, Step = 1 } },
                MergeFields =
                {
                    new MergeField { Name = "会社名", Type = MergeFieldType.Text, Required = true },
                    new MergeField { Name = "金額", Type = MergeFieldType.Number },
                },
            },
        }, admin)).Template;
    }

    private static string Row(int n) => $"担当 {n:D4},buyer{n:D4}@counterparty.example.jp,\"株式会社 取引先{n:D4}, 東京\",{n * 1000}";

    private const string Header = "取引先:氏名,取引先:メールアドレス,会社名,金額";

    private async Task<BulkSend> WaitAsync(Metadata admin, string id, Func<BulkSend, bool> condition, string what, int seconds = 120)
    {
        BulkSend current = null!;
        await Eventually.HoldsAsync(async () =>
        {
            current = (await Bulk.GetBulkSendAsync(new GetBulkSendRequest { BulkSendId = id, PageSize = 1 }, admin)).BulkSend;
            return condition(current);
        }, what, TimeSpan.FromSeconds(seconds));
        return current;
    }

    [Fact]
    public async Task A_file_with_errors_is_refused_as_a_whole_with_every_rows_errors_and_nothing_is_sent()
    {
        var (_, admin) = await NewAdminAsync();
        var template = await TemplateAsync(admin);
        // As Japanese Excel saves it: Shift_JIS, CRLF, a quoted cell with a comma and a line break.
        var csv = string.Join("\r\n", Header, Row(1), "担当 2,not-an-address,株式会社二,2000", "担当 3,c3@counterparty.example.jp,,3000",
            "担当 4,bad,株式会社四,四千円", "\"担当\n5\",c5@counterparty.example.jp,株式会社五,5000", "") ;
        var sjis = Encoding.GetEncoding(932).GetBytes(csv);
        var start = new StartBulkSendRequest { RequestId = "bulk-" + Guid.NewGuid(), TemplateId = template.TemplateId, FileName = "取引先一覧.csv", Csv = ByteString.CopyFrom(sjis) };
        var rejected = await Bulk.StartBulkSendAsync(start, admin);
        Assert.Equal(BulkSendStatus.Rejected, rejected.BulkSend.Status);
        Assert.Equal("Shift_JIS", rejected.BulkSend.Encoding);
        Assert.Equal(5, rejected.BulkSend.TotalRows);
        Assert.Equal([3, 4, 5, 6], rejected.InvalidRows.Select(r => r.Row));
        Assert.Equal(["取引先:メールアドレス"], rejected.InvalidRows.Single(r => r.Row == 3).Errors.Select(e => e.Column));
        Assert.Equal(["会社名"], rejected.InvalidRows.Single(r => r.Row == 4).Errors.Select(e => e.Column));
        Assert.Equal(["取引先:メールアドレス", "金額"], rejected.InvalidRows.Single(r => r.Row == 5).Errors.Select(e => e.Column));
        Assert.Equal(["取引先:氏名"], rejected.InvalidRows.Single(r => r.Row == 6).Errors.Select(e => e.Column)); // a line break in a name
        Assert.All(rejected.InvalidRows.SelectMany(r => r.Errors), e => Assert.False(string.IsNullOrEmpty(e.MessageJa) || string.IsNullOrEmpty(e.MessageEn)));
        Assert.Equal(rejected.BulkSend.BulkSendId, (await Bulk.StartBulkSendAsync(start, admin)).BulkSend.BulkSendId); // a retry
        await Task.Delay(TimeSpan.FromSeconds(1)); // the worker polls every 200 ms: a rejected send must give it nothing to do
        Assert.Empty((await Signing.ListEnvelopesAsync(new ListEnvelopesRequest { TitleContains = "発注書 -" }, admin)).Envelopes);
        Assert.Equal(0, (await Bulk.GetBulkSendAsync(new GetBulkSendRequest { BulkSendId = rejected.BulkSend.BulkSendId }, admin)).BulkSend.Created);

        // The header is checked first: an unknown column and a missing required one are named.
        var header = await Calls.FailsAsync(() => Bulk.StartBulkSendAsync(new StartBulkSendRequest
        {
            RequestId = "bulk-" + Guid.NewGuid(), TemplateId = template.TemplateId,
            Csv = ByteString.CopyFromUtf8("取引先:氏名,取引先:メールアドレス,住所\n甲,a@b.example.jp,東京\n"),
        }, admin).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, header.StatusCode);
        Assert.Contains("住所", header.Status.Detail);
        Assert.Contains("会社名", header.Status.Detail);
        // 1,501 rows are one too many; bytes that are neither UTF-8 nor Shift_JIS are not text.
        var tooMany = await Calls.FailsAsync(() => Bulk.StartBulkSendAsync(new StartBulkSendRequest
        {
            RequestId = "bulk-" + Guid.NewGuid(), TemplateId = template.TemplateId,
            Csv = ByteString.CopyFromUtf8(string.Join("\n", new[] { Header }.Concat(Enumerable.Range(1, 1501).Select(Row)))),
        }, admin).ResponseAsync);
        Assert.Equal(("INVALID_FIELD", "csv"), (Calls.ErrorInfo(tooMany).Reason, Calls.ErrorInfo(tooMany).Field));
        Assert.Contains("1502", tooMany.Status.Detail);
        var binary = await Calls.FailsAsync(() => Bulk.StartBulkSendAsync(new StartBulkSendRequest
        {
            RequestId = "bulk-" + Guid.NewGuid(), TemplateId = template.TemplateId, Csv = ByteString.CopyFrom(0x81, 0x00, 0xFF, 0xFE, 0x82),
        }, admin).ResponseAsync);
        Assert.Equal("csv", Calls.ErrorInfo(binary).Field);
        var malformed = await Calls.FailsAsync(() => Bulk.StartBulkSendAsync(new StartBulkSendRequest
        {
            RequestId = "bulk-" + Guid.NewGuid(), TemplateId = template.TemplateId, Csv = ByteString.CopyFromUtf8(Header + "\n" + Row(1) + "\n\"担当\"2,a@b.example.jp,x,1\n"),
        }, admin).ResponseAsync);
        Assert.Equal((StatusCode.InvalidArgument, "csv"), (malformed.StatusCode, Calls.ErrorInfo(malformed).Field));
        Assert.Matches("row 3|3行目", malformed.Status.Detail);
    }

    [Fact]
    public async Task Valid_rows_are_sent_exactly_once_each_across_a_killed_host_and_counted_in_usage()
    {
        var (tenantId, admin) = await NewAdminAsync();
        var template = await TemplateAsync(admin);
        const int rows = 30;
        // UTF-8 with a BOM, one bad row that is skipped because the sender chose to send the valid ones.
        var csv = string.Join("\n", new[] { Header }.Concat(Enumerable.Range(1, rows).Select(Row)).Append("担当 X,x@counterparty.example.jp,株式会社X,X円"));
        var started = (await Bulk.StartBulkSendAsync(new StartBulkSendRequest
        {
            RequestId = "bulk-" + Guid.NewGuid(), TemplateId = template.TemplateId, SendValidRows = true,
            Csv = ByteString.CopyFrom([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(csv)]),
        }, admin)).BulkSend;
        Assert.Equal((BulkSendStatus.Running, "UTF-8", rows + 1, 1), (started.Status, started.Encoding, started.TotalRows, started.InvalidRows));

        // Killed after a few rows (paced at 5 rows a second), started again: the rest goes out, nothing twice. (Sessions live
        // in the database: the admin's stays valid.)
        await WaitAsync(admin, started.BulkSendId, b => b.Sent >= 4, "a few rows sent");
        await platform.KillAsync();
        await platform.StartAgainAsync();
        var done = await WaitAsync(admin,
            started.BulkSendId, b => b.Status == BulkSendStatus.Completed, "the bulk send completed");
        Assert.Equal((rows, rows, 0, 0, 1), (done.Sent, done.Created, done.Failed, done.PendingRows, done.InvalidRows));

        var tenant = Guid.Parse(tenantId);
        var page = await new BulkSendService.BulkSendServiceClient(platform.Channel).GetBulkSendAsync(new GetBulkSendRequest { BulkSendId = started.BulkSendId },
            admin);
        var sentRows = page.Rows.Where(r => r.Status == BulkRowStatus.Sent).ToList();
        Assert.Equal(rows, sentRows.Select(r => r.EnvelopeId).Distinct().Count());
        Assert.Equal(rows, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM signing.envelope WHERE tenant_id = $1 AND state->>'TemplateId' = $2", tenant, template.TemplateId));
        Assert.Equal(rows, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM signing.audit_event a JOIN signing.envelope e ON e.envelope_id = a.envelope_id WHERE e.tenant_id = $1 AND a.action = 'sent'", tenant));
        Assert.Equal(rows, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM signing.outbox WHERE tenant_id = $1 AND kind = 'signing_request'", tenant));
        // Each row's merge values reached its own envelope.
        var envelope = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sentRows.Single(r => r.Row == 7).EnvelopeId },
            admin)).Envelope;
        Assert.Equal("発注書 - 株式会社 取引先0006, 東京", envelope.Title);
        Assert.Equal("buyer0006@counterparty.example.jp", envelope.Recipients.Single().Email);
        // Usage (reseller billing) counts every envelope once. A usage hand-over the killed host had claimed is taken up
        // again when its one-minute lease runs out (HandOverWorker), so the wait allows for the lease.
        await Envelopes.WaitForHandOversAsync(platform.Database, timeout: TimeSpan.FromSeconds(90));
        Assert.Equal(rows, await platform.Database.ScalarAsync<long>("SELECT coalesce(sum(envelopes_sent), 0)::bigint FROM reseller.usage_month WHERE tenant_id = $1", tenant));
        // Inputs (access codes among them) are not kept once a row is done.
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM signing.bulk_send_row WHERE bulk_send_id = $1 AND input IS NOT NULL",
            Guid.Parse(started.BulkSendId)));
    }

    [Fact]
    public async Task A_cancelled_bulk_send_sends_no_more_rows_and_another_tenant_sees_none_of_it()
    {
        var (_, admin) = await NewAdminAsync();
        var template = await TemplateAsync(admin);
        var started = (await Bulk.StartBulkSendAsync(new StartBulkSendRequest
        {
            RequestId = "bulk-" + Guid.NewGuid(), TemplateId = template.TemplateId,
            Csv = ByteString.CopyFromUtf8(string.Join("\n", new[] { Header }.Concat(Enumerable.Range(1, 200).Select(Row)))),
        }, admin)).BulkSend;
        await WaitAsync(admin, started.BulkSendId, b => b.Sent >= 2, "two rows sent");

        var (_, other) = await NewAdminAsync();
        var probed = new List<string>();
        async Task Denied(string rpc, Func<Task> call)
        {
            probed.Add(rpc);
            Assert.Equal(StatusCode.NotFound, (await Calls.FailsAsync(call)).StatusCode);
        }
        await Denied("GetBulkSend", () => Bulk.GetBulkSendAsync(new GetBulkSendRequest { BulkSendId = started.BulkSendId }, other).ResponseAsync);
        await Denied("CancelBulkSend", () => Bulk.CancelBulkSendAsync(new CancelBulkSendRequest { BulkSendId = started.BulkSendId }, other).ResponseAsync);
        await Denied("StartBulkSend", () => Bulk.StartBulkSendAsync(new StartBulkSendRequest
        {
            RequestId = "steal", TemplateId = template.TemplateId, Csv = ByteString.CopyFromUtf8(Header + "\n" + Row(1)),
        }, other).ResponseAsync);
        probed.Add("ListBulkSends");
        Assert.Empty((await Bulk.ListBulkSendsAsync(new ListBulkSendsRequest(), other)).BulkSends);
        Assert.Empty(BulkSendService.Descriptor.Methods.Select(m => m.Name).Except(probed));

        var cancelled = (await Bulk.CancelBulkSendAsync(new CancelBulkSendRequest { BulkSendId = started.BulkSendId }, admin)).BulkSend;
        Assert.Equal(BulkSendStatus.Cancelled, cancelled.Status);
        Assert.Equal(0, cancelled.PendingRows);
        Assert.Equal(200, cancelled.Sent + cancelled.Cancelled + (cancelled.Created - cancelled.Sent));
        Assert.True(cancelled.Cancelled > 100, $"{cancelled.Cancelled} rows cancelled");
        // A row in flight when the cancel came may still finish; after that nothing more is sent.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var later = (await Bulk.GetBulkSendAsync(new GetBulkSendRequest { BulkSendId = started.BulkSendId }, admin)).BulkSend;
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(later.Sent, (await Bulk.GetBulkSendAsync(new GetBulkSendRequest { BulkSendId = started.BulkSendId }, admin)).BulkSend.Sent);
        Assert.Contains((await Bulk.ListBulkSendsAsync(new ListBulkSendsRequest(), admin)).BulkSends, b => b.BulkSendId == started.BulkSendId);
    }

    [Fact]
    public async Task Tenants_take_turns_so_one_tenants_many_rows_do_not_hold_back_anothers_few()
    {
        var (_, busy) = await NewAdminAsync();
        var busyTemplate = await TemplateAsync(busy);
        var csv = ByteString.CopyFromUtf8(string.Join("\n", new[] { Header }.Concat(Enumerable.Range(1, 60).Select(Row))));
        // One tenant with two large sends running (under turns per send it would get two shares of three)…
        var large = new List<string>();
        foreach (var _ in Enumerable.Range(0, 2))
        {
            large.Add((await Bulk.StartBulkSendAsync(new StartBulkSendRequest { RequestId = "bulk-" + Guid.NewGuid(), TemplateId = busyTemplate.TemplateId, Csv = csv }, busy))
                .BulkSend.BulkSendId);
        }
        await WaitAsync(busy, large[1], b => b.Sent >= 1, "the second large send is under way");
        async Task<int> BusySent() => (await Task.WhenAll(large.Select(id => Bulk.GetBulkSendAsync(new GetBulkSendRequest { BulkSendId = id, PageSize = 1 }, busy).ResponseAsync)))
            .Sum(r => r.BulkSend.Sent);

        // …and another tenant's six rows: sent while the first sends about as many, not twice as many.
        var (_, small) = await NewAdminAsync();
        var smallTemplate = await TemplateAsync(small);
        var few = (await Bulk.StartBulkSendAsync(new StartBulkSendRequest
        {
            RequestId = "bulk-" + Guid.NewGuid(), TemplateId = smallTemplate.TemplateId,
            Csv = ByteString.CopyFromUtf8(string.Join("\n", new[] { Header }.Concat(Enumerable.Range(1, 6).Select(Row)))),
        }, small)).BulkSend;
        await WaitAsync(small, few.BulkSendId, b => b.Status == BulkSendStatus.Completed, "the small send completed");
        // Counted from the rows' own send times (each row's updated_at is written when it is sent): the busy tenant's rows
        // sent between the small send's first and last row. Polling the counts instead added whatever the busy sends
        // did while the test looked, a row or two on a slow machine.
        var meanwhile = await platform.Database.ScalarAsync<long>("""
            WITH span AS (SELECT min(updated_at) AS first, max(updated_at) AS last FROM signing.bulk_send_row
                            WHERE bulk_send_id = $1 AND status = 'sent')
            SELECT count(*) FROM signing.bulk_send_row r, span w
            WHERE r.bulk_send_id = ANY ($2) AND r.status = 'sent' AND r.updated_at BETWEEN w.first AND w.last
            """, Guid.Parse(few.BulkSendId), large.Select(Guid.Parse).ToArray());
        var total = await BusySent();
        foreach (var id in large)
        {
            await Bulk.CancelBulkSendAsync(new CancelBulkSendRequest { BulkSendId = id }, busy);
        }
        Assert.True(meanwhile <= 8, $"the busy tenant sent {meanwhile} rows while the other sent its 6 ({total} in all so far)");
    }
}
