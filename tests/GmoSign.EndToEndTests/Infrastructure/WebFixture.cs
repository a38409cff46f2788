using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using MimeKit;

namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>
/// The browser tests' platform: one host (with the built pages of <c>web/dist</c>), its SMTP listener, and a headless
/// Debian Chromium driven by Playwright. Envelope deadlines run on a short day (10 s), so an envelope of one day
/// expires within a test, and a signing link stops opening an ended envelope 15 s after its end.
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    public static readonly TimeSpan Day = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan LinkValidityAfterEnd = TimeSpan.FromSeconds(15);

    private IPlaywright? _playwright;

    public PlatformFixture Platform { get; } = PlatformFixture.With(new Dictionary<string, string>
    {
        ["GmoSign__Signing__DayLengthOverride"] = Day.ToString("c"),
        ["GmoSign__Signing__LinkValidityAfterEnd"] = LinkValidityAfterEnd.ToString("c"),
    });

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>http://127.0.0.1:port — the host's gRPC-Web port, which serves the pages.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Platform.Host.Ports.GrpcWeb}";

    /// <summary>Screenshots and measurements of the browser tests (kept by the test command in .data/test-results/web).</summary>
    public static string Artifacts { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("GMOSIGN_TEST_ARTIFACTS") ?? Path.Combine(Path.GetTempPath(), "gmosign-test-artifacts"), "web");

    public static string ChromiumPath => Environment.GetEnvironmentVariable("GMOSIGN_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"No Chromium at {ChromiumPath}: install Debian's package (apt-get install chromium) or set GMOSIGN_CHROMIUM; deploy/test.sh installs it.");
        }
        if (!File.Exists(Path.Combine(Repository.WebDist, "signer.html")))
        {
            throw new InvalidOperationException("The web pages are not built (no web/dist/signer.html): run npm ci && npm run build in web/; deploy/test.sh does.");
        }
        Directory.CreateDirectory(Artifacts);
        // A shared machine under a full test run is slow to draw: wait for conditions generously, never for a fixed time.
        Assertions.SetDefaultExpectTimeout(30_000);
        await Platform.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root cannot use Chromium's sandbox; the pages under test are our own.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser context (its own storage) with one page; console errors and failed requests are recorded.</summary>
    public async Task<BrowserPage> NewPageAsync(string locale = "ja-JP", int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = locale,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
            IsMobile = width < 500,
            HasTouch = width < 500,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        return new BrowserPage(context, page);
    }

    /// <summary>The signing link in the newest signing request mail to <paramref name="email"/>.</summary>
    public async Task<string> SigningLinkFromMailAsync(string email, string subjectContains = "署名依頼", int skip = 0)
    {
        MimeMessage? message = null;
        await Eventually.HoldsAsync(() =>
        {
            message = Platform.Mail.Messages
                .Where(m => m.To.Mailboxes.Any(a => a.Address == email) && (m.Subject ?? "").Contains(subjectContains))
                .Skip(skip).FirstOrDefault();
            return message is not null;
        }, $"a mail '{subjectContains}' to {email}", TimeSpan.FromSeconds(30));
        var link = Regex.Match(message!.TextBody ?? "", @"https?://\S+/s/gsl_[A-Za-z0-9_\-]+").Value;
        Assert.False(string.IsNullOrEmpty(link), $"no signing link in the mail to {email}:\n{message.TextBody}");
        return link;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await Platform.DisposeAsync();
    }
}

/// <summary>A page in its own browser context, with what went wrong in it.</summary>
public sealed class BrowserPage(IBrowserContext context, IPage page) : IAsyncDisposable
{
    private readonly List<string> _problems = Watch(page);

    public IPage Page => page;
    public IBrowserContext Context => context;

    /// <summary>Console errors (a Content-Security-Policy violation is one) and uncaught exceptions in the page.</summary>
    public IReadOnlyList<string> Problems => _problems;

    private static List<string> Watch(IPage page)
    {
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (problems)
                {
                    problems.Add("console: " + message.Text);
                }
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                lock (problems)
                {
                    problems.Add($"HTTP {response.Status}: {response.Request.Method} {response.Url}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (problems)
            {
                problems.Add("page error: " + error);
            }
        };
        return problems;
    }

    /// <summary>Fails on an accessibility violation of serious or critical impact (axe-core), naming each.</summary>
    public async Task AssertAccessibleAsync(string what)
    {
        var result = await page.RunAxe();
        var grave = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(grave.Count == 0, $"{what}: accessibility violations:\n" + string.Join("\n", grave.Select(v =>
            $"- {v.Id} ({v.Impact}): {v.Help} — {string.Join(" | ", v.Nodes.Select(n => string.Join(" ", n.Target?.ToString() ?? "")).Take(3))}")));
    }

    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(WebFixture.Artifacts);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(WebFixture.Artifacts, name + ".png"), FullPage = true });
    }

    /// <summary>No console error and no uncaught exception happened in the page so far.</summary>
    public void AssertNoProblems()
    {
        lock (_problems)
        {
            Assert.True(_problems.Count == 0, "problems in the page:\n" + string.Join("\n", _problems));
        }
    }

    public async ValueTask DisposeAsync() => await context.CloseAsync();
}

public static class ConsolePages
{
    /// <summary>Fills the consoles' sign-in form (login id and password) and submits it.</summary>
    public static async Task SignInAsync(this IPage page, string loginId, string password)
    {
        await page.Locator("#login-id").FillAsync(loginId);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#login").ClickAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>
{
    public const string Name = "web";
}
