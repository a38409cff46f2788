using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace GmoSign.Signing.Pdf;

/// <summary>What one signature of a PDF says and whether it holds.</summary>
public sealed record SignatureVerification(
    string FieldName,
    string SubFilter,
    string Signer,
    DateTimeOffset? SigningTime,
    bool SignatureValid,
    bool DigestMatches,
    bool CertificateTrusted,
    string CertificateStatus,
    bool HasTimestamp,
    bool TimestampValid,
    DateTimeOffset? TimestampTime,
    bool CoversWholeDocument,
    string? Reason);

/// <summary>
/// Verifies every signature of a PDF from its raw bytes (signature dictionaries are never inside object streams):
/// the /ByteRange digest against the CMS message digest, the CMS signature, the signer's chain against the given
/// trust anchors, the RFC 3161 timestamp over the signature value (or, for document timestamps, over the ranges).
/// </summary>
public static partial class PdfSignatureVerifier
{
    private const string TimestampTokenOid = "1.2.840.113549.1.9.16.2.14";

    public static List<SignatureVerification> Verify(byte[] pdf, X509Certificate2Collection trustAnchors)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var results = new List<SignatureVerification>();
        foreach (var (match, range) in SignedRanges(text, pdf.Length))
        {
            var dictionary = EnclosingObject(text, match.Index, out var objectNumber);
            var subFilter = NameValue(dictionary, "SubFilter") ?? "";
            var signed = new byte[range[1] + range[3]];
            Array.Copy(pdf, 0, signed, 0, range[1]);
            Array.Copy(pdf, range[2], signed, range[1], range[3]);
            var container = HexContents(text, (int)range[1], (int)range[2]);
            var covers = pdf.AsSpan((int)(range[2] + range[3])).Trim("\r\n \0"u8).Length == 0;
            var field = objectNumber is { } n ? FieldName(text, n) : null;
            results.Add(subFilter == "ETSI.RFC3161"
                ? VerifyDocumentTimestamp(field, subFilter, signed, container, trustAnchors, covers)
                : VerifyCms(field, subFilter, signed, container, trustAnchors, covers, dictionary));
        }
        return results;
    }

    /// <summary>
    /// The DER bytes of every certificate the signatures' CMS containers carry (each once), for the validation data of an
    /// archive timestamp. Read straight from the SignedData structure: materialising them as <see cref="X509Certificate2"/>
    /// costs an OpenSSL object each, freed later by the finalizer thread, which showed as a fifth of the host's CPU
    /// under signing load.
    /// </summary>
    public static List<byte[]> EmbeddedCertificates(byte[] pdf)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<byte[]>();
        foreach (var (_, range) in SignedRanges(text, pdf.Length))
        {
            try
            {
                foreach (var certificate in CmsCertificates(HexContents(text, (int)range[1], (int)range[2])).Take(MaxCertificatesPerContainer))
                {
                    if (found.Count < MaxCertificates && seen.Add(Convert.ToBase64String(SHA256.HashData(certificate.Span))))
                    {
                        found.Add(certificate.ToArray());
                    }
                }
            }
            catch (AsnContentException)
            {
                // Not a CMS container this reader understands: it carries nothing for the validation data.
            }
        }
        return found;
    }

    // A document's signatures carry a handful of certificates each; a container (or a file) claiming more is hostile.
    private const int MaxCertificatesPerContainer = 50;
    private const int MaxCertificates = 200;

    /// <summary>
    /// ContentInfo { contentType, [0] EXPLICIT SignedData { version, digestAlgorithms, encapContentInfo,
    /// certificates [0] IMPLICIT SET OF CertificateChoices OPTIONAL, … } } (RFC 5652 §5.1): the plain certificates.
    /// </summary>
    private static List<ReadOnlyMemory<byte>> CmsCertificates(byte[] container)
    {
        var certificates = new List<ReadOnlyMemory<byte>>();
        var contentInfo = new AsnReader(container, AsnEncodingRules.BER).ReadSequence();
        if (contentInfo.ReadObjectIdentifier() != "1.2.840.113549.1.7.2")
        {
            return certificates;
        }
        var signedData = contentInfo.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
        signedData.ReadEncodedValue(); // version
        signedData.ReadEncodedValue(); // digestAlgorithms
        signedData.ReadEncodedValue(); // encapContentInfo
        var certificatesTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(certificatesTag))
        {
            var set = signedData.ReadSetOf(skipSortOrderValidation: true, certificatesTag);
            while (set.HasData)
            {
                var encoded = set.ReadEncodedValue();
                if (LooksLikeCertificate(encoded))
                {
                    certificates.Add(encoded);
                }
            }
        }
        return certificates;
    }

    /// <summary>Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm SEQUENCE, signature BIT STRING } (other choices are tagged).</summary>
    private static bool LooksLikeCertificate(ReadOnlyMemory<byte> encoded)
    {
        var outer = new AsnReader(encoded, AsnEncodingRules.BER);
        if (outer.PeekTag() != Asn1Tag.Sequence)
        {
            return false;
        }
        var certificate = outer.ReadSequence();
        if (!certificate.HasData || certificate.PeekTag() != Asn1Tag.Sequence)
        {
            return false;
        }
        certificate.ReadEncodedValue();
        if (!certificate.HasData || certificate.PeekTag() != Asn1Tag.Sequence)
        {
            return false;
        }
        certificate.ReadEncodedValue();
        return certificate.HasData && certificate.PeekTag() == Asn1Tag.PrimitiveBitString;
    }

    /// <summary>Each signature's /ByteRange that is well formed: from the file's start, around its /Contents, within the file.</summary>
    private static IEnumerable<(Match Match, long[] Range)> SignedRanges(string text, long length)
    {
        foreach (Match match in ByteRangePattern().Matches(text))
        {
            // The numbers come from the file (and may stand in any text it holds): too large ones, ranges outside the
            // file and ranges whose gap is not a hex string are not signatures.
            var range = new long[4];
            var parsed = true;
            for (var i = 0; i < 4; i++)
            {
                parsed &= long.TryParse(match.Groups[i + 1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out range[i]);
            }
            if (parsed && range[0] == 0 && range[1] > 0 && range[2] > range[1] + 1 && range[2] <= length && range[3] <= length - range[2]
                && text[(int)range[1]] == '<' && text[(int)range[2] - 1] == '>')
            {
                yield return (match, range);
            }
        }
    }

    /// <summary>
    /// A CMS signature; a container that decodes but is not what a signature holds (no signer, attributes without
    /// values, malformed inner DER) is an unreadable signature, not a failure of the verification.
    /// </summary>
    private static SignatureVerification VerifyCms(string? field, string subFilter, byte[] signed, byte[] container, X509Certificate2Collection anchors,
        bool covers, string dictionary)
    {
        SignatureVerification? verification;
        try
        {
            verification = VerifyCmsContainer(field, subFilter, signed, container, anchors, covers, dictionary);
        }
        catch (Exception ex) when (ex is CryptographicException or AsnContentException or ArgumentOutOfRangeException)
        {
            verification = null;
        }
        return verification
            ?? new SignatureVerification(field ?? "", subFilter, "", null, false, false, false, "unreadable signature", false, false, null, covers, null);
    }

    private static SignatureVerification? VerifyCmsContainer(string? field, string subFilter, byte[] signed, byte[] container,
        X509Certificate2Collection anchors, bool covers, string dictionary)
    {
        var cms = new SignedCms(new ContentInfo(signed), detached: true);
        cms.Decode(container);
        if (cms.SignerInfos.Count == 0)
        {
            return null;
        }
        var signer = cms.SignerInfos[0];
        var certificate = signer.Certificate;
        var digestMatches = false;
        foreach (var attribute in signer.SignedAttributes)
        {
            if (attribute.Oid.Value == "1.2.840.113549.1.9.4")
            {
                var expected = new AsnReader(attribute.Values[0].RawData, AsnEncodingRules.DER).ReadOctetString();
                using var hash = IncrementalHash.CreateHash(new HashAlgorithmName(HashName(signer.DigestAlgorithm.Value)));
                hash.AppendData(signed);
                digestMatches = hash.GetHashAndReset().AsSpan().SequenceEqual(expected);
            }
        }
        bool valid;
        try
        {
            signer.CheckSignature(verifySignatureOnly: true);
            valid = digestMatches;
        }
        catch (CryptographicException)
        {
            valid = false;
        }
        var signingTime = PdfDate(TextValue(dictionary, "M"));
        bool hasTimestamp = false, timestampValid = false;
        DateTimeOffset? timestampTime = null;
        foreach (var attribute in signer.UnsignedAttributes)
        {
            if (attribute.Oid.Value == TimestampTokenOid && Rfc3161TimestampToken.TryDecode(attribute.Values[0].RawData, out var token, out _))
            {
                hasTimestamp = true;
                timestampTime = token.TokenInfo.Timestamp;
                // The TSA's chain travels in the token; the signature's own certificates may come from another CA.
                var tokenCertificates = token.AsSignedCms().Certificates;
                tokenCertificates.AddRange(cms.Certificates);
                timestampValid = token.VerifySignatureForSignerInfo(signer, out var tsaCertificate, tokenCertificates)
                    && tsaCertificate is not null && Chain(tsaCertificate, tokenCertificates, anchors, token.TokenInfo.Timestamp).Trusted;
            }
        }
        var (trusted, status) = certificate is null ? (false, "no certificate") : Chain(certificate, cms.Certificates, anchors, timestampTime ?? signingTime);
        return new SignatureVerification(field ?? "", subFilter, certificate?.GetNameInfo(X509NameType.SimpleName, false) ?? "", signingTime ?? timestampTime,
            valid, digestMatches, trusted, status, hasTimestamp, timestampValid, timestampTime, covers, TextValue(dictionary, "Reason"));
    }

    private static SignatureVerification VerifyDocumentTimestamp(string? field, string subFilter, byte[] signed, byte[] container,
        X509Certificate2Collection anchors, bool covers)
    {
        var length = DerLength(container);
        if (length <= 0 || !Rfc3161TimestampToken.TryDecode(container.AsMemory(0, length), out var token, out _))
        {
            return new SignatureVerification(field ?? "", subFilter, "", null, false, false, false, "unreadable timestamp", true, false, null, covers, null);
        }
        var valid = token.VerifySignatureForData(signed, out var tsaCertificate);
        var digestMatches = token.TokenInfo.HashAlgorithmId.Value == "2.16.840.1.101.3.4.2.1"
            && token.TokenInfo.GetMessageHash().Span.SequenceEqual(SHA256.HashData(signed));
        var (trusted, status) = tsaCertificate is null ? (false, "no certificate") : Chain(tsaCertificate, token.AsSignedCms().Certificates, anchors, token.TokenInfo.Timestamp);
        return new SignatureVerification(field ?? "", subFilter, tsaCertificate?.GetNameInfo(X509NameType.SimpleName, false) ?? "", token.TokenInfo.Timestamp,
            valid && digestMatches, digestMatches, trusted, status, true, valid && digestMatches, token.TokenInfo.Timestamp, covers, null);
    }

    private static (bool Trusted, string Status) Chain(X509Certificate2 certificate, X509Certificate2Collection extra, X509Certificate2Collection anchors, DateTimeOffset? at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.ExtraStore.AddRange(extra);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreWrongUsage;
        if (at is { } time)
        {
            chain.ChainPolicy.VerificationTime = time.UtcDateTime;
        }
        var ok = chain.Build(certificate);
        return (ok, ok ? "ok" : string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct()));
    }

    private static byte[] HexContents(string text, int start, int end)
    {
        var hex = text[start..end].Trim().TrimStart('<').TrimEnd('>');
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex.Length % 2 == 0 ? hex : hex + "0");
        }
        catch (FormatException)
        {
            return []; // not hex: read as an unreadable signature
        }
        var length = DerLength(bytes);
        return length > 0 ? bytes[..length] : bytes;
    }

    /// <summary>The length of the DER element at the start (the /Contents string is padded with zeros).</summary>
    private static int DerLength(byte[] bytes)
    {
        try
        {
            return new AsnReader(bytes, AsnEncodingRules.BER).PeekEncodedValue().Length;
        }
        catch (AsnContentException)
        {
            return -1;
        }
    }

    private static string EnclosingObject(string text, int at, out int? objectNumber)
    {
        var start = text.LastIndexOf(" obj", at, StringComparison.Ordinal);
        var end = text.IndexOf("endobj", at, StringComparison.Ordinal);
        objectNumber = null;
        if (start < 0)
        {
            return text[Math.Max(0, at - 2000)..Math.Min(text.Length, at + 2000)];
        }
        var header = ObjectHeaderPattern().Match(text[Math.Max(0, start - 30)..(start + 4)]);
        if (header.Success)
        {
            objectNumber = int.Parse(header.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        return text[start..(end < 0 ? text.Length : end)];
    }

    private static string? FieldName(string text, int signatureObject)
    {
        var reference = new Regex($@"/V\s+{signatureObject}\s+0\s+R");
        foreach (Match m in reference.Matches(text))
        {
            var dictionary = EnclosingObject(text, m.Index, out _);
            if (TextValue(dictionary, "T") is { } name)
            {
                return name;
            }
        }
        return null;
    }

    private static string? NameValue(string dictionary, string key)
    {
        var m = Regex.Match(dictionary, $@"/{key}\s*/([^\s/<>\[\]()]+)");
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>A text string value: hex (UTF-16BE with BOM, or PDFDocEncoding) or literal.</summary>
    private static string? TextValue(string dictionary, string key)
    {
        var hex = Regex.Match(dictionary, $@"/{key}\s*<([0-9A-Fa-f\s]*)>");
        byte[] bytes;
        if (hex.Success)
        {
            bytes = Convert.FromHexString(Regex.Replace(hex.Groups[1].Value, @"\s", ""));
        }
        else
        {
            var literal = Regex.Match(dictionary, $@"/{key}\s*\(((?:\\.|[^\\)])*)\)");
            if (!literal.Success)
            {
                return null;
            }
            bytes = Encoding.Latin1.GetBytes(Regex.Replace(literal.Groups[1].Value, @"\\(.)", "$1"));
        }
        return bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF
            ? Encoding.BigEndianUnicode.GetString(bytes, 2, bytes.Length - 2)
            : Encoding.Latin1.GetString(bytes);
    }

    private static DateTimeOffset? PdfDate(string? value)
    {
        if (value is null || !value.StartsWith("D:", StringComparison.Ordinal) || value.Length < 16)
        {
            return null;
        }
        return DateTimeOffset.TryParseExact(value[2..16], "yyyyMMddHHmmss", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed) ? parsed : null;
    }

    private static string HashName(string? oid) => oid switch
    {
        "2.16.840.1.101.3.4.2.2" => "SHA384",
        "2.16.840.1.101.3.4.2.3" => "SHA512",
        "1.3.14.3.2.26" => "SHA1",
        _ => "SHA256",
    };

    [GeneratedRegex(@"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")]
    private static partial Regex ByteRangePattern();

    [GeneratedRegex(@"(\d+)\s+\d+\s+obj$")]
    private static partial Regex ObjectHeaderPattern();
}
