using System.Text.RegularExpressions;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;

namespace GmoSign.EndToEndTests;

/// <summary>
/// Day one of an installation: the terms of use it ships with are its first terms version, and the README's buf curl
/// walkthrough (run here exactly as written) takes it from nothing to a signed PDF that pdfsig finds valid.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class WalkthroughTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_fresh_installation_publishes_its_terms_of_use_as_the_first_version_and_serves_their_text()
    {
        var versions = (await platform.Operator.ListTermsVersionsAsync(new ListTermsVersionsRequest(), platform.AsOperator)).Versions;
        var installed = versions.Single(v => v.Version == "2025-05-12");
        // The date of the terms' last supplementary provision (附則), midnight in Japan.
        Assert.Equal(new DateTimeOffset(2025, 5, 12, 0, 0, 0, TimeSpan.FromHours(9)), installed.EffectiveAt.ToDateTimeOffset());
        Assert.Contains("利用約款", installed.SummaryJa);
        Assert.Equal($"http://127.0.0.1:{platform.Host.Ports.GrpcWeb}/terms/2025-05-12", installed.Url);
        using var http = new HttpClient();
        var text = await http.GetStringAsync(installed.Url);
        Assert.Contains("第２９条（言語条項）", text);
        Assert.Contains("附則（２０２５年５月１２日最終改定）", text);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{platform.Host.Ports.GrpcWeb}/terms/1999-01-01")).StatusCode);
    }

    [Fact]
    public async Task The_READMEs_buf_curl_walkthrough_takes_a_newcomer_to_a_signed_PDF()
    {
        var root = Repository.Root;
        var readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"));
        var block = Regex.Match(readme, "<!-- walkthrough:start -->\\s*```bash\\n(.*?)```\\s*<!-- walkthrough:end -->", RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no walkthrough block between the markers");
        var script = Path.Combine(Path.GetTempPath(), $"walkthrough-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(script, block.Groups[1].Value);
        try
        {
            if (File.Exists(Path.Combine(root, ".data", "walkthrough", "signed.pdf")))
            {
                File.Delete(Path.Combine(root, ".data", "walkthrough", "signed.pdf"));
            }
            var (exitCode, output) = await Tools.RunAsync("bash", root, new Dictionary<string, string>
            {
                ["GMOSIGN_API"] = $"http://127.0.0.1:{platform.Host.Ports.Grpc}",
                ["GMOSIGN_OPERATOR_LOGIN"] = HostProcess.OperatorLogin,
                ["GMOSIGN_OPERATOR_PASSWORD"] = HostProcess.OperatorPassword,
            }, script);
            Assert.True(exitCode == 0, $"the walkthrough failed (exit {exitCode}):\n{output}");
            Assert.Contains("ENVELOPE_STATUS_SENT", output);
            Assert.Contains("ENVELOPE_STATUS_COMPLETED", output);
            Assert.Contains("Signature is Valid", output);
            var signed = await File.ReadAllBytesAsync(Path.Combine(root, ".data", "walkthrough", "signed.pdf"));
            Assert.Equal(1, (await Envelopes.PdfsigAsync(signed)).Split("Signature is Valid").Length - 1);
        }
        finally
        {
            File.Delete(script);
        }
    }
}
