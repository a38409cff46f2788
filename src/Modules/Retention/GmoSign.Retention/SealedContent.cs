using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using GmoSign.Grains.Ports;
using GmoSign.Platform.Security;

namespace GmoSign.Retention;

/// <summary>
/// The format of a sealed blob. Version 2 compresses before it encrypts: a signed revision is mostly its signature
/// container written in hex, with the same certificates in every signature and in the timestamp tokens, so a
/// 1-page contract's first signed revision (13.7 KiB) seals to ≈ 2.8 KiB — less for PostgreSQL to write, log and
/// TOAST. Content that does not shrink by an eighth (already-compressed scans and images) is stored as it is.
/// <para>
/// A delta (the bytes a PDF revision adds to the stored revision it begins with) is framed the same way and bound to
/// its base by the associated data (the content id, the byte 3, the base's id and length).
/// </para>
/// <para>
/// Version 2's plaintext is one mode byte — 0 stored, 1 Brotli followed by the original length (4 bytes, little
/// endian) — then the bytes. The version is bound by the associated data (the content id, then the byte 2), so a blob
/// cannot be read as the other version; blobs sealed before version 2 (the content id alone as associated data, the
/// bytes as they were) are still opened.
/// </para>
/// <para>
/// Compressing before encrypting reveals only how well a tenant's own document compresses, and only to whoever sees
/// the stored blob's length: no secret of another party is mixed into the same blob.
/// </para>
/// </summary>
internal static class SealedContent
{
    private const byte Stored = 0;
    private const byte Brotli = 1;
    private const byte Version2 = 2;
    private const byte Delta = 3;

    /// <summary>Brotli quality 1: about as fast as a copy for this kind of content, most of the gain.</summary>
    private const int Quality = 1;

    private const int Window = 22;

    /// <summary>Larger content is compressed only when a sample from its middle shrinks (a large PDF is mostly compressed images).</summary>
    private const int SampleAbove = 1 << 20;

    private const int SampleSize = 128 << 10;

    /// <param name="extends">
    /// the stored content the plaintext continues (a delta: the plaintext is what follows that content's bytes). Its id
    /// and length are bound into the associated data, so a delta cannot be read over another base.
    /// </param>
    public static byte[] Seal(ReadOnlySpan<byte> key, Guid contentId, ReadOnlySpan<byte> plaintext, ContentBase? extends = null)
    {
        var framed = Frame(plaintext);
        return SealedBox.Seal(key, framed, extends is null ? AssociatedData(contentId, Version2) : DeltaData(contentId, extends));
    }

    /// <summary>Throws <see cref="CryptographicException"/> when the key or the content id is not the sealing one, or the content is damaged.</summary>
    /// <param name="extends">for a delta: the content it was sealed over (see <see cref="Seal"/>).</param>
    public static byte[] Open(ReadOnlySpan<byte> key, Guid contentId, ReadOnlySpan<byte> sealedBytes, ContentBase? extends = null)
    {
        if (extends is not null)
        {
            return Unframe(SealedBox.Open(key, sealedBytes, DeltaData(contentId, extends)));
        }
        byte[] framed;
        try
        {
            framed = SealedBox.Open(key, sealedBytes, AssociatedData(contentId, Version2));
        }
        catch (CryptographicException)
        {
            // Sealed before version 2: the content id alone, the bytes as they were.
            return SealedBox.Open(key, sealedBytes, contentId.ToByteArray());
        }
        return Unframe(framed);
    }

    internal static byte[] Frame(ReadOnlySpan<byte> plaintext)
    {
        if (plaintext.Length >= 64 && Compressible(plaintext))
        {
            var output = new byte[5 + BrotliEncoder.GetMaxCompressedLength(plaintext.Length)];
            if (BrotliEncoder.TryCompress(plaintext, output.AsSpan(5), out var written, Quality, Window)
                && written <= plaintext.Length - plaintext.Length / 8)
            {
                output[0] = Brotli;
                BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(1, 4), plaintext.Length);
                return output[..(5 + written)];
            }
        }
        var stored = new byte[1 + plaintext.Length];
        stored[0] = Stored;
        plaintext.CopyTo(stored.AsSpan(1));
        return stored;
    }

    internal static byte[] Unframe(ReadOnlySpan<byte> framed)
    {
        if (framed.Length >= 1 && framed[0] == Stored)
        {
            return framed[1..].ToArray();
        }
        if (framed.Length >= 5 && framed[0] == Brotli)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(framed.Slice(1, 4));
            if (length >= 0)
            {
                var plaintext = new byte[length];
                if (BrotliDecoder.TryDecompress(framed[5..], plaintext, out var written) && written == length)
                {
                    return plaintext;
                }
            }
        }
        throw new CryptographicException("The sealed content's frame is damaged.");
    }

    private static bool Compressible(ReadOnlySpan<byte> plaintext)
    {
        if (plaintext.Length <= SampleAbove)
        {
            return true;
        }
        var sample = plaintext.Slice(plaintext.Length / 2 - SampleSize / 2, SampleSize);
        var output = new byte[BrotliEncoder.GetMaxCompressedLength(SampleSize)];
        return BrotliEncoder.TryCompress(sample, output, out var written, Quality, Window) && written <= SampleSize - SampleSize / 8;
    }

    private static byte[] DeltaData(Guid contentId, ContentBase extends)
    {
        var data = new byte[37];
        contentId.TryWriteBytes(data);
        data[16] = Delta;
        extends.ContentId.TryWriteBytes(data.AsSpan(17));
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(33), extends.Length);
        return data;
    }

    private static byte[] AssociatedData(Guid contentId, byte version)
    {
        var data = new byte[17];
        contentId.TryWriteBytes(data);
        data[16] = version;
        return data;
    }
}
