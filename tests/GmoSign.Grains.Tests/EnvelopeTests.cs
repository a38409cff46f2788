using GmoSign.Errors;
using GmoSign.Grains.Envelopes;
using GmoSign.Grains.Ports;
using Microsoft.Extensions.Time.Testing;

namespace GmoSign.Grains.Tests;

/// <summary>
/// The envelope's rules as a plain object: no Orleans, no database, a clock the test moves. Every refusal is checked
/// to leave the state exactly as it was.
/// </summary>
public sealed class EnvelopeTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Guid Tenant = Guid.NewGuid();
    private static readonly Actor Sender = new(Guid.NewGuid(), "送信 太郎", "sender@example.jp", "192.0.2.1", "test");
    private static readonly Actor Admin = new(Guid.NewGuid(), "管理 花子", "admin@example.jp", null, null, ManagesAll: true);
    private static readonly Actor Stranger = new(Guid.NewGuid(), "他人", "other@example.jp", null, null);

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly EnvelopeOptions _options = new();

    private static RecipientSpec Signer(string name, int step, string? code = null, Guid? userId = null) =>
        new(name, $"{name.ToLowerInvariant()}@example.jp", false, step, code, false, userId);

    private Envelope Draft(IReadOnlyList<RecipientSpec> recipients, int[]? anyOne = null, Approver[]? approvers = null, bool reassign = true,
        int[]? reminderDays = null, int everyDays = 0)
    {
        var draft = new EnvelopeDraft(Tenant, "create-1", "業務委託契約", "ご確認ください", recipients, anyOne ?? [], approvers ?? [],
            new RetentionSpec("contract", null, 100_000, "JPY", null, ["営業"]), reassign, 30, reminderDays ?? [], everyDays, Sender);
        var (envelope, change) = Envelope.Create(Guid.NewGuid(), draft, _options, _clock);
        envelope.Seal(change, null, 0);
        return envelope;
    }

    /// <summary>A draft with one document, sent.</summary>
    private Envelope Sent(IReadOnlyList<RecipientSpec> recipients, int[]? anyOne = null, int[]? reminderDays = null, int everyDays = 0)
    {
        var e = Draft(recipients, anyOne, reminderDays: reminderDays, everyDays: everyDays);
        Commit(e, e.AddDocument(Document(), Sender)!);
        Commit(e, e.Send(Sender, certificateOptionHeld: false));
        return e;
    }

    private static NewDocument Document(string? requestId = null) =>
        new(Guid.NewGuid(), Guid.NewGuid(), "contract.pdf", 1000, new byte[32], requestId);

    private static EnvelopeCommit Commit(Envelope e, EnvelopeChange change, string? requestId = null) =>
        e.Seal(change, requestId, e.State.Version);

    private static RecipientState Recipient(Envelope e, string name) => e.State.Recipients.Single(r => r.Name == name && r.Status != RecipientStatus.Reassigned);

    private static RecipientAccess Link(Envelope e, string name, string? code = null) =>
        new(Tenant, Recipient(e, name).RecipientId, true, code, new Actor(null, "", null, "198.51.100.7", "browser"));

    private static RecipientActor Granted(Envelope e, RecipientAccess access) =>
        Assert.IsType<AccessDecision.Granted>(e.Authorize(access)).Who;

    private static void Sign(Envelope e, string name)
    {
        var who = Granted(e, Link(e, name));
        e.CheckSign(who);
        var change = new EnvelopeChange(e.Now());
        var revisions = e.State.Documents.Select(d => new DocumentRevision(d.DocumentId, Guid.NewGuid(), [1, 2, 3, (byte)d.Signatures])).ToList();
        e.RecordSignature(change, who, revisions);
        if (e.Status == EnvelopeStatus.Completed)
        {
            e.Complete(change, e.State.Documents.Select(d => new DocumentRevision(d.DocumentId, Guid.NewGuid(), [9, 9])).ToList());
            e.AttachCompletionRecords(change, Guid.NewGuid(), Guid.NewGuid());
        }
        Commit(e, change, $"sign-{name}");
    }

    /// <summary>Runs a refused operation and asserts the reason and that the stored form of the state did not move.</summary>
    private static DomainException Refused(Envelope e, string reason, Action act)
    {
        var before = e.Serialize();
        var ex = Assert.Throws<DomainException>(act);
        Assert.Equal(reason, ex.Reason);
        Assert.Equal(before, e.Serialize());
        return ex;
    }

    [Fact]
    public void A_draft_keeps_access_codes_only_as_hashes_and_its_view_says_only_that_one_is_set()
    {
        var e = Draft([Signer("Aoki", 1, code: "sesame-4711"), Signer("Baba", 2)]);

        Assert.DoesNotContain("sesame-4711", e.Serialize());
        var view = e.View();
        Assert.Equal([true, false], view.Recipients.Select(r => r.HasAccessCode));
        Assert.Equal(EnvelopeStatus.Draft, view.Status);
        Assert.Equal(1, view.Version);
        Assert.Equal(Sender.UserId, view.SenderUserId);
    }

    [Fact]
    public void Sending_starts_the_deadline_notifies_the_first_step_only_and_counts_once_for_usage()
    {
        var e = Draft([Signer("Aoki", 1), Signer("Baba", 1), Signer("Chiba", 2)]);
        Refused(e, "ENVELOPE_HAS_NO_DOCUMENTS", () => e.CheckSend(Sender));
        Commit(e, e.AddDocument(Document(), Sender)!);
        _clock.Advance(TimeSpan.FromMinutes(5));

        var change = e.Send(Sender, certificateOptionHeld: false);

        Assert.Equal(EnvelopeStatus.Sent, e.Status);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromDays(30), e.State.ExpiresAt);
        Assert.Equal(["aoki@example.jp", "baba@example.jp"], change.Notifications.Select(n => n.Email).Order());
        Assert.All(change.Notifications, n => Assert.Equal("signing_request", n.Kind));
        Assert.Equal(RecipientStatus.Pending, Recipient(e, "Chiba").Status);
        Assert.Equal([HandOver.Usage(1, 0)], change.HandOvers);
    }

    [Fact]
    public void Only_the_sender_or_a_manager_changes_an_envelope_and_refusals_change_nothing()
    {
        var e = Draft([Signer("Aoki", 1) with { CertificateType = true }]);
        Refused(e, "PERMISSION_DENIED", () => e.AddDocument(Document(), Stranger));
        Commit(e, e.AddDocument(Document(), Admin)!);
        Refused(e, "PERMISSION_DENIED", () => e.Send(Stranger, true));
        Refused(e, "OPTION_REQUIRED", () => e.Send(Sender, certificateOptionHeld: false));
        Refused(e, "ENVELOPE_STATUS", () => e.Void(Sender, "まだ下書き"));

        Commit(e, e.Send(Admin, certificateOptionHeld: true));
        Assert.Equal(EnvelopeStatus.Sent, e.Status);
    }

    [Fact]
    public void Steps_go_in_order_an_any_one_step_needs_one_signature_and_the_last_signature_completes()
    {
        var e = Sent([Signer("Aoki", 1), Signer("Baba", 2), Signer("Chiba", 2), Signer("Doi", 3)], anyOne: [2]);
        Refused(e, "NOT_RECIPIENTS_TURN", () => e.CheckSign(Granted(e, Link(e, "Doi"))));

        Sign(e, "Aoki");
        Assert.Equal(RecipientStatus.Notified, Recipient(e, "Baba").Status);
        Assert.Equal(RecipientStatus.Notified, Recipient(e, "Chiba").Status);
        Sign(e, "Chiba");
        Refused(e, "STEP_COMPLETED", () => e.CheckSign(Granted(e, Link(e, "Baba"))));
        Refused(e, "RECIPIENT_ALREADY_SIGNED", () => e.CheckSign(Granted(e, Link(e, "Aoki"))));
        Assert.Equal(EnvelopeStatus.Sent, e.Status);

        Sign(e, "Doi");
        Assert.Equal(EnvelopeStatus.Completed, e.Status);
        Assert.True(e.State.ArchivePending);
        var document = Assert.Single(e.State.Documents);
        Assert.Equal(3, document.Signatures);
        Assert.Equal(document.ContentId, document.ArchivedDocumentId);
        Assert.Equal(3, e.State.SignatureCount);
        Assert.NotNull(e.HandedOver());
        Assert.Null(e.HandedOver());
    }

    [Fact]
    public void The_signature_stamp_names_the_signer_in_Japan_time_and_a_delegate_for_the_principal()
    {
        var principal = Guid.NewGuid();
        var e = Sent([Signer("Aoki", 1, userId: principal)]);
        var delegateActor = new Actor(Guid.NewGuid(), "代理 次郎", "dairi@example.jp", null, null);
        var access = new RecipientAccess(Tenant, Recipient(e, "Aoki").RecipientId, false, null, delegateActor);

        var need = Assert.IsType<AccessDecision.DelegationNeeded>(e.Authorize(access));
        Assert.Equal((delegateActor.UserId!.Value, principal), (need.DelegateUserId, need.PrincipalUserId));
        Refused(e, "PERMISSION_DENIED", () => e.AsDelegate(need.Recipient, delegateActor, delegationFound: false));
        var who = e.AsDelegate(need.Recipient, delegateActor, delegationFound: true);

        var request = e.SignatureRequestFor(who, new DateTimeOffset(2026, 12, 1, 15, 30, 0, TimeSpan.Zero));
        Assert.Equal("Signature1", request.FieldName);
        Assert.Contains("2026-12-02 00:30 JST", request.Appearance!);
        Assert.Contains("代理 次郎（Aoki 代理 / for Aoki）", request.Appearance!);
        Assert.Equal("Aoki <aoki@example.jp>", who.Principal);
    }

    [Fact]
    public void Five_wrong_access_codes_lock_the_link_until_the_sender_resends()
    {
        var e = Sent([Signer("Aoki", 1, code: "right-code")]);
        var required = Refused(e, "ACCESS_CODE_REQUIRED", () => e.Authorize(Link(e, "Aoki")));
        Assert.Equal("5", required.Metadata["attempts_left"]);

        for (var attempt = 1; attempt <= Envelope.AccessCodeAttempts; attempt++)
        {
            var wrong = Assert.IsType<AccessDecision.WrongAccessCode>(e.Authorize(Link(e, "Aoki", "guess")));
            Assert.Equal("ACCESS_CODE_MISMATCH", wrong.Error.Reason);
            Assert.Equal((Envelope.AccessCodeAttempts - attempt).ToString(System.Globalization.CultureInfo.InvariantCulture), wrong.Error.Metadata["attempts_left"]);
            Assert.Equal("access_code_failed", Assert.Single(wrong.Change.Events).Action);
            Commit(e, wrong.Change);
        }
        Refused(e, "ACCESS_CODE_LOCKED", () => e.Authorize(Link(e, "Aoki", "right-code")));

        var (resent, count) = e.Resend(Sender, null);
        Commit(e, resent);
        Assert.Equal(1, count);
        Assert.Equal(Recipient(e, "Aoki").RecipientId, Granted(e, Link(e, "Aoki", "right-code")).Recipient.RecipientId);
    }

    [Fact]
    public void A_link_still_opens_an_ended_envelope_for_a_while_then_no_more()
    {
        var e = Sent([Signer("Aoki", 1), Signer("Baba", 1)]);
        var declined = e.Decline(Granted(e, Link(e, "Aoki")), "条件が合わない");
        Commit(e, declined);
        Assert.Equal(EnvelopeStatus.Declined, e.Status);
        Assert.Equal(["sender@example.jp", "baba@example.jp"], declined.Notifications.Select(n => n.Email));

        _clock.Advance(_options.LinkValidityAfterEnd);
        var (viewed, canSign) = e.Open(Granted(e, Link(e, "Baba")));
        Assert.False(canSign);
        Assert.Null(viewed); // an ended envelope records no new "viewed"

        _clock.Advance(TimeSpan.FromSeconds(1));
        Refused(e, "UNAUTHENTICATED", () => e.Authorize(Link(e, "Baba")));
    }

    [Fact]
    public void Reminders_go_once_per_due_time_missed_ones_go_as_one_and_the_envelope_expires_at_its_deadline()
    {
        var e = Sent([Signer("Aoki", 1), Signer("Baba", 2)], reminderDays: [23, 16, 9, 2]);
        var expires = e.State.ExpiresAt!.Value;
        Assert.Equal(expires - TimeSpan.FromDays(23), e.NextDeadline());
        Assert.Null(e.CheckDeadline());

        _clock.Advance(TimeSpan.FromDays(7));
        var first = e.CheckDeadline()!;
        Commit(e, first);
        var reminder = Assert.Single(first.Notifications);
        Assert.Equal(("reminder", "aoki@example.jp"), (reminder.Kind, reminder.Email));
        Assert.Null(e.CheckDeadline()); // checked again at once: nothing more is due
        Assert.Equal(expires - TimeSpan.FromDays(16), e.NextDeadline());

        _clock.Advance(TimeSpan.FromDays(20)); // day 27: the reminders of day 14 and day 21 were missed
        var late = e.CheckDeadline()!;
        Commit(e, late);
        Assert.Single(late.Notifications);
        Assert.Equal(3, e.State.RemindersSent.Count);
        Assert.Equal(expires - TimeSpan.FromDays(2), e.NextDeadline());

        _clock.Advance(TimeSpan.FromDays(3)); // day 30
        var expired = e.CheckDeadline()!;
        Commit(e, expired);
        Assert.Equal(EnvelopeStatus.Expired, e.Status);
        Assert.Equal(["expired", "expired"], expired.Notifications.Select(n => n.Kind));
        Assert.Equal(["sender@example.jp", "aoki@example.jp"], expired.Notifications.Select(n => n.Email));
        Assert.Null(e.NextDeadline());
        Assert.Null(e.CheckDeadline());
    }

    [Fact]
    public void Every_n_days_reminders_stop_before_the_deadline()
    {
        var e = Sent([Signer("Aoki", 1)], everyDays: 7);
        var sent = e.State.SentAt!.Value;
        Assert.Equal([7, 14, 21, 28], EnvelopeRouting.ReminderTimes(e.State, _options.Day).Select(t => (int)(t - sent).TotalDays));
    }

    [Fact]
    public void Approvers_approve_before_signers_are_asked_and_a_rejection_returns_the_draft_to_the_sender()
    {
        var approverActor = new Actor(Guid.NewGuid(), "承認 一郎", "shonin@example.jp", null, null);
        var approver = new Approver(approverActor.UserId!.Value, approverActor.Name, approverActor.Email!);
        var e = Draft([Signer("Aoki", 1)], approvers: [approver]);
        Commit(e, e.AddDocument(Document(), Sender)!);
        var sent = e.Send(Sender, false);
        Commit(e, sent);
        Assert.Equal(EnvelopeStatus.Approval, e.Status);
        Assert.Equal(["approval_request"], sent.Notifications.Select(n => n.Kind));
        Refused(e, "PERMISSION_DENIED", () => e.CheckApproval(Sender, approve: true));

        var rejected = e.Approve(approverActor, approve: false, "金額を確認してください");
        Commit(e, rejected);
        Assert.Equal(EnvelopeStatus.Draft, e.Status);
        Assert.Equal("金額を確認してください", e.State.StatusReason);
        Assert.Equal(("approval_rejected", "sender@example.jp"), (rejected.Notifications[0].Kind, rejected.Notifications[0].Email));
        Assert.Null(e.State.ExpiresAt);

        var again = e.Send(Sender, false);
        Assert.Empty(again.HandOvers); // sent once already: usage counted once
        Commit(e, again);
        var approved = e.Approve(approverActor, approve: true, null);
        Commit(e, approved);
        Assert.Equal(EnvelopeStatus.Sent, e.Status);
        Assert.Equal(["signing_request"], approved.Notifications.Select(n => n.Kind));
        Assert.Equal([approver.UserId], e.View().ApprovedBy);
    }

    [Fact]
    public void Reassigning_hands_the_turn_to_the_new_recipient_and_a_replay_finds_them()
    {
        var e = Sent([Signer("Aoki", 1), Signer("Baba", 1)]);
        var aoki = Recipient(e, "Aoki").RecipientId;
        Refused(e, "INVALID_FIELD", () => e.Reassign(Granted(e, Link(e, "Aoki")), "Baba 2", "BABA@example.jp", "同じ人"));

        var (change, next) = e.Reassign(Granted(e, Link(e, "Aoki")), "Endo", "endo@example.jp", "担当交代");
        Commit(e, change, "reassign-1");
        Assert.True(e.IsReplay("reassign-1"));
        Assert.Equal(next, e.TakenOverBy(aoki));
        Assert.Equal(("signing_request", "endo@example.jp"), (change.Notifications[0].Kind, change.Notifications[0].Email));
        Refused(e, "RECIPIENT_REASSIGNED", () => e.Authorize(new RecipientAccess(Tenant, aoki, true, null, Stranger)));

        var noReassign = Draft([Signer("Aoki", 1)], reassign: false);
        Commit(noReassign, noReassign.AddDocument(Document(), Sender)!);
        Commit(noReassign, noReassign.Send(Sender, false));
        Refused(noReassign, "REASSIGN_NOT_ALLOWED", () => noReassign.Reassign(Granted(noReassign, Link(noReassign, "Aoki")), "X", "x@example.jp", "-"));
    }

    [Fact]
    public void Recipients_download_after_opening_and_carbon_copies_after_completion()
    {
        var e = Sent([Signer("Aoki", 1), new RecipientSpec("Kato", "kato@example.jp", true, 1, null, false, null)]);
        var documentId = e.State.Documents[0].DocumentId;
        Refused(e, "OPEN_ENVELOPE_FIRST", () => e.Download(documentId, Granted(e, Link(e, "Aoki")), Stranger));
        Refused(e, "ENVELOPE_STATUS", () => e.Download(documentId, Granted(e, Link(e, "Kato")), Stranger));
        Refused(e, "NOT_FOUND", () => e.Download(Guid.NewGuid(), null, Sender));

        var (opened, _) = e.Open(Granted(e, Link(e, "Aoki")));
        Commit(e, opened!);
        var (download, document) = e.Download(documentId, Granted(e, Link(e, "Aoki")), Stranger);
        Assert.Equal(documentId, document.DocumentId);
        Assert.Equal("Aoki <aoki@example.jp>", e.Chain(download, out _).Single().Actor);

        Sign(e, "Aoki");
        Assert.Equal(EnvelopeStatus.Completed, e.Status);
        e.Download(documentId, Granted(e, Link(e, "Kato")), Stranger);
    }

    [Fact]
    public void Sealing_chains_the_audit_trail_and_remembers_the_latest_request_ids()
    {
        var e = Sent([Signer("Aoki", 1)]);
        var head = e.State.AuditHash;
        var sequence = e.State.AuditSequence;
        var (change, _) = e.Resend(Sender, null);
        var commit = Commit(e, change, "resend-0");

        var record = Assert.Single(commit.Audit);
        Assert.Equal(sequence + 1, record.Sequence);
        Assert.Equal(head, record.PreviousHash);
        Assert.Equal(AuditChain.Hash(e.Id, record), record.Hash);
        Assert.Equal(record.Hash, e.State.AuditHash);
        Assert.Equal(commit.NewVersion, e.State.Version);
        Assert.Equal(commit.ExpectedVersion + 1, commit.NewVersion);

        for (var i = 1; i <= Envelope.RememberedRequests; i++)
        {
            Commit(e, e.Resend(Sender, null).Change, $"resend-{i}");
        }
        Assert.False(e.IsReplay("resend-0"));
        Assert.True(e.IsReplay("resend-1"));
        Assert.True(e.IsReplay($"resend-{Envelope.RememberedRequests}"));
        Assert.Equal(Envelope.RememberedRequests, e.State.Requests.Count);
    }

    [Fact]
    public void The_stored_form_restores_the_same_envelope()
    {
        var e = Sent([Signer("Aoki", 1), Signer("Baba", 2, code: "c0de")]);
        Sign(e, "Aoki");

        var restored = Envelope.Restore(e.Serialize(), _options, _clock);

        Assert.Equal(e.Serialize(), restored.Serialize());
        Assert.Equal(e.View().Recipients, restored.View().Recipients);
        Assert.Equal((e.State.Version, EnvelopeStatus.Sent), (restored.State.Version, restored.Status));
        Assert.True(restored.IsReplay("sign-Aoki"));
    }
}
