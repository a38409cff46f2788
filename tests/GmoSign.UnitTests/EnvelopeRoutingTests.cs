using GmoSign.Grains;
using GmoSign.Grains.Envelopes;
using GmoSign.Signing.Contracts;

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
