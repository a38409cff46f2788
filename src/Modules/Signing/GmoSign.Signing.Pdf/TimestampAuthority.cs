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

    public ValueTask<byte[]> TimestampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken) =>
        TimestampAsync(sha256, null, cancellationToken);

    /// <summary>A token echoing the requester's nonce (RFC 3161 §2.4.2), for requests that arrive over HTTP.</summary>
    public ValueTask<byte[]> TimestampAsync(ReadOnlyMemory<byte> sha256, ReadOnlyMemory<byte>? nonce, CancellationToken cancellationToken)
    {
        var tstInfo = TstInfo(sha256.Span, Interlocked.Increment(ref _serial), clock.GetUtcNow(), nonce);
        var attributes = CadesSignature.SignedAttributes(IdTstInfo, SHA256.HashData(tstInfo), tsa.Certificate);
        var signature = tsa.Key.SignData(attributes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return ValueTask.FromResult(CadesSignature.SignedData(IdTstInfo, tstInfo, attributes, signature, null, tsa));
    }

    private static byte[] TstInfo(ReadOnlySpan<byte> digest, long serial, DateTimeOffset now, ReadOnlyMemory<byte>? nonce)
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
            if (nonce is { } value)
            {
                writer.WriteInteger(value.Span);
            }
        }
        return writer.Encode();
    }
}

/// <summary>
/// An external RFC 3161 timestamp authority over HTTP (<c>application/timestamp-query</c>), as production uses: the
/// request asks for the TSA's certificates, the response is checked against the request (imprint, status) by the
/// framework before the token is used.
/// </summary>
public sealed class HttpTimestampAuthority(HttpClient http, Uri endpoint) : ITimestampAuthority
{
    public async ValueTask<byte[]> TimestampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken)
    {
        var request = System.Security.Cryptography.Pkcs.Rfc3161TimestampRequest.CreateFromHash(sha256, HashAlgorithmName.SHA256,
            requestSignerCertificates: true);
        using var content = new ByteArrayContent(request.Encode());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/timestamp-query");
        using var response = await http.PostAsync(endpoint, content, cancellationToken);
        response.EnsureSuccessStatusCode();
        var token = request.ProcessResponse(await response.Content.ReadAsByteArrayAsync(cancellationToken), out _);
        return token.AsSignedCms().Encode();
    }
}

/// <summary>Serves the development TSA over HTTP (RFC 3161 §3.4): a TimeStampReq in, a TimeStampResp out.</summary>
public static class TimestampProtocol
{
    /// <summary>The DER TimeStampResp for a DER TimeStampReq; a rejection (status 2) when the request is not understood.</summary>
    public static async ValueTask<byte[]> RespondAsync(LocalTimestampAuthority authority, ReadOnlyMemory<byte> query, CancellationToken cancellationToken)
    {
        if (!System.Security.Cryptography.Pkcs.Rfc3161TimestampRequest.TryDecode(query, out var request, out _)
            || request.HashAlgorithmId.Value != CadesSignature.IdSha256)
        {
            return Response(2, null); // rejection: not a TimeStampReq, or not a SHA-256 imprint
        }
        var token = await authority.TimestampAsync(request.GetMessageHash(), request.GetNonce(), cancellationToken);
        return Response(0, token);
    }

    private static byte[] Response(int status, byte[]? token)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteInteger(status);
            }
            if (token is not null)
            {
                writer.WriteEncodedValue(token);
            }
        }
        return writer.Encode();
    }
}
