using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using GmoSign.Platform.Security;
using GmoSign.Reseller.Contracts;

namespace GmoSign.Accounts;

/// <summary>
/// Tenant users' sessions as this host last read them, so that a call with a session token need not read the
/// database. An entry holds the tenant's session epoch read <em>before</em> the session row; every change to a session
/// or to a user that a session carries (logout, a disabled user, a confirmed second factor) is written first and then
/// bumps the tenant's epoch (<see cref="ITenantContracts.ForgetSessionsAsync"/>), and every call reads the tenant — it
/// does so anyway for the contract — and compares. So a revocation through any host is refused by the very next call
/// on every host, as without the cache; a tenant grain that is activated again starts a new epoch, which only costs
/// one read per session. Where a bump can be missed — the host died between the write and the bump, a host of an
/// older version revoked during a rolling upgrade, two activations of a tenant grain existed for a moment — an entry
/// is trusted for <see cref="MaxAge"/> at most, then read again. Operators' and resellers' sessions are not kept
/// (they have no tenant; they are few).
/// </summary>
internal sealed class SessionCache
{
    /// <summary>Entries kept at most; beyond it the cache starts over (each session then costs one read again).</summary>
    private const int Capacity = 100_000;

    /// <summary>How long an entry is trusted without reading the session again, even when no bump came.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private int _writes;

    /// <summary>The SHA-256 of a session token, as two halves (the token itself is never kept).</summary>
    public readonly record struct Key(UInt128 High, UInt128 Low);

    /// <param name="ReadAt">When the session row was read.</param>
    public sealed record Entry(Guid TenantId, Guid Epoch, DateTimeOffset ExpiresAt, DateTimeOffset ReadAt, Caller Caller);

    private readonly ConcurrentDictionary<Key, Entry> _entries = new();

    public static Key KeyOf(byte[] tokenHash) =>
        new(MemoryMarshal.Read<UInt128>(tokenHash.AsSpan(0, 16)), MemoryMarshal.Read<UInt128>(tokenHash.AsSpan(16, 16)));

    public bool TryGet(Key key, out Entry entry) => _entries.TryGetValue(key, out entry!);

    public void Remember(Key key, Entry entry)
    {
        // Counting takes every lock of the dictionary: only every 1,024th write looks.
        if ((Interlocked.Increment(ref _writes) & 1023) == 0 && _entries.Count >= Capacity)
        {
            _entries.Clear();
        }
        _entries[key] = entry;
    }

    public void Forget(Key key) => _entries.TryRemove(key, out _);
}
