using System.Collections.Concurrent;
using System.Security.Cryptography;
using Dapper;
using GmoSign.Grains.Ports;
using GmoSign.Platform.Security;
using GmoSign.Retention.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmoSign.Retention;

/// <summary>The master key does not fit the data, or is missing or malformed; the message names the setting.</summary>
public sealed class MasterKeyException(string message) : Exception(message);

/// <summary>
/// Encryption at rest (Art. 4-5): each tenant has its own 256-bit data key, stored only wrapped by the master key;
/// documents are compressed when that pays and sealed with AES-256-GCM under the tenant key (random 96-bit nonce, the
/// document id as associated data so a sealed blob cannot be moved to another document; <see cref="SealedContent"/>).
/// Deleting the wrapped key makes every copy of the tenant's documents unreadable (crypto-shredding). Unwrapped keys
/// are cached in memory for the hot path.
/// </summary>
internal sealed class DocumentVault(NpgsqlDataSource db, IDocumentBlobStore blobs, IOptions<RetentionOptions> options) : IKeyDerivation
{
    private static readonly byte[] CheckPlaintext = "GmoSign master key check v1"u8.ToArray();
    private readonly ConcurrentDictionary<Guid, byte[]> _keys = new();
    private byte[]? _master;

    private byte[] Master => _master ??= ParseMasterKey(options.Value.MasterKey);

    public static byte[] ParseMasterKey(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new MasterKeyException($"{RetentionOptions.MasterKeySetting} is not set (32 random bytes, base64).");
        }
        try
        {
            var key = Convert.FromBase64String(value);
            return key.Length == 32 ? key : throw new MasterKeyException($"{RetentionOptions.MasterKeySetting} must be 32 bytes, not {key.Length}.");
        }
        catch (FormatException)
        {
            throw new MasterKeyException($"{RetentionOptions.MasterKeySetting} is not base64.");
        }
    }

    /// <summary>At start-up: the configured master key must open the check value sealed with the first one.</summary>
    public async Task VerifyMasterKeyAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var master = Master;
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO retention.master_key_check (id, sealed, created_at) VALUES (1, @Sealed, @Now) ON CONFLICT (id) DO NOTHING",
            new { Sealed = SealedBox.Seal(master, CheckPlaintext, [1]), Now = now }, cancellationToken: cancellationToken));
        var sealedCheck = (await connection.ExecuteScalarAsync<byte[]>(new CommandDefinition(
            "SELECT sealed FROM retention.master_key_check WHERE id = 1", cancellationToken: cancellationToken)))!;
        try
        {
            SealedBox.Open(master, sealedCheck, [1]);
        }
        catch (CryptographicException)
        {
            throw new MasterKeyException(
                $"{RetentionOptions.MasterKeySetting} is not the key that encrypted this database's documents; refusing to start.");
        }
    }

    /// <param name="extends">the stored content the plaintext continues: only <paramref name="plaintext"/> is sealed, bound to it.</param>
    public async Task<byte[]> SealAsync(Guid tenantId, Guid documentId, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken,
        ContentBase? extends = null) =>
        SealedContent.Seal(await TenantKeyAsync(tenantId, create: true, cancellationToken), documentId, plaintext.Span, extends);

    /// <summary>
    /// A stored document's plaintext, or null when its sealed bytes are gone. A delta is read with the blobs it
    /// continues, oldest first; a chain whose oldest blob is itself a delta (its base is gone) is damaged and throws.
    /// </summary>
    public async Task<byte[]?> ReadAsync(Guid tenantId, Guid documentId, CancellationToken cancellationToken)
    {
        var chain = await blobs.GetChainAsync(tenantId, documentId, cancellationToken);
        if (chain.Count == 0)
        {
            return null;
        }
        if (chain[0].BaseId is { } missing)
        {
            throw new CryptographicException($"Content {chain[^1].DocumentId} continues content {missing}, which is gone.");
        }
        var key = await TenantKeyAsync(tenantId, create: false, cancellationToken);
        var plaintext = SealedContent.Open(key, chain[0].DocumentId, chain[0].Sealed);
        if (chain.Count == 1)
        {
            return plaintext;
        }
        var whole = new MemoryStream();
        whole.Write(plaintext);
        for (var i = 1; i < chain.Count; i++)
        {
            var extends = new ContentBase(chain[i - 1].DocumentId, checked((int)whole.Length));
            whole.Write(SealedContent.Open(key, chain[i].DocumentId, chain[i].Sealed, extends));
        }
        return whole.ToArray();
    }

    /// <summary>A key for one purpose, derived from the master key (HKDF-SHA256), identical on every host.</summary>
    public byte[] DeriveKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Master, 32, salt: "GmoSign key derivation"u8.ToArray(), info: System.Text.Encoding.UTF8.GetBytes(purpose));

    /// <summary>Forgets a destroyed tenant key on this host.</summary>
    public void Forget(Guid tenantId) => _keys.TryRemove(tenantId, out _);

    private async Task<byte[]> TenantKeyAsync(Guid tenantId, bool create, CancellationToken cancellationToken)
    {
        if (_keys.TryGetValue(tenantId, out var cached))
        {
            return cached;
        }
        await using var connection = db.CreateConnection();
        if (create)
        {
            // Two hosts may race to create the key: the first insert wins and both read it back.
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO retention.tenant_key (tenant_id, wrapped_key, created_at) VALUES (@TenantId, @WrappedKey, now()) ON CONFLICT (tenant_id) DO NOTHING",
                new { TenantId = tenantId, WrappedKey = SealedBox.Seal(Master, RandomNumberGenerator.GetBytes(32), tenantId.ToByteArray()) },
                cancellationToken: cancellationToken));
        }
        var wrapped = await connection.ExecuteScalarAsync<byte[]?>(new CommandDefinition(
            "SELECT wrapped_key FROM retention.tenant_key WHERE tenant_id = @TenantId", new { TenantId = tenantId }, cancellationToken: cancellationToken))
            ?? throw new CryptographicException("The tenant's data key does not exist (destroyed or never created).");
        var key = SealedBox.Open(Master, wrapped, tenantId.ToByteArray());
        _keys[tenantId] = key;
        return key;
    }
}
