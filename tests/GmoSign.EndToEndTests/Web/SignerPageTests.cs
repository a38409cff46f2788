using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using EnvelopeStatus = GmoSign.Signing.V1.EnvelopeStatus;

namespace GmoSign.EndToEndTests.Web;

/// <summary>
/// The signer page (/s/{token}) in a real Chromium against the real host: the links come from the mails the SMTP
/// listener received, signatures are judged by pdfsig, every state has its page, and each page passes axe-core.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class SignerPageTests(WebFixture web, ITestOutputHelper output)
{
    private PlatformFixture Platform => web.Platform;
    private SigningService.SigningServiceClient Signing => new(Platform.Channel);

    private async Task<(PlatformFixture.ApprovedTenant Tenant, Metadata Admin)> NewTenantAsync()
    {
        var tenant = await Platform.NewTenantAsync("standard", 12);
        return (tenant, Calls.Bearer(await Calls.LoginAsync(Platform.Channel, tenant.AdminLogin, tenant.AdminPassword)));
    }

    private static string Email(string who) => $"{who}-{Guid.NewGuid():N}@counterparty.example.jp";

    private async Task<string> LinkUrlAsync(Metadata admin, Envelope envelope, string recipientName)
    {
        var link = await Envelopes.LinkAsync(Platform.Channel, admin, envelope, recipientName);
        return $"{web.BaseUrl}/s/{link.Get("authorization")!.Value["Bearer ".Length..]}";
    }

    [Fact]
    public async Task Two_signers_sign_in_turn_from_the_links_in_their_mails_and_the_downloaded_PDF_carries_two_valid_signatures()
    {
        var (tenant, admin) = await NewTenantAsync();
        var first = Email("first");
        var second = Email("second");
        var draft = Envelopes.Draft("秘密保持契約書", Envelopes.Signer("甲野 一郎", 1, email: first), Envelopes.Signer("乙山 花子", 2, email: second, accessCode: "8642"));
        draft.Message = "内容をご確認のうえ、ご署名ください。";
        var sent = await Envelopes.SendAsync(Platform.Channel, admin, draft, "nda.pdf", "appendix.pdf");

        // The first signer follows the link in their mail.
        var link = await web.SigningLinkFromMailAsync(first);
        Assert.StartsWith(web.BaseUrl + "/s/gsl_", link);
        await using var one = await web.NewPageAsync();
        await one.Page.GotoAsync(link);
        await Expect(one.Page.Locator("#envelope-title")).ToHaveTextAsync("秘密保持契約書");
        // The token leaves the address bar (and so the history) as soon as the page has it.
        Assert.Equal(web.BaseUrl + "/s/", one.Page.Url);
        await Expect(one.Page.Locator("#sender")).ToContainTextAsync(tenant.Application.Customer.Name);
        await Expect(one.Page.Locator("#envelope-message")).ToHaveTextAsync("内容をご確認のうえ、ご署名ください。");
        await Expect(one.Page.Locator(".steps li.me")).ToContainTextAsync("甲野 一郎");
        // The document is drawn by pdf.js.
        await Expect(one.Page.Locator(".pdf-page[data-drawn='true']").First).ToBeVisibleAsync();
        await Expect(one.Page.Locator(".pdf-count")).ToContainTextAsync("1 / 1");
        // Signing needs the explicit consent.
        await Expect(one.Page.Locator("#sign")).ToBeDisabledAsync();
        await one.AssertAccessibleAsync("signer page before signing");
        await one.ScreenshotAsync("signer-before-signing-ja");
        await MeasureAsync(one.Page, "signer page (2 documents)");

        await one.Page.GetByLabel("電子署名に同意します").CheckAsync();
        // A double click signs once: the button is busy after the first, and both carry the same request id.
        await one.Page.Locator("#sign").DblClickAsync();
        await Expect(one.Page.Locator("#signed")).ToContainTextAsync("署名が完了しました");
        await one.AssertAccessibleAsync("signer page after signing");
        await one.ScreenshotAsync("signer-signed-ja");

        // The second signer: the mail comes after the first signature; the access code is asked for.
        var secondLink = await web.SigningLinkFromMailAsync(second);
        await using var two = await web.NewPageAsync();
        await two.Page.GotoAsync(secondLink);
        await Expect(two.Page.Locator("#access-code")).ToBeVisibleAsync();
        await two.AssertAccessibleAsync("access code prompt");
        await two.ScreenshotAsync("signer-access-code-ja");
        await two.Page.Locator("#access-code").FillAsync("0000");
        await two.Page.Locator("#open-with-code").ClickAsync();
        await Expect(two.Page.Locator("#code-error")).ToContainTextAsync("残り4回");
        await two.Page.Locator("#access-code").FillAsync("8642");
        await two.Page.Locator("#open-with-code").ClickAsync();
        await Expect(two.Page.Locator("#envelope-title")).ToHaveTextAsync("秘密保持契約書");
        await two.Page.GetByLabel("電子署名に同意します").CheckAsync();
        await two.Page.Locator("#sign").ClickAsync();
        await Expect(two.Page.Locator("#signed")).ToContainTextAsync("締結");

        // Each signed once, in order; the envelope is complete.
        var envelope = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sent.EnvelopeId }, admin)).Envelope;
        Assert.Equal(EnvelopeStatus.Completed, envelope.Status);
        var trail = (await Signing.GetAuditTrailAsync(new GetAuditTrailRequest { EnvelopeId = sent.EnvelopeId }, admin)).Entries;
        Assert.Equal(2, trail.Count(e => e.Action == "signed"));
        Assert.Equal(1, trail.Count(e => e.Action == "access_code_failed"));

        // The signer downloads the signed PDF; poppler's pdfsig finds both signatures valid.
        var download = await two.Page.RunAndWaitForDownloadAsync(() => two.Page.Locator("[data-download-signed='nda.pdf']").ClickAsync());
        Assert.Equal("nda.pdf", download.SuggestedFilename);
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!);
        var report = await Envelopes.PdfsigAsync(pdf);
        Assert.Equal(2, report.Split("Signature is Valid").Length - 1);

        // A later visit shows the current state: the first signer's page now says the agreement is complete.
        await one.Page.ReloadAsync();
        await Expect(one.Page.Locator("#completed")).ToBeVisibleAsync();
        await one.ScreenshotAsync("signer-completed-ja");
        one.AssertNoProblems();
        two.AssertNoProblems();
    }

    [Fact]
    public async Task A_signer_declines_with_a_reason_the_next_signer_waits_for_their_turn_and_a_voided_request_shows_the_senders_reason()
    {
        var (_, admin) = await NewTenantAsync();
        var sent = await Envelopes.SendAsync(Platform.Channel, admin,
            Envelopes.Draft("業務委託契約書", Envelopes.Signer("丙田 三郎", 1), Envelopes.Signer("丁野 四郎", 2)));

        // Not their turn yet: the second signer may read but not sign.
        await using var later = await web.NewPageAsync();
        await later.Page.GotoAsync(await LinkUrlAsync(admin, sent, "丁野 四郎"));
        await Expect(later.Page.Locator("#not-yet")).ToContainTextAsync("まだあなたの順番ではありません");
        await Expect(later.Page.Locator("#sign")).ToHaveCountAsync(0);
        await later.AssertAccessibleAsync("not your turn");

        await using var decliner = await web.NewPageAsync();
        await decliner.Page.GotoAsync(await LinkUrlAsync(admin, sent, "丙田 三郎"));
        await decliner.Page.Locator("#show-decline").ClickAsync();
        await decliner.Page.Locator("#decline-reason").FillAsync("契約期間の記載に誤りがあります");
        await decliner.Page.Locator("#decline").ClickAsync();
        await Expect(decliner.Page.Locator("#declined")).ToContainTextAsync("署名を辞退しました");

        var declined = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sent.EnvelopeId }, admin)).Envelope;
        Assert.Equal(EnvelopeStatus.Declined, declined.Status);
        Assert.Equal("契約期間の記載に誤りがあります", declined.Recipients.Single(r => r.Name == "丙田 三郎").DeclineReason);

        await later.Page.ReloadAsync();
        await Expect(later.Page.Locator("#declined")).ToContainTextAsync("契約期間の記載に誤りがあります");
        await Expect(later.Page.Locator("#declined")).ToContainTextAsync("丙田 三郎");
        await later.ScreenshotAsync("signer-declined-ja");

        // Voided by the sender: the signer sees the reason.
        var toVoid = await Envelopes.SendAsync(Platform.Channel, admin, Envelopes.Draft("発注書", Envelopes.Signer("戊井 五郎", 1)));
        var voidedUrl = await LinkUrlAsync(admin, toVoid, "戊井 五郎");
        await Signing.VoidEnvelopeAsync(new VoidEnvelopeRequest { EnvelopeId = toVoid.EnvelopeId, Reason = "金額を訂正して再送します", RequestId = "void-1" }, admin);
        await using var voided = await web.NewPageAsync();
        await voided.Page.GotoAsync(voidedUrl);
        await Expect(voided.Page.Locator("#voided")).ToContainTextAsync("金額を訂正して再送します");
        await voided.AssertAccessibleAsync("voided");
        await voided.ScreenshotAsync("signer-voided-ja");
        later.AssertNoProblems();
        decliner.AssertNoProblems();
    }

    [Fact]
    public async Task Five_wrong_access_codes_lock_the_link_and_the_page_says_whom_to_ask()
    {
        var (_, admin) = await NewTenantAsync();
        var sent = await Envelopes.SendAsync(Platform.Channel, admin, Envelopes.Draft("賃貸借契約書", Envelopes.Signer("己島 六子", 1, accessCode: "secret-4711")));
        await using var signer = await web.NewPageAsync();
        await signer.Page.GotoAsync(await LinkUrlAsync(admin, sent, "己島 六子"));
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await signer.Page.Locator("#access-code").FillAsync($"wrong-{attempt}");
            await signer.Page.Locator("#open-with-code").ClickAsync();
            await Expect(signer.Page.Locator("#code-error")).ToContainTextAsync($"残り{5 - attempt}回");
        }
        await signer.Page.Locator("#access-code").FillAsync("wrong-5");
        await signer.Page.Locator("#open-with-code").ClickAsync();
        await Expect(signer.Page.Locator("[data-problem='locked']")).ToContainTextAsync("ロック");
        await signer.AssertAccessibleAsync("locked");
        await signer.ScreenshotAsync("signer-locked-ja");

        // Even the right code does not open it now, and the page says so after a reload.
        await signer.Page.ReloadAsync();
        await Expect(signer.Page.Locator("[data-problem='locked']")).ToBeVisibleAsync();
        var trail = (await Signing.GetAuditTrailAsync(new GetAuditTrailRequest { EnvelopeId = sent.EnvelopeId }, admin)).Entries;
        Assert.Equal(5, trail.Count(e => e.Action == "access_code_failed"));
        Assert.DoesNotContain(trail, e => e.Action == "viewed");
    }

    [Fact]
    public async Task An_expired_request_says_so_and_its_link_stops_working_after_the_grace_period_as_does_a_forged_link()
    {
        var (_, admin) = await NewTenantAsync();
        var draft = Envelopes.Draft("見積書", Envelopes.Signer("庚田 七海", 1));
        draft.ExpiryDays = 1;
        draft.RemindersOff = true;
        var sent = await Envelopes.SendAsync(Platform.Channel, admin, draft);
        var url = await LinkUrlAsync(admin, sent, "庚田 七海");
        await Eventually.HoldsAsync(async () =>
            (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sent.EnvelopeId }, admin)).Envelope.Status == EnvelopeStatus.Expired,
            "the one-day envelope expires", TimeSpan.FromSeconds(60));

        await using var signer = await web.NewPageAsync();
        await signer.Page.GotoAsync(url);
        await Expect(signer.Page.Locator("#expired")).ToContainTextAsync("署名期限が過ぎました");
        await signer.AssertAccessibleAsync("expired");
        await signer.ScreenshotAsync("signer-expired-ja");

        // After the link's grace period the same link is no longer valid.
        await Eventually.HoldsAsync(async () =>
        {
            await signer.Page.ReloadAsync();
            await signer.Page.Locator("[data-problem], #expired").First.WaitForAsync();
            return await signer.Page.Locator("[data-problem='invalid']").CountAsync() == 1;
        }, "the expired envelope's link stops opening it", TimeSpan.FromSeconds(60));
        await Expect(signer.Page.Locator("[data-problem='invalid']")).ToContainTextAsync("このリンクは無効です");

        await using var forged = await web.NewPageAsync();
        await forged.Page.GotoAsync($"{web.BaseUrl}/s/gsl_{new string('A', 107)}");
        await Expect(forged.Page.Locator("[data-problem='invalid']")).ToBeVisibleAsync();
        await forged.AssertAccessibleAsync("invalid link");
        await forged.ScreenshotAsync("signer-invalid-link-ja");
    }

    [Fact]
    public async Task On_a_375_pixel_phone_in_English_the_page_fits_the_screen_switches_to_Japanese_and_signs()
    {
        var (_, admin) = await NewTenantAsync();
        var sent = await Envelopes.SendAsync(Platform.Channel, admin, Envelopes.Draft("Service Agreement 業務委託", Envelopes.Signer("Alex Smith", 1)));
        await using var phone = await web.NewPageAsync(locale: "en-US", width: 375, height: 740);
        await phone.Page.GotoAsync(await LinkUrlAsync(admin, sent, "Alex Smith"));
        await Expect(phone.Page.Locator("#envelope-title")).ToHaveTextAsync("Service Agreement 業務委託");
        await Expect(phone.Page.GetByLabel("I agree to sign electronically")).ToBeVisibleAsync();
        await Expect(phone.Page.Locator("#sign")).ToHaveTextAsync("Sign");
        await Expect(phone.Page.Locator(".pdf-page[data-drawn='true']").First).ToBeVisibleAsync();
        Assert.True(await phone.Page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"),
            "the page scrolls sideways at 375 px");
        await phone.AssertAccessibleAsync("phone, English");
        await phone.ScreenshotAsync("signer-phone-en");

        await phone.Page.GetByRole(AriaRole.Button, new() { Name = "日本語" }).ClickAsync();
        await Expect(phone.Page.GetByLabel("電子署名に同意します")).ToBeVisibleAsync();
        await phone.Page.GetByLabel("電子署名に同意します").CheckAsync();
        await phone.Page.Locator("#sign").ClickAsync();
        await Expect(phone.Page.Locator("#signed")).ToContainTextAsync("署名が完了しました");
        await phone.ScreenshotAsync("signer-phone-ja-signed");
        phone.AssertNoProblems();
    }

    [Fact]
    public async Task During_maintenance_the_signer_sees_the_notice_and_afterwards_hands_the_request_to_a_colleague()
    {
        var (_, admin) = await NewTenantAsync();
        var draft = Envelopes.Draft("保守中の契約書", Envelopes.Signer("壬生 九郎", 1));
        draft.AllowReassign = true;
        var sent = await Envelopes.SendAsync(Platform.Channel, admin, draft);
        var url = await LinkUrlAsync(admin, sent, "壬生 九郎");

        await Platform.Operator.StartMaintenanceAsync(new GmoSign.Reseller.V1.StartMaintenanceRequest
        {
            NoticeJa = "システムメンテナンス中です。19時に再開します。", NoticeEn = "Scheduled maintenance; back at 19:00.",
            EndsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(10)),
        }, Platform.AsOperator);
        await using var signer = await web.NewPageAsync();
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                await signer.Page.GotoAsync(url);
                await signer.Page.Locator("[data-problem], #envelope-title").First.WaitForAsync();
                return await signer.Page.Locator("[data-problem='maintenance']").CountAsync() == 1;
            }, "the signer page shows maintenance");
            await Expect(signer.Page.Locator("[data-problem='maintenance']")).ToContainTextAsync("システムメンテナンス中です。19時に再開します。");
            await signer.AssertAccessibleAsync("maintenance");
            await signer.ScreenshotAsync("signer-maintenance-ja");
        }
        finally
        {
            await Platform.Operator.EndMaintenanceAsync(new GmoSign.Reseller.V1.EndMaintenanceRequest(), Platform.AsOperator);
        }

        // After maintenance the page works again (the token was kept for this tab); the signer hands over to a colleague.
        await Eventually.HoldsAsync(async () =>
        {
            if (await signer.Page.Locator("#envelope-title").CountAsync() == 1)
            {
                return true;
            }
            var retry = signer.Page.Locator("[data-problem='maintenance'] button");
            if (await retry.CountAsync() == 1)
            {
                await retry.ClickAsync();
            }
            return false;
        }, "the signer page works after maintenance (its retry button)");
        var colleague = Email("colleague");
        await signer.Page.Locator("#show-reassign").ClickAsync();
        await signer.Page.Locator("#reassign-name").FillAsync("癸田 十子");
        await signer.Page.Locator("#reassign-email").FillAsync(colleague);
        await signer.Page.Locator("#reassign-reason").FillAsync("担当者変更のため");
        await signer.Page.Locator("#reassign").ClickAsync();
        await Expect(signer.Page.Locator("[data-problem='reassigned']")).ToContainTextAsync("癸田 十子");

        // The colleague gets their own request and signs it.
        await using var successor = await web.NewPageAsync();
        await successor.Page.GotoAsync(await web.SigningLinkFromMailAsync(colleague));
        await successor.Page.GetByLabel("電子署名に同意します").CheckAsync();
        await successor.Page.Locator("#sign").ClickAsync();
        await Expect(successor.Page.Locator("#signed")).ToContainTextAsync("締結");
        var done = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sent.EnvelopeId }, admin)).Envelope;
        Assert.Equal(RecipientStatus.Reassigned, done.Recipients.Single(r => r.Name == "壬生 九郎").Status);
        Assert.Equal(RecipientStatus.Signed, done.Recipients.Single(r => r.Name == "癸田 十子").Status);
    }

    [Fact]
    public async Task A_signer_fills_in_the_senders_fields_a_required_one_left_empty_or_a_value_the_server_refuses_stops_the_signature_and_the_values_are_signed()
    {
        var (_, admin) = await NewTenantAsync();
        var party = Envelopes.Signer("甲野 一郎", 1);
        party.Label = "甲";
        var created = (await Signing.CreateEnvelopeAsync(Envelopes.Draft("入力項目つきの申込書", party), admin)).Envelope;
        var document = await Envelopes.UploadAsync(Platform.Channel, admin, created.EnvelopeId, "application.pdf",
            GmoSign.Testing.MinimalPdf.Create("Application " + Guid.NewGuid(), pages: 2));
        FieldInput Place(string name, FieldType type, int page, double x, double y, double width, double height) => new()
        {
            Name = name, DocumentId = document.DocumentId, RecipientLabel = "甲", Type = type, Page = page,
            Rect = new FieldRect { X = x, Y = y, Width = width, Height = height },
        };
        var company = Place("company", FieldType.Text, 1, 72, 700, 200, 20);
        company.Required = true;
        company.MaxLength = 40;
        company.Label = "会社名";
        var agreed = Place("agreed_on", FieldType.Date, 1, 72, 660, 100, 20);
        agreed.Label = "申込日";
        var confirm = Place("confirm", FieldType.Checkbox, 1, 72, 620, 14, 14);
        confirm.Required = true;
        confirm.Label = "約款を確認しました";
        var plan = Place("plan", FieldType.Dropdown, 1, 72, 580, 120, 20);
        plan.Options.Add(new[] { "ベーシック", "プレミアム" });
        plan.Required = true;
        plan.Label = "プラン";
        var number = Place("contract_no", FieldType.Text, 1, 300, 760, 150, 20);
        number.Value = "C-2026-001";
        number.ReadOnly = true;
        number.Label = "契約番号";
        await Signing.SetFieldsAsync(new SetFieldsRequest
        {
            EnvelopeId = created.EnvelopeId, RequestId = "fields-" + Guid.NewGuid().ToString("N"),
            Fields =
            {
                company, agreed, confirm, plan, number,
                Place("initials", FieldType.Initials, 0, 500, 30, 50, 20),
                Place("stamp", FieldType.Signature, 2, 300, 100, 170, 54),
            },
        }, admin);
        var sent = (await Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = created.EnvelopeId, RequestId = "send" }, admin)).Envelope;

        await using var signer = await web.NewPageAsync();
        var page = signer.Page;
        await page.GotoAsync(await LinkUrlAsync(admin, sent, "甲野 一郎"));
        await Expect(page.Locator("#signer-fields")).ToBeVisibleAsync();
        // One input per field to fill in (the signature field only places the stamp), labelled as the sender said.
        await Expect(page.Locator("#signer-fields .field-input")).ToHaveCountAsync(6);
        await Expect(page.GetByLabel("会社名")).ToHaveAttributeAsync("maxlength", "40");
        await Expect(page.Locator("[data-field='company'] label")).ToContainTextAsync("必須");
        var today = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")).ToString("yyyy-MM-dd");
        await Expect(page.Locator("#fv-agreed_on")).ToHaveValueAsync(today);
        await Expect(page.Locator("#fv-initials")).ToHaveValueAsync("甲一");
        await Expect(page.Locator("#fv-contract_no")).ToBeDisabledAsync();
        await Expect(page.Locator("#fv-contract_no")).ToHaveValueAsync("C-2026-001");
        await Expect(page.Locator("#fv-plan option")).ToHaveCountAsync(3);
        // The fields are marked where they are on the pages: initials on both, the stamp on page 2.
        await Expect(page.Locator(".pdf-page[data-page='1'] [data-overlay='company']")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-overlay='initials']")).ToHaveCountAsync(2);
        await Expect(page.Locator(".pdf-page[data-page='2'] [data-overlay='stamp']")).ToHaveCountAsync(1);
        var box = (await page.Locator(".pdf-page[data-page='1']").BoundingBoxAsync())!;
        var mark = (await page.Locator(".pdf-page[data-page='1'] [data-overlay='company']").BoundingBoxAsync())!;
        var scale = box.Width / 595;
        Assert.InRange(mark.X - box.X, 72 * scale - 3, 72 * scale + 3);
        Assert.InRange(mark.Y - box.Y, (842 - 720) * scale - 3, (842 - 720) * scale + 3);
        Assert.InRange(mark.Width, 200 * scale - 3, 200 * scale + 3);
        await page.Locator("#fv-company").FocusAsync();
        await Expect(page.Locator("[data-overlay='company']")).ToHaveClassAsync(new Regex("active"));
        await signer.AssertAccessibleAsync("signer page with fields");
        await signer.ScreenshotAsync("signer-fields-ja");

        // Required fields left empty: the page says which and nothing is signed.
        await page.GetByLabel("電子署名に同意します").CheckAsync();
        await page.Locator("#sign").ClickAsync();
        await Expect(page.Locator("#sign-error")).ToContainTextAsync("入力項目");
        await Expect(page.Locator("#fv-company-error")).ToContainTextAsync("入力してください");
        await Expect(page.Locator("#fv-confirm-error")).ToContainTextAsync("チェック");
        await Expect(page.Locator("#fv-plan-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#fv-company")).ToBeFocusedAsync();
        await Expect(page.Locator("#fv-company")).ToHaveAttributeAsync("aria-invalid", "true");
        await signer.AssertAccessibleAsync("signer page with field errors");
        await signer.ScreenshotAsync("signer-fields-errors-ja");
        var untouched = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sent.EnvelopeId }, admin)).Envelope;
        Assert.NotEqual(RecipientStatus.Signed, untouched.Recipients.Single().Status);

        await page.GetByLabel("会社名").FillAsync("株式会社テスト商事");
        await Expect(page.Locator("#fv-company-error")).ToHaveCountAsync(0);
        await page.GetByLabel("プラン").SelectOptionAsync("プレミアム");
        await page.GetByLabel("約款を確認しました").CheckAsync();

        // A value the server refuses comes back as its INVALID_ARGUMENT message, at the field it names: here the
        // request is altered on its way (the checkbox sent as "yes"), once.
        await page.RouteAsync("**/gmosign.signing.v1.SigningService/SignEnvelope", async route =>
        {
            var body = route.Request.PostDataBuffer!;
            var request = SignEnvelopeRequest.Parser.ParseFrom(body, 5, body.Length - 5);
            request.FieldValues.Single(v => v.Name == "confirm").Value = "yes";
            var message = request.ToByteArray();
            var framed = new byte[5 + message.Length];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1, 4), message.Length);
            message.CopyTo(framed, 5);
            await route.ContinueAsync(new RouteContinueOptions { PostData = framed });
        }, new PageRouteOptions { Times = 1 });
        await page.Locator("#sign").ClickAsync();
        await Expect(page.Locator("#sign-error")).ToContainTextAsync("field_values[confirm]");
        await Expect(page.Locator("#sign-error")).ToContainTextAsync("application.pdf");
        await Expect(page.Locator("#fv-confirm-error")).ToContainTextAsync("true か false");

        // As filled in, the values are signed.
        await page.Locator("#sign").ClickAsync();
        await Expect(page.Locator("#signed")).ToContainTextAsync("署名が完了しました");
        await Expect(page.Locator("[data-overlay]")).ToHaveCountAsync(0);
        var signed = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sent.EnvelopeId }, admin)).Envelope;
        Assert.Equal(EnvelopeStatus.Completed, signed.Status);
        var values = signed.Fields.ToDictionary(f => f.Name, f => f.Value);
        Assert.Equal("株式会社テスト商事", values["company"]);
        Assert.Equal(today, values["agreed_on"]);
        Assert.Equal("true", values["confirm"]);
        Assert.Equal("プレミアム", values["plan"]);
        Assert.Equal("甲一", values["initials"]);
        Assert.Equal("C-2026-001", values["contract_no"]);
        Assert.All(signed.Fields.Where(f => f.Type != FieldType.Signature), f => Assert.NotNull(f.FilledAt));
        // The values are in the signed PDF.
        var pdf = await Envelopes.DownloadAsync(Platform.Channel, admin, sent.EnvelopeId, document.DocumentId);
        Assert.Contains("株式会社テスト商事", await Envelopes.PdfToTextAsync(pdf));
        signer.AssertNoProblems();
    }

    [Fact]
    public async Task A_rate_limited_answer_tells_the_signer_how_long_to_wait_and_trying_again_later_works()
    {
        var (_, admin) = await NewTenantAsync();
        var sent = await Envelopes.SendAsync(Platform.Channel, admin, Envelopes.Draft("混雑時の契約書", Envelopes.Signer("子田 一", 1)));
        await using var signer = await web.NewPageAsync();
        // The server's budgets are tested in RateLimitTests; here the page meets the answer a spent budget gives
        // (RESOURCE_EXHAUSTED, ErrorInfo RATE_LIMITED with retry_after), once.
        var status = new Google.Rpc.Status
        {
            Code = (int)StatusCode.ResourceExhausted, Message = "Too many requests",
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Rpc.ErrorInfo { Reason = "RATE_LIMITED", Domain = "gmosign.jp", Metadata = { ["retry_after"] = "42" } }) },
        };
        await signer.Page.RouteAsync("**/gmosign.signing.v1.SigningService/OpenEnvelope", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            Headers = new Dictionary<string, string>
            {
                ["content-type"] = "application/grpc-web+proto",
                ["grpc-status"] = ((int)StatusCode.ResourceExhausted).ToString(),
                ["grpc-message"] = "Too%20many%20requests",
                ["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray()),
            },
            Body = "",
        }), new PageRouteOptions { Times = 1 });
        await signer.Page.GotoAsync(await LinkUrlAsync(admin, sent, "子田 一"));
        await Expect(signer.Page.Locator("[data-problem='rate']")).ToContainTextAsync("42秒");
        await signer.AssertAccessibleAsync("rate limited");
        await signer.ScreenshotAsync("signer-rate-limited-ja");
        await signer.Page.Locator("[data-problem='rate'] button").ClickAsync();
        await Expect(signer.Page.Locator("#envelope-title")).ToHaveTextAsync("混雑時の契約書");
    }

    [Fact]
    public async Task A_hundred_page_document_opens_drawing_only_the_pages_in_view()
    {
        var (_, admin) = await NewTenantAsync();
        var created = (await Signing.CreateEnvelopeAsync(Envelopes.Draft("百ページの約款", Envelopes.Signer("辛川 八重", 1)), admin)).Envelope;
        await Envelopes.UploadAsync(Platform.Channel, admin, created.EnvelopeId, "terms.pdf", GmoSign.Testing.MinimalPdf.Create("Terms", pages: 100));
        var sent = (await Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = created.EnvelopeId, RequestId = "send" }, admin)).Envelope;

        await using var signer = await web.NewPageAsync();
        await signer.Page.GotoAsync(await LinkUrlAsync(admin, sent, "辛川 八重"));
        await Expect(signer.Page.Locator(".pdf-pages")).ToHaveAttributeAsync("data-pages", "100");
        await Expect(signer.Page.Locator(".pdf-total")).ToContainTextAsync("全100ページ");
        await Expect(signer.Page.Locator(".pdf-page[data-page='1'][data-drawn='true']")).ToBeVisibleAsync();
        var drawn = await signer.Page.Locator(".pdf-page[data-drawn='true']").CountAsync();
        Assert.InRange(drawn, 1, 8);
        await MeasureAsync(signer.Page, "signer page (100-page document)");

        // Scrolled to the end, the last page is drawn and the first ones are given back.
        await signer.Page.Locator(".pdf-page[data-page='100']").ScrollIntoViewIfNeededAsync();
        await Expect(signer.Page.Locator(".pdf-page[data-page='100'][data-drawn='true']")).ToBeVisibleAsync();
        await Expect(signer.Page.Locator(".pdf-page[data-page='1'][data-drawn='true']")).ToHaveCountAsync(0);
        await Expect(signer.Page.Locator(".pdf-count")).ToContainTextAsync("/ 100");
        signer.AssertNoProblems();
    }

    [Fact]
    public async Task Pages_carry_a_strict_content_security_policy_no_referrer_and_no_inline_script_and_assets_are_immutable_and_compressed()
    {
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None, AllowAutoRedirect = false });
        var page = await http.GetAsync($"{web.BaseUrl}/s/gsl_anything");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval'", csp.Replace("'wasm-unsafe-eval'", ""));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(new Regex("<script(?![^>]*\\bsrc=)[^>]*>", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("style=", html);

        var script = Regex.Match(html, "src=\"(/assets/signer-[^\"]+\\.js)\"").Groups[1].Value;
        var request = new HttpRequestMessage(HttpMethod.Get, web.BaseUrl + script);
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        var asset = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("gzip", asset.Content.Headers.ContentEncoding.Single());
        Assert.Contains("immutable", asset.Headers.CacheControl!.ToString());
        Assert.Equal("text/javascript", asset.Content.Headers.ContentType!.MediaType);

        // Nothing outside the assets folder is served, however the path is spelled.
        foreach (var path in new[] { "/assets/../signer.html", "/assets/%2e%2e/signer.html", "/assets/..%2fsigner.html", "/assets/sizes.json", "/assets/nothing.js" })
        {
            var refused = await http.GetAsync(web.BaseUrl + path);
            Assert.True(refused.StatusCode == HttpStatusCode.NotFound, $"{path}: {refused.StatusCode}");
        }

        // The signer page's script before first paint (pdf.js and its worker load afterwards) stays within 300 kB gzip.
        var sizes = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.WebDist, "sizes.json")));
        var gzip = sizes.RootElement.GetProperty("signer").GetProperty("gzipBytes").GetInt64();
        output.WriteLine($"signer page script before first paint: {gzip / 1024.0:0.0} kB gzip");
        Assert.InRange(gzip, 1, 300 * 1024);
    }

    /// <summary>First contentful paint and the moment the envelope was shown, as the browser measured them (reported, not asserted).</summary>
    private async Task MeasureAsync(IPage page, string what)
    {
        var times = await page.EvaluateAsync<double[]>("""
            () => [
              performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1,
              performance.getEntriesByName('gmosign:envelope-shown')[0]?.startTime ?? -1,
            ]
            """);
        var line = $"{DateTimeOffset.UtcNow:u} {what}: first contentful paint {times[0]:0} ms, envelope shown {times[1]:0} ms";
        output.WriteLine(line);
        Directory.CreateDirectory(WebFixture.Artifacts);
        await File.AppendAllTextAsync(Path.Combine(WebFixture.Artifacts, "measurements.txt"), line + "\n");
    }
}
