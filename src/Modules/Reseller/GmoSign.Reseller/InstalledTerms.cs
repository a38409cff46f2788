using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GmoSign.Reseller;

/// <summary>
/// The terms of use the service is installed with (Japanese, the governing text, Art. 29): on a fresh installation
/// they are the first published terms version, so that a reseller can submit an application on day one. The version
/// and its effective date come from the text itself — the date of its last supplementary provision (附則) — and the
/// host serves the text at <c>/terms/{version}</c>, the version's URL.
/// </summary>
internal static partial class InstalledTerms
{
    private static readonly Lazy<(string Text, string Title, DateOnly RevisedOn)> Loaded = new(Load);

    public static string Text => Loaded.Value.Text;
    public static string Title => Loaded.Value.Title;
    public static DateOnly RevisedOn => Loaded.Value.RevisedOn;
    public static string Version => RevisedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Midnight of the revision day in Japan.</summary>
    public static DateTimeOffset EffectiveAt => new(RevisedOn.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(9));

    private static (string, string, DateOnly) Load()
    {
        using var stream = typeof(InstalledTerms).Assembly.GetManifestResourceStream("GmoSign.Reseller.Terms.terms-of-use-ja.txt")
            ?? throw new InvalidOperationException("The terms of use are not embedded in the Reseller module.");
        var text = new StreamReader(stream).ReadToEnd();
        var title = text.Split('\n').Select(l => l.Trim()).First(l => l.Length > 0);
        // 附則（２０２５年５月１２日最終改定）: full-width digits and brackets, made ASCII by NFKC; the last one is the version in force.
        var provisions = SupplementaryProvision().Matches(text.Normalize(System.Text.NormalizationForm.FormKC));
        if (provisions.Count == 0)
        {
            throw new InvalidOperationException("The terms of use name no date in a supplementary provision (附則).");
        }
        var last = provisions[^1];
        var date = new DateOnly(int.Parse(last.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(last.Groups[2].Value, CultureInfo.InvariantCulture),
            int.Parse(last.Groups[3].Value, CultureInfo.InvariantCulture));
        return (text, title, date);
    }

    [GeneratedRegex(@"附則[（(](\d{4})年(\d{1,2})月(\d{1,2})日")]
    private static partial Regex SupplementaryProvision();

    /// <summary>Serves the installed text at /terms/{version} (plain text, UTF-8).</summary>
    public static void MapInstalledTerms(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/terms/{version}", (string version, HttpContext http) =>
        {
            http.Response.Headers.XContentTypeOptions = "nosniff";
            return version == Version
                ? Results.Text(Text, "text/plain; charset=utf-8")
                : Results.NotFound();
        });
}

/// <summary>Publishes the installed terms as the first version when no version exists yet.</summary>
internal sealed class TermsBootstrap(TermsStore terms, IConfiguration configuration, TimeProvider clock, ILogger<TermsBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if ((await terms.ListAsync(cancellationToken)).Count > 0)
        {
            return;
        }
        var publicUrl = (configuration["GmoSign:Web:PublicUrl"] ?? "http://127.0.0.1:5081").TrimEnd('/');
        var revised = InstalledTerms.RevisedOn;
        var record = new TermsVersionRecord(
            InstalledTerms.Version,
            InstalledTerms.EffectiveAt.ToUniversalTime(),
            $"{InstalledTerms.Title}（{revised.Year}年{revised.Month}月{revised.Day}日改定版）",
            $"Terms of use for resellers' customers, as revised on {revised.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)} (the Japanese text governs)",
            $"{publicUrl}/terms/{InstalledTerms.Version}",
            clock.GetUtcNow());
        // Guid.Empty as the publisher: the installation, not an operator.
        if (await terms.PublishAsync(record, Guid.Empty, cancellationToken))
        {
            logger.LogInformation("Published the installed terms of use as version {Version} (effective {EffectiveAt:yyyy-MM-dd})", record.Version, record.EffectiveAt);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
