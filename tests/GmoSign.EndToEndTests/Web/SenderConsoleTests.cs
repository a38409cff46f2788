using GmoSign.Accounts.V1;
using GmoSign.EndToEndTests.Infrastructure;
using Grpc.Core;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GmoSign.EndToEndTests.Web;

/// <summary>
/// The sender console (/app) in a real Chromium: two-factor sign-in with enrolment, an envelope created with two PDFs
/// uploaded in chunks and two signers in sequence, signed by both from their mails, followed to Completed, downloaded
/// and judged by pdfsig; the list's search and filter; an ended session.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class SenderConsoleTests(WebFixture web)
{
    private PlatformFixture Platform => web.Platform;

    private static string Email(string who) => $"{who}-{Guid.NewGuid():N}@counterparty.example.jp";

    private async Task SignAsSignerAsync(string link, string? accessCode, string screenshot)
    {
        await using var signer = await web.NewPageAsync();
        await signer.Page.GotoAsync(link);
        if (accessCode is not null)
        {
            await signer.Page.Locator("#access-code").FillAsync(accessCode);
            await signer.Page.Locator("#open-with-code").ClickAsync();
        }
        await signer.Page.GetByLabel("電子署名に同意します").CheckAsync();
        await signer.Page.Locator("#sign").ClickAsync();
        await Expect(signer.Page.Locator("#signed")).ToBeVisibleAsync();
        await signer.ScreenshotAsync(screenshot);
        signer.AssertNoProblems();
    }

    [Fact]
    public async Task A_sender_signs_in_with_TOTP_sends_two_PDFs_to_two_signers_in_turn_and_downloads_the_signed_PDF_when_completed()
    {
        var tenant = await Platform.NewTenantAsync("standard", 12);
        var adminSession = Calls.Bearer(await Calls.LoginAsync(Platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        await Platform.Accounts.SetTwoFactorPolicyAsync(new SetTwoFactorPolicyRequest { Required = true }, adminSession);

        await using var sender = await web.NewPageAsync();
        var page = sender.Page;
        await page.GotoAsync(web.BaseUrl + "/app/");
        await sender.AssertAccessibleAsync("sign-in page");
        await sender.ScreenshotAsync("app-login-ja");

        // First sign-in: the tenant requires two-factor sign-in, so the console enrols the authenticator.
        await page.SignInAsync(tenant.AdminLogin, tenant.AdminPassword);
        await Expect(page.Locator("#totp-secret")).Not.ToBeEmptyAsync();
        await Expect(page.Locator("img.qr")).ToBeVisibleAsync();
        await sender.AssertAccessibleAsync("TOTP enrolment");
        await sender.ScreenshotAsync("app-totp-enrolment-ja");
        var key = TotpCodes.FromBase32(await page.Locator("#totp-secret").InnerTextAsync());
        await page.Locator("#enrol-code").FillAsync(TotpCodes.At(key, DateTimeOffset.UtcNow));
        await page.Locator("#enrol-confirm").ClickAsync();
        await Expect(page.Locator("#who")).ToBeVisibleAsync();

        // Sign out, and in again with password and a (newer) TOTP code.
        await page.Locator("#logout").ClickAsync();
        await Expect(page.Locator("#session-notice")).ToContainTextAsync("ログアウトしました");
        await page.SignInAsync(tenant.AdminLogin, tenant.AdminPassword);
        await Expect(page.Locator("#totp")).ToBeVisibleAsync();
        await page.Locator("#totp").FillAsync(TotpCodes.At(key, DateTimeOffset.UtcNow.AddSeconds(30)));
        await page.Locator("#login").ClickAsync();
        await Expect(page.Locator("#who")).ToBeVisibleAsync();
        await sender.AssertAccessibleAsync("envelope list");

        // A new envelope: two PDFs, two signers in sequence, the second with an access code, retention data.
        await page.Locator("#nav-new").ClickAsync();
        await Expect(page.Locator("#limits")).ToContainTextAsync("2.0 MB");
        var title = $"業務委託契約書 {Guid.NewGuid():N}"[..20];
        await page.Locator("#title").FillAsync(title);
        await page.Locator("#message").FillAsync("ご確認のうえ、ご署名をお願いいたします。");
        await page.Locator("#files").SetInputFilesAsync(new[]
        {
            new FilePayload { Name = "contract.pdf", MimeType = "application/pdf", Buffer = GmoSign.Testing.MinimalPdf.Create("Contract", pages: 3) },
            new FilePayload { Name = "appendix.pdf", MimeType = "application/pdf", Buffer = Documents.Pdf("Appendix " + Guid.NewGuid()) },
        });
        // A file that is not a PDF is refused before anything is uploaded.
        await page.Locator("#files").SetInputFilesAsync(new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "hello"u8.ToArray() });
        await Expect(page.Locator("#new-error")).ToContainTextAsync("notes.txt");
        await Expect(page.Locator(".files li")).ToHaveCountAsync(2);

        var first = Email("first");
        var second = Email("second");
        var one = page.Locator("[data-recipient='1']");
        await one.Locator("input[id$='-name']").FillAsync("甲野 一郎");
        await one.Locator("input[id$='-email']").FillAsync(first);
        await page.Locator("#add-recipient").ClickAsync();
        var two = page.Locator("[data-recipient='2']");
        await Expect(two.Locator("input[id$='-step']")).ToHaveValueAsync("2");
        await two.Locator("input[id$='-name']").FillAsync("乙山 花子");
        await two.Locator("input[id$='-email']").FillAsync(second);
        await two.Locator("input[id$='-code']").FillAsync("7531");
        await page.Locator("#amount").FillAsync("1,100,000");
        await page.Locator("#counterparty").FillAsync("株式会社取引先");
        await sender.AssertAccessibleAsync("new envelope form");
        await sender.ScreenshotAsync("app-new-envelope-ja");
        await page.Locator("#send").ClickAsync();

        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/app/envelopes/[0-9a-f-]{36}$"));
        await Expect(page.Locator("#envelope-status")).ToHaveTextAsync("署名待ち");
        await Expect(page.Locator("tr[data-recipient='甲野 一郎']")).ToHaveAttributeAsync("data-status", "NOTIFIED");
        await Expect(page.Locator("tr[data-recipient='乙山 花子']")).ToHaveAttributeAsync("data-status", "PENDING");
        await sender.AssertAccessibleAsync("envelope page (sent)");
        await sender.ScreenshotAsync("app-envelope-sent-ja");
        var envelopeId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        var sent = (await new GmoSign.Signing.V1.SigningService.SigningServiceClient(Platform.Channel)
            .GetEnvelopeAsync(new GmoSign.Signing.V1.GetEnvelopeRequest { EnvelopeId = envelopeId }, adminSession)).Envelope;
        Assert.Equal(["appendix.pdf", "contract.pdf"], sent.Documents.Select(d => d.FileName).Order(StringComparer.Ordinal));
        Assert.Equal(1_100_000, sent.Retention.Amount);
        Assert.Equal("株式会社取引先", sent.Retention.Counterparty);
        Assert.True(sent.Recipients.Single(r => r.Name == "乙山 花子").HasAccessCode);

        // Each signer signs from the link in their mail.
        await SignAsSignerAsync(await web.SigningLinkFromMailAsync(first), null, "app-flow-first-signer");
        await SignAsSignerAsync(await web.SigningLinkFromMailAsync(second), "7531", "app-flow-second-signer");

        // The sender sees Completed, an intact audit trail, and downloads a PDF with both signatures valid.
        await Eventually.HoldsAsync(async () =>
        {
            await page.ReloadAsync();
            await page.Locator("#envelope-status").WaitForAsync();
            return await page.Locator("#envelope-status").InnerTextAsync() == "締結済み";
        }, "the sender's page shows the envelope completed");
        await Expect(page.Locator("#audit-verified")).ToContainTextAsync("改ざんされていません");
        await Expect(page.Locator("#audit tr[data-action='signed']")).ToHaveCountAsync(2);
        await sender.ScreenshotAsync("app-envelope-completed-ja");
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-download='contract.pdf']").ClickAsync());
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!);
        Assert.Equal(2, (await Envelopes.PdfsigAsync(pdf)).Split("Signature is Valid").Length - 1);
        // The certificate of completion, sealed by the platform.
        var certificateDownload = await page.RunAndWaitForDownloadAsync(() => page.Locator("#download-certificate").ClickAsync());
        var certificate = await File.ReadAllBytesAsync((await certificateDownload.PathAsync())!);
        Assert.Equal(1, (await Envelopes.PdfsigAsync(certificate)).Split("Signature is Valid").Length - 1);
        Assert.Contains("締結証明書", await Envelopes.PdfToTextAsync(certificate));

        // The list finds it by title and by status.
        await page.GotoAsync(web.BaseUrl + "/app/");
        await page.Locator("#title-search").FillAsync(title[..10]);
        await page.Locator("#search").ClickAsync();
        await Expect(page.Locator($"tr[data-envelope-id='{envelopeId}']")).ToBeVisibleAsync();
        await page.Locator("#status-filter").SelectOptionAsync(new SelectOptionValue { Label = "署名待ち" });
        await Expect(page.Locator("#no-envelopes")).ToBeVisibleAsync();
        await page.Locator("#status-filter").SelectOptionAsync(new SelectOptionValue { Label = "締結済み" });
        await Expect(page.Locator($"tr[data-envelope-id='{envelopeId}']")).ToBeVisibleAsync();
        await sender.ScreenshotAsync("app-list-ja");
        sender.AssertNoProblems();
    }

    [Fact]
    public async Task A_PDF_dropped_on_the_form_goes_out_after_the_internal_approver_approves_it_in_the_console()
    {
        var tenant = await Platform.NewTenantAsync("standard", 12);
        var admin = Calls.Bearer(await Calls.LoginAsync(Platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var approver = await Platform.Accounts.CreateUserAsync(new CreateUserRequest
        {
            LoginId = $"approver-{Guid.NewGuid():N}@customer.example.jp", DisplayName = "承認 部長", Role = UserRole.Member,
        }, admin);

        await using var sender = await web.NewPageAsync();
        var page = sender.Page;
        await page.GotoAsync(web.BaseUrl + "/app/new");
        await page.SignInAsync(tenant.AdminLogin, tenant.AdminPassword);
        await page.Locator("#title").FillAsync("承認付きの発注書");
        // Dropped, not chosen: the drop zone takes the files of a drag and drop.
        var dataTransfer = await page.EvaluateHandleAsync("""
            (text) => {
              const transfer = new DataTransfer();
              transfer.items.add(new File([text], 'dropped.pdf', { type: 'application/pdf' }));
              return transfer;
            }
            """, System.Text.Encoding.Latin1.GetString(Documents.Pdf("Dropped " + Guid.NewGuid())));
        await page.Locator("#drop-zone").DispatchEventAsync("drop", new Dictionary<string, object> { ["dataTransfer"] = dataTransfer });
        await Expect(page.Locator(".files li[data-file='dropped.pdf']")).ToBeVisibleAsync();
        var signer = Email("signer");
        await page.Locator("[data-recipient='1'] input[id$='-name']").FillAsync("署名 一郎");
        await page.Locator("[data-recipient='1'] input[id$='-email']").FillAsync(signer);
        await page.Locator($"[data-approver='{approver.User.LoginId}']").CheckAsync();
        await page.Locator("#send").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/app/envelopes/[0-9a-f-]{36}$"));
        await Expect(page.Locator("#envelope-status")).ToHaveTextAsync("承認待ち");
        await Expect(page.Locator("#approve")).ToHaveCountAsync(0); // the sender is not the approver
        var envelopeUrl = page.Url;

        // The approver approves from their own session; then the signer's mail goes out.
        await using var boss = await web.NewPageAsync();
        await boss.Page.GotoAsync(envelopeUrl);
        await boss.Page.SignInAsync(approver.User.LoginId, approver.InitialPassword);
        await Expect(boss.Page.Locator("#approval")).ToContainTextAsync("残り1名");
        await boss.AssertAccessibleAsync("approval");
        await boss.Page.Locator("#approve").ClickAsync();
        await Expect(boss.Page.Locator("#envelope-status")).ToHaveTextAsync("署名待ち");
        await web.SigningLinkFromMailAsync(signer);
        sender.AssertNoProblems();
        boss.AssertNoProblems();
    }

    [Fact]
    public async Task A_sender_labels_the_parties_saves_a_draft_and_places_fields_by_clicking_on_the_page_and_by_typing_the_position()
    {
        var tenant = await Platform.NewTenantAsync("standard", 12);
        var admin = Calls.Bearer(await Calls.LoginAsync(Platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        await using var sender = await web.NewPageAsync();
        var page = sender.Page;
        await page.GotoAsync(web.BaseUrl + "/app/new");
        await page.SignInAsync(tenant.AdminLogin, tenant.AdminPassword);

        // A draft with two labelled parties (甲 and 乙), saved without sending.
        await page.Locator("#title").FillAsync("入力項目の配置テスト");
        // Files are taken once the limits they are checked against have arrived.
        await Expect(page.Locator("#limits")).ToBeVisibleAsync();
        await page.Locator("#files").SetInputFilesAsync(new FilePayload
        {
            Name = "order.pdf", MimeType = "application/pdf", Buffer = GmoSign.Testing.MinimalPdf.Create("Order " + Guid.NewGuid(), pages: 2),
        });
        await Expect(page.Locator(".files li[data-file='order.pdf']")).ToBeVisibleAsync();
        var one = page.Locator("[data-recipient='1']");
        await one.Locator("input[id$='-name']").FillAsync("甲野 一郎");
        await one.Locator("input[id$='-email']").FillAsync(Email("first"));
        await one.Locator("input[id$='-label']").FillAsync("甲");
        await page.Locator("#add-recipient").ClickAsync();
        var two = page.Locator("[data-recipient='2']");
        await two.Locator("input[id$='-name']").FillAsync("乙山 花子");
        await two.Locator("input[id$='-email']").FillAsync(Email("second"));
        await two.Locator("input[id$='-label']").FillAsync("乙");
        await page.Locator("#save-draft").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/app/envelopes/[0-9a-f-]{36}$"));
        await Expect(page.Locator("#envelope-status")).ToHaveTextAsync("下書き");
        await Expect(page.Locator("tr[data-recipient='乙山 花子']")).ToContainTextAsync("乙:");
        await Expect(page.Locator("#no-fields")).ToBeVisibleAsync();
        var envelopeId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        var signing = new GmoSign.Signing.V1.SigningService.SigningServiceClient(Platform.Channel);
        async Task<GmoSign.Signing.V1.Envelope> CurrentAsync() =>
            (await signing.GetEnvelopeAsync(new GmoSign.Signing.V1.GetEnvelopeRequest { EnvelopeId = envelopeId }, admin)).Envelope;
        var draft = await CurrentAsync();
        Assert.Equal(["甲", "乙"], draft.Recipients.OrderBy(r => r.Step).Select(r => r.Label));
        var second = draft.Recipients.Single(r => r.Label == "乙").RecipientId;

        // A text field for 乙, placed by clicking on page 2 of the rendered document.
        await page.Locator("#place-fields").ClickAsync();
        await Expect(page.Locator(".pdf-page[data-page='2']")).ToBeVisibleAsync();
        await page.Locator("#field-recipient").SelectOptionAsync(new SelectOptionValue { Label = "乙: 乙山 花子" });
        await page.Locator("#field-label").FillAsync("会社名");
        await page.Locator("#field-required").CheckAsync();
        var target = page.Locator(".pdf-page[data-page='2']");
        await target.ScrollIntoViewIfNeededAsync();
        await Expect(page.Locator(".pdf-page[data-page='2'][data-drawn='true']")).ToBeVisibleAsync();
        await target.ClickAsync(new LocatorClickOptions { Position = new Position { X = 120, Y = 200 } });
        await Expect(page.Locator("#field-page")).ToHaveValueAsync("2");
        await Expect(page.Locator("#field-x")).Not.ToHaveValueAsync("");
        await Expect(page.Locator(".pdf-page[data-page='2'] [data-overlay='new-field']")).ToBeVisibleAsync();
        var scale = (await target.BoundingBoxAsync())!.Width / 595;
        await sender.AssertAccessibleAsync("placing fields");
        await sender.ScreenshotAsync("app-fields-placing-ja");
        await page.Locator("#field-add").ClickAsync();
        await Expect(page.Locator("#fields tr[data-field='text_1']")).ToContainTextAsync("会社名");
        await Expect(page.Locator("#fields-saved")).ToContainTextAsync("text_1");

        var placed = (await CurrentAsync()).Fields.Single();
        Assert.Equal("text_1", placed.Name);
        Assert.Equal(GmoSign.Signing.V1.FieldType.Text, placed.Type);
        Assert.Equal(second, placed.RecipientId);
        Assert.Equal(2, placed.Page);
        Assert.True(placed.Required);
        Assert.Equal("会社名", placed.Label);
        Assert.InRange(placed.Rect.X, 120 / scale - 1, 120 / scale + 1);
        Assert.InRange(placed.Rect.Y, 842 - 200 / scale - 20 - 1, 842 - 200 / scale - 20 + 1);
        Assert.Equal(160, placed.Rect.Width);
        Assert.Equal(20, placed.Rect.Height);

        // A checkbox by typed position; the first try reuses the name, which the server refuses and the page shows.
        await page.Locator("#field-type").SelectOptionAsync(new SelectOptionValue { Label = "チェックボックス" });
        await page.Locator("#field-name").FillAsync("text_1");
        await page.Locator("#field-page").FillAsync("1");
        await page.Locator("#field-x").FillAsync("50");
        await page.Locator("#field-y").FillAsync("60");
        await page.Locator("#field-add").ClickAsync();
        await Expect(page.Locator("#fields-error")).ToContainTextAsync("text_1");
        await sender.AssertAccessibleAsync("field refused");
        await page.Locator("#field-name").FillAsync("agree");
        await page.Locator("#field-add").ClickAsync();
        await Expect(page.Locator("#fields tr[data-field='agree']")).ToBeVisibleAsync();
        await Expect(page.Locator("#fields-error")).ToHaveCountAsync(0);
        var agree = (await CurrentAsync()).Fields.Single(f => f.Name == "agree");
        Assert.Equal(GmoSign.Signing.V1.FieldType.Checkbox, agree.Type);
        Assert.Equal(1, agree.Page);
        Assert.Equal((50d, 60d, 14d, 14d), (agree.Rect.X, agree.Rect.Y, agree.Rect.Width, agree.Rect.Height));
        await Expect(page.Locator(".pdf-page[data-page='1'] [data-overlay='agree']")).ToHaveCountAsync(1);
        await sender.ScreenshotAsync("app-fields-placed-ja");

        // Removing one sends the rest.
        await page.Locator("[data-remove-field='agree']").ClickAsync();
        await Expect(page.Locator("#fields tr[data-field='agree']")).ToHaveCountAsync(0);
        Assert.Equal(["text_1"], (await CurrentAsync()).Fields.Select(f => f.Name));

        // The draft goes out from its page; its fields are listed, no longer editable.
        await page.Locator("#send-draft").ClickAsync();
        await Expect(page.Locator("#envelope-status")).ToHaveTextAsync("署名待ち");
        await Expect(page.Locator("#fields tr[data-field='text_1']")).ToBeVisibleAsync();
        await Expect(page.Locator("#place-fields")).ToHaveCountAsync(0);
        await Expect(page.Locator("#audit tr[data-action='fields_set']")).ToHaveCountAsync(3);
        Assert.Equal(GmoSign.Signing.V1.EnvelopeStatus.Sent, (await CurrentAsync()).Status);
        sender.AssertNoProblems();
    }

    [Fact]
    public async Task An_ended_session_brings_the_sender_back_to_sign_in_with_a_message_and_voiding_shows_the_reason()
    {
        var tenant = await Platform.NewTenantAsync("standard", 12);
        var admin = Calls.Bearer(await Calls.LoginAsync(Platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var sent = await Envelopes.SendAsync(Platform.Channel, admin, Envelopes.Draft("発注書", Envelopes.Signer("丙田 三郎", 1)));

        await using var sender = await web.NewPageAsync(locale: "en-US");
        var page = sender.Page;
        await page.GotoAsync($"{web.BaseUrl}/app/envelopes/{sent.EnvelopeId}");
        await page.SignInAsync(tenant.AdminLogin, tenant.AdminPassword);
        await Expect(page.Locator("#envelope-status")).ToHaveTextAsync("Out for signature");
        await page.Locator("#show-void").ClickAsync();
        await page.Locator("#void-reason").FillAsync("Amount corrected; a new request follows");
        await page.Locator("#void").ClickAsync();
        await Expect(page.Locator("#envelope-status")).ToHaveTextAsync("Voided");
        await Expect(page.Locator("#status-reason")).ToHaveTextAsync("Amount corrected; a new request follows");
        await sender.AssertAccessibleAsync("voided envelope (English)");

        // The session is revoked on the server (signed out elsewhere): the next call lands on the sign-in page.
        var token = await page.EvaluateAsync<string>("JSON.parse(sessionStorage.getItem('gmosign.session')).token");
        await Platform.Accounts.LogoutAsync(new LogoutRequest(), Calls.Bearer(token));
        await page.ReloadAsync();
        await Expect(page.Locator("#session-notice")).ToContainTextAsync("Your session has ended");
        await Expect(page.Locator("#login-id")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('gmosign.session')"));
    }

    [Fact]
    public async Task Stored_documents_are_found_by_amount_and_counterparty_and_an_interrupted_export_resumes_after_a_reload()
    {
        var tenant = await Platform.NewTenantAsync("standard", 12);
        var admin = Calls.Bearer(await Calls.LoginAsync(Platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var title = "保管検索テスト " + Guid.NewGuid().ToString("N")[..6];
        var sent = await Envelopes.SendAsync(Platform.Channel, admin, Envelopes.Draft(title, Envelopes.Signer("保管 太郎", 1)), "stored.pdf");
        await Envelopes.OpenAndSignAsync(Platform.Channel, await Envelopes.LinkAsync(Platform.Channel, admin, sent, "保管 太郎"));
        await Envelopes.WaitForHandOversAsync(Platform.Database, sent.EnvelopeId);

        await using var sender = await web.NewPageAsync();
        var page = sender.Page;
        await page.GotoAsync(web.BaseUrl + "/app/retention");
        await page.SignInAsync(tenant.AdminLogin, tenant.AdminPassword);
        await page.Locator("#nav-retention").ClickAsync();

        // Combined conditions: the amount range and the counterparty find it; an amount range around it does not.
        await page.Locator("#r-min").FillAsync("1,000,000");
        await page.Locator("#r-max").FillAsync("2,000,000");
        await page.Locator("#r-counterparty").FillAsync("取引先");
        await page.Locator("#retention-search").ClickAsync();
        await Expect(page.Locator($"tr[data-document='{title}']")).ToBeVisibleAsync();
        await sender.AssertAccessibleAsync("retention search");
        await sender.ScreenshotAsync("app-retention-ja");
        await page.Locator("#r-max").FillAsync("1,000");
        await page.Locator("#retention-search").ClickAsync();
        await Expect(page.Locator("#no-documents")).ToBeVisibleAsync();
        await page.Locator("#r-max").FillAsync("");
        await page.Locator("#retention-search").ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator($"[data-download='{title}']").ClickAsync());
        Assert.Equal(1, (await Envelopes.PdfsigAsync(await File.ReadAllBytesAsync((await download.PathAsync())!))).Split("Signature is Valid").Length - 1);

        // A large stored document (random text does not compress), so that the ZIP takes more than one 1 MiB chunk.
        var noise = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(1_200_000));
        await Documents.UploadAsync(Platform.Channel, admin, Documents.Metadata("大容量の請求書", "株式会社取引先", DateOnly.FromDateTime(DateTime.Today), 5000, "invoice"),
            GmoSign.Testing.MinimalPdf.Create(noise));

        // The first export call is cut off after its first chunk (the response ends without trailers, as a dropped
        // connection would): the gRPC-Web frames are read and the body ends after the first large one.
        const string exportUrl = "**/gmosign.retention.v1.RetentionService/ExportDocuments";
        await page.RouteAsync(exportUrl, async route =>
        {
            var full = await route.FetchAsync();
            var body = await full.BodyAsync();
            await route.FulfillAsync(new RouteFulfillOptions { Status = 200, Headers = full.Headers, BodyBytes = CutAfterFirstChunk(body) });
        }, new PageRouteOptions { Times = 1 });
        await page.Locator("#export-start").ClickAsync();
        await Expect(page.Locator("#export-resume")).ToBeVisibleAsync();

        // A reload keeps what arrived; resuming fetches only the rest of the same export.
        await page.ReloadAsync();
        await page.Locator("#nav-retention").ClickAsync();
        await Expect(page.Locator("#export-status")).ToContainTextAsync("中断");
        Assert.DoesNotContain("（0 B", await page.Locator("#export-status").InnerTextAsync()); // part of it arrived before the cut
        var exportRequests = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/ExportDocuments", StringComparison.Ordinal))
            {
                exportRequests.Add(request.Url);
            }
        };
        var zipDownload = await page.RunAndWaitForDownloadAsync(() => page.Locator("#export-resume").ClickAsync());
        await Expect(page.Locator("#export-done")).ToBeVisibleAsync();
        Assert.Single(exportRequests);
        var zip = await File.ReadAllBytesAsync((await zipDownload.PathAsync())!);
        using var archive = new System.IO.Compression.ZipArchive(new MemoryStream(zip));
        Assert.Contains(archive.Entries, e => e.Name.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase));
        // Every entry reads back: the resumed bytes continue the first half exactly.
        foreach (var entry in archive.Entries)
        {
            await using var stream = entry.Open();
            await stream.CopyToAsync(Stream.Null);
        }
        sender.AssertNoProblems();
    }

    /// <summary>The gRPC-Web body up to the end of its first frame larger than 64 KiB (an export chunk).</summary>
    private static byte[] CutAfterFirstChunk(byte[] body)
    {
        var position = 0;
        while (position + 5 <= body.Length)
        {
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(position + 1, 4));
            position += 5 + length;
            if (length > 64 * 1024)
            {
                Assert.True(position < body.Length - 64 * 1024, "the export has a single chunk: nothing would be left to resume");
                return body[..position];
            }
        }
        throw new InvalidOperationException("no export chunk in the response");
    }
}
