using System.Collections.Concurrent;
using System.Net;
using Dapper;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Reseller.Contracts;
using Npgsql;

namespace GmoSign.Accounts;

/// <summary>
/// The IP-restriction option (GMO Sign: up to 100 addresses, CIDR prefixes): when a tenant holds the option and has
/// a non-empty list, its users and integrations are refused from any other address — at sign-in and on every call.
/// Each host caches a tenant's list under the tenant's session epoch (<see cref="Caller.TenantEpoch"/>, read on every
/// call anyway); a change bumps the epoch, so every host reads the new list on its next call of that tenant. Should the
/// changing host die between its write and the bump, a cached list lives at most <see cref="Lifetime"/>.
/// </summary>
internal sealed class IpAllowList(NpgsqlDataSource db, ITenantContracts tenants, TimeProvider clock) : ICallerCheck
{
    public const int MaxEntries = 100;
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<Guid, (IPNetwork[] Networks, DateTimeOffset LoadedAt, Guid? Epoch)> _cache = new();

    public static IPNetwork[] Parse(IReadOnlyList<string> entries, string field)
    {
        if (entries.Count > MaxEntries)
        {
            throw DomainException.Invalid(field, $"may hold at most {MaxEntries} entries", $"{MaxEntries}件以内で指定してください");
        }
        var networks = new IPNetwork[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var text = entries[i].Trim();
            if (IPNetwork.TryParse(text, out var network))
            {
                networks[i] = network;
            }
            else if (IPAddress.TryParse(text, out var address))
            {
                networks[i] = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            }
            else
            {
                throw DomainException.Invalid($"{field}[{i}]", "is not an IP address or CIDR prefix", "IPアドレスまたはCIDR形式ではありません");
            }
        }
        return networks.Distinct().ToArray();
    }

    /// <summary>The list as stored (the settings page: never from a cache).</summary>
    public async Task<string[]> GetAsync(Guid tenantId, CancellationToken cancellationToken) =>
        (await ReadAsync(tenantId, cancellationToken)).Select(n => n.ToString()).ToArray();

    public async Task SetAsync(Guid tenantId, IPNetwork[] networks, Guid by, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO accounts.tenant_security (tenant_id, ip_allow_list, updated_at, updated_by) VALUES (@TenantId, @Networks, @Now, @By)
            ON CONFLICT (tenant_id) DO UPDATE SET ip_allow_list = excluded.ip_allow_list,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """, new { TenantId = tenantId, Networks = networks.Select(n => n.ToString()).ToArray(), Now = now, By = by },
            cancellationToken: cancellationToken));
        _cache.TryRemove(tenantId, out _);
        // Not cancelled half-way: once the list is stored, every host must hear of it.
        await tenants.ForgetSessionsAsync(tenantId, CancellationToken.None);
    }

    /// <summary>Refuses a tenant caller outside the tenant's allow-list.</summary>
    /// <param name="epoch">The tenant's session epoch as the caller's resolution read it; a list cached under another is read again.</param>
    public async Task EnforceAsync(Guid tenantId, string? ipAddress, Guid? epoch, CancellationToken cancellationToken)
    {
        var networks = await LoadAsync(tenantId, epoch, cancellationToken);
        if (networks.Length == 0)
        {
            return;
        }
        var tenant = await tenants.GetAsync(tenantId, cancellationToken);
        if (tenant is null || !tenant.Holds(OptionCodes.IpRestriction))
        {
            return;
        }
        if (ipAddress is null || !IPAddress.TryParse(ipAddress, out var address) || !networks.Any(n => n.Contains(address)))
        {
            throw new DomainException(ErrorKind.PermissionDenied, "IP_NOT_ALLOWED",
                $"Access from {ipAddress ?? "an unknown address"} is not allowed by your organization's IP restriction.",
                $"組織のIPアドレス制限により、{ipAddress ?? "不明なアドレス"} からのアクセスは許可されていません。");
        }
    }

    public ValueTask CheckAsync(Caller caller, CancellationToken cancellationToken) =>
        caller.Kind is CallerKind.TenantUser or CallerKind.Integration && caller.TenantId is { } tenantId
            ? new ValueTask(EnforceAsync(tenantId, caller.IpAddress, caller.TenantEpoch, cancellationToken))
            : ValueTask.CompletedTask;

    private async Task<IPNetwork[]> LoadAsync(Guid tenantId, Guid? epoch, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(tenantId, out var cached) && now - cached.LoadedAt < Lifetime && cached.Epoch == epoch)
        {
            return cached.Networks;
        }
        // Kept under the epoch read before this read: a change after it bumps the epoch, and the next call reads again.
        var networks = await ReadAsync(tenantId, cancellationToken);
        _cache[tenantId] = (networks, now, epoch);
        return networks;
    }

    private async Task<IPNetwork[]> ReadAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var stored = await connection.ExecuteScalarAsync<string[]?>(new CommandDefinition(
            "SELECT ip_allow_list FROM accounts.tenant_security WHERE tenant_id = @TenantId",
            new { TenantId = tenantId }, cancellationToken: cancellationToken)) ?? [];
        return stored.Select(IPNetwork.Parse).ToArray();
    }
}
