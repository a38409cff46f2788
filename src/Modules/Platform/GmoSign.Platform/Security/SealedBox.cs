using System.Security.Cryptography;

namespace GmoSign.Platform.Security;

/// <summary>
/// AES-256-GCM sealing with the layout every sealed value of the platform uses: random 96-bit nonce | 128-bit tag |
/// ciphertext. The associated data binds a sealed value to what it belongs to (a document, a tenant, an endpoint), so
/// it cannot be moved to another one.
/// </summary>
public static class SealedBox
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), associatedData);
        return output;
    }

    /// <summary>Throws <see cref="CryptographicException"/> when the key or the associated data is not the sealing one.</summary>
    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedBytes, ReadOnlySpan<byte> associatedData)
    {
        var plaintext = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes[..NonceSize], sealedBytes[(NonceSize + TagSize)..], sealedBytes.Slice(NonceSize, TagSize), plaintext, associatedData);
        return plaintext;
    }
}
