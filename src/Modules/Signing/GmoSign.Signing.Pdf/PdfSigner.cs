namespace GmoSign.Signing.Pdf;

/// <summary>
/// Signs PDFs (PAdES B-T: CAdES detached CMS with an RFC 3161 timestamp) and adds document timestamps (B-LTA style),
/// each as an incremental revision so that every earlier signature stays valid. Stamps and field values are drawn in
/// <paramref name="font"/>, embedded as a subset (none: the readers' own Japanese font).
/// </summary>
public sealed class PdfSigner(ITimestampAuthority timestamps, TimeProvider clock, EmbeddedFont? font = null)
{
    // The room reserved for the container in /Contents is written twice over (hex) into every revision, and every
    // revision is stored whole, so room never used is paid for in storage, encryption and the commit's WAL. Each kind
    // of container reserves what the largest one seen so far took plus headroom; one that does not fit is made again
    // with enough room (the signature covers the reserved length, so it cannot simply be moved).
    private readonly ContainerRoom _signatureRoom = new(initial: 8 * 1024);
    private readonly ContainerRoom _timestampRoom = new(initial: 4 * 1024);

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
        return await _signatureRoom.FillAsync(room => PdfIncrementalWriter.Prepare(pdf, info, room),
            async prepared => await CadesSignature.CreateAsync(prepared.Digest(), signer, timestamps, cancellationToken));
    }

    public async Task<byte[]> AddDocumentTimestampAsync(ReadOnlyMemory<byte> pdf, string fieldName, CancellationToken cancellationToken)
    {
        var info = new PdfSignatureInfo(fieldName, clock.GetUtcNow(), DocumentTimestamp: true);
        return await _timestampRoom.FillAsync(room => PdfIncrementalWriter.Prepare(pdf, info, room),
            async prepared => await timestamps.TimestampAsync(prepared.Digest(), cancellationToken));
    }
}

/// <summary>
/// How many bytes to reserve for one kind of signature container: the largest seen so far plus headroom (ECDSA
/// signatures, serial numbers and times vary by a few bytes; another timestamp authority's chain by more), or the
/// initial guess before any was made. A container that does not fit is made again with room for it.
/// </summary>
internal sealed class ContainerRoom(int initial)
{
    private const int Headroom = 1024;
    private const int Limit = 256 * 1024;
    private int _largest;

    public int Current => Volatile.Read(ref _largest) is > 0 and var largest ? RoundUp(largest + Headroom) : initial;

    public async Task<byte[]> FillAsync(Func<int, PreparedSignature> prepare, Func<PreparedSignature, Task<byte[]>> make)
    {
        var room = Current;
        while (true)
        {
            var prepared = prepare(room);
            var container = await make(prepared);
            Observe(container.Length);
            if (container.Length <= prepared.Capacity)
            {
                return prepared.Complete(container);
            }
            if (room >= Limit)
            {
                throw new InvalidOperationException($"The signature container ({container.Length} bytes) exceeds {Limit} bytes.");
            }
            room = Math.Min(Limit, Math.Max(room * 2, RoundUp(container.Length + Headroom)));
        }
    }

    private void Observe(int length)
    {
        var seen = Volatile.Read(ref _largest);
        while (length > seen)
        {
            var was = Interlocked.CompareExchange(ref _largest, length, seen);
            if (was == seen)
            {
                return;
            }
            seen = was;
        }
    }

    private static int RoundUp(int bytes) => (bytes + 511) / 512 * 512;
}
