using GmoSign.Grains;
using GmoSign.Grains.Envelopes;
using GmoSign.Grains.Ports;

namespace GmoSign.UnitTests;

public sealed class EnvelopeRoutingTests
{
    private static EnvelopeState Envelope(params (string Name, int Step, RecipientStatus Status)[] signers) => new()
    {
        Status = EnvelopeStatus.Sent,
        Recipients = signers.Select(s => new RecipientState { RecipientId = Guid.NewGuid(), Name = s.Name, Step = s.Step, Status = s.Status }).ToList(),
    };

    [Fact]
    public void Lower_steps_come_first_and_equal_steps_run_in_parallel()
    {
        var s = Envelope(("A", 1, RecipientStatus.Pending), ("B", 1, RecipientStatus.Pending), ("C", 2, RecipientStatus.Pending));
        Assert.Equal(1, EnvelopeRouting.CurrentStep(s));
        Assert.Equal(["A", "B"], EnvelopeRouting.DueForNotification(s).Select(r => r.Name));
        s.Recipients[0].Status = RecipientStatus.Signed;
        Assert.Equal(1, EnvelopeRouting.CurrentStep(s)); // all of step 1 must sign
        s.Recipients[1].Status = RecipientStatus.Signed;
        Assert.Equal(2, EnvelopeRouting.CurrentStep(s));
        s.Recipients[2].Status = RecipientStatus.Signed;
        Assert.Null(EnvelopeRouting.CurrentStep(s));
    }

    [Fact]
    public void An_any_step_completes_with_one_signature_and_the_others_lose_their_turn()
    {
        var s = Envelope(("A", 1, RecipientStatus.Signed), ("B", 1, RecipientStatus.Notified), ("C", 3, RecipientStatus.Pending));
        s.AnyOneSteps.Add(1);
        Assert.Equal(3, EnvelopeRouting.CurrentStep(s));
        Assert.False(EnvelopeRouting.CanSign(s, s.Recipients[1]));
        Assert.Equal(["C"], EnvelopeRouting.DueForNotification(s).Select(r => r.Name));
    }

    [Fact]
    public void A_reassigned_recipient_is_replaced_and_carbon_copies_never_hold_a_step()
    {
        var s = Envelope(("A", 1, RecipientStatus.Reassigned), ("A2", 1, RecipientStatus.Signed));
        s.Recipients.Add(new RecipientState { Name = "CC", Step = 1, CarbonCopy = true });
        Assert.Null(EnvelopeRouting.CurrentStep(s));
    }

    [Fact]
    public void Reminder_times_fall_between_sending_and_expiry()
    {
        var sent = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var s = new EnvelopeState { SentAt = sent, ExpiresAt = sent.AddDays(30), ReminderDaysBeforeExpiry = [23, 16, 9, 2, 40] };
        Assert.Equal([7, 14, 21, 28], EnvelopeRouting.ReminderTimes(s, TimeSpan.FromDays(1)).Select(t => (t - sent).Days));
        s.ReminderEveryDays = 10;
        Assert.Equal([10, 20], EnvelopeRouting.ReminderTimes(s, TimeSpan.FromDays(1)).Select(t => (t - sent).Days));
    }

    [Fact]
    public void The_audit_chain_reports_the_first_changed_entry()
    {
        var envelopeId = Guid.NewGuid();
        var at = DateTimeOffset.UtcNow;
        var trail = new List<AuditRecord>();
        var previous = AuditChain.Genesis;
        foreach (var (action, i) in new[] { "created", "sent", "signed", "completed" }.Select((a, i) => (a, i)))
        {
            var hash = AuditChain.Hash(envelopeId, i + 1, at, action, "actor", null, null, "127.0.0.1", null, "{}", previous);
            trail.Add(new AuditRecord(i + 1, at, action, "actor", null, null, "127.0.0.1", null, "{}", previous, hash));
            previous = hash;
        }
        Assert.Equal(0, AuditChain.FirstBroken(envelopeId, trail));
        Assert.Equal(1, AuditChain.FirstBroken(Guid.NewGuid(), trail)); // entries cannot move to another envelope
        trail[2] = trail[2] with { IpAddress = "10.0.0.1" };
        Assert.Equal(3, AuditChain.FirstBroken(envelopeId, trail));
        trail.RemoveAt(2);
        Assert.Equal(3, AuditChain.FirstBroken(envelopeId, trail));
        // Hashing the time at PostgreSQL's precision: a value read back from the database hashes the same.
        Assert.Equal(AuditChain.Hash(envelopeId, 1, AuditChain.Truncate(at), "a", "b", null, null, null, null, "{}", AuditChain.Genesis),
            AuditChain.Hash(envelopeId, 1, at, "a", "b", null, null, null, null, "{}", AuditChain.Genesis));
    }
}

public sealed class DeliveryTests
{
    [Fact]
    public void Backoff_doubles_from_the_first_wait_up_to_the_ceiling()
    {
        var first = TimeSpan.FromSeconds(10);
        var ceiling = TimeSpan.FromMinutes(5);
        Assert.Equal([10, 20, 40, 80, 160, 300, 300], Enumerable.Range(1, 7).Select(a => (int)GmoSign.Signing.Backoff.After(a, first, ceiling).TotalSeconds));
        Assert.Equal(ceiling, GmoSign.Signing.Backoff.After(500, first, ceiling));
    }

    [Fact]
    public void Webhook_signatures_are_hmac_sha256_over_time_and_body()
    {
        var secret = "whsec_test"u8.ToArray();
        var header = GmoSign.Signing.WebhookEndpoints.Signature(secret, 1_700_000_000, "{\"a\":1}");
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(secret, "1700000000.{\"a\":1}"u8));
        Assert.Equal($"t=1700000000,v1={expected}", header);
        Assert.NotEqual(header, GmoSign.Signing.WebhookEndpoints.Signature(secret, 1_700_000_001, "{\"a\":1}"));
    }

    [Fact]
    public void Every_notification_kind_has_japanese_then_english_text()
    {
        foreach (var kind in new[] { "signing_request", "reminder", "approval_request", "approval_rejected", "completed", "declined", "voided", "expired" })
        {
            using var detail = System.Text.Json.JsonDocument.Parse("{\"reason\":\"理由\",\"by\":\"山田\"}");
            var (subject, body) = GmoSign.Signing.NotificationTexts.Compose(new GmoSign.Signing.NotificationContext(kind, "佐藤", "契約書", "よろしく",
                "田中", DateTimeOffset.UtcNow, "https://sign.example/s/gsl_x", detail.RootElement.Clone()));
            Assert.Contains(" / ", subject);
            Assert.True(body.IndexOf("佐藤 様", StringComparison.Ordinal) < body.IndexOf("Dear 佐藤", StringComparison.Ordinal), kind);
            Assert.Contains("https://sign.example/s/gsl_x", body);
        }
    }
}
