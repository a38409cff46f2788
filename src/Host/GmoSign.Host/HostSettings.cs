using System.Net;

namespace GmoSign.Host;

/// <summary>
/// Everything the host reads from configuration (appsettings.json, then environment variables such as
/// <c>ConnectionStrings__Postgres</c> or <c>GmoSign__Http__GrpcPort</c>). Two hosts on one machine form one
/// cluster when they share the database, ClusterId and ServiceId and differ in their ports.
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
    int ManagementPort)
{
    public const string ConnectionStringKey = "ConnectionStrings:Postgres";

    public static HostSettings From(IConfiguration configuration)
    {
        var connectionString = configuration[ConnectionStringKey];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ConfigurationException(ConnectionStringKey, "is not set (environment: ConnectionStrings__Postgres)");
        }

        return new HostSettings(
            connectionString,
            Address(configuration, "GmoSign:Http:ListenAddress", "127.0.0.1"),
            Port(configuration, "GmoSign:Http:GrpcPort", 5080),
            Port(configuration, "GmoSign:Http:GrpcWebPort", 5081),
            configuration["GmoSign:Orleans:ClusterId"] ?? "gmosign-local",
            configuration["GmoSign:Orleans:ServiceId"] ?? "gmosign",
            Address(configuration, "GmoSign:Orleans:AdvertisedIp", "127.0.0.1"),
            Port(configuration, "GmoSign:Orleans:SiloPort", 11111),
            Port(configuration, "GmoSign:Orleans:GatewayPort", 30000),
            bool.TryParse(configuration["GmoSign:Logging:Json"], out var json) && json,
            // Metrics, health and the dashboard: loopback unless the operator opens it to the management network.
            Address(configuration, "GmoSign:Management:ListenAddress", "127.0.0.1"),
            Port(configuration, "GmoSign:Management:Port", 5082));
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
