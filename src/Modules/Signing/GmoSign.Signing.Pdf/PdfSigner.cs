namespace GmoSign.Signing.Pdf;

/// <summary>
/// Signs PDFs (PAdES B-T: CAdES detached CMS with an RFC 3161 timestamp) and adds document timestamps (B-LTA style),
/// each as an incremental revision so that every earlier signature stays valid. Stamps and field values are drawn in
/// <paramref name="font"/>, embedded as a subset (none: the readers' own Japanese font).
/// </summary>
/// <param name="containerGuess">Room for the part of a container not known in advance, until the first one is made.</param>
public sealed class PdfSigner(ITimestampAuthority timestamps, TimeProvider clock, EmbeddedFont? font = null, int containerGuess = 4 * 1024)
{
    // The room reserved for the container in /Contents is written twice over (hex) into every revision, and every
    // revision is stored whole, so room never used is paid for in storage, encryption and the commit's WAL. A CMS
    // container holds the signer's certificates, known before signing (and chosen by whoever names the signer: a long
    // name makes a long certificate), and the rest — signed attributes, the signature, the timestamp token with the
    // authority's chain — whose size is learnt: the room is the certificates plus the largest rest seen plus headroom.
    // One signer's long certificate therefore never widens the room of the signatures after it. A container that does
    // not fit is made again with room for it (the signature covers the reserved length, so it cannot simply be moved).
    private readonly ContainerRoom _signatureRoom = new(containerGuess);
    private readonly ContainerRoom _timestampRoom = new(containerGuess);

    public async Task<byte[]> SignAsync(ReadOnlyMemory<byte> pdf, SigningIdentity signer, string fieldName, string? signerName, string? reason,
        string? location, CancellationToken cancellationToken, IReadOnlyList<string>? appearance = null, int appearanceSlot = 0,
        PdfPlacement? stampPlacement = null, IReadOnlyList<PdfMark>? marks = null)
    {
        var info = new PdfSignatureInfo(fieldName, clock.GetUtcNow(), signerName, reason, location)
        {
            Appearance = appearance,
            AppearanceSlot = appearanceSlot,
            StampPlacement = stampPlacement,
            Marks = marks ?? [],
            Font = font,
        };
        var certificates = signer.Certificate.RawDataMemory.Length + signer.Chain.Sum(c => c.RawDataMemory.Length);
        return await _signatureRoom.FillAsync(certificates, room => PdfIncrementalWriter.Prepare(pdf, info, room),
            async prepared => await CadesSignature.CreateAsync(prepared.Digest(), signer, timestamps, cancellationToken));
    }

    public async Task<byte[]> AddDocumentTimestampAsync(ReadOnlyMemory<byte> pdf, string fieldName, CancellationToken cancellationToken)
    {
        var info = new PdfSignatureInfo(fieldName, clock.GetUtcNow(), DocumentTimestamp: true);
        return await _timestampRoom.FillAsync(0, room => PdfIncrementalWriter.Prepare(pdf, info, room),
            async prepared => await timestamps.TimestampAsync(prepared.Digest(), cancellationToken));
    }
}

/// <summary>
/// How many bytes to reserve for one kind of signature container: what is known of this one (its certificates) plus
/// the largest remainder seen so far (or the first guess before any) plus headroom — ECDSA signatures, serial numbers
/// and times vary by a few bytes, another timestamp authority's chain by more. A container that does not fit is made
/// again with room for it.
/// </summary>
internal sealed class ContainerRoom(int firstGuess)
{
    private const int Headroom = 1024;
    private const int Limit = 256 * 1024;
    private int _largestRest = -1;

    public async Task<byte[]> FillAsync(int known, Func<int, PreparedSignature> prepare, Func<PreparedSignature, Task<byte[]>> make)
    {
        var rest = Volatile.Read(ref _largestRest);
        var room = Math.Min(Limit, RoundUp(known + (rest >= 0 ? rest + Headroom : firstGuess)));
        while (true)
        {
            var prepared = prepare(room);
            var container = await make(prepared);
            Observe(Math.Max(0, container.Length - known));
            if (container.Length <= prepared.Capacity)
            {
                return prepared.Complete(container);
            }
            if (room >= Limit)
            {
                throw new InvalidOperationException($"The signature container ({container.Length} bytes) exceeds {Limit} bytes.");
            }
            room = Math.Min(Limit, RoundUp(container.Length + Headroom));
        }
    }

    private void Observe(int rest)
    {
        var seen = Volatile.Read(ref _largestRest);
        while (rest > seen)
        {
            var was = Interlocked.CompareExchange(ref _largestRest, rest, seen);
            if (was == seen)
            {
                return;
            }
            seen = was;
        }
    }

    private static int RoundUp(int bytes) => (bytes + 511) / 512 * 512;
}
