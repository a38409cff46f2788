using System.Diagnostics;
using GmoSign.EndToEndTests.Infrastructure;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace GmoSign.EndToEndTests;

/// <summary>
/// The README's run command works wherever the repository is cloned — here inside a home directory of mode 700, which
/// the postgres user cannot enter — and says the ports it really uses.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CloneAnywhereTests
{
    [Fact]
    public async Task The_run_command_serves_from_a_clone_inside_a_private_home_directory()
    {
        var root = Repository.Root;
        Assert.True(Directory.Exists(Path.Combine(root, ".git")), "the tests run from a git checkout");
        var home = Directory.CreateTempSubdirectory("gmosign-home-");
        File.SetUnixFileMode(home.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var clone = Path.Combine(home.FullName, "gmosign");
        Process? run = null;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        try
        {
            Assert.Equal(0, await RunAsync("git", ["clone", "--quiet", root, clone], root));
            var ports = HostPorts.Free();
            var pgPort = HostPorts.Free().Grpc;
            var start = new ProcessStartInfo("bash", ["deploy/run.sh"])
            {
                WorkingDirectory = clone, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                Environment =
                {
                    ["GMOSIGN_PG_PORT"] = pgPort.ToString(),
                    ["GmoSign__Http__GrpcPort"] = ports.Grpc.ToString(),
                    ["GmoSign__Http__GrpcWebPort"] = ports.GrpcWeb.ToString(),
                    ["GmoSign__Orleans__SiloPort"] = ports.Silo.ToString(),
                    ["GmoSign__Orleans__GatewayPort"] = ports.Gateway.ToString(),
                    ["GmoSign__Management__Port"] = ports.Management.ToString(),
                    ["GmoSign__Orleans__ClusterId"] = "clone-" + Guid.NewGuid().ToString("N")[..8],
                },
            };
            run = Process.Start(start)!;
            run.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            run.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            run.BeginOutputReadLine();
            run.BeginErrorReadLine();

            // The clone builds the host first: minutes on two busy cores.
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{ports.Grpc}");
            await Eventually.HoldsAsync(async () =>
            {
                Assert.False(run.HasExited, "deploy/run.sh ended:\n" + string.Join('\n', output));
                try
                {
                    var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                    return health.Status == HealthCheckResponse.Types.ServingStatus.Serving;
                }
                catch (Grpc.Core.RpcException)
                {
                    return false;
                }
            }, "the clone's host serves", TimeSpan.FromMinutes(10));

            var lines = string.Join('\n', output);
            Assert.Contains($"==> PostgreSQL: 127.0.0.1:{pgPort}", lines);
            Assert.Contains($"==> starting GmoSign: gRPC 127.0.0.1:{ports.Grpc}, gRPC-Web and web pages 127.0.0.1:{ports.GrpcWeb}", lines);
            // The clone built its web pages, and the host serves them.
            using var http = new HttpClient();
            var signerPage = await http.GetAsync($"http://127.0.0.1:{ports.GrpcWeb}/s/gsl_example");
            Assert.Equal(System.Net.HttpStatusCode.OK, signerPage.StatusCode);
            Assert.Contains("<div id=\"root\">", await signerPage.Content.ReadAsStringAsync());
            // The home directory kept its permissions; the cluster lives where postgres may go.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(home.FullName));
            Assert.NotNull(new FileInfo(Path.Combine(clone, ".data", "postgres")).LinkTarget);
        }
        finally
        {
            if (run is { HasExited: false })
            {
                run.Kill(entireProcessTree: true);
                await run.WaitForExitAsync();
            }
            await RunAsync("bash", ["-c", "source deploy/local/postgres.sh && pg_destroy \"$PWD/.data/postgres\""], clone);
            home.Delete(recursive: true);
        }
    }

    private static async Task<int> RunAsync(string program, string[] arguments, string folder)
    {
        if (!Directory.Exists(folder))
        {
            return -1;
        }
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { WorkingDirectory = folder, UseShellExecute = false })!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
