using System.Net;
using GmoSign.Host;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace GmoSign.DeployTests;

/// <summary>GmoSign:Orleans:Kubernetes: the addresses a pod needs by default, and nothing changed without it.</summary>
public sealed class HostSettingsTests
{
    /// <summary>The host's own appsettings.json under the given environment, as the host reads it.</summary>
    private static HostSettings From(params (string Key, string Value)[] environment) => FromConfiguration(
        environment.Any(e => e.Key == "GmoSign:Orleans:Kubernetes") ? [.. environment, ("KUBERNETES_SERVICE_HOST", "10.96.0.1")] : environment);

    private static HostSettings FromConfiguration((string Key, string Value)[] environment) =>
        HostSettings.From(new ConfigurationBuilder()
            .AddJsonFile(Repository.PathOf("src/Host/GmoSign.Host/appsettings.json"))
            .AddInMemoryCollection(environment.Select(e => KeyValuePair.Create(e.Key, (string?)e.Value))
                .Prepend(KeyValuePair.Create("ConnectionStrings:Postgres", (string?)"Host=db")))
            .Build());

    [Fact]
    public void Without_Kubernetes_the_host_stays_on_loopback_with_its_usual_ports()
    {
        var settings = From();

        Assert.False(settings.Kubernetes);
        Assert.Equal(IPAddress.Loopback, settings.ListenAddress);
        Assert.Equal(IPAddress.Loopback, settings.ManagementAddress);
        Assert.Equal(IPAddress.Loopback, settings.AdvertisedIp);
        Assert.Equal([5080, 5081, 5082, 11111, 30000], [settings.GrpcPort, settings.GrpcWebPort, settings.ManagementPort, settings.SiloPort, settings.GatewayPort]);
        Assert.Equal(("gmosign-local", "gmosign"), (settings.ClusterId, settings.ServiceId));
    }

    [Fact]
    public void POD_IP_means_nothing_without_Kubernetes()
    {
        var settings = From(("GmoSign:Orleans:Kubernetes", "false"), ("POD_IP", "10.244.1.17"));

        Assert.Equal(IPAddress.Loopback, settings.AdvertisedIp);
        Assert.Equal(IPAddress.Loopback, settings.ListenAddress);
    }

    [Fact]
    public void In_a_pod_the_host_listens_everywhere_and_advertises_the_pod_IP()
    {
        var settings = From(("GmoSign:Orleans:Kubernetes", "true"), ("POD_IP", "10.244.1.17"));

        Assert.True(settings.Kubernetes);
        Assert.Equal(IPAddress.Any, settings.ListenAddress);
        Assert.Equal(IPAddress.Any, settings.ManagementAddress);
        Assert.Equal(IPAddress.Parse("10.244.1.17"), settings.AdvertisedIp);
    }

    [Fact]
    public void In_a_pod_settings_given_explicitly_still_win()
    {
        var settings = From(("GmoSign:Orleans:Kubernetes", "True"), ("POD_IP", "10.244.1.17"),
            ("GmoSign:Http:ListenAddress", "10.244.1.17"), ("GmoSign:Management:ListenAddress", "127.0.0.1"), ("GmoSign:Orleans:AdvertisedIp", "10.0.0.9"));

        Assert.Equal(IPAddress.Parse("10.244.1.17"), settings.ListenAddress);
        Assert.Equal(IPAddress.Loopback, settings.ManagementAddress);
        Assert.Equal(IPAddress.Parse("10.0.0.9"), settings.AdvertisedIp);
    }

    [Theory]
    [InlineData(null, "POD_IP must be the pod's IP address")]
    [InlineData("", "POD_IP must be the pod's IP address")]
    [InlineData("pod-7", "not 'pod-7'")]
    public void In_a_pod_without_its_IP_the_host_stops_naming_POD_IP(string? podIp, string message)
    {
        var environment = new List<(string, string)> { ("GmoSign:Orleans:Kubernetes", "true") };
        if (podIp is not null)
        {
            environment.Add(("POD_IP", podIp));
        }

        var stopped = Assert.Throws<ConfigurationException>(() => From([.. environment]));
        Assert.Equal("POD_IP", stopped.Setting);
        Assert.Contains(message, stopped.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ORLEANS_CLUSTER_ID", "other-cluster")]
    [InlineData("ORLEANS_SERVICE_ID", "other-service")]
    public void Orleans_ids_that_disagree_with_the_hosts_stop_it(string variable, string value)
    {
        var stopped = Assert.Throws<ConfigurationException>(() =>
            From(("GmoSign:Orleans:Kubernetes", "true"), ("POD_IP", "10.244.1.17"), (variable, value)));
        Assert.Equal(variable, stopped.Setting);

        // The same ids are fine, and outside Kubernetes the variables are not Orleans' concern.
        From(("GmoSign:Orleans:Kubernetes", "true"), ("POD_IP", "10.244.1.17"), ("ORLEANS_CLUSTER_ID", "gmosign-local"), ("ORLEANS_SERVICE_ID", "gmosign"));
        From((variable, value));
    }

    [Fact]
    public void Outside_a_pod_Kubernetes_hosting_stops_the_host_with_one_line()
    {
        var stopped = Assert.Throws<ConfigurationException>(() =>
            FromConfiguration([("GmoSign:Orleans:Kubernetes", "true"), ("POD_IP", "10.244.1.17")]));
        Assert.Equal("GmoSign:Orleans:Kubernetes", stopped.Setting);
        Assert.Contains("KUBERNETES_SERVICE_HOST", stopped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flag_that_is_not_true_or_false_stops_the_host()
    {
        var stopped = Assert.Throws<ConfigurationException>(() => From(("GmoSign:Orleans:Kubernetes", "yes")));
        Assert.Equal("GmoSign:Orleans:Kubernetes", stopped.Setting);
    }
}
