using System.Text;
using System.Text.RegularExpressions;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Grpc.Core;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GmoSign.EndToEndTests.Web;

/// <summary>
/// Templates and CSV bulk send in the sender console (/app) in a real Chromium: a draft saved as a template with a merge
/// field, a draft envelope made from it with a person and values; a CSV refused with its row and column named, then a
/// valid one (Shift_JIS, as Japanese Excel saves it) followed to completion, its envelopes sent.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class SenderConsoleTemplateTests(WebFixture web)
{
    static SenderConsoleTemplateTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private PlatformFixture Platform => web.Platform;

    private static readonly Regex EnvelopePage = new("/app/envelopes/[0-9a-f-]{36}$");
    private static readonly Regex TemplatePage = new("/app/templates/[0-9a-f-]{36}$");

    private SigningService.SigningServiceClient Signing => new(Platform.Channel);

    [Fact]
    public async Task A_draft_saved_as_a_template_makes_a_new_draft_with_the_person_and_the_merged_title()
    {
        var tenant = await Platform.NewTenantAsync("standard", 12);
        var admin = Calls.Bearer(await Calls.LoginAsync(Platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var request = Envelopes.Draft("業務委託契約書（原本）", Envelopes.Signer("仮 太郎", 1));
        request.Recipients[0].Label = "甲";
        var draft = (await Signing.CreateEnvelopeAsync(request, admin)).Envelope;
        var document = await Envelopes.UploadAsync(Platform.Channel, admin, draft.EnvelopeId, "service.pdf", Documents.Pdf("業務委託契約書 " + Guid.NewGuid()));
        // A signature field for 甲: the template keeps it for the role that stands for 甲.
        await Signing.SetFieldsAsync(new SetFieldsRequest
        {
            EnvelopeId = draft.EnvelopeId, RequestId = "fields-" + Guid.NewGuid(),
            Fields =
            {
                new FieldInput
                {
                    Name = "sign_ko", DocumentId = document.DocumentId, RecipientId = draft.Recipients[0].RecipientId, Type = FieldType.Signature, Page = 1,
                    Rect = new FieldRect { X = 300, Y = 80, Width = 170, Height = 54 },
                },
            },
        }, admin);

        await using var sender = await web.NewPageAsync();
        var page = sender.Page;
        await page.GotoAsync($"{web.BaseUrl}/app/envelopes/{draft.EnvelopeId}");
        await page.SignInAsync(tenant.AdminLogin, tenant.AdminPassword);
        await Expect(page.Locator("#envelope-status")).ToHaveTextAsync("下書き");

        // Saved as a template: the draft's party becomes the role 甲; a merge field written in the title gets its row.
        await page.Locator("#save-as-template").ClickAsync();
        await Expect(page.Locator("#template-source")).ToContainTextAsync("1件");
        var name = "業務委託 " + Guid.NewGuid().ToString("N")[..6];
        await page.Locator("#template-name").FillAsync(name);
        await page.Locator("#template-description").FillAsync("標準の業務委託契約");
        await page.Locator("#template-title").FillAsync("業務委託契約書 - {{会社名}}");
        await page.Locator("#template-message").FillAsync("{{会社名}} 様　契約金額 {{契約金額}} 円です。");
        await Expect(page.Locator("[data-role='1'] input[id$='-label']")).ToHaveValueAsync("甲");
        await Expect(page.Locator("[data-merge='会社名']")).ToBeVisibleAsync();
        await Expect(page.Locator("#fields-kept")).ToContainTextAsync("1件");
        await page.Locator("[data-merge='契約金額'] select").SelectOptionAsync(new SelectOptionValue { Label = "数値" });
        await page.Locator("[data-merge='契約金額'] input[id$='-required']").UncheckAsync();
        await sender.AssertAccessibleAsync("new template form");
        await sender.ScreenshotAsync("app-template-new-ja");
        await page.Locator("#save-template").ClickAsync();

        await page.WaitForURLAsync(TemplatePage);
        var templateId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Expect(page.Locator("#template-version")).ToHaveTextAsync("第1版");
        await Expect(page.Locator("#template-def-title")).ToHaveTextAsync("業務委託契約書 - {{会社名}}");
        await Expect(page.Locator("#template-roles tr[data-role='甲']")).ToBeVisibleAsync();
        await Expect(page.Locator("#template-merge-fields tr[data-merge='契約金額']")).ToContainTextAsync("数値");
        var saved = (await new TemplateService.TemplateServiceClient(Platform.Channel).GetTemplateAsync(new GetTemplateRequest { TemplateId = templateId }, admin)).Template;
        Assert.Equal(["service.pdf"], saved.Documents.Select(d => d.FileName));
        Assert.Equal([("会社名", MergeFieldType.Text, true), ("契約金額", MergeFieldType.Number, false)],
            saved.Definition.MergeFields.Select(m => (m.Name, m.Type, m.Required)));
        Assert.Equal([("sign_ko", "甲", 0)], saved.Definition.Fields.Select(f => (f.Name, f.RoleLabel, f.DocumentIndex)));

        // A draft from it: a person for 甲 and the values.
        var email = $"kono-{Guid.NewGuid():N}@counterparty.example.jp";
        await page.Locator("[data-person-for='甲'] input[id$='-name']").FillAsync("丙野 三郎");
        await page.Locator("[data-person-for='甲'] input[id$='-email']").FillAsync(email);
        await page.Locator("[data-merge-value='会社名']").FillAsync("株式会社サンプル");
        await page.Locator("[data-merge-value='契約金額']").FillAsync("1,250,000");
        await sender.AssertAccessibleAsync("template page");
        await sender.ScreenshotAsync("app-template-detail-ja");
        await page.Locator("#create-from-template").ClickAsync();

        await page.WaitForURLAsync(EnvelopePage);
        await Expect(page.Locator("#detail-title")).ToHaveTextAsync("業務委託契約書 - 株式会社サンプル");
        await Expect(page.Locator("#envelope-status")).ToHaveTextAsync("下書き");
        await Expect(page.Locator("tr[data-recipient='丙野 三郎']")).ToContainTextAsync("甲:");
        var envelopeId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        var made = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = envelopeId }, admin)).Envelope;
        Assert.Equal((templateId, 1), (made.TemplateId, made.TemplateVersion));
        Assert.Contains("契約金額 1,250,000 円", made.Message);
        Assert.Equal(email, made.Recipients.Single().Email);
        Assert.Equal(made.Recipients.Single().RecipientId, made.Fields.Single(f => f.Name == "sign_ko").RecipientId);

        // The list shows it; archived, it is listed only on request and makes no more envelopes.
        await page.Locator("#nav-templates").ClickAsync();
        await Expect(page.Locator($"#templates tr[data-template='{name}']")).ToContainTextAsync("標準の業務委託契約");
        await sender.AssertAccessibleAsync("template list");
        await page.Locator($"#templates tr[data-template='{name}'] a").ClickAsync();
        await page.Locator("#archive-template").ClickAsync();
        await Expect(page.Locator("#archived-notice")).ToBeVisibleAsync();
        await Expect(page.Locator("#create-from-template")).ToHaveCountAsync(0);
        await page.Locator("#nav-templates").ClickAsync();
        await Expect(page.Locator("#no-templates")).ToBeVisibleAsync();
        await page.Locator("#show-archived").CheckAsync();
        await Expect(page.Locator($"#templates tr[data-template='{name}']")).ToContainTextAsync("アーカイブ済み");
        sender.AssertNoProblems();
    }

    [Fact]
    public async Task A_CSV_with_a_bad_row_is_refused_naming_row_and_column_and_a_valid_one_is_sent_to_completion()
    {
        var tenant = await Platform.NewTenantAsync("standard", 12);
        var admin = Calls.Bearer(await Calls.LoginAsync(Platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var source = (await Signing.CreateEnvelopeAsync(Envelopes.Draft("原本", Envelopes.Signer("仮", 1)), admin)).Envelope;
        await Envelopes.UploadAsync(Platform.Channel, admin, source.EnvelopeId, "order.pdf", Documents.Pdf("発注書 " + Guid.NewGuid()));
        var templateName = "発注書 " + Guid.NewGuid().ToString("N")[..6];
        var template = (await new TemplateService.TemplateServiceClient(Platform.Channel).CreateTemplateAsync(new CreateTemplateRequest
        {
            RequestId = "tpl-" + Guid.NewGuid(), Name = templateName, SourceEnvelopeId = source.EnvelopeId,
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

        await using var sender = await web.NewPageAsync();
        var page = sender.Page;
        await page.GotoAsync(web.BaseUrl + "/app/bulk");
        await page.SignInAsync(tenant.AdminLogin, tenant.AdminPassword);
        await Expect(page.Locator("#no-bulk-sends")).ToBeVisibleAsync();
        await page.Locator("#bulk-template").SelectOptionAsync(template.TemplateId);
        await Expect(page.Locator("#csv-columns")).ToContainTextAsync("取引先:氏名, 取引先:メールアドレス, 会社名, 金額");

        // The header sample: UTF-8 with a BOM, the template's columns.
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#csv-sample").ClickAsync());
        var sample = await File.ReadAllBytesAsync((await download.PathAsync())!);
        Assert.Equal([0xEF, 0xBB, 0xBF], sample[..3]);
        Assert.Equal("取引先:氏名,取引先:メールアドレス,会社名,金額\r\n", Encoding.UTF8.GetString(sample[3..]));

        // A file with a bad address in its second data row (spreadsheet row 3): refused, nothing sent.
        const string header = "取引先:氏名,取引先:メールアドレス,会社名,金額";
        var bad = string.Join("\r\n", header, "担当 1,b1@counterparty.example.jp,株式会社一,1000", "担当 2,not-an-address,株式会社二,2000", "");
        await page.Locator("#bulk-file").SetInputFilesAsync(new FilePayload { Name = "bad.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(bad) });
        await page.Locator("#bulk-start").ClickAsync();
        await Expect(page.Locator("#bulk-rejected")).ToContainTextAsync("送信しませんでした");
        var error = page.Locator("#bulk-errors tr[data-row='3'][data-column='取引先:メールアドレス']");
        await Expect(error).ToBeVisibleAsync();
        await Expect(page.Locator("#bulk-errors tbody tr")).ToHaveCountAsync(1);
        await sender.AssertAccessibleAsync("bulk send rejected");
        await sender.ScreenshotAsync("app-bulk-rejected-ja");

        // A valid file, saved by Japanese Excel (Shift_JIS, a quoted cell with a comma): sent to completion.
        var rows = Enumerable.Range(1, 5).Select(n => $"担当 {n},buyer{n}-{Guid.NewGuid():N}@counterparty.example.jp,\"株式会社 取引先{n}, 東京\",{n * 1000}").ToList();
        var good = Encoding.GetEncoding(932).GetBytes(string.Join("\r\n", [header, .. rows, ""]));
        await page.Locator("#bulk-file").SetInputFilesAsync(new FilePayload { Name = "取引先一覧.csv", MimeType = "text/csv", Buffer = good });
        await page.Locator("#bulk-start").ClickAsync();
        await Expect(page.Locator("#bulk-run")).ToHaveAttributeAsync("data-status", new Regex("RUNNING|COMPLETED"));
        await Expect(page.Locator("#bulk-progress")).ToBeVisibleAsync();
        await sender.AssertAccessibleAsync("bulk send progress");
        await Expect(page.Locator("#bulk-run")).ToHaveAttributeAsync("data-status", "COMPLETED");
        await Expect(page.Locator("#bulk-status")).ToHaveTextAsync("完了");
        await Expect(page.Locator("[data-count='sent']")).ToHaveTextAsync("5");
        await Expect(page.Locator("[data-count='pending']")).ToHaveTextAsync("0");
        await Expect(page.Locator("#bulk-cancel")).ToHaveCountAsync(0);
        await Expect(page.Locator("#bulk-sends tbody tr")).ToHaveCountAsync(2);
        await sender.ScreenshotAsync("app-bulk-completed-ja");

        // Over gRPC: five envelopes, sent, with the merged titles.
        var bulkId = await page.Locator("#bulk-run").GetAttributeAsync("data-bulk-id");
        var result = await new BulkSendService.BulkSendServiceClient(Platform.Channel).GetBulkSendAsync(new GetBulkSendRequest { BulkSendId = bulkId }, admin);
        Assert.Equal(("Shift_JIS", "取引先一覧.csv"), (result.BulkSend.Encoding, result.BulkSend.FileName));
        Assert.Equal(5, result.Rows.Count);
        foreach (var row in result.Rows)
        {
            Assert.Equal(BulkRowStatus.Sent, row.Status);
            var envelope = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = row.EnvelopeId }, admin)).Envelope;
            var n = row.Row - 1;
            Assert.Equal((EnvelopeStatus.Sent, $"発注書 - 株式会社 取引先{n}, 東京", template.TemplateId), (envelope.Status, envelope.Title, envelope.TemplateId));
        }

        // A past one opens again from the list: the rejected file with its error.
        await page.Locator("#bulk-sends tr[data-status='REJECTED'] button").ClickAsync();
        await Expect(page.Locator("#bulk-run")).ToHaveAttributeAsync("data-status", "REJECTED");
        await Expect(error).ToBeVisibleAsync();
        sender.AssertNoProblems();
    }
}
