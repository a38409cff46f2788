using System.Diagnostics;
using System.Text.Json.Nodes;
using GmoSign.Signing.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using NpgsqlTypes;

/// <summary>
/// Reminders at scale (bench/reminders.sh): <c>total</c> open envelopes, each with a pending reminder (its stored next
/// deadline, <c>signing.envelope.deadline_at</c>, which the hosts' deadline sweep carries out), of which <c>due</c>
/// have a reminder due within one minute; the host is restarted in the middle of that minute. Reports the host's
/// memory (RSS) with every envelope open, while and after the reminders go out, and once idle envelopes are
/// deactivated; whether every due reminder went out exactly once; and the delay from due time to the reminder's audit
/// entry (p50, p99, max).
///
/// One envelope is made through the API; the others are copies of its stored row (new ids, same tenant, document and
/// recipient), written with COPY while the host is stopped — making 100,000 envelopes through the API would take most
/// of an hour on two cores.
/// </summary>
internal static class RemindersBench
{
    public static async Task RunAsync(GrpcChannel channel, Metadata admin, string connection, int total, int due, string hostDll, int hostPid)
    {
        var signing = new SigningService.SigningServiceClient(channel);
        await using var db = NpgsqlDataSource.Create(connection);

        // 1. The prototype, through the API: one signer, reminders on (the defaults), sent.
        var created = (await signing.CreateEnvelopeAsync(new CreateEnvelopeRequest
        {
            Title = "リマインダー試験",
            Recipients = { new RecipientInput { Name = "署名者", Email = "signer@bench.example.jp", Step = 1 } },
        }, admin)).Envelope;
        using (var upload = signing.UploadDocument(admin))
        {
            await upload.RequestStream.WriteAsync(new UploadDocumentRequest { Header = new UploadDocumentHeader { EnvelopeId = created.EnvelopeId, FileName = "c.pdf" } });
            await upload.RequestStream.WriteAsync(new UploadDocumentRequest { Chunk = ByteString.CopyFrom(GmoSign.Testing.MinimalPdf.Create("Reminder")) });
            await upload.RequestStream.CompleteAsync();
            await upload;
        }
        await signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = created.EnvelopeId }, admin);
        var prototypeId = Guid.Parse(created.EnvelopeId);

        Prototype prototype;
        await using (var read = db.CreateCommand("""
            SELECT e.tenant_id, e.version, e.status, e.title, e.sender_user_id, e.created_at, e.state::text,
                   e.deadline_at
            FROM signing.envelope e WHERE e.envelope_id = $1
            """))
        {
            read.Parameters.AddWithValue(prototypeId);
            await using var row = await read.ExecuteReaderAsync();
            if (!await row.ReadAsync())
            {
                throw new InvalidOperationException("The prototype envelope is not stored.");
            }
            prototype = new Prototype(row.GetGuid(0), row.GetInt64(1), row.GetInt16(2), row.GetString(3), row.GetGuid(4), row.GetFieldValue<DateTimeOffset>(5),
                row.GetString(6), row.IsDBNull(7) ? null : row.GetFieldValue<DateTimeOffset>(7));
        }
        if (prototype.DeadlineAt is null)
        {
            throw new InvalidOperationException("The prototype envelope has no stored deadline: nothing would remind it.");
        }

        // 2. Stop the host, write the copies: every reminder due in a week, then the chosen ones within one minute.
        Console.WriteLine($"stopping the host, writing {total - 1:N0} copies of the prototype's row …");
        await StopAsync(hostPid);
        var state = JsonNode.Parse(prototype.State)!.AsObject();
        var now = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, total - 1).Select(_ => Guid.CreateVersion7()).ToArray();
        var farDue = now.AddDays(6);
        var seed = Stopwatch.StartNew();
        await using (var conn = await db.OpenConnectionAsync())
        {
            await using (var copy = await conn.BeginBinaryImportAsync(
                "COPY signing.envelope (envelope_id, tenant_id, version, status, title, sender_user_id, created_at, updated_at, expires_at, state, deadline_at) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var id in ids)
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(id, NpgsqlDbType.Uuid);
                    await copy.WriteAsync(prototype.TenantId, NpgsqlDbType.Uuid);
                    await copy.WriteAsync(prototype.Version, NpgsqlDbType.Bigint);
                    await copy.WriteAsync(prototype.Status, NpgsqlDbType.Smallint);
                    await copy.WriteAsync(prototype.Title, NpgsqlDbType.Text);
                    await copy.WriteAsync(prototype.SenderUserId, NpgsqlDbType.Uuid);
                    await copy.WriteAsync(prototype.CreatedAt, NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync(farDue.AddDays(1), NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync(StateOf(state, id, now.AddHours(-1), farDue), NpgsqlDbType.Jsonb);
                    await copy.WriteAsync(farDue, NpgsqlDbType.TimestampTz);
                }
                await copy.CompleteAsync();
            }
        }
        // The window opens 100 s from now (after the host's start); due times spread evenly over one minute.
        var windowStart = DateTimeOffset.UtcNow.AddSeconds(100);
        var window = TimeSpan.FromMinutes(1);
        var dueIds = ids.Take(due).ToArray();
        var dueAt = dueIds.Select((_, i) => windowStart + window * i / due).ToArray();
        await using (var conn = await db.OpenConnectionAsync())
        {
            await using var tx = await conn.BeginTransactionAsync();
            await using (var update = new NpgsqlCommand("""
                UPDATE signing.envelope e SET deadline_at = d.at, expires_at = d.at + interval '1 day',
                       state = jsonb_set(e.state, '{ExpiresAt}', to_jsonb(d.at + interval '1 day'))
                FROM unnest($1::uuid[], $2::timestamptz[]) AS d(id, at) WHERE e.envelope_id = d.id
                """, conn, tx))
            {
                update.Parameters.AddWithValue(dueIds);
                update.Parameters.AddWithValue(dueAt);
                update.CommandTimeout = 300;
                await update.ExecuteNonQueryAsync();
            }
            await tx.CommitAsync();
        }
        await using (var analyze = db.CreateCommand("ANALYZE signing.envelope"))
        {
            await analyze.ExecuteNonQueryAsync();
        }
        var open = await ScalarAsync<long>(db, "SELECT count(*) FROM signing.envelope WHERE deadline_at IS NOT NULL");
        Console.WriteLine($"written in {seed.Elapsed.TotalSeconds:0.0} s: {open:N0} open envelopes, each with a pending reminder; " +
                          $"{due:N0} due between {windowStart:HH:mm:ss} and {windowStart + window:HH:mm:ss} UTC");

        // 3. Start the host.
        RunningHost? host = null;
        try
        {
            host = await StartAsync(hostDll, "1");
            await MeasureAsync();
        }
        finally
        {
            if (host is { Process.HasExited: false })
            {
                host.Process.Kill();
            }
        }

        async Task MeasureAsync()
        {
        Console.WriteLine($"host started in {host.StartSeconds:0.0} s; RSS {Rss(host.Process)} MiB with {open:N0} envelopes open");

        // 4. Restart it in the middle of the window.
        await Delay(windowStart + window / 2 - DateTimeOffset.UtcNow);
        var rssBefore = Rss(host.Process);
        var stoppedAt = DateTimeOffset.UtcNow;
        await StopAsync(host.Process.Id);
        host = await StartAsync(hostDll, "2");
        var downtime = DateTimeOffset.UtcNow - stoppedAt;
        Console.WriteLine($"restarted mid-window: RSS before the stop {rssBefore} MiB; stopped at {stoppedAt:HH:mm:ss.f}, serving again after {downtime.TotalSeconds:0.0} s");

        // 5. Wait for every due reminder (or give up two minutes after the window).
        var fired = 0L;
        var giveUp = windowStart + window + TimeSpan.FromMinutes(2);
        while (DateTimeOffset.UtcNow < giveUp && (fired = await CountRemindedAsync(db, dueIds)) < due)
        {
            await Task.Delay(1000);
        }
        var rssFired = Rss(host.Process);
        var delays = new List<double>();
        long distinct;
        await using (var query = db.CreateCommand("""
            SELECT extract(epoch FROM a.at - (a.detail::jsonb->>'dueAt')::timestamptz)::float8, a.envelope_id
            FROM signing.audit_event a WHERE a.envelope_id = ANY($1) AND a.action = 'reminder_sent'
            """))
        {
            query.Parameters.AddWithValue(dueIds);
            await using var rows = await query.ExecuteReaderAsync();
            var envelopes = new HashSet<Guid>();
            while (await rows.ReadAsync())
            {
                delays.Add(rows.GetDouble(0));
                envelopes.Add(rows.GetGuid(1));
            }
            distinct = envelopes.Count;
        }
        delays.Sort();
        double P(double p) => delays.Count == 0 ? double.NaN : delays[Math.Min(delays.Count - 1, (int)(delays.Count * p))];
        var downWindow = dueAt.Count(t => t >= stoppedAt && t <= stoppedAt + downtime);
        Console.WriteLine($"reminders due in the window: {due:N0}; sent: {delays.Count:N0} entries for {distinct:N0} envelopes (exactly once: {delays.Count == due && distinct == due}); " +
                          $"{downWindow:N0} came due while the host was down");
        Console.WriteLine($"delay from due time to the reminder's audit entry: p50 {P(0.5):0.00} s, p99 {P(0.99):0.00} s, max {(delays.Count > 0 ? delays[^1] : double.NaN):0.00} s");
        Console.WriteLine($"RSS while firing: {rssFired} MiB");

        // 6. Idle envelopes deactivate (GmoSign:Orleans:CollectionAge, set short by bench/reminders.sh).
        var age = TimeSpan.Parse(Environment.GetEnvironmentVariable("GmoSign__Orleans__CollectionAge") ?? "00:15:00");
        await Task.Delay(age + TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(15));
        GC.Collect();
        Console.WriteLine($"RSS after idle envelopes were deactivated ({age.TotalSeconds:0} s idle): {Rss(host.Process)} MiB");
        await StopAsync(host.Process.Id);
        }
    }

    private sealed record Prototype(Guid TenantId, long Version, short Status, string Title, Guid SenderUserId, DateTimeOffset CreatedAt, string State,
        DateTimeOffset? DeadlineAt);

    private sealed record RunningHost(Process Process, double StartSeconds);

    /// <summary>The prototype's state with another id and its schedule: sent an hour ago, one reminder a day before expiry.</summary>
    private static string StateOf(JsonObject prototype, Guid id, DateTimeOffset sentAt, DateTimeOffset reminderAt)
    {
        var copy = prototype.DeepClone().AsObject();
        copy["EnvelopeId"] = id;
        copy["SentAt"] = sentAt;
        copy["ExpiresAt"] = reminderAt.AddDays(1);
        copy["ReminderEveryDays"] = 0;
        copy["ReminderDaysBeforeExpiry"] = new JsonArray(1);
        copy["RemindersSent"] = new JsonArray();
        return copy.ToJsonString();
    }

    private static async Task<long> CountRemindedAsync(NpgsqlDataSource db, Guid[] ids)
    {
        await using var command = db.CreateCommand("SELECT count(*) FROM signing.audit_event WHERE envelope_id = ANY($1) AND action = 'reminder_sent'");
        command.Parameters.AddWithValue(ids);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task Delay(TimeSpan wait)
    {
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    /// <summary>Resident memory of a process in MiB, from /proc.</summary>
    private static long Rss(Process process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }

    /// <summary>Graceful stop (SIGTERM), as systemd or Kubernetes does it; waits for the process to end.</summary>
    private static async Task StopAsync(int pid)
    {
        using (var kill = Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] != "Z" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }

    /// <summary>Starts the host with this process's environment (bench/host.sh's settings) and waits until it serves.</summary>
    private static async Task<RunningHost> StartAsync(string hostDll, string name)
    {
        var watch = Stopwatch.StartNew();
        var log = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(Environment.GetEnvironmentVariable("GMOSIGN_BENCH_LOG") ?? "bench-host.log"))!,
            $"bench-reminders-host-{name}.log");
        var start = new ProcessStartInfo("bash", ["-c", $"exec dotnet \"{hostDll}\" > \"{log}\" 2>&1"]);
        var process = Process.Start(start)!;
        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:5180");
        var health = new Grpc.Health.V1.Health.HealthClient(channel);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The host exited during start; see {log}.");
            }
            try
            {
                var status = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (status.Status == Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return new RunningHost(process, watch.Elapsed.TotalSeconds);
                }
            }
            catch (RpcException)
            {
                // not yet listening
            }
            await Task.Delay(100);
        }
    }
}
