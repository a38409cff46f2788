using System.Net;
using System.Net.Sockets;

namespace GmoSign.Platform.Security;

/// <summary>
/// Which network addresses a tenant-chosen URL (a webhook) may reach: public unicast addresses only. Refused are
/// loopback, private (RFC 1918), carrier-grade NAT, link-local, unique-local, site-local, multicast, unspecified,
/// broadcast, reserved, benchmarking and documentation ranges, and IPv6 spellings that carry an IPv4 address
/// (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by that IPv4 address. Checked at registration for literal
/// hosts and again at connect time for every address a name resolves to, so that DNS rebinding cannot pass.
/// </summary>
public static class OutboundAddresses
{
    private static readonly (uint Network, int Prefix)[] BlockedV4 =
    [
        (0x00000000, 8),   // 0.0.0.0/8 "this network", unspecified
        (0x0A000000, 8),   // 10.0.0.0/8 private
        (0x64400000, 10),  // 100.64.0.0/10 carrier-grade NAT
        (0x7F000000, 8),   // 127.0.0.0/8 loopback
        (0xA9FE0000, 16),  // 169.254.0.0/16 link-local (cloud metadata)
        (0xAC100000, 12),  // 172.16.0.0/12 private
        (0xC0000000, 24),  // 192.0.0.0/24 IETF protocol assignments
        (0xC0000200, 24),  // 192.0.2.0/24 documentation
        (0xC0586300, 24),  // 192.88.99.0/24 6to4 relay anycast
        (0xC0A80000, 16),  // 192.168.0.0/16 private
        (0xC6120000, 15),  // 198.18.0.0/15 benchmarking
        (0xC6336400, 24),  // 198.51.100.0/24 documentation
        (0xCB007100, 24),  // 203.0.113.0/24 documentation
        (0xE0000000, 4),   // 224.0.0.0/4 multicast
        (0xF0000000, 4),   // 240.0.0.0/4 reserved, broadcast
    ];

    /// <summary>True only for an address a tenant's URL may reach.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var bytes = address.GetAddressBytes();
            var value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
            return !BlockedV4.Any(r => (value >> (32 - r.Prefix)) == (r.Network >> (32 - r.Prefix)));
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        if (EmbeddedIPv4(address) is { } embedded)
        {
            return IsPublic(embedded);
        }
        var b = address.GetAddressBytes();
        // Only global unicast (2000::/3) is reachable; inside it the special-purpose blocks are not.
        if ((b[0] & 0xE0) != 0x20)
        {
            return false;
        }
        var first16 = b[0] << 8 | b[1];
        var second16 = b[2] << 8 | b[3];
        return !(first16 == 0x2001 && second16 < 0x0200) // 2001::/23 IETF protocol assignments (Teredo, benchmarking, ORCHID)
            && !(first16 == 0x2001 && second16 == 0x0DB8) // 2001:db8::/32 documentation
            && !(first16 == 0x3FFF && second16 < 0x1000); // 3fff::/20 documentation
    }

    /// <summary>The IPv4 address an IPv6 spelling carries: IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) or 6to4 (2002::/16).</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        var b = address.GetAddressBytes();
        var zeroTo = (int n) => b.Take(n).All(x => x == 0);
        if (zeroTo(12) && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1))
        {
            return new IPAddress(b[12..16]); // ::a.b.c.d (IPv4-compatible)
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b.Skip(4).Take(8).All(x => x == 0))
        {
            return new IPAddress(b[12..16]); // 64:ff9b::a.b.c.d (NAT64)
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return new IPAddress(b[2..6]); // 2002:AABB:CCDD::/48 (6to4)
        }
        return null;
    }

    /// <summary>Names that always mean this machine or a local network, whatever DNS says.</summary>
    public static bool IsLocalName(string host)
    {
        var name = host.TrimEnd('.').ToLowerInvariant();
        return name is "localhost" or "localhost.localdomain" or "ip6-localhost" or "ip6-loopback" or ""
            || name.EndsWith(".localhost", StringComparison.Ordinal) || name.EndsWith(".local", StringComparison.Ordinal)
            || name.EndsWith(".internal", StringComparison.Ordinal) || name.EndsWith(".home.arpa", StringComparison.Ordinal)
            || name.EndsWith(".localdomain", StringComparison.Ordinal) || !name.Contains('.', StringComparison.Ordinal);
    }

    /// <summary>
    /// The host of a URL as an address when it is one in any spelling IPv4 parsers accept (dotted, decimal, octal,
    /// hexadecimal, short forms) or an IPv6 literal; null for a name.
    /// </summary>
    public static IPAddress? Literal(Uri uri)
    {
        var host = uri.IdnHost.Trim('[', ']');
        return IPAddress.TryParse(host, out var address) ? address : null;
    }

    /// <param name="allowLoopback">Development only: loopback addresses (127.0.0.0/8, ::1) pass too.</param>
    public static bool IsAllowed(IPAddress address, bool allowLoopback) =>
        IsPublic(address) || (allowLoopback && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));
}

/// <summary>A connection refused because the address is not one a tenant's URL may reach.</summary>
public sealed class OutboundAddressRefusedException(string host) : IOException($"Outbound connection to {host} refused: not a public address.");

/// <summary>An HTTP handler that resolves names itself and connects only to addresses <see cref="OutboundAddresses"/> allows.</summary>
public static class GuardedHttp
{
    public static SocketsHttpHandler Handler(bool allowLoopback) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, cancellationToken);
            // Every address the name has must be allowed, and only those checked are dialled.
            if (addresses.Length == 0 || !addresses.All(a => OutboundAddresses.IsAllowed(a, allowLoopback)))
            {
                throw new OutboundAddressRefusedException(host);
            }
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
