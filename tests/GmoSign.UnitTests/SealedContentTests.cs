using System.Security.Cryptography;
using System.Text;
using GmoSign.Grains.Ports;
using GmoSign.Platform.Security;
using GmoSign.Retention;

namespace GmoSign.UnitTests;

public sealed class SealedContentTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    /// <summary>A signed revision's shape: a PDF with a long hex signature container and zero padding.</summary>
    private static byte[] SignedLike()
    {
        var der = RandomNumberGenerator.GetBytes(1500);
        var text = "%PDF-1.7\n1 0 obj << /Type /Sig /Contents <" + Convert.ToHexString(der) + Convert.ToHexString(der)
                   + new string('0', 4000) + "> >> endobj\n%%EOF\n";
        return Encoding.ASCII.GetBytes(text);
    }

    [Fact]
    public void Compressible_content_is_stored_smaller_and_reads_back_exactly()
    {
        var id = Guid.NewGuid();
        var plaintext = SignedLike();
        var sealedBytes = SealedContent.Seal(Key, id, plaintext);
        Assert.True(sealedBytes.Length < plaintext.Length / 2, $"{sealedBytes.Length} of {plaintext.Length}");
        Assert.Equal(plaintext, SealedContent.Open(Key, id, sealedBytes));
    }

    [Fact]
    public void Incompressible_content_is_stored_as_it_is_and_reads_back_exactly()
    {
        var id = Guid.NewGuid();
        var plaintext = RandomNumberGenerator.GetBytes(20_000);
        var sealedBytes = SealedContent.Seal(Key, id, plaintext);
        Assert.Equal(12 + 16 + 1 + plaintext.Length, sealedBytes.Length); // nonce, tag, mode byte
        Assert.Equal(plaintext, SealedContent.Open(Key, id, sealedBytes));
        Assert.Equal([], SealedContent.Open(Key, id, SealedContent.Seal(Key, id, [])));
    }

    [Fact]
    public void Large_content_is_compressed_only_when_its_middle_shrinks()
    {
        var id = Guid.NewGuid();
        // 2 MiB of random bytes with a compressible tail (a large scan with a signature appended): stored as it is.
        var scan = RandomNumberGenerator.GetBytes(2 << 20).Concat(SignedLike()).ToArray();
        var sealedScan = SealedContent.Seal(Key, id, scan);
        Assert.Equal(12 + 16 + 1 + scan.Length, sealedScan.Length);
        Assert.Equal(scan, SealedContent.Open(Key, id, sealedScan));
        // 2 MiB of text: compressed.
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 120_000).Select(i => $"line {i}\n")));
        Assert.True(text.Length > 1 << 20);
        var sealedText = SealedContent.Seal(Key, id, text);
        Assert.True(sealedText.Length < text.Length / 4, $"{sealedText.Length} of {text.Length}");
        Assert.Equal(text, SealedContent.Open(Key, id, sealedText));
    }

    [Fact]
    public void A_blob_sealed_before_compression_still_opens()
    {
        var id = Guid.NewGuid();
        var plaintext = SignedLike();
        var legacy = SealedBox.Seal(Key, plaintext, id.ToByteArray());
        Assert.Equal(plaintext, SealedContent.Open(Key, id, legacy));
    }

    [Fact]
    public void Another_content_id_key_or_a_changed_byte_is_refused()
    {
        var id = Guid.NewGuid();
        var sealedBytes = SealedContent.Seal(Key, id, SignedLike());
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Open(Key, Guid.NewGuid(), sealedBytes));
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Open(RandomNumberGenerator.GetBytes(32), id, sealedBytes));
        var changed = sealedBytes.ToArray();
        changed[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Open(Key, id, changed));
    }

    [Fact]
    public void A_delta_opens_only_over_the_base_it_was_sealed_over()
    {
        var id = Guid.NewGuid();
        var extends = new ContentBase(Guid.NewGuid(), 20_000);
        var added = SignedLike();
        var sealedBytes = SealedContent.Seal(Key, id, added, extends);
        Assert.Equal(added, SealedContent.Open(Key, id, sealedBytes, extends));
        // Another base, another length, or read as whole content: refused (a delta cannot be moved under another document).
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Open(Key, id, sealedBytes, extends with { ContentId = Guid.NewGuid() }));
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Open(Key, id, sealedBytes, extends with { Length = 19_999 }));
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Open(Key, id, sealedBytes));
        // And whole content cannot be read as a delta.
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Open(Key, id, SealedContent.Seal(Key, id, added), extends));
    }

    [Fact]
    public void A_damaged_frame_is_refused_not_misread()
    {
        // Only the service seals frames, so these can only come from a bug or damaged storage: each is refused.
        var brotli = SealedContent.Frame(SignedLike());
        Assert.Equal(1, brotli[0]);
        var wrongLength = brotli.ToArray();
        wrongLength[1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Unframe(wrongLength));
        var negative = brotli.ToArray();
        negative[4] = 0x80;
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Unframe(negative));
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Unframe(brotli.AsSpan(0, brotli.Length / 2)));
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Unframe([7, 1, 2]));
        Assert.ThrowsAny<CryptographicException>(() => SealedContent.Unframe([]));
    }
}
