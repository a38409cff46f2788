using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using GmoSign.Signing.Pdf;

namespace GmoSign.Signing.Tests;

public sealed class SigningFixture : IDisposable
{
    public DevelopmentPki Pki { get; } = DevelopmentPki.Create();
    public SamplePdfs Samples { get; } = new();
    public PdfSigner Signer { get; }
    public string RootPem { get; }
    public string TsaPem { get; }

    public SigningFixture()
    {
        Signer = new PdfSigner(new LocalTimestampAuthority(Pki.Timestamping, TimeProvider.System), TimeProvider.System);
        RootPem = Samples.Path("root.pem");
        File.WriteAllText(RootPem, Pki.Root.ExportCertificatePem());
        TsaPem = Samples.Path("tsa-chain.pem");
        File.WriteAllText(TsaPem, Pki.Timestamping.Certificate.ExportCertificatePem() + "\n" + Pki.IssuingCa.ExportCertificatePem());
    }

    public void Dispose()
    {
        Samples.Dispose();
        Pki.Dispose();
    }
}

/// <summary>Every produced document is judged by poppler's pdfsig, qpdf and openssl — not only by our own code.</summary>
public sealed class PdfSignerTests(SigningFixture fixture) : IClassFixture<SigningFixture>
{
    [Theory]
    [MemberData(nameof(SamplePdfs.Producers), MemberType = typeof(SamplePdfs))]
    public async Task Two_signers_and_a_document_timestamp_leave_every_signature_valid(string producer)
    {
        var original = fixture.Samples.Read(producer);
        using var person = fixture.Pki.IssueSigner("山田 太郎", "taro@example.jp");

        var first = await fixture.Signer.SignAsync(original, fixture.Pki.PlatformSigner, "GmoSign-1", "株式会社テスト（立会人型）", "契約の締結", "Tokyo", CancellationToken.None);
        Assert.Equal(original, first.AsSpan(0, original.Length).ToArray()); // earlier bytes untouched
        AssertIndependentlyValid(fixture.Samples.Path("step1-" + producer), first, signatures: 1);

        var second = await fixture.Signer.SignAsync(first, person, "GmoSign-2", "山田 太郎", "同意します", null, CancellationToken.None);
        Assert.Equal(first, second.AsSpan(0, first.Length).ToArray());
        AssertIndependentlyValid(fixture.Samples.Path("step2-" + producer), second, signatures: 2);

        var sealedDocument = await fixture.Signer.AddDocumentTimestampAsync(second, "GmoSign-DocTimeStamp", CancellationToken.None);
        Assert.Equal(second, sealedDocument.AsSpan(0, second.Length).ToArray());
        var path = fixture.Samples.Path("final-" + producer);
        File.WriteAllBytes(path, sealedDocument);
        AssertQpdfClean(path);

        var signatures = Tools.Signatures(sealedDocument);
        Assert.Equal([false, false, true], signatures.Select(s => s.IsDocumentTimestamp));
        var timestampToken = fixture.Samples.Path($"doc-{producer}.tst");
        File.WriteAllBytes(timestampToken, signatures[2].Contents);
        var data = fixture.Samples.Path($"doc-{producer}.data");
        File.WriteAllBytes(data, signatures[2].SignedBytes(sealedDocument));
        var ts = Tools.Run("openssl", "ts", "-verify", "-in", timestampToken, "-token_in", "-data", data, "-CAfile", fixture.RootPem, "-untrusted", fixture.TsaPem);
        Assert.True(ts.ExitCode == 0 && ts.Output.Contains("Verification: OK"), ts.Output);

        var pdfsig = Tools.Run("pdfsig", path);
        Assert.Equal(2, CountOccurrences(pdfsig.Output, "Signature is Valid"));
    }

    [Fact]
    public async Task A_byte_changed_after_signing_is_detected_by_pdfsig_and_openssl()
    {
        var signed = await fixture.Signer.SignAsync(fixture.Samples.Read("classic.pdf"), fixture.Pki.PlatformSigner, "GmoSign-1", "x", null, null, CancellationToken.None);
        var tampered = signed.ToArray();
        var text = System.Text.Encoding.Latin1.GetString(tampered);
        var at = text.IndexOf("Service Agreement", StringComparison.Ordinal);
        tampered[at] = (byte)'X';
        var path = fixture.Samples.Path("tampered.pdf");
        File.WriteAllBytes(path, tampered);

        var pdfsig = Tools.Run("pdfsig", path);
        Assert.DoesNotContain("Signature is Valid", pdfsig.Output);
        Assert.False(OpensslAccepts(tampered, Tools.Signatures(tampered)[0], "tampered"));
    }

    [Fact]
    public async Task The_room_reserved_for_a_signature_is_its_certificates_and_what_was_learnt_and_grows_when_a_container_does_not_fit()
    {
        // A signer of its own whose first guess is far too small: its first container is made again with room for it.
        var tsa = new CountingTimestampAuthority(new LocalTimestampAuthority(fixture.Pki.Timestamping, TimeProvider.System));
        var signer = new PdfSigner(tsa, TimeProvider.System, containerGuess: 256);
        static int Room(Tools.Signature s) => (int)(s.ByteRange[2] - s.ByteRange[1] - 2) / 2;

        var first = await signer.SignAsync(fixture.Samples.Read("classic.pdf"), fixture.Pki.PlatformSigner, "GmoSign-1", "x", null, null, CancellationToken.None);
        Assert.Equal(2, tsa.Calls); // made twice
        var second = await signer.SignAsync(first, fixture.Pki.PlatformSigner, "GmoSign-2", "y", null, null, CancellationToken.None);
        Assert.Equal(3, tsa.Calls); // then the room was known
        var made = Tools.Signatures(second)[1];
        Assert.InRange(Room(made) - made.Contents.Length, 0, 1536); // the container's size and headroom, not 16 KiB of zeros

        // A signer with a large certificate set: its certificates are counted before signing, so it fits at once …
        using var person = fixture.Pki.IssueSigner("山田 太郎", "taro@example.jp");
        var extra = Enumerable.Range(0, 16).Select(i =>
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN=Extra {i}, O={new string('x', 400)}", key, HashAlgorithmName.SHA256);
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        }).ToList();
        var large = new SigningIdentity(person.Certificate, [.. person.Chain, .. extra]);
        var third = await signer.SignAsync(second, large, "GmoSign-3", "山田 太郎", null, null, CancellationToken.None);
        Assert.Equal(4, tsa.Calls);
        var big = Tools.Signatures(third)[2];
        Assert.True(big.Contents.Length > 2 * Room(made), $"the test's container ({big.Contents.Length} bytes) should be large");
        Assert.InRange(Room(big) - big.Contents.Length, 0, 1536);
        AssertIndependentlyValid(fixture.Samples.Path("room.pdf"), third, signatures: 3);

        // … and does not widen the room of the signatures after it.
        var fourth = await signer.SignAsync(third, fixture.Pki.PlatformSigner, "GmoSign-4", "z", null, null, CancellationToken.None);
        var after = Tools.Signatures(fourth)[3];
        Assert.InRange(Room(after) - after.Contents.Length, 0, 1536);
        large.Key.Dispose();
        extra.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Text_that_looks_like_a_byte_range_is_not_taken_for_a_signature()
    {
        // What a sender's upload or a signer's field value may hold: numbers past long, ranges into ordinary text.
        var original = fixture.Samples.Read("classic.pdf");
        var bait = "\n% /ByteRange [0 1 2 3] /ByteRange [0 99999999999999999999 1 2] /ByteRange [0 12 20 5] /Contents <zz>\n"u8.ToArray();
        var signed = await fixture.Signer.SignAsync(original.Concat(bait).ToArray(), fixture.Pki.PlatformSigner, "GmoSign-1", "x", null, null, CancellationToken.None);

        var verified = Assert.Single(PdfSignatureVerifier.Verify(signed, [fixture.Pki.Root]));
        Assert.True(verified.DigestMatches && verified.SignatureValid && verified.CertificateTrusted, verified.ToString());
        var certificates = PdfSignatureVerifier.EmbeddedCertificates(signed);
        Assert.Contains(certificates, c => c.AsSpan().SequenceEqual(fixture.Pki.PlatformSigner.Certificate.RawData));
        Assert.Equal(certificates.Count, certificates.Select(Convert.ToBase64String).Distinct().Count());
        var stamped = await fixture.Signer.AddDocumentTimestampAsync(signed, "GmoSign-DocTimeStamp", CancellationToken.None);
        Assert.Equal(2, PdfSignatureVerifier.Verify(stamped, [fixture.Pki.Root]).Count);
    }

    [Fact]
    public async Task A_signature_container_without_a_signer_is_reported_unreadable()
    {
        var signed = await fixture.Signer.SignAsync(fixture.Samples.Read("classic.pdf"), fixture.Pki.PlatformSigner, "GmoSign-1", "x", null, null, CancellationToken.None);
        // SignedData with no certificates and an empty signerInfos set, written over the real container.
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("1.2.840.113549.1.7.2");
            using (writer.PushSequence(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0)))
            using (writer.PushSequence())
            {
                writer.WriteInteger(1);
                using (writer.PushSetOf())
                {
                }
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier("1.2.840.113549.1.7.1");
                }
                using (writer.PushSetOf())
                {
                }
            }
        }
        var range = Tools.Signatures(signed)[0].ByteRange;
        var hex = System.Text.Encoding.ASCII.GetBytes(Convert.ToHexString(writer.Encode()));
        var hostile = signed.ToArray();
        Array.Fill(hostile, (byte)'0', (int)range[1] + 1, (int)(range[2] - range[1] - 2));
        hex.CopyTo(hostile, range[1] + 1);

        var verified = Assert.Single(PdfSignatureVerifier.Verify(hostile, [fixture.Pki.Root]));
        Assert.False(verified.SignatureValid);
        Assert.Equal("unreadable signature", verified.CertificateStatus);
        Assert.Empty(PdfSignatureVerifier.EmbeddedCertificates(hostile));
    }

    private sealed class CountingTimestampAuthority(ITimestampAuthority inner) : ITimestampAuthority
    {
        private int _calls;

        public int Calls => _calls;

        public ValueTask<byte[]> TimestampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return inner.TimestampAsync(sha256, cancellationToken);
        }
    }

    [Fact]
    public void Encrypted_and_broken_files_are_refused_with_a_reason()
    {
        var encrypted = Assert.Throws<InvalidPdfException>(() => PdfIncrementalWriter.Prepare(fixture.Samples.Read("encrypted.pdf"), new PdfSignatureInfo("f", DateTimeOffset.UtcNow), 1024));
        Assert.Contains("encrypted", encrypted.Message);
        Assert.Throws<InvalidPdfException>(() => PdfIncrementalWriter.Prepare("this is not a pdf"u8.ToArray(), new PdfSignatureInfo("f", DateTimeOffset.UtcNow), 1024));
        var truncated = fixture.Samples.Read("classic.pdf")[..200];
        Assert.Throws<InvalidPdfException>(() => PdfIncrementalWriter.Prepare(truncated, new PdfSignatureInfo("f", DateTimeOffset.UtcNow), 1024));
    }

    private void AssertIndependentlyValid(string path, byte[] pdf, int signatures)
    {
        File.WriteAllBytes(path, pdf);
        AssertQpdfClean(path);
        var pdfsig = Tools.Run("pdfsig", path);
        Assert.Equal(signatures, CountOccurrences(pdfsig.Output, "Signature is Valid"));
        Assert.Contains("Total document signed", pdfsig.Output);

        var found = Tools.Signatures(pdf);
        Assert.Equal(signatures, found.Count);
        for (var i = 0; i < found.Count; i++)
        {
            if (i == found.Count - 1)
            {
                Assert.Equal(pdf.Length, found[i].ByteRange[2] + found[i].ByteRange[3]); // the newest covers the whole file
            }
            Assert.True(OpensslAccepts(pdf, found[i], $"{Path.GetFileName(path)}-{i}"), $"openssl rejected signature {i + 1}");
            AssertSignatureTimestampValid(found[i], $"{Path.GetFileName(path)}-{i}");
        }
    }

    private bool OpensslAccepts(byte[] pdf, Tools.Signature signature, string name)
    {
        var cms = fixture.Samples.Path(name + ".p7s");
        var content = fixture.Samples.Path(name + ".content");
        File.WriteAllBytes(cms, signature.Contents);
        File.WriteAllBytes(content, signature.SignedBytes(pdf));
        var result = Tools.Run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", cms, "-content", content,
            "-CAfile", fixture.RootPem, "-purpose", "any", "-out", "/dev/null");
        return result.ExitCode == 0;
    }

    /// <summary>The RFC 3161 token in the unsigned attributes covers the SHA-256 of the signature value.</summary>
    private void AssertSignatureTimestampValid(Tools.Signature signature, string name)
    {
        var signedCms = new SignedCms();
        signedCms.Decode(signature.Contents);
        var signer = signedCms.SignerInfos[0];
        var attribute = signer.UnsignedAttributes.Cast<CryptographicAttributeObject>().Single(a => a.Oid.Value == "1.2.840.113549.1.9.16.2.14");
        var token = fixture.Samples.Path(name + ".tst");
        File.WriteAllBytes(token, attribute.Values[0].RawData);
        var digest = Convert.ToHexString(SHA256.HashData(signer.GetSignature()));
        var ts = Tools.Run("openssl", "ts", "-verify", "-in", token, "-token_in", "-digest", digest, "-CAfile", fixture.RootPem, "-untrusted", fixture.TsaPem);
        Assert.True(ts.ExitCode == 0 && ts.Output.Contains("Verification: OK"), ts.Output);
        Assert.DoesNotContain(signer.SignedAttributes.Cast<CryptographicAttributeObject>(), a => a.Oid.Value == "1.2.840.113549.1.9.5"); // no signing-time
    }

    private static void AssertQpdfClean(string path)
    {
        var check = Tools.Run("qpdf", "--check", path);
        Assert.True(check.ExitCode == 0 && check.Output.Contains("No syntax or stream encoding errors found"), check.Output);
    }

    private static int CountOccurrences(string text, string value) =>
        (text.Length - text.Replace(value, "", StringComparison.Ordinal).Length) / value.Length;
}
