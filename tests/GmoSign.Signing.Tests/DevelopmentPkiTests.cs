using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GmoSign.Signing.Pdf;

namespace GmoSign.Signing.Tests;

/// <summary>The development PKI's certificate profile and what it publishes, including a PKI kept from before.</summary>
public sealed class DevelopmentPkiTests
{
    [Fact]
    public void A_kept_PKI_whose_platform_certificate_predates_the_trusted_profile_gets_a_new_one_from_its_CA()
    {
        var directory = Directory.CreateTempSubdirectory("gmosign-pki-test-");
        try
        {
            string oldSerial;
            using (var created = DevelopmentPki.LoadOrCreate(directory.FullName))
            {
                Assert.True(DevelopmentPki.HasCurrentProfile(created.PlatformSigner.Certificate));
                Assert.NotNull(created.RootCrl);
                // Replace the platform certificate with one of the earlier profile (documentSigning only).
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var request = new CertificateRequest(created.PlatformSigner.Certificate.SubjectName, key, HashAlgorithmName.SHA256);
                request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
                request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(DevelopmentPki.DocumentSigningEku) }, false));
                using var old = request.Create(created.IssuingCa, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), [1, 2, 3, 4]);
                Assert.False(DevelopmentPki.HasCurrentProfile(old));
                oldSerial = old.SerialNumber;
                var folder = Path.Combine(directory.FullName, "current");
                File.WriteAllBytes(Path.Combine(folder, "document-signing.crt"), old.RawData);
                File.WriteAllText(Path.Combine(folder, "document-signing.key"), key.ExportPkcs8PrivateKeyPem());
            }

            using var loaded = DevelopmentPki.LoadOrCreate(directory.FullName);
            var platform = loaded.PlatformSigner.Certificate;
            Assert.True(DevelopmentPki.HasCurrentProfile(platform));
            Assert.NotEqual(oldSerial, platform.SerialNumber);
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(loaded.Root);
            chain.ChainPolicy.ExtraStore.Add(loaded.IssuingCa);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(platform), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
            // Kept: loading again issues nothing new.
            using var again = DevelopmentPki.LoadOrCreate(directory.FullName);
            Assert.Equal(platform.SerialNumber, again.PlatformSigner.Certificate.SerialNumber);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_CAs_publish_CRLs_that_openssl_verifies_and_that_revoke_nothing()
    {
        using var pki = DevelopmentPki.Create();
        var directory = Directory.CreateTempSubdirectory("gmosign-crl-test-");
        try
        {
            foreach (var (name, crl, issuer) in new[] { ("issuing", pki.IssuingCaCrl(DateTimeOffset.UtcNow), pki.IssuingCa), ("root", pki.RootCrl!, pki.Root) })
            {
                var crlPath = Path.Combine(directory.FullName, $"{name}.crl");
                var issuerPath = Path.Combine(directory.FullName, $"{name}.pem");
                File.WriteAllBytes(crlPath, crl);
                File.WriteAllText(issuerPath, issuer.ExportCertificatePem());
                var result = Tools.Run("openssl", "crl", "-inform", "DER", "-in", crlPath, "-CAfile", issuerPath, "-noout", "-text");
                Assert.True(result.ExitCode == 0 && result.Output.Contains("verify OK"), result.Output);
                Assert.Contains("No Revoked Certificates", result.Output);
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
