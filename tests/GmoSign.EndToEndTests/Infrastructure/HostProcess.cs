using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;

namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>The ports one host listens on; a fresh set of free loopback ports per host.</summary>
public sealed record HostPorts(int Grpc, int GrpcWeb, int Silo, int Gateway, int Management)
{
    /// <summary>The kernel's lowest ephemeral port, read once (the usual 32768 where it cannot be read).</summary>
    private static readonly Lazy<int> EphemeralLow = new(() =>
    {
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0]);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return 32768; // not Linux, or not readable
        }
    });

    /// <summary>Ports handed out in this test run: each goes to one host only.</summary>
    private static readonly ConcurrentDictionary<int, bool> Given = new();

    public static HostPorts Free() => new(FreePort(), FreePort(), FreePort(), FreePort(), FreePort());

    /// <summary>
    /// A free port below the kernel's ephemeral range. A port the kernel hands out for <c>bind(0)</c> comes from that range,
    /// which is also where every outgoing connection takes its source port — so between our check and the host's bind,
    /// any connection could take it (a CI run once failed on "address already in use"). Below the range only listeners
    /// bind, and this run's listeners get each port once.
    /// </summary>
    private static int FreePort()
    {
        var (low, high) = (20000, Math.Min(29999, EphemeralLow.Value - 1));
        for (var attempt = 0; attempt < 2000; attempt++)
        {
            var port = Random.Shared.Next(low, high + 1);
            if (!Given.TryAdd(port, true))
            {
                continue;
            }
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // in use by something outside this run
            }
        }
        throw new InvalidOperationException($"No free loopback port between {low} and {high}.");
    }
}

/// <summary>
/// The real GmoSign host (the built GmoSign.Host.dll) as a child process, configured only through environment
/// variables, as an operator would run it.
/// </summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    public const string OperatorLogin = "operator@e2e.test";
    public const string OperatorPassword = "E2e-Operator-Pw-1";

    /// <summary>The master key the end-to-end hosts use (32 bytes, base64); tests may pass another to see it refused.</summary>
    public static readonly string MasterKey = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("gmosign e2e master key"u8));

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private readonly StreamWriter? _log;

    private HostProcess(Process process, HostPorts ports, string? database)
    {
        _process = process;
        Ports = ports;
        _log = OpenLog(process.Id, database);
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        if (_log is not null)
        {
            lock (_log)
            {
                try
                {
                    _log.WriteLine(line);
                }
                catch (ObjectDisposedException)
                {
                    // a line that arrived after the host was disposed
                }
            }
        }
    }

    /// <summary>
    /// Every host's output is also kept as a file under <c>$GMOSIGN_TEST_ARTIFACTS/hosts</c> (the test command sets
    /// it), so that a failed run can be read afterwards.
    /// </summary>
    private static StreamWriter? OpenLog(int pid, string? database)
    {
        var root = Environment.GetEnvironmentVariable("GMOSIGN_TEST_ARTIFACTS");
        if (string.IsNullOrEmpty(root))
        {
            return null;
        }
        var folder = Directory.CreateDirectory(Path.Combine(root, "hosts"));
        var name = $"{DateTime.UtcNow:HHmmss}-{database ?? "no-database"}-{pid}.log";
        return new StreamWriter(Path.Combine(folder.FullName, name)) { AutoFlush = true };
    }

    public HostPorts Ports { get; }

    public string Output => string.Join('\n', _output);

    public IReadOnlyList<string> OutputLines => _output.ToArray();

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Native gRPC over plain-text HTTP/2.</summary>
    public GrpcChannel GrpcChannel() => Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{Ports.Grpc}");

    /// <summary>gRPC-Web (application/grpc-web) over HTTP/1.1, as a browser sends it.</summary>
    public GrpcChannel GrpcWebChannel() => Grpc.Net.Client.GrpcChannel.ForAddress($"http://127.0.0.1:{Ports.GrpcWeb}", new GrpcChannelOptions
    {
        HttpHandler = new GrpcWebHandler(GrpcWebMode.GrpcWeb, new HttpClientHandler()),
        HttpVersion = HttpVersion.Version11,
        HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    });

    /// <summary>
    /// One development PKI for every host of the test run (created by the first host that starts), new for each run so
    /// that it has what the current code makes (a PKI kept from an earlier version lacks, for one, the root's CRL).
    /// </summary>
    public static readonly string PkiDirectory = Path.Combine(Path.GetTempPath(), $"gmosign-e2e-pki-{DateTime.UtcNow:yyyyMMddHHmmss}-{Environment.ProcessId}");

    public static HostProcess Start(string? connectionString, HostPorts? ports = null, IDictionary<string, string>? settings = null)
    {
        ports ??= HostPorts.Free();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(HostDll)!,
        };
        start.ArgumentList.Add(HostDll);
        var env = start.Environment;
        env["ConnectionStrings__Postgres"] = connectionString ?? "";
        env["GmoSign__Http__GrpcPort"] = ports.Grpc.ToString();
        env["GmoSign__Http__GrpcWebPort"] = ports.GrpcWeb.ToString();
        env["GmoSign__Orleans__SiloPort"] = ports.Silo.ToString();
        env["GmoSign__Orleans__GatewayPort"] = ports.Gateway.ToString();
        env["GmoSign__Management__Port"] = ports.Management.ToString();
        env["GmoSign__Orleans__ClusterId"] = "e2e";
        env["GmoSign__Accounts__BootstrapOperatorLoginId"] = OperatorLogin;
        env["GmoSign__Accounts__BootstrapOperatorPassword"] = OperatorPassword;
        env["GmoSign__Retention__MasterKey"] = MasterKey;
        env["GmoSign__Signing__PkiDirectory"] = PkiDirectory;
        env["DOTNET_ENVIRONMENT"] = "Production";
        // Every test calls from 127.0.0.1: the per-address and per-link budgets are the rate-limit tests' to lower.
        env["GmoSign__RateLimit__AnonymousPerAddress"] = "100000";
        env["GmoSign__RateLimit__LoginPerLoginId"] = "100000";
        env["GmoSign__RateLimit__SignerPerLink"] = "100000";
        env["GmoSign__RateLimit__SignerPerAddress"] = "100000";
        env["GmoSign__RateLimit__VerifyPerCaller"] = "100000";
        env["GmoSign__HandOver__PollInterval"] = "00:00:00.200";
        env["GmoSign__HandOver__RetryBase"] = "00:00:01";
        env["GmoSign__ContentSweep__Interval"] = "00:00:01"; // the grace period stays an hour: tests backdate what they sweep
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the host.");
        string? database = null;
        if (!string.IsNullOrEmpty(connectionString))
        {
            try
            {
                database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database;
            }
            catch (ArgumentException)
            {
                // a deliberately broken connection string
            }
        }
        return new HostProcess(process, ports, database);
    }

    /// <summary>
    /// Starts a host and waits until it serves. With ports of its own choosing, a host that could not bind one (another
    /// process took it meanwhile) is started again on fresh ports, and the output says so.
    /// </summary>
    public static async Task<HostProcess> StartServingAsync(string connectionString, HostPorts? ports = null, IDictionary<string, string>? settings = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var host = Start(connectionString, ports, settings);
            try
            {
                await host.WaitUntilServingAsync(TimeSpan.FromSeconds(90));
                return host;
            }
            catch (InvalidOperationException) when (ports is null && attempt < 3 && host.HasExited && host.Output.Contains("address already in use", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"A port of host attempt {attempt} ({host.Ports}) was taken before it could bind; starting it on fresh ports.");
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>Polls grpc.health.v1.Health/Check until SERVING; fails with the host's output if it dies or times out.</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout)
    {
        using var channel = GrpcChannel();
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with {_process.ExitCode}:\n{Output}");
            }
            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (Grpc.Core.RpcException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"The host did not become SERVING within {timeout}:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Graceful stop, as systemd or Kubernetes does it: SIGTERM, then wait.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);
            try
            {
                return await WaitForExitAsync(TimeSpan.FromSeconds(60));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"The host did not stop within 60 s after SIGTERM:\n{Output}");
            }
        }
        return _process.ExitCode;
    }

    private bool _disposed;

    /// <summary>Ends the host at once (SIGKILL) if it still runs; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (_log is not null)
        {
            lock (_log)
            {
                _log.Dispose();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public static string HostDll { get; } = FindHostDll();

    private static string FindHostDll()
    {
        var here = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        // tests/GmoSign.EndToEndTests/bin/<Configuration>/net10.0/
        var configuration = here.Parent!.Name;
        var dll = Path.Combine(Repository.Root, "src", "Host", "GmoSign.Host", "bin", configuration, "net10.0", "GmoSign.Host.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"The host is not built: {dll}");
    }
}
