using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;

namespace GmoSign.Signing.Pdf;

/// <summary>An RFC 3161 timestamp authority: returns a TimeStampToken (DER ContentInfo) over a SHA-256 digest.</summary>
public interface ITimestampAuthority
{
    ValueTask<byte[]> TimestampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken);
}

/// <summary>
/// The in-process development TSA: issues RFC 3161 / RFC 5816 tokens — a TSTInfo (policy, SHA-256 message imprint,
/// unique serial, genTime with milliseconds, accuracy) signed as CMS SignedData with ESS signing-certificate-v2 and
/// the TSA's chain — with the framework's ECDSA, so a timestamp costs one signature and no round trip.
/// </summary>
public sealed class LocalTimestampAuthority(SigningIdentity tsa, TimeProvider clock) : ITimestampAuthority
{
    private const string IdTstInfo = "1.2.840.113549.1.9.16.1.4";
    private const string PolicyOid = "1.3.6.1.4.1.61234.1.1"; // GmoSign development TSA policy
    private long _serial = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    public ValueTask<byte[]> TimestampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken)
    {
        var tstInfo = TstInfo(sha256.Span, Interlocked.Increment(ref _serial), clock.GetUtcNow());
        var attributes = CadesSignature.SignedAttributes(IdTstInfo, SHA256.HashData(tstInfo), tsa.Certificate);
        var signature = tsa.Key.SignData(attributes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return ValueTask.FromResult(CadesSignature.SignedData(IdTstInfo, tstInfo, attributes, signature, null, tsa));
    }

    private static byte[] TstInfo(ReadOnlySpan<byte> digest, long serial, DateTimeOffset now)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(1);
            writer.WriteObjectIdentifier(PolicyOid);
            using (writer.PushSequence()) // MessageImprint
            {
                CadesSignature.WriteAlgorithm(writer, CadesSignature.IdSha256);
                writer.WriteOctetString(digest);
            }
            writer.WriteInteger(new BigInteger(serial));
            // Whole milliseconds: DER forbids trailing zeros in the fraction, AsnWriter trims them.
            writer.WriteGeneralizedTime(new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero));
            using (writer.PushSequence()) // Accuracy: 1 s
            {
                writer.WriteInteger(1);
            }
        }
        return writer.Encode();
    }
}
