using System.Collections.Concurrent;
using System.Globalization;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace GmoSign.EndToEndTests;

/// <summary>The tests that run against a three-host cluster, one after another (each fixture starts three hosts).</summary>
[CollectionDefinition(Name)]
public sealed class ThreeHostCollection
{
    public const string Name = "three-host cluster";
}

/// <summary>
/// Three hosts with a fast deadline clock: a test "day" lasts <see cref="Day"/>, so reminders come due while a test
/// watches (the hosts' deadline sweeps look every second).
/// </summary>
public sealed class LoadCluster() : HostCluster(new Dictionary<string, string>
{
    ["GmoSign__Signing__DayLengthOverride"] = Day.ToString("c", CultureInfo.InvariantCulture),
})
{
    public static readonly TimeSpan Day = TimeSpan.FromSeconds(4);
}

/// <summary>
/// The cluster under signing load (issue #12): one host killed (SIGKILL) loses no acknowledged signature, signs nothing
/// twice, and the deadlines of envelopes whose grains it held — and of its share of the sweep — are carried out exactly
/// once on the others; a rolling
/// restart (SIGTERM, exit, start again, one host at a time) loses nothing either, finishes the calls a stopping host
/// had in flight, and clients see no error but UNAVAILABLE — which a retry with the same request id answers.
/// </summary>
[Collection(ThreeHostCollection.Name)]
public sealed class ClusterLoadTests(LoadCluster cluster, ITestOutputHelper output) : IClassFixture<LoadCluster>
{
    private static SigningService.SigningServiceClient Signing(GrpcChannel channel) => new(channel);

    private static string Management(HostProcess host) => $"http://127.0.0.1:{host.Ports.Management}/metrics";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>How many deadline reminders fired in envelope grains this host holds (its reminder-lag histogram's count).</summary>
    private static async Task<double> ReminderFiringsAsync(HostProcess host) =>
        (await Http.GetStringAsync(Management(host))).Split('\n')
        .Where(line => line.StartsWith("gmosign_reminder_lag_seconds_count", StringComparison.Ordinal))
        .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private async Task<long> CountAsync(string envelopeId, string action) => await cluster.Database.ScalarAsync<long>(
        "SELECT count(*) FROM signing.audit_event WHERE envelope_id = $1 AND action = $2", Guid.Parse(envelopeId), action);

    private void Report(string what, IEnumerable<StatusCode> statuses) => output.WriteLine($"{what}: " +
        string.Join(", ", statuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));

    [Fact]
    public async Task Killing_one_of_three_hosts_under_signing_load_loses_nothing_and_its_reminders_fire_once_on_the_others()
    {
        await cluster.EnsureAllServingAsync();
        const int victim = 2;
        var tenant = await cluster.Platform.NewTenantAsync("standard");
        var admin = Calls.Bearer(await Calls.LoginAsync(cluster.Channel(0), tenant.AdminLogin, tenant.AdminPassword));

        // Twenty-four envelopes to sign, made and opened through the three hosts in turn, so that their grains live on all three.
        var toSign = new List<(string EnvelopeId, Metadata Link)>();
        for (var i = 0; i < 24; i++)
        {
            var draft = Envelopes.Draft($"クラスタ署名 {i}", Envelopes.Signer("署名者", 1));
            draft.RemindersOff = true;
            draft.ExpiryDays = 30;
            var envelope = await Envelopes.SendAsync(cluster.Channel(i % 3), admin, draft);
            var link = await Envelopes.LinkAsync(cluster.Channel(i % 3), admin, envelope, "署名者");
            await Signing(cluster.Channel((i + 1) % 3)).OpenEnvelopeAsync(new OpenEnvelopeRequest(), link);
            toSign.Add((envelope.EnvelopeId, link));
        }

        // A third is signed and acknowledged before the kill.
        for (var i = 0; i < 8; i++)
        {
            await Signing(cluster.Channel(i % 3)).SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = $"sign-{toSign[i].EnvelopeId}" }, toSign[i].Link);
        }

        // Twelve envelopes nobody signs, sent through the three hosts just before the kill: a reminder every "day",
        // expiry after eight — their reminders run on well past the kill. About a third of their grains, and of the
        // sweep's share, are the victim's.
        var watched = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var draft = Envelopes.Draft($"クラスタ督促 {i}", Envelopes.Signer("未署名の人", 1));
            draft.ExpiryDays = 8;
            draft.ReminderEveryDays = 1;
            var envelope = await Envelopes.SendAsync(cluster.Channel(i % 3), admin, draft);
            await Signing(cluster.Channel((i + 2) % 3)).GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = envelope.EnvelopeId }, admin);
            watched.Add(envelope.EnvelopeId);
        }

        // The victim holds envelope grains: their deadlines are carried out there (in the grain's activation).
        await Eventually.HoldsAsync(async () => await ReminderFiringsAsync(cluster.Host(victim)) > 0,
            "deadline reminders fired in envelope grains on the host about to be killed", TimeSpan.FromSeconds(60));

        // The rest is signed through all three hosts in turn while the victim dies; each signer retries UNAVAILABLE
        // with the same request id on the next host.
        var statuses = new List<StatusCode>();
        var acknowledged = new ConcurrentDictionary<string, bool>();
        var load = toSign.Skip(8).Select(async (envelope, n) =>
        {
            await Task.Delay(n * 60);
            await cluster.UntilOkAsync(n % 3, channel => Signing(channel).SignEnvelopeAsync(
                new SignEnvelopeRequest { RequestId = $"sign-{envelope.EnvelopeId}" }, envelope.Link,
                deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync, statuses);
            acknowledged[envelope.EnvelopeId] = true;
        }).ToList();
        await Task.Delay(300);
        await cluster.KillAsync(victim);
        var killedAt = DateTimeOffset.UtcNow;
        await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(150));
        Report("sign calls around the kill", statuses);
        Assert.All(statuses, s => Assert.True(s is StatusCode.OK or StatusCode.Unavailable, $"a signer was answered {s}"));
        Assert.Equal(16, acknowledged.Count);

        // Every signature is there once: each envelope completed with exactly one 'signed' entry.
        foreach (var (envelopeId, _) in toSign)
        {
            var envelope = (await Signing(cluster.Channel(0)).GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = envelopeId }, admin)).Envelope;
            Assert.Equal(EnvelopeStatus.Completed, envelope.Status);
            Assert.Equal(1, await CountAsync(envelopeId, "signed"));
        }

        // The watched envelopes expire on the survivors, each once, and every reminder time of their schedule was reminded
        // exactly once: the times covered rise strictly (none twice), the last is the last scheduled time, and every
        // envelope — those whose grains died with the victim too — got reminders after the kill.
        await cluster.WaitForMembersAsync(2, TimeSpan.FromSeconds(90));
        foreach (var envelopeId in watched)
        {
            await Eventually.HoldsAsync(async () => await CountAsync(envelopeId, "expired") > 0, $"envelope {envelopeId} expired",
                TimeSpan.FromSeconds(120));
        }
        foreach (var envelopeId in watched)
        {
            Assert.Equal(1, await CountAsync(envelopeId, "expired"));
            var reminders = await ReminderTimesAsync(envelopeId);
            var sentAt = await cluster.Database.ScalarAsync<DateTime>(
                "SELECT (state->>'SentAt')::timestamptz FROM signing.envelope WHERE envelope_id = $1", Guid.Parse(envelopeId));
            var schedule = Enumerable.Range(1, 7).Select(k => new DateTimeOffset(sentAt, TimeSpan.Zero) + LoadCluster.Day * k).ToList();
            Assert.All(reminders, r => Assert.Contains(schedule, s => Math.Abs((s - r.DueAt).TotalMilliseconds) < 1));
            Assert.True(reminders.Zip(reminders.Skip(1)).All(p => p.Second.DueAt > p.First.DueAt), $"a reminder time of {envelopeId} was reminded twice");
            Assert.True(Math.Abs((reminders[^1].DueAt - schedule[^1]).TotalMilliseconds) < 1, $"the last reminder time of {envelopeId} was never reminded");
            Assert.Contains(reminders, r => r.At > killedAt);
            Assert.Equal(reminders.Count, await cluster.Database.ScalarAsync<long>(
                "SELECT count(*) FROM signing.outbox WHERE envelope_id = $1 AND kind = 'reminder'", Guid.Parse(envelopeId)));
        }
        output.WriteLine($"reminders per watched envelope: {string.Join(", ", await Task.WhenAll(watched.Select(async id => (await ReminderTimesAsync(id)).Count)))}");
    }

    /// <summary>The tenant's envelopes with an audit entry of this action, once per entry (an envelope signed twice appears twice), in order.</summary>
    private async Task<List<Guid>> EnvelopesWithAsync(string tenantId, string action)
    {
        var ids = new List<Guid>();
        await using var connection = new Npgsql.NpgsqlConnection(cluster.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT envelope_id FROM signing.audit_event WHERE tenant_id = $1 AND action = $2", connection);
        command.Parameters.AddWithValue(Guid.Parse(tenantId));
        command.Parameters.AddWithValue(action);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids.Order().ToList();
    }

    /// <summary>The envelope's reminder_sent entries in order: when each was written, and the latest reminder time it covers.</summary>
    private async Task<List<(DateTimeOffset At, DateTimeOffset DueAt)>> ReminderTimesAsync(string envelopeId)
    {
        var times = new List<(DateTimeOffset, DateTimeOffset)>();
        await using var connection = new Npgsql.NpgsqlConnection(cluster.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT at, (detail::jsonb->>'dueAt')::timestamptz FROM signing.audit_event WHERE envelope_id = $1 AND action = 'reminder_sent' ORDER BY sequence",
            connection);
        command.Parameters.AddWithValue(Guid.Parse(envelopeId));
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            times.Add((new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero), new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero)));
        }
        return times;
    }

    [Fact]
    public async Task A_rolling_restart_under_signing_load_finishes_calls_in_flight_loses_nothing_and_answers_only_unavailable()
    {
        await cluster.EnsureAllServingAsync();
        var tenant = await cluster.Platform.NewTenantAsync("standard");
        var admin = Calls.Bearer(await Calls.LoginAsync(cluster.Channel(0), tenant.AdminLogin, tenant.AdminPassword));
        var statuses = new List<StatusCode>();
        var acknowledged = new ConcurrentDictionary<string, (string RequestId, Metadata Link)>();
        using var stopLoad = new CancellationTokenSource();

        // Two senders make, send and sign envelopes one after another, each call on the next host, every failed call
        // retried with the same request id on the next host.
        var workers = Enumerable.Range(0, 2).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; !stopLoad.IsCancellationRequested; n++)
            {
                var at = worker + n;
                var draft = Envelopes.Draft($"ローリング再起動 {worker}-{n}", Envelopes.Signer("署名者", 1));
                draft.RemindersOff = true;
                var created = (await cluster.UntilOkAsync(at, c => Signing(c).CreateEnvelopeAsync(draft, admin).ResponseAsync, statuses)).Envelope;
                var id = created.EnvelopeId;
                var pdf = Documents.Pdf($"ローリング再起動 {id}");
                await cluster.UntilOkAsync(at + 1, c => Envelopes.UploadAsync(c, admin, id, "contract.pdf", pdf, requestId: "upload-" + id), statuses);
                var sent = (await cluster.UntilOkAsync(at + 2, c => Signing(c).SendEnvelopeAsync(
                    new SendEnvelopeRequest { EnvelopeId = id, RequestId = "send-" + id }, admin).ResponseAsync, statuses)).Envelope;
                var link = await cluster.UntilOkAsync(at, c => Envelopes.LinkAsync(c, admin, sent, "署名者"), statuses);
                await cluster.UntilOkAsync(at + 1, c => Signing(c).OpenEnvelopeAsync(new OpenEnvelopeRequest(), link).ResponseAsync, statuses);
                await cluster.UntilOkAsync(at + 2, c => Signing(c).SignEnvelopeAsync(
                    new SignEnvelopeRequest { RequestId = "sign-" + id }, link, deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync, statuses);
                acknowledged[id] = ("sign-" + id, link);
                await Task.Delay(300);
            }
        })).ToList();

        var stops = new List<(int Host, int ExitCode, TimeSpan Took)>();
        for (var host = 0; host < HostCluster.Size; host++)
        {
            var before = acknowledged.Count;
            await Eventually.HoldsAsync(() => acknowledged.Count >= before + 2, "signatures are being acknowledged", TimeSpan.FromSeconds(90));

            // An upload the host has in flight when it is told to stop: half sent before SIGTERM, the rest after.
            var draft = (await cluster.UntilOkAsync(host, c => Signing(c).CreateEnvelopeAsync(
                Envelopes.Draft($"停止中のアップロード {host}", Envelopes.Signer("署名者", 1)), admin).ResponseAsync, statuses)).Envelope;
            var content = Documents.Pdf($"停止中のアップロード {host} {Guid.NewGuid()}");
            using var upload = Signing(cluster.Channel(host)).UploadDocument(admin);
            await upload.RequestStream.WriteAsync(new UploadDocumentRequest
            {
                Header = new UploadDocumentHeader { EnvelopeId = draft.EnvelopeId, FileName = "in-flight.pdf", RequestId = "in-flight-" + draft.EnvelopeId },
            });
            var half = content.Length / 2;
            await upload.RequestStream.WriteAsync(new UploadDocumentRequest { Chunk = Google.Protobuf.ByteString.CopyFrom(content, 0, half) });

            var stopping = cluster.StopAsync(host);
            var stoppingHost = cluster.Host(host);
            await Eventually.HoldsAsync(() => stoppingHost.Output.Contains("Application is shutting down", StringComparison.Ordinal),
                $"host {host} began its graceful stop", TimeSpan.FromSeconds(30));
            await upload.RequestStream.WriteAsync(new UploadDocumentRequest { Chunk = Google.Protobuf.ByteString.CopyFrom(content, half, content.Length - half) });
            await upload.RequestStream.CompleteAsync();
            var uploaded = (await upload.ResponseAsync).Document;
            Assert.Equal("in-flight.pdf", uploaded.FileName);

            var (exitCode, took) = await stopping;
            stops.Add((host, exitCode, took));
            // While the host is away, the others keep signing.
            var whileAway = acknowledged.Count;
            await Eventually.HoldsAsync(() => acknowledged.Count >= whileAway + 2, $"signatures are acknowledged while host {host} is away", TimeSpan.FromSeconds(90));
            await cluster.StartAgainAsync(host);
            await cluster.WaitForMembersAsync(HostCluster.Size);

            // The document uploaded during the stop is in the envelope, whichever host is asked.
            var stored = (await cluster.UntilOkAsync(host + 1, c => Signing(c).GetEnvelopeAsync(
                new GetEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, admin).ResponseAsync, statuses)).Envelope;
            Assert.Contains(stored.Documents, d => d.DocumentId == uploaded.DocumentId);
        }
        var final = acknowledged.Count;
        await Eventually.HoldsAsync(() => acknowledged.Count >= final + 2, "signatures are acknowledged after the restart", TimeSpan.FromSeconds(90));
        await stopLoad.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(150));

        output.WriteLine(string.Join("; ", stops.Select(s => $"host {s.Host} exited {s.ExitCode} after {s.Took.TotalSeconds:0.0} s")));
        output.WriteLine($"{acknowledged.Count} envelopes signed during the rolling restart");
        Report("calls during the rolling restart", statuses);
        Assert.All(statuses, s => Assert.True(s is StatusCode.OK or StatusCode.Unavailable, $"a client was answered {s}"));
        // Each host exited cleanly well within its grace period (the host's 30-second shutdown timeout).
        Assert.All(stops, s => Assert.Equal(0, s.ExitCode));
        Assert.All(stops, s => Assert.True(s.Took < TimeSpan.FromSeconds(30), $"host {s.Host} took {s.Took.TotalSeconds:0.0} s to stop"));

        // Every acknowledged signature is there, once, and nothing else was signed or sent: the tenant's 'signed' and
        // 'sent' entries are exactly one per acknowledged envelope.
        Assert.Equal(acknowledged.Keys.Select(Guid.Parse).Order(), await EnvelopesWithAsync(tenant.TenantId, "signed"));
        Assert.Equal(acknowledged.Keys.Select(Guid.Parse).Order(), await EnvelopesWithAsync(tenant.TenantId, "sent"));
        // The same request again, through another host, returns the first result and signs nothing.
        var turn = 0;
        foreach (var (envelopeId, (requestId, link)) in acknowledged.Take(6))
        {
            var again = await Signing(cluster.Channel(turn++ % HostCluster.Size)).SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = requestId }, link);
            Assert.Equal(EnvelopeStatus.Completed, again.Envelope.Status);
        }
        Assert.Equal(acknowledged.Keys.Select(Guid.Parse).Order(), await EnvelopesWithAsync(tenant.TenantId, "signed"));
    }
}
