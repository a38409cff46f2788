using System.Net;
using Orleans.Hosting.Kubernetes;

namespace GmoSign.Host;

/// <summary>
/// Everything the host reads from configuration (appsettings.json, then environment variables such as
/// <c>ConnectionStrings__Postgres</c> or <c>GmoSign__Http__GrpcPort</c>). Two hosts on one machine form one
/// cluster when they share the database, ClusterId and ServiceId and differ in their ports.
/// <para>
/// With <c>GmoSign:Orleans:Kubernetes</c> the host runs in a pod (deploy/kubernetes): the addresses default to what a
/// pod needs — listen on every address (the kubelet's probes and the Services reach the pod's IP), advertise the pod's
/// IP (<c>POD_IP</c> from the downward API) to the other silos. Settings given explicitly still win.
/// </para>
/// </summary>
internal sealed record HostSettings(
    string ConnectionString,
    IPAddress ListenAddress,
    int GrpcPort,
    int GrpcWebPort,
    string ClusterId,
    string ServiceId,
    IPAddress AdvertisedIp,
    int SiloPort,
    int GatewayPort,
    bool JsonLogs,
    IPAddress ManagementAddress,
    int ManagementPort,
    bool Kubernetes)
{
    public const string ConnectionStringKey = "ConnectionStrings:Postgres";
    public const string KubernetesKey = "GmoSign:Orleans:Kubernetes";

    /// <summary>Set by the kubelet in every container: the address of the cluster's API server.</summary>
    private const string ApiServerVariable = "KUBERNETES_SERVICE_HOST";

    public static HostSettings From(IConfiguration configuration)
    {
        var connectionString = configuration[ConnectionStringKey];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ConfigurationException(ConnectionStringKey, "is not set (environment: ConnectionStrings__Postgres)");
        }

        var kubernetes = Flag(configuration, KubernetesKey);
        // Loopback on a machine of its own; every address in a pod, whose IP is the only way in.
        var listenDefault = kubernetes ? "0.0.0.0" : "127.0.0.1";
        var clusterId = configuration["GmoSign:Orleans:ClusterId"] ?? "gmosign-local";
        var serviceId = configuration["GmoSign:Orleans:ServiceId"] ?? "gmosign";
        if (kubernetes)
        {
            // The kubelet gives every container the API server's address; without it the Kubernetes hosting cannot start.
            if (string.IsNullOrEmpty(configuration[ApiServerVariable]))
            {
                throw new ConfigurationException(KubernetesKey, $"is true, but this is not a Kubernetes pod ({ApiServerVariable} is not set)");
            }
            // Orleans' Kubernetes hosting would take these two over; the host's own settings decide, so they must agree.
            Same(configuration, KubernetesHostingOptions.ClusterIdEnvironmentVariable, "GmoSign:Orleans:ClusterId", clusterId);
            Same(configuration, KubernetesHostingOptions.ServiceIdEnvironmentVariable, "GmoSign:Orleans:ServiceId", serviceId);
        }

        return new HostSettings(
            connectionString,
            Address(configuration, "GmoSign:Http:ListenAddress", listenDefault),
            Port(configuration, "GmoSign:Http:GrpcPort", 5080),
            Port(configuration, "GmoSign:Http:GrpcWebPort", 5081),
            clusterId,
            serviceId,
            kubernetes ? PodAddress(configuration) : Address(configuration, "GmoSign:Orleans:AdvertisedIp", "127.0.0.1"),
            Port(configuration, "GmoSign:Orleans:SiloPort", 11111),
            Port(configuration, "GmoSign:Orleans:GatewayPort", 30000),
            bool.TryParse(configuration["GmoSign:Logging:Json"], out var json) && json,
            // Metrics, health and the dashboard: loopback unless the operator opens it to the management network (in a
            // pod the kubelet's probes and the metrics scraper come to the pod's IP).
            Address(configuration, "GmoSign:Management:ListenAddress", listenDefault),
            Port(configuration, "GmoSign:Management:Port", 5082),
            kubernetes);
    }

    /// <summary>In a pod: the advertised address is the pod's IP unless the operator names one.</summary>
    private static IPAddress PodAddress(IConfiguration configuration)
    {
        if (configuration["GmoSign:Orleans:AdvertisedIp"] is not null)
        {
            return Address(configuration, "GmoSign:Orleans:AdvertisedIp", "");
        }
        const string podIp = KubernetesHostingOptions.PodIPEnvironmentVariable;
        return IPAddress.TryParse(configuration[podIp], out var address)
            ? address
            : throw new ConfigurationException(podIp,
                $"must be the pod's IP address when {KubernetesKey} is true (downward API: status.podIP), not '{configuration[podIp]}'");
    }

    private static void Same(IConfiguration configuration, string orleansVariable, string key, string value)
    {
        if (configuration[orleansVariable] is { Length: > 0 } given && !string.Equals(given, value, StringComparison.Ordinal))
        {
            throw new ConfigurationException(orleansVariable, $"is '{given}' but {key} is '{value}': set {key} only, or both alike");
        }
    }

    private static bool Flag(IConfiguration configuration, string key)
    {
        var value = configuration[key];
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }
        return bool.TryParse(value, out var flag) ? flag : throw new ConfigurationException(key, $"must be true or false, not '{value}'");
    }

    private static int Port(IConfiguration configuration, string key, int fallback)
    {
        var value = configuration[key];
        if (value is null)
        {
            return fallback;
        }
        return int.TryParse(value, out var port) && port is > 0 and < 65536
            ? port
            : throw new ConfigurationException(key, $"must be a TCP port number, not '{value}'");
    }

    private static IPAddress Address(IConfiguration configuration, string key, string fallback)
    {
        var value = configuration[key] ?? fallback;
        return IPAddress.TryParse(value, out var address)
            ? address
            : throw new ConfigurationException(key, $"must be an IP address, not '{value}'");
    }
}

/// <summary>A setting is missing or wrong; the message names the setting.</summary>
internal sealed class ConfigurationException(string setting, string problem)
    : Exception($"Configuration {setting} {problem}.")
{
    public string Setting { get; } = setting;
}
