using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;
using Grpc.Core;
using EnvelopeStatus = GmoSign.Signing.V1.EnvelopeStatus;

namespace GmoSign.EndToEndTests;

/// <summary>
/// Reminders and expiry are Orleans reminders in PostgreSQL (SPEC "Signing flow"): with a test "day" of two seconds,
/// reminders go out on schedule, an envelope expires exactly once, and both still happen when no host ran at the
/// moment they were due.
/// </summary>
public sealed class EnvelopeDeadlineTests
{
    private static readonly Dictionary<string, string> FastDays = new()
    {
        ["GmoSign__Signing__DayLengthOverride"] = "00:00:02",
        ["GmoSign__Signing__DeadlineCheckPeriod"] = "00:00:02",
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
            Assert.Equal(2, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM orleans_reminder WHERE reminder_name = 'deadline'"));

            // Nothing runs when the second envelope's deadline passes.
            await platform.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(6));
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
            // The times missed while down are sent as one reminder, not one each; the later ones on schedule.
            Assert.InRange(reminders, 2, 8);
            Assert.Equal(reminders, await platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM signing.outbox WHERE envelope_id = $1 AND kind = 'reminder'", Guid.Parse(watched.EnvelopeId)));

            var expired = (await signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = watched.EnvelopeId }, admin)).Envelope;
            Assert.Equal(EnvelopeStatus.Expired, expired.Status);
            var link = await Calls.FailsAsync(() => signing.CreateSigningLinkAsync(new CreateSigningLinkRequest
            {
                EnvelopeId = watched.EnvelopeId, RecipientId = watched.Recipients[0].RecipientId,
            }, admin).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, link.StatusCode);

            // Later firings change nothing; the reminder is gone once the envelope ended.
            await Task.Delay(TimeSpan.FromSeconds(5));
            // …and the recipient's link has run out (it opened the expired envelope only for a while).
            var stale = await Calls.FailsAsync(() => signing.OpenEnvelopeAsync(new OpenEnvelopeRequest(), watchedLink).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, stale.StatusCode);
            Assert.Equal(1, await Count(watched.EnvelopeId, "expired"));
            Assert.Equal(0, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM orleans_reminder WHERE reminder_name = 'deadline'"));
        }
        finally
        {
            await platform.DisposeAsync();
        }
    }
}
