using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GmoSign.EndToEndTests.Web;

/// <summary>
/// Tenant administration in the sender console (/app/admin), in a real Chromium: terms consent when a new version is
/// published, users and seats, the two-factor policy, API keys and webhook secrets shown once, an internal webhook
/// address refused, a signing delegation.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class AdminPageTests(WebFixture web)
{
    private PlatformFixture Platform => web.Platform;

    [Fact]
    public async Task An_administrator_agrees_to_new_terms_adds_a_user_issues_a_key_registers_a_webhook_and_delegates_signing()
    {
        var tenant = await Platform.NewTenantAsync("standard", 12, new OptionGrant { Code = "api_access", Quantity = 1 });
        var version = "2027-" + Guid.NewGuid().ToString("N")[..8];
        await Platform.Operator.PublishTermsVersionAsync(new PublishTermsVersionRequest
        {
            Terms = new TermsVersion
            {
                Version = version, EffectiveAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(300)), // after any other version the web tests publish
                SummaryJa = "第12条（利用停止）を改定", SummaryEn = "Art. 12 (suspension) revised", Url = "https://example.jp/terms/" + version,
            },
        }, Platform.AsOperator);

        await using var admin = await web.NewPageAsync();
        var page = admin.Page;
        await page.GotoAsync(web.BaseUrl + "/app/admin");
        await page.SignInAsync(tenant.AdminLogin, tenant.AdminPassword);

        // New terms: shown with their summary until the administrator agrees.
        await Expect(page.Locator("#terms-state")).ToContainTextAsync(version);
        await Expect(page.Locator("#terms-state")).ToContainTextAsync("第12条（利用停止）を改定");
        await admin.AssertAccessibleAsync("administration");
        await admin.ScreenshotAsync("app-admin-ja");
        await page.Locator("#accept-terms").ClickAsync();
        await Expect(page.Locator("#terms-state")).ToContainTextAsync("同意済み");
        Assert.Equal(version, (await Platform.GetTenantAsync(tenant.TenantId)).AcceptedTermsVersion);

        // A user, with the seats left.
        var seatsBefore = await page.Locator("#seats").InnerTextAsync();
        var login = $"member-{Guid.NewGuid():N}@customer.example.jp";
        await page.Locator("#new-user-name").FillAsync("営業 花子");
        await page.Locator("#new-user-login").FillAsync(login);
        await page.Locator("#create-user").ClickAsync();
        await Expect(page.Locator("#user-created")).ToContainTextAsync("初期パスワード");
        await Expect(page.Locator($"tr[data-user='{login}']")).ToBeVisibleAsync();
        await Expect(page.Locator("#seats")).Not.ToHaveTextAsync(seatsBefore);

        // An API key: its secret is shown once and works.
        await page.Locator("#key-name").FillAsync("基幹システム連携");
        await page.Locator("#create-key").ClickAsync();
        var secretText = await page.Locator("#key-secret").InnerTextAsync();
        var secret = secretText[(secretText.LastIndexOf(' ') + 1)..].Trim();
        var signing = new GmoSign.Signing.V1.SigningService.SigningServiceClient(Platform.Channel);
        await signing.ListEnvelopesAsync(new GmoSign.Signing.V1.ListEnvelopesRequest(), Calls.ApiKey(secret));

        // Webhooks: an internal address is refused with the reason; a public one gets its signing secret.
        await page.Locator("#webhook-url").FillAsync("https://169.254.169.254/latest/meta-data");
        await page.Locator("#create-webhook").ClickAsync();
        await Expect(page.Locator("#webhooks-error")).ToBeVisibleAsync();
        await page.Locator("#webhook-url").FillAsync("https://hooks.example.com/gmosign");
        await page.Locator("#create-webhook").ClickAsync();
        await Expect(page.Locator("#webhook-secret")).ToContainTextAsync("whsec_");
        await Expect(page.Locator("[data-webhook='https://hooks.example.com/gmosign']")).ToBeVisibleAsync();

        // Two-factor sign-in required for everyone.
        await page.Locator("#require-totp").CheckAsync();
        await Expect(page.Locator("#require-totp")).ToBeCheckedAsync();
        var adminSession = Calls.Bearer(await page.EvaluateAsync<string>("JSON.parse(sessionStorage.getItem('gmosign.session')).token"));
        // The box shows the new state at once; the page saves it in the background (the box is disabled meanwhile).
        var saved = false;
        for (var wait = System.Diagnostics.Stopwatch.StartNew(); !saved && wait.Elapsed < TimeSpan.FromSeconds(15); await Task.Delay(100))
        {
            saved = (await Platform.Accounts.GetSecuritySettingsAsync(new GmoSign.Accounts.V1.GetSecuritySettingsRequest(), adminSession)).TotpRequired;
        }
        Assert.True(saved, "the page's two-factor switch did not reach the server within 15 s");
        await Expect(page.Locator("#require-totp")).ToBeEnabledAsync();
        await Expect(page.Locator("#require-totp")).ToBeCheckedAsync();

        // A signing delegation to the new user.
        await page.Locator("#delegation-until").FillAsync(DateTime.UtcNow.AddDays(60).ToString("yyyy-MM-dd"));
        await page.Locator("#grant-delegation").ClickAsync();
        await Expect(page.Locator("#delegations li")).ToContainTextAsync("営業 花子");
        admin.AssertNoProblems();
    }
}
