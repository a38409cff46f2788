using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.Utilities.Collections;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace GmoSign.Signing.Pdf;

/// <summary>An RFC 3161 timestamp authority: returns a TimeStampToken (DER ContentInfo) over a SHA-256 digest.</summary>
public interface ITimestampAuthority
{
    ValueTask<byte[]> TimestampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken);
}

/// <summary>
/// The in-process development TSA (BouncyCastle's RFC 3161 token generator) with its own certificate from the
/// development PKI. No HTTP round trip: a timestamp costs one ECDSA signature.
/// </summary>
public sealed class LocalTimestampAuthority : ITimestampAuthority
{
    private const string Sha256Oid = "2.16.840.1.101.3.4.2.1";
    private const string PolicyOid = "1.3.6.1.4.1.61234.1.1"; // GmoSign development TSA policy
    private readonly TimeStampTokenGenerator _generator;
    private readonly TimeProvider _clock;
    private long _serial = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    public LocalTimestampAuthority(SigningIdentity tsa, TimeProvider clock)
    {
        _clock = clock;
        var key = PrivateKeyFactory.CreateKey(tsa.Key.ExportPkcs8PrivateKey());
        var certificate = new BcCertificate(tsa.Certificate.RawData);
        _generator = new TimeStampTokenGenerator(key, certificate, Sha256Oid, PolicyOid);
        _generator.SetCertificates(CollectionUtilities.CreateStore(
            new[] { certificate }.Concat(tsa.Chain.Select(c => new BcCertificate(c.RawData))).ToList()));
    }

    public ValueTask<byte[]> TimestampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken)
    {
        var requestGenerator = new TimeStampRequestGenerator();
        requestGenerator.SetCertReq(true);
        var request = requestGenerator.Generate(Sha256Oid, sha256.ToArray());
        var serial = BigInteger.ValueOf(Interlocked.Increment(ref _serial));
        TimeStampToken token;
        lock (_generator)
        {
            token = _generator.Generate(request, serial, _clock.GetUtcNow().UtcDateTime);
        }
        return ValueTask.FromResult(token.GetEncoded());
    }
}
