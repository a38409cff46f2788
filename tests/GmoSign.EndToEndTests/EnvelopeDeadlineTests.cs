using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Grpc.Core;
using EnvelopeStatus = GmoSign.Signing.V1.EnvelopeStatus;

namespace GmoSign.EndToEndTests;

/// <summary>
/// Reminders and expiry are carried out by the hosts' deadline sweep from each envelope's stored next deadline
/// (docs/architecture.md, "Envelopes"): with a test "day" of two seconds, reminders go out on schedule, an envelope
/// expires exactly once, and both still happen when no host ran at the moment they were due.
/// </summary>
public sealed class EnvelopeDeadlineTests
{
    private static readonly Dictionary<string, string> FastDays = new()
    {
        ["GmoSign__Signing__DayLengthOverride"] = "00:00:02",
        ["GmoSign__Signing__LinkValidityAfterEnd"] = "00:00:03",
    };

    [Fact]
    public async Task Reminders_go_out_and_the_envelope_expires_once_even_across_a_restart()
    {
        var platform = PlatformFixture.With(FastDays);
        await platform.InitializeAsync();
        try
        {
            var tenant = await platform.NewTenantAsync("standard");
            var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));

            // Expires after 10 "days" (20 s); reminders every "day" (2 s) until then: nine reminder times.
            var draft = Envelopes.Draft("期限テスト", Envelopes.Signer("未署名の人", 1));
            draft.ExpiryDays = 10;
            draft.ReminderEveryDays = 1;
            var watched = await Envelopes.SendAsync(platform.Channel, admin, draft);
            var watchedLink = await Envelopes.LinkAsync(platform.Channel, admin, watched, "未署名の人");
            var restartDraft = Envelopes.Draft("再起動をまたぐ期限", Envelopes.Signer("未署名の人", 1));
            restartDraft.ExpiryDays = 2;
            restartDraft.RemindersOff = true;
            var acrossRestart = await Envelopes.SendAsync(platform.Channel, admin, restartDraft);
            // The stored next deadlines: the first reminder "day", and the second envelope's expiry; no Orleans reminder.
            async Task<DateTimeOffset?> DeadlineOf(string envelopeId) => await platform.Database.ScalarAsync<DateTime?>(
                "SELECT deadline_at FROM signing.envelope WHERE envelope_id = $1", Guid.Parse(envelopeId)) is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
            var watchedSentAt = await platform.Database.ScalarAsync<DateTime>(
                "SELECT (state->>'SentAt')::timestamptz FROM signing.envelope WHERE envelope_id = $1", Guid.Parse(watched.EnvelopeId));
            Assert.Equal(new DateTimeOffset(watchedSentAt, TimeSpan.Zero) + TimeSpan.FromSeconds(2), await DeadlineOf(watched.EnvelopeId));
            Assert.Equal(new DateTimeOffset(await platform.Database.ScalarAsync<DateTime>("SELECT expires_at FROM signing.envelope WHERE envelope_id = $1",
                Guid.Parse(acrossRestart.EnvelopeId)), TimeSpan.Zero), await DeadlineOf(acrossRestart.EnvelopeId));
            Assert.Equal(0, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM orleans_reminder WHERE reminder_name = 'deadline'"));

            // Nothing runs when the second envelope's deadline passes.
            await platform.StopAsync();
            var stoppedAt = DateTimeOffset.UtcNow;
            await Eventually.PassedAsync(platform.Database, "SELECT expires_at FROM signing.envelope WHERE envelope_id = $1",
                Guid.Parse(acrossRestart.EnvelopeId), "the second envelope's deadline passed while no host ran");
            var restartedAt = DateTimeOffset.UtcNow;
            await platform.StartAgainAsync();
            admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
            var signing = new SigningService.SigningServiceClient(platform.Channel);

            async Task<long> Count(string envelopeId, string action) => await platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM signing.audit_event WHERE envelope_id = $1 AND action = $2", Guid.Parse(envelopeId), action);

            // Only the reminders fire: no call touches either envelope until both have expired.
            var deadline = DateTime.UtcNow.AddSeconds(40);
            while ((await Count(watched.EnvelopeId, "expired") == 0 || await Count(acrossRestart.EnvelopeId, "expired") == 0) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
            Assert.Equal(1, await Count(acrossRestart.EnvelopeId, "expired"));
            Assert.Equal(1, await Count(watched.EnvelopeId, "expired"));
            Assert.Equal(0, await Count(acrossRestart.EnvelopeId, "reminder_sent"));
            var reminders = await Count(watched.EnvelopeId, "reminder_sent");
            // Every reminder time of the schedule (each "day" after sending, before expiry) is reminded exactly once:
            // alone when it fired on time, or together with the ones before it that came due while late or down (each
            // reminder names the latest time it covers). So the times covered rise strictly, each is a scheduled time,
            // the last one is the last scheduled time, and the times missed while down went out as one reminder.
            var sentAt = await platform.Database.ScalarAsync<DateTime>(
                "SELECT (state->>'SentAt')::timestamptz FROM signing.envelope WHERE envelope_id = $1", Guid.Parse(watched.EnvelopeId));
            var day = TimeSpan.FromSeconds(2);
            var schedule = Enumerable.Range(1, 9).Select(k => new DateTimeOffset(sentAt, TimeSpan.Zero) + day * k).ToList();
            var covered = new List<DateTimeOffset>();
            await using (var connection = new Npgsql.NpgsqlConnection(platform.Database.ConnectionString))
            {
                await connection.OpenAsync();
                await using var command = new Npgsql.NpgsqlCommand(
                    "SELECT (detail::jsonb->>'dueAt')::timestamptz FROM signing.audit_event WHERE envelope_id = $1 AND action = 'reminder_sent' ORDER BY sequence",
                    connection);
                command.Parameters.AddWithValue(Guid.Parse(watched.EnvelopeId));
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    covered.Add(new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero));
                }
            }
            Assert.Equal(reminders, covered.Count);
            Assert.All(covered, t => Assert.Contains(schedule, s => Math.Abs((s - t).TotalMilliseconds) < 1));
            Assert.True(covered.Zip(covered.Skip(1)).All(p => p.Second > p.First), "a reminder time was reminded twice");
            Assert.True(Math.Abs((covered[^1] - schedule[^1]).TotalMilliseconds) < 1, "the last reminder time was never reminded");
            var missedWhileDown = schedule.Where(t => t > stoppedAt && t < restartedAt).ToList();
            Assert.NotEmpty(missedWhileDown);
            Assert.DoesNotContain(covered, t => t > stoppedAt && t < missedWhileDown[^1] - TimeSpan.FromMilliseconds(1));
            Assert.Equal(reminders, await platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM signing.outbox WHERE envelope_id = $1 AND kind = 'reminder'", Guid.Parse(watched.EnvelopeId)));

            var expired = (await signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = watched.EnvelopeId }, admin)).Envelope;
            Assert.Equal(EnvelopeStatus.Expired, expired.Status);
            var link = await Calls.FailsAsync(() => signing.CreateSigningLinkAsync(new CreateSigningLinkRequest
            {
                EnvelopeId = watched.EnvelopeId, RecipientId = watched.Recipients[0].RecipientId,
            }, admin).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, link.StatusCode);

            // Ended envelopes have no deadline left, and later looks changed nothing.
            Assert.Null(await DeadlineOf(watched.EnvelopeId));
            Assert.Null(await DeadlineOf(acrossRestart.EnvelopeId));
            // …and the recipient's link has run out (it opened the expired envelope only for a while: LinkValidityAfterEnd).
            await Eventually.PassedAsync(platform.Database, "SELECT (state->>'EndedAt')::timestamptz + interval '3 seconds' FROM signing.envelope WHERE envelope_id = $1",
                Guid.Parse(watched.EnvelopeId), "the link's validity after the end ran out");
            var stale = await Calls.FailsAsync(() => signing.OpenEnvelopeAsync(new OpenEnvelopeRequest(), watchedLink).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, stale.StatusCode);
            Assert.Equal(1, await Count(watched.EnvelopeId, "expired"));
        }
        finally
        {
            await platform.DisposeAsync();
        }
    }

    /// <summary>
    /// Deadlines that came while no host ran are carried out within seconds of the restart — the expiry once, the
    /// missed reminders as one — and the reminders after that go out on time again. A stored deadline that is not the
    /// envelope's own (as migration 0009 leaves every open envelope's, or one written under other settings) is
    /// corrected by the first look, without sending anything.
    /// </summary>
    [Fact]
    public async Task Deadlines_missed_while_no_host_ran_are_carried_out_within_seconds_of_the_restart_not_a_period_later()
    {
        var platform = PlatformFixture.With(new Dictionary<string, string>
        {
            ["GmoSign__Signing__DayLengthOverride"] = "00:00:02",
            ["GmoSign__DeadlineSweep__RetryAfter"] = "00:00:30",
        });
        await platform.InitializeAsync();
        try
        {
            var tenant = await platform.NewTenantAsync("standard");
            var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
            // One signer who never signs; expiry after so many "days" (2 s each), reminders every so many days or none.
            Task<Envelope> SendAsync(string title, int expiryDays, int reminderEveryDays)
            {
                var draft = Envelopes.Draft(title, Envelopes.Signer("未署名の人", 1));
                draft.ExpiryDays = expiryDays;
                draft.ReminderEveryDays = reminderEveryDays;
                draft.RemindersOff = reminderEveryDays == 0;
                return Envelopes.SendAsync(platform.Channel, admin, draft);
            }
            var toExpire = await SendAsync("停止中に期限切れ", 3, 0);
            var toRemind = await SendAsync("停止中にリマインド", 30, 1);
            Assert.NotNull(await platform.Database.ScalarAsync<DateTime?>(
                "SELECT deadline_at FROM signing.envelope WHERE envelope_id = $1", Guid.Parse(toExpire.EnvelopeId)));
            // Nothing is due for this one while the test runs.
            var farAway = await SendAsync("遠い期限", 30, 0);
            // Due with the first, but its stored state cannot be read (its grain fails every time).
            var broken = await SendAsync("読めない状態", 3, 0);

            await platform.StopAsync();
            // As migration 0009 leaves it: the stored deadline says "now".
            await platform.Database.ExecuteAsync("UPDATE signing.envelope SET deadline_at = now() WHERE envelope_id = $1", Guid.Parse(farAway.EnvelopeId));
            await platform.Database.ExecuteAsync("UPDATE signing.envelope SET state = '[]'::jsonb WHERE envelope_id = $1", Guid.Parse(broken.EnvelopeId));
            await Eventually.PassedAsync(platform.Database, "SELECT expires_at + interval '1 second' FROM signing.envelope WHERE envelope_id = $1",
                Guid.Parse(toExpire.EnvelopeId), "the first envelope's expiry passed while no host ran");
            await platform.StartAgainAsync();
            var restartedAt = DateTimeOffset.UtcNow;

            async Task<long> Count(string envelopeId, string action) => await platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM signing.audit_event WHERE envelope_id = $1 AND action = $2", Guid.Parse(envelopeId), action);
            // Generous for a loaded machine; without the sweep both would wait for the reminders' next period, an hour away.
            await Eventually.HoldsAsync(async () => await Count(toExpire.EnvelopeId, "expired") == 1, "the missed expiry was carried out",
                TimeSpan.FromSeconds(45));
            await Eventually.HoldsAsync(async () => await Count(toRemind.EnvelopeId, "reminder_sent") >= 1, "the missed reminders were sent",
                TimeSpan.FromSeconds(45));
            Assert.Null(await platform.Database.ScalarAsync<DateTime?>(
                "SELECT deadline_at FROM signing.envelope WHERE envelope_id = $1", Guid.Parse(toExpire.EnvelopeId)));
            // The reminders missed while down went out as one; the schedule then goes on.
            var first = await Count(toRemind.EnvelopeId, "reminder_sent");
            await Eventually.HoldsAsync(async () => await Count(toRemind.EnvelopeId, "reminder_sent") >= first + 2,
                "the reminder schedule goes on", TimeSpan.FromSeconds(45));
            var next = await platform.Database.ScalarAsync<DateTime>(
                "SELECT deadline_at FROM signing.envelope WHERE envelope_id = $1", Guid.Parse(toRemind.EnvelopeId));
            Assert.True(new DateTimeOffset(next, TimeSpan.Zero) > restartedAt, "the next deadline lies ahead");
            Assert.Equal(1, await Count(toExpire.EnvelopeId, "expired"));
            // The broken envelope's deadline was put back (GmoSign:DeadlineSweep:RetryAfter, 30 s here) instead of being tried at
            // every look ahead of the others.
            await Eventually.HoldsAsync(async () => await platform.Database.ScalarAsync<bool>(
                "SELECT deadline_at > now() + interval '10 seconds' FROM signing.envelope WHERE envelope_id = $1", Guid.Parse(broken.EnvelopeId)),
                "the failing envelope's deadline was put back");
            Assert.Contains("trying again in", platform.Host.Output);
            // The far envelope's deadline is its expiry again, and nothing was sent or changed for it.
            await Eventually.HoldsAsync(async () => await platform.Database.ScalarAsync<bool>(
                "SELECT deadline_at = expires_at FROM signing.envelope WHERE envelope_id = $1", Guid.Parse(farAway.EnvelopeId)),
                "the far envelope's stored deadline was corrected");
            Assert.Equal(0, await platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM signing.audit_event WHERE envelope_id = $1 AND action IN ('reminder_sent', 'expired')", Guid.Parse(farAway.EnvelopeId)));
            Assert.Equal(0, await platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM signing.outbox WHERE envelope_id = $1 AND kind IN ('reminder', 'expired')", Guid.Parse(farAway.EnvelopeId)));
        }
        finally
        {
            await platform.DisposeAsync();
        }
    }
}
