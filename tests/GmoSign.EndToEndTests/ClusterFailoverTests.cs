using System.Collections.Concurrent;
using System.Diagnostics;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Grpc.Core;
using Xunit.Abstractions;

namespace GmoSign.EndToEndTests;

/// <summary>
/// Two hosts form one cluster; one is killed (SIGKILL) while signers sign through the other. Clients of the
/// survivor see OK or UNAVAILABLE — never INTERNAL or UNKNOWN — and a retry with the same request id succeeds once
/// the dead host is voted out; no acknowledged signature is lost and none is made twice.
/// </summary>
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_one_of_two_hosts_under_signing_load_loses_nothing_and_answers_only_ok_or_unavailable()
    {
        var platform = PlatformFixture.With(new Dictionary<string, string>());
        await platform.InitializeAsync();
        HostProcess? second = null;
        try
        {
            second = await HostProcess.StartServingAsync(platform.Database.ConnectionString);
            using var secondChannel = second.GrpcChannel();
            var tenant = await platform.NewTenantAsync("standard");
            var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
            var signing = new SigningService.SigningServiceClient(platform.Channel);

            // Sixteen envelopes, opened alternately through both hosts so that their grains live on both.
            var links = new List<(string EnvelopeId, Metadata Link)>();
            for (var i = 0; i < 16; i++)
            {
                var envelope = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft($"フェイルオーバー {i}", Envelopes.Signer("署名者", 1)));
                var link = await Envelopes.LinkAsync(platform.Channel, admin, envelope, "署名者");
                await new SigningService.SigningServiceClient(i % 2 == 0 ? platform.Channel : secondChannel).OpenEnvelopeAsync(new OpenEnvelopeRequest(), link);
                links.Add((envelope.EnvelopeId, link));
            }
            Assert.Equal(2, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM orleans_silo WHERE status = 3"));

            // The first half is signed and acknowledged before the kill.
            for (var i = 0; i < 8; i++)
            {
                await signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = $"sign-{i}" }, links[i].Link);
            }

            // The rest is signed through the survivor while the second host dies; each signer retries UNAVAILABLE.
            var statuses = new ConcurrentBag<StatusCode>();
            var killedAt = new TaskCompletionSource<Stopwatch>();
            var load = Enumerable.Range(8, 8).Select(async i =>
            {
                await Task.Delay(i * 40);
                while (true)
                {
                    try
                    {
                        await signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = $"sign-{i}" }, links[i].Link,
                            deadline: DateTime.UtcNow.AddSeconds(30));
                        statuses.Add(StatusCode.OK);
                        return killedAt.Task.IsCompleted ? killedAt.Task.Result.Elapsed : TimeSpan.Zero;
                    }
                    catch (RpcException ex)
                    {
                        statuses.Add(ex.StatusCode);
                        if (ex.StatusCode != StatusCode.Unavailable)
                        {
                            throw;
                        }
                        await Task.Delay(200);
                    }
                }
            }).ToList();
            await Task.Delay(300);
            await second.DisposeAsync(); // SIGKILL
            second = null;
            killedAt.SetResult(Stopwatch.StartNew());
            var recovered = await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(90));

            var counts = statuses.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
            output.WriteLine($"statuses: {string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))}; " +
                             $"slowest success after the kill: {recovered.Max().TotalSeconds:0.0} s");
            Assert.All(statuses, s => Assert.True(s is StatusCode.OK or StatusCode.Unavailable, $"answered {s}"));
            Assert.True(recovered.Max() < TimeSpan.FromSeconds(60));

            // Every envelope completed with exactly one signature; nothing acknowledged was lost.
            foreach (var (envelopeId, _) in links)
            {
                var envelope = (await signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = envelopeId }, admin)).Envelope;
                Assert.Equal(EnvelopeStatus.Completed, envelope.Status);
                Assert.Equal(1L, await platform.Database.ScalarAsync<long>(
                    "SELECT count(*) FROM signing.audit_event WHERE envelope_id = $1 AND action = 'signed'", Guid.Parse(envelopeId)));
            }
        }
        finally
        {
            if (second is not null)
            {
                await second.DisposeAsync();
            }
            await platform.DisposeAsync();
        }
    }
}
