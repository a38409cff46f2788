using System.Security.Cryptography.X509Certificates;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>
/// Keys behind interfaces (docs/architecture.md decision 8, terms Art. 9): the development TSA answers RFC 3161 requests over HTTP
/// for outside tools, and a host configured with external keys — a certificate from another CA (made with openssl) and
/// an external TSA over HTTP — signs envelopes that pdfsig and VerifyDocument accept.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class SigningKeysTests(PlatformFixture platform)
{
    private static async Task<string> RunAsync(string tool, string workingDirectory, params string[] arguments)
    {
        var (exitCode, output) = await Tools.RunAsync(tool, workingDirectory, arguments);
        Assert.True(exitCode == 0, $"{tool} {string.Join(' ', arguments)}: {output}");
        return output;
    }

    private static string Pem(string derPath) => X509CertificateLoader.LoadCertificate(File.ReadAllBytes(derPath)).ExportCertificatePem() + "\n";

    private string TsaUrl => $"http://127.0.0.1:{platform.Host.Ports.GrpcWeb}/tsa";

    [Fact]
    public async Task The_development_tsa_answers_openssl_over_http()
    {
        var folder = Directory.CreateTempSubdirectory("gmosign-tsa-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "data.txt"), "契約書 " + Guid.NewGuid());
        await RunAsync("openssl", folder, "ts", "-query", "-data", "data.txt", "-sha256", "-cert", "-out", "query.tsq");
        using var http = new HttpClient();
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(folder, "query.tsq")));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/timestamp-query");
        using var response = await http.PostAsync(TsaUrl, content);
        Assert.Equal("application/timestamp-reply", response.Content.Headers.ContentType?.MediaType);
        await File.WriteAllBytesAsync(Path.Combine(folder, "reply.tsr"), await response.Content.ReadAsByteArrayAsync());
        var pki = Path.Combine(HostProcess.PkiDirectory, "current");
        await File.WriteAllTextAsync(Path.Combine(folder, "root.pem"), Pem(Path.Combine(pki, "root.crt")));
        await File.WriteAllTextAsync(Path.Combine(folder, "chain.pem"), Pem(Path.Combine(pki, "issuing-ca.crt")) + Pem(Path.Combine(pki, "timestamping.crt")));
        // openssl checks the nonce it sent, the imprint, the TSA's signature and its chain.
        var verified = await RunAsync("openssl", folder, "ts", "-verify", "-in", "reply.tsr", "-queryfile", "query.tsq", "-CAfile", "root.pem", "-untrusted", "chain.pem");
        Assert.Contains("Verification: OK", verified);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_host_with_external_keys_signs_with_its_certificate_and_the_external_tsa()
    {
        var folder = Directory.CreateTempSubdirectory("gmosign-external-").FullName;
        // Another CA, as a production deployment would have: ECDSA P-256 root and a document-signing certificate.
        await RunAsync("openssl", folder, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "30", "-subj", "/CN=External Test Root/O=External CA/C=JP", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        await RunAsync("openssl", folder, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "signer.key", "-out", "signer.csr",
            "-subj", "/CN=GmoSign Production Seal/O=GmoSign/C=JP");
        await File.WriteAllTextAsync(Path.Combine(folder, "ext.cnf"), "keyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=1.3.6.1.5.5.7.3.36\n");
        await RunAsync("openssl", folder, "x509", "-req", "-in", "signer.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "signer.crt",
            "-days", "30", "-extfile", "ext.cnf");
        await RunAsync("openssl", folder, "pkcs12", "-export", "-inkey", "signer.key", "-in", "signer.crt", "-certfile", "ca.crt", "-out", "signer.p12", "-passout", "pass:p12-secret");
        // Trust: the external root (signatures) and the TSA's root (timestamps).
        await File.WriteAllTextAsync(Path.Combine(folder, "anchors.pem"),
            await File.ReadAllTextAsync(Path.Combine(folder, "ca.crt")) + Pem(Path.Combine(HostProcess.PkiDirectory, "current", "root.crt")));

        var external = PlatformFixture.With(new Dictionary<string, string>
        {
            ["GmoSign__Signing__Mode"] = "External",
            ["GmoSign__Signing__SigningCertificatePath"] = Path.Combine(folder, "signer.p12"),
            ["GmoSign__Signing__SigningCertificatePassword"] = "p12-secret",
            ["GmoSign__Signing__TimestampUrl"] = TsaUrl,
            ["GmoSign__Signing__TrustAnchorsPath"] = Path.Combine(folder, "anchors.pem"),
        });
        await external.InitializeAsync();
        try
        {
            var tenant = await external.NewTenantAsync("standard", 12, new Reseller.V1.OptionGrant { Code = "certificate_signing", Quantity = 1 });
            var admin = Calls.Bearer(await Calls.LoginAsync(external.Channel, tenant.AdminLogin, tenant.AdminPassword));
            var signing = new SigningService.SigningServiceClient(external.Channel);
            Assert.DoesNotContain(SignatureType.Certificate, (await signing.GetSigningLimitsAsync(new GetSigningLimitsRequest(), admin)).SignatureTypes);
            var certificateSigner = Envelopes.Signer("当事者", 1);
            certificateSigner.SignatureType = SignatureType.Certificate;
            var refused = await Calls.FailsAsync(() => signing.CreateEnvelopeAsync(Envelopes.Draft("当事者型", certificateSigner), admin).ResponseAsync);
            Assert.Equal("CERTIFICATE_TYPE_UNAVAILABLE", Calls.ErrorInfo(refused).Reason);

            var sent = await Envelopes.SendAsync(external.Channel, admin, Envelopes.Draft("外部鍵の契約", Envelopes.Signer("署名者", 1)));
            var done = await Envelopes.OpenAndSignAsync(external.Channel, await Envelopes.LinkAsync(external.Channel, admin, sent, "署名者"));
            Assert.Equal(GmoSign.Signing.V1.EnvelopeStatus.Completed, done.Status);
            var pdf = await Envelopes.DownloadAsync(external.Channel, admin, done.EnvelopeId, done.Documents[0].DocumentId);
            Assert.Equal(1, (await Envelopes.PdfsigAsync(pdf)).Split("Signature is Valid").Length - 1);
            var verified = await Envelopes.VerifyAsync(external.Channel, admin, pdf);
            Assert.True(verified.AllValid, verified.ToString());
            Assert.Equal("GmoSign Production Seal", verified.Signatures[0].Signer);
            Assert.True(verified.Signatures[0].CertificateTrusted, verified.Signatures[0].CertificateStatus);
            Assert.True(verified.Signatures[0].TimestampValid);
            Assert.Equal("GmoSign Development Time Stamping Authority", verified.Signatures[1].Signer); // the external TSA's token
        }
        finally
        {
            await external.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task External_keys_without_a_certificate_stop_startup_with_one_line_naming_the_setting()
    {
        var db = await TestDatabase.CreateAsync();
        await using var host = HostProcess.Start(db.ConnectionString, settings: new Dictionary<string, string>
        {
            ["GmoSign__Signing__Mode"] = "External",
            ["GmoSign__Signing__TimestampUrl"] = "https://tsa.example.jp/",
        });
        Assert.Equal(2, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var fatal = Assert.Single(host.OutputLines, l => l.Contains(" FTL ", StringComparison.Ordinal));
        Assert.Contains("GmoSign:Signing:SigningCertificatePath", fatal);
    }
}
