using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace GmoSign.Grains.Ports;

/// <summary>
/// The audit trail's hash chain: each entry's hash covers its own fields and the previous entry's hash, so changing,
/// removing or reordering any stored entry breaks every hash after it. Times are hashed at microsecond precision,
/// the precision PostgreSQL keeps.
/// </summary>
public static class AuditChain
{
    public static readonly byte[] Genesis = new byte[32];

    public static DateTimeOffset Truncate(DateTimeOffset at) => new(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero);

    public static byte[] Hash(Guid envelopeId, long sequence, DateTimeOffset at, string action, string actor, string? principal,
        Guid? recipientId, string? ipAddress, string? userAgent, string detail, byte[] previousHash)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[8];
        hash.AppendData(previousHash);
        hash.AppendData(envelopeId.ToByteArray());
        BinaryPrimitives.WriteInt64BigEndian(number, sequence);
        hash.AppendData(number);
        BinaryPrimitives.WriteInt64BigEndian(number, Truncate(at).UtcTicks);
        hash.AppendData(number);
        foreach (var field in new[] { action, actor, principal, recipientId?.ToString(), ipAddress, userAgent, detail })
        {
            // Length-prefixed, with -1 for null, so that no two field lists hash alike.
            var bytes = field is null ? [] : Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt64BigEndian(number, field is null ? -1 : bytes.Length);
            hash.AppendData(number);
            hash.AppendData(bytes);
        }
        return hash.GetHashAndReset();
    }

    public static byte[] Hash(Guid envelopeId, AuditRecord r) =>
        Hash(envelopeId, r.Sequence, r.At, r.Action, r.Actor, r.Principal, r.RecipientId, r.IpAddress, r.UserAgent, r.Detail, r.PreviousHash);

    /// <summary>The sequence number of the first entry that does not chain, or 0 when the trail is intact.</summary>
    public static long FirstBroken(Guid envelopeId, IReadOnlyList<AuditRecord> trail)
    {
        var previous = Genesis;
        for (var i = 0; i < trail.Count; i++)
        {
            var entry = trail[i];
            if (entry.Sequence != i + 1 || !entry.PreviousHash.AsSpan().SequenceEqual(previous)
                || !Hash(envelopeId, entry).AsSpan().SequenceEqual(entry.Hash))
            {
                return i + 1;
            }
            previous = entry.Hash;
        }
        return 0;
    }
}
