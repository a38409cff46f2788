using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;

namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>
/// Three hosts of one cluster on one database, on loopback: the <see cref="PlatformFixture"/>'s host (index 0, with the
/// operator, terms and reseller it prepares) and two more with the same settings. Each host keeps its ports for the
/// fixture's life, so a host stopped or killed starts again where it was; <see cref="Channel"/> is a fresh channel to it
/// once it serves again (one that saw the host go away waits out its reconnect backoff), and channels are disposed only
/// with the fixture, so that calls still running on an old one end as the host ends them.
/// </summary>
public abstract class HostCluster : IAsyncLifetime
{
    public const int Size = 3;

    private readonly HostProcess?[] _others = new HostProcess?[Size];
    private readonly GrpcChannel[] _channels = new GrpcChannel[Size];
    private readonly List<GrpcChannel> _retired = [];
    private readonly bool[] _down = new bool[Size];

    protected HostCluster(IDictionary<string, string> settings) => Platform = PlatformFixture.With(settings);

    public PlatformFixture Platform { get; }

    public TestDatabase Database => Platform.Database;

    public HostProcess Host(int index) => index == 0 ? Platform.Host : _others[index]!;

    /// <summary>Native gRPC to host <paramref name="index"/>, across its restarts.</summary>
    public GrpcChannel Channel(int index) => Volatile.Read(ref _channels[index]);

    public async Task InitializeAsync()
    {
        await Platform.InitializeAsync();
        var started = await Task.WhenAll(Enumerable.Range(1, Size - 1)
            .Select(_ => HostProcess.StartServingAsync(Database.ConnectionString, settings: Platform.HostSettings)));
        for (var i = 1; i < Size; i++)
        {
            _others[i] = started[i - 1];
        }
        for (var i = 0; i < Size; i++)
        {
            _channels[i] = NewChannel(i);
        }
        await WaitForMembersAsync(Size);
    }

    /// <summary>Until the membership table shows this many active hosts (a host just started or voted out takes a moment).</summary>
    public Task WaitForMembersAsync(int active, TimeSpan? within = null) => Eventually.HoldsAsync(
        async () => await Database.ScalarAsync<long>("SELECT count(*) FROM orleans_silo WHERE status = 3") == active,
        $"{active} hosts are active members of the cluster", within ?? TimeSpan.FromSeconds(60));

    /// <summary>Ends host <paramref name="index"/> at once (SIGKILL): no chance to finish anything.</summary>
    public async Task KillAsync(int index)
    {
        _down[index] = true;
        await Host(index).DisposeAsync();
    }

    /// <summary>Stops host <paramref name="index"/> gracefully (SIGTERM) and waits: its exit code and how long it took.</summary>
    public async Task<(int ExitCode, TimeSpan Took)> StopAsync(int index)
    {
        _down[index] = true;
        var host = Host(index);
        var watch = Stopwatch.StartNew();
        var exitCode = await host.StopAsync();
        var took = watch.Elapsed;
        await host.DisposeAsync();
        return (exitCode, took);
    }

    /// <summary>Starts host <paramref name="index"/> again on its ports and database; returns once it serves.</summary>
    public async Task StartAgainAsync(int index)
    {
        if (index == 0)
        {
            await Platform.StartAgainAsync();
        }
        else
        {
            _others[index] = await HostProcess.StartServingAsync(Database.ConnectionString, Host(index).Ports, Platform.HostSettings);
        }
        lock (_retired)
        {
            _retired.Add(_channels[index]);
        }
        Volatile.Write(ref _channels[index], NewChannel(index));
        _down[index] = false;
    }

    /// <summary>Brings back any host a test left stopped or killed, so that the next test finds three.</summary>
    public async Task EnsureAllServingAsync()
    {
        for (var i = 0; i < Size; i++)
        {
            if (_down[i] || Host(i).HasExited)
            {
                await Host(i).DisposeAsync();
                await StartAgainAsync(i);
            }
        }
        await WaitForMembersAsync(Size);
    }

    private GrpcChannel NewChannel(int index) => GrpcChannel.ForAddress($"http://127.0.0.1:{Host(index).Ports.Grpc}");

    /// <summary>
    /// Runs a call until it succeeds, host after host: UNAVAILABLE (a host going away or not back yet) is retried on
    /// the next host after a short pause; any other failure ends the test. Every answer is recorded in
    /// <paramref name="statuses"/>.
    /// </summary>
    public async Task<T> UntilOkAsync<T>(int firstHost, Func<GrpcChannel, Task<T>> call, ICollection<StatusCode> statuses, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(120));
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var result = await call(Channel((firstHost + attempt) % Size));
                lock (statuses)
                {
                    statuses.Add(StatusCode.OK);
                }
                return result;
            }
            catch (RpcException ex)
            {
                lock (statuses)
                {
                    statuses.Add(ex.StatusCode);
                }
                if (ex.StatusCode != StatusCode.Unavailable || DateTime.UtcNow > deadline)
                {
                    throw;
                }
                await Task.Delay(200);
            }
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels.Concat(_retired))
        {
            channel?.Dispose();
        }
        for (var i = 1; i < Size; i++)
        {
            if (_others[i] is { } host)
            {
                await host.DisposeAsync();
            }
        }
        await Platform.DisposeAsync();
    }
}
