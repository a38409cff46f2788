using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;

namespace GmoSign.EndToEndTests;

/// <summary>
/// The `gmosign` command line against the real host: login keeps a session, a reseller lists its tenants and reads
/// usage as CSV, an administrator exports the tenant's archive (cut short, then resumed to the same bytes), and a signed
/// PDF verifies offline against the root the host publishes.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class CliTests(PlatformFixture platform)
{
    private static readonly string Cli = Path.Combine(Repository.Root, "clients", "dotnet", "GmoSign.Cli", "bin", "Release", "net10.0", "gmosign.dll");

    private static Task<(int ExitCode, string Output)> GmosignAsync(string folder, params string[] arguments) =>
        Tools.RunAsync("dotnet", folder, new Dictionary<string, string> { ["GMOSIGN_CONFIG_DIR"] = Path.Combine(folder, "config"), ["NO_COLOR"] = "1" },
            [Cli, .. arguments]);

    [Fact]
    public async Task Operators_resellers_and_administrators_do_their_routine_from_the_command_line()
    {
        var folder = Directory.CreateTempSubdirectory("gmosign-cli-").FullName;
        try
        {
            var help = await GmosignAsync(folder, "--help");
            Assert.Equal(0, help.ExitCode);
            foreach (var command in new[] { "login", "tenants", "usage", "export", "verify" })
            {
                Assert.Contains(command, help.Output);
            }
            Assert.Contains("Exit status", help.Output);

            var tenant = await platform.NewTenantAsync();
            var api = $"http://127.0.0.1:{platform.Host.Ports.Grpc}";
            var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
            var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("コマンドラインの確認", Envelopes.Signer("確認 一郎", 1)), "cli.pdf");
            var done = await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "確認 一郎"));
            await Envelopes.WaitForHandOversAsync(platform.Database, sent.EnvelopeId);

            // A reseller with its key: its tenants, and the month's usage as CSV.
            var list = await GmosignAsync(folder, "tenants", "list", "--api", api, "--api-key", platform.ResellerKey);
            Assert.True(list.ExitCode == 0, list.Output);
            Assert.Contains(tenant.TenantId, list.Output);
            var month = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9)).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
            var usage = await GmosignAsync(folder, "usage", "--api", api, "--api-key", platform.ResellerKey, "--tenant", tenant.TenantId, "--from", month);
            Assert.True(usage.ExitCode == 0, usage.Output);
            var lines = usage.Output.Trim().Split('\n');
            Assert.Equal("month,envelopes_sent,signatures,storage_bytes,active_seats,fee_paid_jpy", lines[0]);
            Assert.StartsWith($"{month},1,1,", lines[1]);
            var wrongMonth = await GmosignAsync(folder, "usage", "--api", api, "--api-key", platform.ResellerKey, "--tenant", tenant.TenantId, "--from", "2026/01");
            Assert.Equal(2, wrongMonth.ExitCode);

            // The administrator signs in (password on stdin is not used here: the prompt reads it) and exports.
            var loginFile = Path.Combine(folder, "password.txt");
            await File.WriteAllTextAsync(loginFile, tenant.AdminPassword + "\n");
            var login = await Tools.RunAsync("bash", folder, new Dictionary<string, string> { ["GMOSIGN_CONFIG_DIR"] = Path.Combine(folder, "config") },
                "-c", $"dotnet '{Cli}' login --api {api} --login '{tenant.AdminLogin}' --password-stdin < '{loginFile}'");
            Assert.True(login.ExitCode == 0, login.Output);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, "config", "session.json")));
            }

            var zip = Path.Combine(folder, "archive.zip");
            var cut = await GmosignAsync(folder, "export", "-o", zip, "--stop-after", "1");
            Assert.True(cut.ExitCode == 3, cut.Output);
            Assert.True(File.Exists(zip + ".part") && !File.Exists(zip));
            var resumed = await GmosignAsync(folder, "export", "-o", zip);
            Assert.True(resumed.ExitCode == 0, resumed.Output);
            Assert.Contains("resumed at", resumed.Output);
            using (var archive = System.IO.Compression.ZipFile.OpenRead(zip))
            {
                Assert.Contains(archive.Entries, e => e.FullName.EndsWith("certificate_of_completion.pdf", StringComparison.Ordinal));
            }
            Assert.False(File.Exists(zip + ".part"));

            // Offline verification against the root the host publishes; a changed byte fails it.
            var pdf = Path.Combine(folder, "signed.pdf");
            await File.WriteAllBytesAsync(pdf, await Envelopes.DownloadAsync(platform.Channel, admin, done.EnvelopeId, done.Documents[0].DocumentId));
            var rootCertificate = Path.Combine(folder, "root.crt");
            using (var http = new HttpClient())
            {
                await File.WriteAllBytesAsync(rootCertificate, await http.GetByteArrayAsync($"http://127.0.0.1:{platform.Host.Ports.GrpcWeb}/pki/root.crt"));
            }
            var verified = await GmosignAsync(folder, "verify", pdf, "--trust", rootCertificate);
            Assert.True(verified.ExitCode == 0, verified.Output);
            Assert.Contains("All signatures valid and trusted.", verified.Output);
            var bytes = await File.ReadAllBytesAsync(pdf);
            bytes[bytes.Length / 3] ^= 0x20;
            await File.WriteAllBytesAsync(pdf, bytes);
            Assert.Equal(1, (await GmosignAsync(folder, "verify", pdf, "--trust", rootCertificate)).ExitCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
