using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;

namespace GmoSign.Host;

/// <summary>
/// The management port: Prometheus metrics, liveness and readiness, and the Orleans Dashboard when enabled — for the
/// operator's network only, never on the public ports (and nothing public on it). Traces and metrics also go out by
/// OTLP when an endpoint is configured.
/// </summary>
internal static class Management
{
    public const string Section = "GmoSign:Management";

    /// <summary>Marks an endpoint that answers on the management port only.</summary>
    private sealed class ManagementEndpoint;

    /// <summary>OpenTelemetry: the service's meters and the framework's, Prometheus always, OTLP when configured; traces only with OTLP.</summary>
    public static void AddTelemetry(this WebApplicationBuilder builder, HostSettings settings)
    {
        var otlp = builder.Configuration["GmoSign:Telemetry:OtlpEndpoint"] is { Length: > 0 } configured ? configured
            : builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } standard ? standard : null;
        // OTLP over gRPC (port 4317) by default; "http" sends protobuf over HTTP to <endpoint>/v1/metrics and /v1/traces.
        var http = string.Equals(builder.Configuration["GmoSign:Telemetry:OtlpProtocol"], "http", StringComparison.OrdinalIgnoreCase);
        var interval = builder.Configuration.GetValue("GmoSign:Telemetry:OtlpExportInterval", TimeSpan.FromSeconds(60));
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("gmosign", serviceInstanceId: $"{settings.AdvertisedIp}:{settings.SiloPort}"))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(GmoSignMetrics.MeterName, "Microsoft.Orleans", "Npgsql", "Grpc.AspNetCore.Server", "Microsoft.AspNetCore.Server.Kestrel")
                    // Every scrape reads the instruments afresh (the exporter would otherwise answer from a 300 ms cache).
                    .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp is not null)
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        Otlp(exporter, otlp, http, "metrics");
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)interval.TotalMilliseconds;
                    });
                }
            });
        if (otlp is not null)
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddNpgsql()
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddOtlpExporter(o => Otlp(o, otlp, http, "traces")));
        }
    }

    private static void Otlp(OpenTelemetry.Exporter.OtlpExporterOptions options, string endpoint, bool http, string signal)
    {
        options.Protocol = http ? OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf : OpenTelemetry.Exporter.OtlpExportProtocol.Grpc;
        options.Endpoint = new Uri(http ? $"{endpoint.TrimEnd('/')}/v1/{signal}" : endpoint);
    }

    public static bool DashboardEnabled(IConfiguration configuration) => configuration.GetValue($"{Section}:Dashboard", false);

    /// <summary>
    /// Maps the management endpoints and keeps each side to its own: a request on the management port reaches only
    /// them, a request on a public port never does (whatever its Host header says). Call right after UseRouting.
    /// </summary>
    public static void UseManagement(this WebApplication app, HostSettings settings)
    {
        app.Use(async (context, next) =>
        {
            var forManagement = context.GetEndpoint()?.Metadata.GetMetadata<ManagementEndpoint>() is not null;
            if (forManagement != (context.Connection.LocalPort == settings.ManagementPort))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(context);
        });
        var marker = new ManagementEndpoint();
        app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(marker);
        // Alive: the process answers. Ready: the silo is up and PostgreSQL answers (the checks gRPC health reports too).
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).WithMetadata(marker);
        app.MapHealthChecks("/health/ready").WithMetadata(marker);
        if (DashboardEnabled(app.Configuration))
        {
            app.MapOrleansDashboard("/dashboard").WithMetadata(marker);
        }
    }
}
