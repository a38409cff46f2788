using System.Net;
using System.Net.Sockets;
using GmoSign.Platform.Security;

namespace GmoSign.UnitTests;

/// <summary>Which addresses a tenant's webhook may reach, and the handler that checks them after name resolution.</summary>
public sealed class OutboundAddressTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("10.1.2.3")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.0.1")]
    [InlineData("100.127.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.251")]
    [InlineData("255.255.255.255")]
    [InlineData("198.19.1.1")]
    [InlineData("203.0.113.7")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::a00:1")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("2002:c0a8:0101::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    [InlineData("2001:db8::1")]
    [InlineData("2001::1")]
    [InlineData("3fff::1")]
    public void Internal_and_reserved_addresses_are_not_public(string address) =>
        Assert.False(OutboundAddresses.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("133.242.0.1")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2404:6800:4004:80a::200e")]
    [InlineData("::ffff:8.8.4.4")]
    [InlineData("2002:0808:0808::1")]
    public void Public_addresses_are_public(string address) =>
        Assert.True(OutboundAddresses.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("https://2130706433/", "127.0.0.1")]
    [InlineData("https://0x7f.1/", "127.0.0.1")]
    [InlineData("https://0177.0.0.1/", "127.0.0.1")]
    [InlineData("https://[::ffff:7f00:1]/", "::ffff:127.0.0.1")]
    public void Literal_hosts_are_read_in_every_spelling(string url, string expected) =>
        Assert.Equal(IPAddress.Parse(expected), OutboundAddresses.Literal(new Uri(url)));

    [Fact]
    public void Loopback_is_allowed_only_by_the_development_setting()
    {
        Assert.False(OutboundAddresses.IsAllowed(IPAddress.Loopback, allowLoopback: false));
        Assert.True(OutboundAddresses.IsAllowed(IPAddress.Loopback, allowLoopback: true));
        Assert.False(OutboundAddresses.IsAllowed(IPAddress.Parse("10.0.0.1"), allowLoopback: true));
    }

    [Fact]
    public async Task A_name_that_resolves_to_loopback_is_refused_at_connect_time()
    {
        // The machine's own name resolves to a loopback address here (/etc/hosts): a rebinding name as DNS would give it.
        var name = Dns.GetHostName();
        var resolved = await Dns.GetHostAddressesAsync(name);
        Assert.Contains(resolved, IPAddress.IsLoopback);
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        using var guarded = new HttpClient(GuardedHttp.Handler(allowLoopback: false));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => guarded.GetAsync($"http://{name}:{port}/"));
        Assert.IsType<OutboundAddressRefusedException>(refused.InnerException);
        Assert.False(listener.Pending()); // nothing connected
        Assert.Equal("address not allowed", GmoSign.Signing.WebhookDispatcher.Outcome(refused));

        var literal = await Assert.ThrowsAsync<HttpRequestException>(() => guarded.GetAsync($"http://127.0.0.1:{port}/"));
        Assert.IsType<OutboundAddressRefusedException>(literal.InnerException);
    }
}

/// <summary>How the rate limiter counts client addresses.</summary>
public sealed class RateLimitAddressTests
{
    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9")]
    [InlineData("::ffff:203.0.113.9", "203.0.113.9")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData(null, "unknown")]
    [InlineData("not an address", "unknown")]
    public void Ipv6_clients_are_counted_by_their_64_bit_network(string? address, string key) =>
        Assert.Equal(key, RateLimitInterceptor.AddressKey(address));
}
