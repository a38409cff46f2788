using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GmoSign.Signing.Pdf;

/// <summary>
/// Builds the CMS SignedData a PAdES signature carries (ETSI EN 319 122 CAdES baseline, detached): signed
/// attributes content-type, message-digest and ESS signing-certificate-v2 (no signing-time: PAdES puts the claimed
/// time in the signature dictionary), the whole certificate chain, ECDSA with SHA-256, and the RFC 3161 timestamp
/// over the signature value as unsigned attribute (PAdES B-T). Written directly with AsnWriter from the digest, so
/// the signed bytes are never copied.
/// </summary>
public static class CadesSignature
{
    private const string IdData = "1.2.840.113549.1.7.1";
    private const string IdSignedData = "1.2.840.113549.1.7.2";
    private const string IdContentType = "1.2.840.113549.1.9.3";
    private const string IdMessageDigest = "1.2.840.113549.1.9.4";
    private const string IdSigningCertificateV2 = "1.2.840.113549.1.9.16.2.47";
    private const string IdTimeStampToken = "1.2.840.113549.1.9.16.2.14";
    internal const string IdSha256 = "2.16.840.1.101.3.4.2.1";
    private const string IdEcdsaWithSha256 = "1.2.840.10045.4.3.2";

    public static async ValueTask<byte[]> CreateAsync(ReadOnlyMemory<byte> contentSha256, SigningIdentity signer, ITimestampAuthority? tsa, CancellationToken cancellationToken)
    {
        var signedAttributes = SignedAttributes(IdData, contentSha256.Span, signer.Certificate);
        // The signature covers the DER of the attributes as a SET OF (tag 0x31), not as the [0] in SignerInfo.
        var signature = signer.Key.SignData(signedAttributes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        byte[]? timestamp = null;
        if (tsa is not null)
        {
            timestamp = await tsa.TimestampAsync(SHA256.HashData(signature), cancellationToken);
        }
        return SignedData(IdData, null, signedAttributes, signature, timestamp, signer);
    }

    internal static byte[] SignedAttributes(string contentType, ReadOnlySpan<byte> digest, X509Certificate2 certificate)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSetOf())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(IdContentType);
                using (writer.PushSetOf())
                {
                    writer.WriteObjectIdentifier(contentType);
                }
            }
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(IdMessageDigest);
                using (writer.PushSetOf())
                {
                    writer.WriteOctetString(digest);
                }
            }
            using (writer.PushSequence())
            {
                // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }; hash algorithm defaults to SHA-256.
                writer.WriteObjectIdentifier(IdSigningCertificateV2);
                using (writer.PushSetOf())
                using (writer.PushSequence())
                using (writer.PushSequence())
                using (writer.PushSequence())
                {
                    writer.WriteOctetString(SHA256.HashData(certificate.RawData));
                    using (writer.PushSequence()) // IssuerSerial
                    {
                        using (writer.PushSequence()) // GeneralNames
                        {
                            writer.WriteEncodedValue(WrapDirectoryName(certificate.IssuerName.RawData));
                        }
                        writer.WriteInteger(certificate.SerialNumberBytes.Span);
                    }
                }
            }
        }
        return writer.Encode();
    }

    /// <summary>GeneralName directoryName [4] EXPLICIT Name.</summary>
    private static byte[] WrapDirectoryName(byte[] name)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 4, isConstructed: true)))
        {
            writer.WriteEncodedValue(name);
        }
        return writer.Encode();
    }

    /// <summary>
    /// ContentInfo(SignedData) with one signer. <paramref name="content"/> null = detached (PAdES); otherwise it is
    /// encapsulated (an RFC 3161 TSTInfo).
    /// </summary>
    internal static byte[] SignedData(string contentType, byte[]? content, byte[] signedAttributes, byte[] signature, byte[]? timestamp, SigningIdentity signer)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence()) // ContentInfo
        {
            writer.WriteObjectIdentifier(IdSignedData);
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            using (writer.PushSequence()) // SignedData
            {
                writer.WriteInteger(content is null ? 1 : 3); // v3 when eContentType is not id-data
                using (writer.PushSetOf())
                {
                    WriteAlgorithm(writer, IdSha256);
                }
                using (writer.PushSequence()) // EncapsulatedContentInfo
                {
                    writer.WriteObjectIdentifier(contentType);
                    if (content is not null)
                    {
                        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                        {
                            writer.WriteOctetString(content);
                        }
                    }
                }
                using (writer.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                {
                    writer.WriteEncodedValue(signer.Certificate.RawData);
                    foreach (var certificate in signer.Chain)
                    {
                        writer.WriteEncodedValue(certificate.RawData);
                    }
                }
                using (writer.PushSetOf())
                using (writer.PushSequence()) // SignerInfo
                {
                    writer.WriteInteger(1);
                    using (writer.PushSequence()) // IssuerAndSerialNumber
                    {
                        writer.WriteEncodedValue(signer.Certificate.IssuerName.RawData);
                        writer.WriteInteger(signer.Certificate.SerialNumberBytes.Span);
                    }
                    WriteAlgorithm(writer, IdSha256);
                    // The same attribute bytes, re-tagged [0] IMPLICIT.
                    var attributes = signedAttributes.ToArray();
                    attributes[0] = 0xA0;
                    writer.WriteEncodedValue(attributes);
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(IdEcdsaWithSha256);
                    }
                    writer.WriteOctetString(signature);
                    if (timestamp is not null)
                    {
                        using (writer.PushSetOf(new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true)))
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(IdTimeStampToken);
                            using (writer.PushSetOf())
                            {
                                writer.WriteEncodedValue(timestamp);
                            }
                        }
                    }
                }
            }
        }
        return writer.Encode();
    }

    internal static void WriteAlgorithm(AsnWriter writer, string oid)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            writer.WriteNull();
        }
    }
}
