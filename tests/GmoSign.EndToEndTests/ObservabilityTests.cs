using System.Globalization;
using System.Net;
using GmoSign.EndToEndTests.Infrastructure;

namespace GmoSign.EndToEndTests;

/// <summary>
/// The management port: Prometheus metrics that move with the service's work, liveness and readiness, the Orleans
/// Dashboard when enabled — and none of it on the public ports, nor anything public on it.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ObservabilityTests(PlatformFixture platform)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static string Management(HostProcess host, string path) => $"http://127.0.0.1:{host.Ports.Management}{path}";

    /// <summary>The sum of a metric's samples (all label sets) in a Prometheus text exposition; 0 when absent.</summary>
    private static double Sum(string exposition, string metric) => exposition.Split('\n')
        .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
        .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    [Fact]
    public async Task A_signature_moves_the_counter_scraped_from_the_management_port()
    {
        var tenant = await platform.NewTenantAsync();
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var before = await Http.GetStringAsync(Management(platform.Host, "/metrics"));

        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("計測の確認", Envelopes.Signer("計測 一郎", 1)), "a.pdf", "b.pdf");
        var link = await Envelopes.LinkAsync(platform.Channel, admin, sent, "計測 一郎");
        await Envelopes.OpenAndSignAsync(platform.Channel, link);

        // One signer over two documents: two signatures; the envelope was sent once and completed once.
        var after = "";
        await Eventually.HoldsAsync(async () =>
        {
            after = await Http.GetStringAsync(Management(platform.Host, "/metrics"));
            return Sum(after, "gmosign_signatures_total") - Sum(before, "gmosign_signatures_total") >= 2;
        }, "the signature counter moves", TimeSpan.FromSeconds(10));
        Assert.True(Sum(after, "gmosign_signatures_total") - Sum(before, "gmosign_signatures_total") == 2,
            string.Join('\n', (before + "\n--- after ---\n" + after).Split('\n').Where(l => l.Contains("gmosign_signatures", StringComparison.Ordinal) || l.StartsWith("---", StringComparison.Ordinal))));
        Assert.Equal(1, Sum(after, "gmosign_envelopes_sent_total") - Sum(before, "gmosign_envelopes_sent_total"));
        Assert.Contains("gmosign_envelopes_ended_total{", after);
        Assert.Contains("status=\"completed\"", after.Split('\n').First(l => l.StartsWith("gmosign_envelopes_ended_total{", StringComparison.Ordinal)));
        // The framework's meters are there too (gRPC server calls, Orleans).
        Assert.Contains("\nhttp_server_request_duration_seconds", after);
        Assert.Contains("orleans", after);
    }

    [Fact]
    public async Task Liveness_and_readiness_answer_on_the_management_port_and_nothing_crosses_between_the_ports()
    {
        var host = platform.Host;
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(Management(host, "/health/live"))).StatusCode);
        var ready = await Http.GetAsync(Management(host, "/health/ready"));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), (ready.StatusCode, await ready.Content.ReadAsStringAsync()));

        // The public gRPC-Web port does not serve management paths, even when the Host header names the management port.
        foreach (var path in new[] { "/metrics", "/health/live", "/health/ready", "/dashboard" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{host.Ports.GrpcWeb}{path}");
            request.Headers.Host = $"127.0.0.1:{host.Ports.Management}";
            Assert.Equal(HttpStatusCode.NotFound, (await Http.SendAsync(request)).StatusCode);
        }
        // And the management port serves neither the pages nor the API.
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync(Management(host, "/app/"))).StatusCode);
        var grpc = new HttpRequestMessage(HttpMethod.Post, Management(host, "/gmosign.accounts.v1.AccountsService/Login"))
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        grpc.Content.Headers.ContentType = new("application/grpc-web");
        Assert.Equal(HttpStatusCode.NotFound, (await Http.SendAsync(grpc)).StatusCode);
        // The dashboard is off unless enabled.
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync(Management(host, "/dashboard"))).StatusCode);
    }

    [Fact]
    public async Task The_Orleans_Dashboard_is_on_the_management_port_when_enabled()
    {
        var db = await TestDatabase.CreateAsync();
        var ports = HostPorts.Free();
        await using (var host = await HostProcess.StartServingAsync(db.ConnectionString, ports,
            new Dictionary<string, string> { ["GmoSign__Management__Dashboard"] = "true" }))
        {
            var dashboard = await Http.GetAsync(Management(host, "/dashboard/"));
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
            Assert.Contains("html", (await dashboard.Content.ReadAsStringAsync()).ToLowerInvariant());
            Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"http://127.0.0.1:{ports.GrpcWeb}/dashboard/")).StatusCode);
        }
    }

    [Fact]
    public async Task Metrics_and_traces_go_to_an_OTLP_collector_when_one_is_configured()
    {
        // A collector's OTLP/HTTP receiver: records what arrives at /v1/metrics and /v1/traces.
        var port = HostPorts.Free().Grpc;
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{port}/");
        collector.Start();
        var received = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        using var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var context = await collector.GetContextAsync();
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                // Protobuf keeps names as UTF-8: every export is kept as text to search.
                var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
                received.AddOrUpdate(context.Request.Url!.AbsolutePath, text, (_, earlier) => earlier + text);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });
        var db = await TestDatabase.CreateAsync();
        await using (var host = await HostProcess.StartServingAsync(db.ConnectionString, HostPorts.Free(), new Dictionary<string, string>
        {
            ["GmoSign__Telemetry__OtlpEndpoint"] = $"http://127.0.0.1:{port}",
            ["GmoSign__Telemetry__OtlpProtocol"] = "http",
            ["GmoSign__Telemetry__OtlpExportInterval"] = "00:00:01",
        }))
        {
            await Calls.LoginOperatorAsync(host.GrpcChannel());
            await Eventually.HoldsAsync(() => received.GetValueOrDefault("/v1/metrics", "").Contains("gmosign", StringComparison.Ordinal)
                    && received.GetValueOrDefault("/v1/traces", "").Contains("AccountsService/Login", StringComparison.Ordinal),
                "OTLP metrics and traces reach the collector", TimeSpan.FromSeconds(30));
        }
        stop.Cancel();
        collector.Stop();
        // The gRPC server's duration metric came too, next to the service's own meter.
        Assert.Contains("http.server.request.duration", received["/v1/metrics"]);
    }
}
