using System.Text.RegularExpressions;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GmoSign.EndToEndTests.Web;

/// <summary>
/// The operator console (/ops) in a real Chromium: an application reviewed with its screening findings and approved,
/// after which the new tenant's administrator signs in to the sender console; another rejected with Art. 2-3 reasons;
/// a tenant suspended with a reason and resumed.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class OperatorConsoleTests(WebFixture web)
{
    private PlatformFixture Platform => web.Platform;

    private static async Task SignInAsync(IPage page, string login, string password)
    {
        await page.SignInAsync(login, password);
        await Expect(page.Locator("#who")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_operator_approves_an_application_whose_administrator_then_signs_in_rejects_another_with_reasons_and_suspends_a_tenant()
    {
        var approveMe = Platform.OrganizationApplication("standard");
        await Platform.Resellers.SubmitApplicationAsync(approveMe, Platform.AsReseller);
        // Declared no anti-social ties missing: the screening finds it.
        var rejectMe = Platform.OrganizationApplication("light");
        rejectMe.AntiSocialForcesDeclared = false;
        await Platform.Resellers.SubmitApplicationAsync(rejectMe, Platform.AsReseller);

        await using var ops = await web.NewPageAsync();
        var page = ops.Page;
        await page.GotoAsync(web.BaseUrl + "/ops/");
        await SignInAsync(page, HostProcess.OperatorLogin, HostProcess.OperatorPassword);

        var flagged = page.Locator($"article[data-application='{rejectMe.Customer.Name}']");
        await Expect(flagged.Locator("[data-finding='ANTI_SOCIAL_DECLARATION_MISSING']")).ToBeVisibleAsync();
        await ops.AssertAccessibleAsync("application queue");
        await ops.ScreenshotAsync("ops-applications-ja");

        // Approve: the new administrator's login and initial password are shown once.
        var card = page.Locator($"article[data-application='{approveMe.Customer.Name}']");
        await card.GetByRole(AriaRole.Button, new() { Name = "承認する" }).ClickAsync();
        await Expect(page.Locator("#decision")).ToContainTextAsync("初期パスワード");
        var decision = await page.Locator("#decision").InnerTextAsync();
        var login = Regex.Match(decision, @"ログインID: (\S+)").Groups[1].Value;
        var password = Regex.Match(decision, @"初期パスワード: (\S+?)（").Groups[1].Value;
        Assert.Equal(approveMe.Customer.ContactEmail, login);
        Assert.False(string.IsNullOrEmpty(password), decision);
        await Expect(card).ToHaveCountAsync(0);

        // Reject the flagged one with reasons of Art. 2-3.
        await flagged.GetByRole(AriaRole.Button, new() { Name = "却下する" }).ClickAsync();
        await flagged.GetByLabel("反社会的勢力に該当する（5号）").CheckAsync();
        await flagged.Locator("textarea").FillAsync("表明書の提出がないため");
        await flagged.Locator("button[type='submit']").ClickAsync();
        await Expect(page.Locator("#decision")).ToContainTextAsync("却下しました");
        var rejected = (await Platform.Resellers.ListApplicationsAsync(new ListApplicationsRequest { Status = ApplicationStatus.Rejected }, Platform.AsOperator))
            .Applications.Single(a => a.Customer.Name == rejectMe.Customer.Name);
        Assert.Equal([RejectionReason.AntiSocialForce], rejected.RejectionReasons);
        Assert.Equal("表明書の提出がないため", rejected.DecisionNote);

        // The new tenant's administrator signs in to the sender console with what the operator was shown.
        await using var admin = await web.NewPageAsync();
        await admin.Page.GotoAsync(web.BaseUrl + "/app/");
        await SignInAsync(admin.Page, login, password);
        await Expect(admin.Page.Locator("#no-envelopes")).ToBeVisibleAsync();

        // Suspend the tenant with a reason, then resume it.
        await page.Locator("#tab-tenants").ClickAsync();
        var row = page.Locator($"tr[data-tenant='{approveMe.Customer.Name}']");
        await row.GetByRole(AriaRole.Button, new() { Name = "利用停止" }).ClickAsync();
        await page.Locator("#tenant-reason").FillAsync("お支払いの確認が取れるまで停止します");
        await page.Locator("#confirm-tenant-action").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-status", "SUSPENDED");
        await Expect(row).ToContainTextAsync("お支払いの確認が取れるまで停止します");
        await ops.AssertAccessibleAsync("tenants");
        await ops.ScreenshotAsync("ops-tenants-ja");
        await row.GetByRole(AriaRole.Button, new() { Name = "停止解除" }).ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-status", "ACTIVE");

        await page.Locator("#tab-maintenance").ClickAsync();
        await Expect(page.Locator("#maintenance-state")).ToBeVisibleAsync();
        await ops.AssertAccessibleAsync("maintenance");

        // A new terms version and a notice to every tenant.
        await page.Locator("#tab-terms").ClickAsync();
        var version = "2030-" + Guid.NewGuid().ToString("N")[..6];
        await page.Locator("#terms-version").FillAsync(version);
        await page.Locator("#terms-effective").FillAsync(DateTime.Now.AddDays(40).ToString("yyyy-MM-ddTHH:mm"));
        await page.Locator("#terms-url").FillAsync("https://example.jp/terms/" + version);
        await page.Locator("#terms-ja").FillAsync("第5条を改定");
        await page.Locator("#terms-en").FillAsync("Art. 5 revised");
        await page.Locator("#publish-terms").ClickAsync();
        await Expect(page.Locator($"tr[data-version='{version}']")).ToBeVisibleAsync();
        await page.Locator("#notice-effective").FillAsync(DateTime.Now.AddDays(20).ToString("yyyy-MM-ddTHH:mm"));
        await page.Locator("#notice-title-ja").FillAsync("年末年始のサポート体制");
        await page.Locator("#notice-title-en").FillAsync("Support over the new year");
        await page.Locator("#notice-body-ja").FillAsync("12月29日から1月3日まではメールのみで対応します。");
        await page.Locator("#notice-body-en").FillAsync("From 29 December to 3 January we answer by e-mail only.");
        await page.Locator("#publish-notice").ClickAsync();
        await Expect(page.Locator("#terms-done")).ToBeVisibleAsync();
        await Expect(page.Locator("#terms-error")).ToHaveCountAsync(0);
        await ops.AssertAccessibleAsync("terms and notices");
        var notices = await new ContractService.ContractServiceClient(Platform.Channel).ListNoticesAsync(new ListNoticesRequest(), Platform.AsOperator);
        Assert.Contains(notices.Notices, n => n.TitleJa == "年末年始のサポート体制");
        ops.AssertNoProblems();
    }
}
