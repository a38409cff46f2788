using GmoSign.Accounts;
using GmoSign.Grains;
using GmoSign.Host;
using GmoSign.Platform.Database;
using GmoSign.Platform.Errors;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Reseller;
using GmoSign.Retention;
using GmoSign.Signing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Npgsql;
using Orleans.Dashboard;
using Serilog;
using Serilog.Formatting.Compact;

// The content root is the published host's own folder, wherever it is started from: appsettings.json is read from
// there, and the configuration's change watcher watches only that folder (started from a clone's root, it watched the
// whole tree recursively, PostgreSQL's files under .data included, and woke on every write the database made).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

HostSettings settings;
try
{
    settings = HostSettings.From(builder.Configuration);
}
catch (ConfigurationException ex)
{
    Log.Logger = CreateLogger(builder.Configuration, json: false);
    return await StopAsync(ex.Message);
}

Log.Logger = CreateLogger(builder.Configuration, settings.JsonLogs);
builder.Services.AddSerilog();

// The links in the mails lead to this host's own signer page unless the operator names the public address.
var publicUrl = (builder.Configuration[$"{WebApp.Section}:PublicUrl"] is { Length: > 0 } configuredUrl
    ? configuredUrl
    : new UriBuilder("http", (settings.ListenAddress.Equals(System.Net.IPAddress.Any) || settings.ListenAddress.Equals(System.Net.IPAddress.IPv6Any)
        ? System.Net.IPAddress.Loopback : settings.ListenAddress).ToString(), settings.GrpcWebPort).Uri.ToString()).TrimEnd('/');
if (string.IsNullOrEmpty(builder.Configuration["GmoSign:Notifications:SigningLinkBase"]))
{
    builder.Configuration.AddInMemoryCollection([new("GmoSign:Notifications:SigningLinkBase", publicUrl + "/s/")]);
}
builder.Configuration.AddInMemoryCollection([new($"{WebApp.Section}:PublicUrl", publicUrl)]);
var webRoot = WebApp.FindRoot(builder.Configuration);

var dataSourceBuilder = new NpgsqlDataSourceBuilder(settings.ConnectionString);
// The hot statements (envelope commit, blob writes, session and usage look-ups) are planned once per connection, not
// per call — unless the operator's connection string says otherwise.
if (dataSourceBuilder.ConnectionStringBuilder.MaxAutoPrepare == 0)
{
    dataSourceBuilder.ConnectionStringBuilder.MaxAutoPrepare = 64;
    dataSourceBuilder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
}
// A pooled connection goes back without Npgsql's reset (RESET ALL, CLOSE ALL, UNLISTEN *, advisory unlock), which
// PostgreSQL otherwise parses and runs before the next statement of every store call — a measurable share of its CPU on
// the sign path. Nothing here leaves session state behind: no SET, LISTEN or cursor outlives its call, and the one
// session advisory lock (the schema migrator's) is released explicitly.
dataSourceBuilder.ConnectionStringBuilder.NoResetOnClose = true;
// A change's batch (the state, its rows and a sealed revision of a few KiB) leaves in one send, not one per 8 KiB
// (Npgsql's default buffer): each send is a system call here and a wake-up in PostgreSQL.
if (dataSourceBuilder.ConnectionStringBuilder.WriteBufferSize == 8192)
{
    dataSourceBuilder.ConnectionStringBuilder.WriteBufferSize = 64 * 1024;
}
var dataSource = dataSourceBuilder.Build();
try
{
    await DatabaseStartup.VerifyReachableAsync(dataSource, CancellationToken.None);
    var migrator = new SchemaMigrator(dataSource, new Serilog.Extensions.Logging.SerilogLoggerFactory(Log.Logger).CreateLogger<SchemaMigrator>());
    await migrator.ApplyAsync(DatabaseStartup.AllMigrations, CancellationToken.None);
}
catch (ConfigurationException ex)
{
    return await StopAsync(ex.Message);
}

builder.Services.AddSingleton(dataSource);
builder.Services.AddSingleton(TimeProvider.System);

builder.WebHost.ConfigureKestrel(kestrel =>
{
    // gRPC's own message limit (RESOURCE_EXHAUSTED) governs request size, not Kestrel's body limit (which would end an
    // oversized unary call with UNKNOWN); streamed uploads are bounded by the services.
    kestrel.Limits.MaxRequestBodySize = null;
    // Plain-text HTTP/2 (native gRPC, gRPC-Web over h2c) and HTTP/1.1 (gRPC-Web from browsers) need separate ports.
    kestrel.Listen(settings.ListenAddress, settings.GrpcPort, o => o.Protocols = HttpProtocols.Http2);
    kestrel.Listen(settings.ListenAddress, settings.GrpcWebPort, o => o.Protocols = HttpProtocols.Http1);
    kestrel.Listen(settings.ManagementAddress, settings.ManagementPort, o => o.Protocols = HttpProtocols.Http1);
});
builder.AddTelemetry(settings);

// A graceful stop (SIGTERM, Ctrl-C) stops the hosted services in the reverse order of their start, and Kestrel starts
// last: so it stops first — no new connections (HTTP/2 GOAWAY), the calls in flight finish — then the background
// workers, then the silo, which leaves the cluster and deactivates its grains for the other hosts to activate on their
// next call. All of it within GmoSign:ShutdownTimeout; a call still running then is cut off.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue("GmoSign:ShutdownTimeout", TimeSpan.FromSeconds(30)));

var lifecycle = builder.Configuration.GetSection(LifecycleOptions.Section).Get<LifecycleOptions>() ?? new LifecycleOptions();
builder.Services.Configure<LifecycleOptions>(builder.Configuration.GetSection(LifecycleOptions.Section));

builder.UseOrleans(silo =>
{
    // Tests and demonstrations run the lifecycle clock in seconds; production keeps Orleans' one-minute floor.
    silo.Configure<Orleans.Hosting.ReminderOptions>(o =>
    {
        if (lifecycle.CheckInterval < o.MinimumReminderPeriod)
        {
            o.MinimumReminderPeriod = lifecycle.CheckInterval;
        }
    });
    const string invariant = "Npgsql";
    if (settings.Kubernetes)
    {
        // In a pod (deploy/kubernetes): the silo is named after its pod (POD_NAME, POD_NAMESPACE from the downward API),
        // and the silos watch the pods labelled with this cluster, declaring a silo dead as soon as its pod is deleted
        // instead of waiting for missed probes. Membership, grain state and reminders stay in PostgreSQL. Registered
        // before ClusterOptions below, so that the host's own GmoSign:Orleans settings are the ones that apply.
        silo.UseKubernetesHosting();
    }
    silo.Configure<Orleans.Configuration.ClusterOptions>(o =>
    {
        o.ClusterId = settings.ClusterId;
        o.ServiceId = settings.ServiceId;
    });
    // In a pod the silo and gateway listen on every address and advertise the pod's IP; elsewhere they listen on the
    // advertised address only.
    silo.ConfigureEndpoints(settings.AdvertisedIp, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: settings.Kubernetes);
    // Failover: a host that stops answering is probed every ProbeTimeout; after NumMissedProbesLimit missed probes in a
    // row the others vote it dead (in a two-host cluster the survivor's one vote suffices) and its grains activate
    // elsewhere. A killed host refuses connections, so its probes fail at once: 1.5 s × 3 declares it dead in about 3–4 s
    // (measured on loopback), against 10 s × 3 by default. A host that is alive but stalled for about 4.5 s (a long GC
    // pause, a starved VM) is declared dead too and restarts — raise both for slow or distant networks.
    silo.Configure<Orleans.Configuration.ClusterMembershipOptions>(o =>
    {
        o.ProbeTimeout = builder.Configuration.GetValue("GmoSign:Orleans:ProbeTimeout", TimeSpan.FromSeconds(1.5));
        o.NumMissedProbesLimit = builder.Configuration.GetValue("GmoSign:Orleans:MissedProbesLimit", 3);
    });
    // An envelope or tenant grain left idle this long is deactivated (its state stays in PostgreSQL), which bounds a
    // host's memory by the grains in use rather than by every envelope ever touched.
    if (builder.Configuration.GetValue<TimeSpan?>("GmoSign:Orleans:CollectionAge") is { } collectionAge)
    {
        silo.Configure<Orleans.Configuration.GrainCollectionOptions>(o => o.CollectionAge = collectionAge);
    }
    silo.UseAdoNetClustering(o =>
    {
        o.Invariant = invariant;
        o.ConnectionString = settings.ConnectionString;
    });
    silo.AddAdoNetGrainStorage(GrainStorage.Name, o =>
    {
        o.Invariant = invariant;
        o.ConnectionString = settings.ConnectionString;
        o.DeleteStateOnClear = true;
    });
    silo.UseAdoNetReminderService(o =>
    {
        o.Invariant = invariant;
        o.ConnectionString = settings.ConnectionString;
    });
    if (Management.DashboardEnabled(builder.Configuration))
    {
        silo.AddDashboard();
    }
});

builder.Services.AddGrpc(o =>
{
    o.Interceptors.Add<ErrorInterceptor>();
    o.Interceptors.Add<RequestValidationInterceptor>();
    o.Interceptors.Add<AuthenticationInterceptor>();
    o.Interceptors.Add<MaintenanceInterceptor>();
    o.Interceptors.Add<RateLimitInterceptor>();
});
builder.Services.AddMalformedMessageStatus();
builder.Services.Configure<RateLimitOptions>(builder.Configuration.GetSection(RateLimitOptions.Section));
// Interceptors registered in DI are created once (grpc-dotnet otherwise activates them per call); the rate limiter's
// fallback counters and the authenticator's resolver lists live for the process.
builder.Services.AddSingleton<ErrorInterceptor>();
builder.Services.AddSingleton<RequestValidationInterceptor>();
builder.Services.AddSingleton<AuthenticationInterceptor>();
builder.Services.AddSingleton<MaintenanceInterceptor>();
builder.Services.AddSingleton<RateLimitInterceptor>();
// Budgets are budget grains, one per key, so that the cluster counts each once (in memory while a grain is unreachable).
builder.Services.AddSingleton<LocalRateBudgets>();
builder.Services.AddSingleton<IRateBudgets, ClusterRateBudgets>();
builder.Services.AddSingleton<GmoSign.Platform.Cluster.IClusterShare, MembershipShare>();
builder.Services.AddGrpcReflection();
builder.Services.AddGrpcHealthChecks()
    .AddCheck<SiloHealthCheck>("silo")
    .AddCheck<PostgresHealthCheck>("postgres");
builder.Services.AddSingleton(sp => new RpcAccessTable(sp.GetServices<RpcAccess>()));

builder.Services
    .AddAccountsModule(builder.Configuration)
    .AddResellerModule(builder.Configuration)
    .AddSigningModule(builder.Configuration)
    .AddRetentionModule(builder.Configuration);

var app = builder.Build();
try
{
    await RetentionModule.VerifyMasterKeyAsync(app.Services, CancellationToken.None);
}
catch (MasterKeyException ex)
{
    return await StopAsync(ex.Message);
}
try
{
    SigningModule.VerifyKeys(app.Services);
}
catch (SigningKeysException ex)
{
    return await StopAsync(ex.Message);
}

app.UseRouting();
app.UseManagement(settings);
app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
app.MapGrpcHealthChecksService();
app.MapGrpcReflectionService();
app.MapAccountsModule();
app.MapResellerModule();
app.MapSigningModule();
app.MapRetentionModule();
app.MapWebApp(webRoot);

app.Lifetime.ApplicationStarted.Register(() => Log.Information(
    "Serving gRPC on {GrpcAddress} (HTTP/2) and gRPC-Web on {GrpcWebAddress} (HTTP/1.1); management (metrics, health) on {ManagementAddress}; cluster {ClusterId}, silo {SiloAddress}:{SiloPort}, gateway {GatewayPort}",
    $"http://{settings.ListenAddress}:{settings.GrpcPort}", $"http://{settings.ListenAddress}:{settings.GrpcWebPort}",
    $"http://{settings.ManagementAddress}:{settings.ManagementPort}", settings.ClusterId, settings.AdvertisedIp, settings.SiloPort, settings.GatewayPort));
app.Lifetime.ApplicationStarted.Register(() =>
{
    var linkBase = builder.Configuration["GmoSign:Notifications:SigningLinkBase"] ?? "";
    if (!linkBase.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && !settings.ListenAddress.Equals(System.Net.IPAddress.Loopback))
    {
        Log.Warning("Signing links in mails start with {SigningLinkBase}: not https, so the token travels in clear text; set GmoSign:Web:PublicUrl to the https address people reach this host at", linkBase);
    }
    if (webRoot is null)
    {
        Log.Warning("The web pages are not built (no web/dist): run npm ci && npm run build in web/; {PublicUrl} answers 503 until then", publicUrl);
    }
    else
    {
        Log.Information("Web pages from {WebRoot} at {PublicUrl}/app/ (senders), {PublicUrl}/ops/ (operator), {PublicUrl}/s/… (signers)", webRoot, publicUrl, publicUrl, publicUrl);
    }
});
try
{
    await app.RunAsync();
    return 0;
}
catch (Exception ex)
{
    Log.Fatal(ex, "The host stopped because of an error");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

// A wrong or missing setting ends start-up with one log line naming it, and exit code 2.
static async Task<int> StopAsync(string problem)
{
    Log.Fatal("Start-up stopped: {Problem}", problem);
    await Log.CloseAndFlushAsync();
    return 2;
}

static Serilog.ILogger CreateLogger(IConfiguration configuration, bool json)
{
    var logger = new LoggerConfiguration()
        .MinimumLevel.Information()
        .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
        .MinimumLevel.Override("Microsoft.Hosting.Lifetime", Serilog.Events.LogEventLevel.Information)
        .MinimumLevel.Override("Orleans", Serilog.Events.LogEventLevel.Warning)
        // Polly reports every resilience-pipeline event at INFO; an operator needs its warnings only.
        .MinimumLevel.Override("Polly", Serilog.Events.LogEventLevel.Warning)
        .ReadFrom.Configuration(configuration)
        .Enrich.FromLogContext();
    return json
        ? logger.WriteTo.Console(new RenderedCompactJsonFormatter()).CreateLogger()
        : logger.WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}").CreateLogger();
}

/// <summary>Lets the end-to-end tests name the host assembly.</summary>
public partial class Program;
