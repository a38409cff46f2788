using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GmoSign.Accounts.Contracts;
using GmoSign.Errors;
using GmoSign.Reseller.Contracts;
using GmoSign.Retention.Contracts;
using GmoSign.Signing.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GmoSign.Grains.Envelopes;

/// <summary>
/// One envelope. Each change mutates the in-memory state, then commits state + audit entries + notifications + hand-overs in one
/// transaction (<see cref="IEnvelopeStore"/>); a failed commit reloads the stored state, so memory never runs ahead
/// of the database and nothing is half-written.
/// </summary>
internal sealed partial class EnvelopeGrain(
    IEnvelopeStore store,
    IDocumentContent contents,
    IPdfSignatures pdf,
    IEnvelopeArchive archive,
    ITenantContracts tenants,
    IDelegationLookup delegations,
    IOptions<EnvelopeOptions> options,
    TimeProvider clock,
    ILogger<EnvelopeGrain> logger) : Grain, IEnvelopeGrain, IRemindable, IIncomingGrainCallFilter
{
    internal const string DeadlineReminder = "deadline";
    private const int RememberedRequests = 200;
    internal const int AccessCodeAttempts = 5;
    // Japanese stays readable in audit details (they are stored, hashed and shown as text, never embedded in HTML).
    internal static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All) };

    private readonly EnvelopeOptions _options = options.Value;
    private readonly Dictionary<Guid, byte[]> _contentCache = new();
    private EnvelopeState? _state;

    /// <summary>
    /// Set when a failed commit could not reload the stored state either (the database was down): memory may be ahead
    /// of the database, so the next call reloads first — a retried request must never be answered from a change that
    /// was not stored.
    /// </summary>
    private bool _stale;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (_stale)
        {
            await ReloadAsync();
            _stale = false;
        }
        await context.Invoke();
    }

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await ReloadAsync(cancellationToken);
    }

    private async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        _contentCache.Clear();
        var stored = await store.LoadAsync(Id, cancellationToken);
        _state = stored is null ? null : JsonSerializer.Deserialize<EnvelopeState>(stored.StateJson, Json);
    }

    // ---------------------------------------------------------------- sender side

    public async Task<EnvelopeState> CreateAsync(EnvelopeDraft draft)
    {
        if (_state is { } existing)
        {
            // A retried create (same request id) returns the envelope created first.
            if (existing.TenantId == draft.TenantId && existing.CreateRequestId is not null && existing.CreateRequestId == draft.RequestId)
            {
                return existing;
            }
            throw new DomainException(ErrorKind.AlreadyExists, "ENVELOPE_EXISTS", "The envelope already exists.", "封筒は既に存在します。", "request_id");
        }
        var now = Now();
        var s = new EnvelopeState
        {
            EnvelopeId = Id,
            TenantId = draft.TenantId,
            Status = EnvelopeStatus.Draft,
            Title = draft.Title,
            Message = draft.Message,
            AnyOneSteps = [.. draft.AnyOneSteps],
            Approvers = [.. draft.Approvers],
            Retention = draft.Retention,
            AllowReassign = draft.AllowReassign,
            ExpiryDays = draft.ExpiryDays,
            ReminderDaysBeforeExpiry = [.. draft.ReminderDaysBeforeExpiry],
            ReminderEveryDays = draft.ReminderEveryDays,
            Sender = draft.Sender,
            CreatedAt = now,
            CreateRequestId = draft.RequestId,
            Recipients = draft.Recipients.Select(r => new RecipientState
            {
                RecipientId = Guid.NewGuid(),
                Name = r.Name,
                Email = r.Email,
                CarbonCopy = r.CarbonCopy,
                Step = r.Step,
                AccessCodeHash = r.AccessCode is null ? null : HashCode(r.AccessCode),
                CertificateType = r.CertificateType,
                UserId = r.UserId,
            }).ToList(),
        };
        _state = s;
        var change = new Change(now);
        change.Audit("created", draft.Sender, detail: new { title = s.Title, recipients = s.Recipients.Count, approvers = s.Approvers.Count });
        try
        {
            await CommitAsync(change, requestId: null, expectedVersion: 0);
        }
        catch
        {
            _state = null;
            throw;
        }
        return s;
    }

    public async Task<EnvelopeState> AddDocumentAsync(Guid tenantId, NewDocument document, Actor actor)
    {
        var s = Require(tenantId);
        if (document.RequestId is not null && s.Documents.FirstOrDefault(d => d.UploadRequestId == document.RequestId) is not null)
        {
            return s;
        }
        RequireManager(s, actor);
        RequireStatus(s, "add documents", EnvelopeStatus.Draft);
        var max = _options.MaxDocumentsPerEnvelope;
        if (s.Documents.Count >= max)
        {
            throw DocumentRefusal.EnvelopeFull(max);
        }
        if (s.Documents.Sum(d => d.SizeBytes) + document.SizeBytes is var total && total > _options.MaxEnvelopeBytes)
        {
            throw DocumentRefusal.EnvelopeTooLarge(document.FileName, _options.MaxEnvelopeBytes, total);
        }
        var now = Now();
        s.Documents.Add(new DocumentState
        {
            DocumentId = document.DocumentId,
            FileName = document.FileName,
            OriginalContentId = document.ContentId,
            OriginalSha256 = document.Sha256,
            ContentId = document.ContentId,
            Sha256 = document.Sha256,
            SizeBytes = document.SizeBytes,
            UploadRequestId = document.RequestId,
        });
        var change = new Change(now);
        change.Audit("document_added", actor, detail: new { documentId = document.DocumentId, fileName = document.FileName, sha256 = Convert.ToHexString(document.Sha256), size = document.SizeBytes });
        await CommitAsync(change, null);
        return s;
    }

    public Task<EnvelopeState> GetAsync(Guid tenantId) => Task.FromResult(Require(tenantId));

    public async Task<EnvelopeState> SendAsync(Guid tenantId, Actor actor, string? requestId)
    {
        var s = Require(tenantId);
        if (Replayed(s, requestId))
        {
            return s;
        }
        RequireManager(s, actor);
        RequireStatus(s, "send", EnvelopeStatus.Draft);
        if (s.Documents.Count == 0)
        {
            throw DomainException.Precondition("ENVELOPE_HAS_NO_DOCUMENTS", "Add at least one document before sending.", "送信する前に文書を1件以上追加してください。");
        }
        var contract = await tenants.EnsureCanTransactAsync(tenantId, CancellationToken.None);
        if (s.Recipients.Any(r => r.CertificateType) && !contract.Holds(OptionCodes.CertificateSigning))
        {
            throw DomainException.Precondition("OPTION_REQUIRED",
                "Certificate-type signatures need the certificate-signing option.", "当事者型署名には電子証明書オプションが必要です。");
        }
        var now = Now();
        var firstSend = s.SentAt is null;
        s.SentAt = now;
        s.ExpiresAt = now + _options.Day * s.ExpiryDays;
        s.RemindersSent.Clear();
        s.StatusReason = null;
        var change = new Change(now);
        change.Audit("sent", actor, detail: new { expiresAt = s.ExpiresAt, documents = s.Documents.Select(d => new { d.DocumentId, sha256 = Convert.ToHexString(d.Sha256) }) });
        if (s.Approvers.Count > 0)
        {
            s.Status = EnvelopeStatus.Approval;
            s.ApprovedBy.Clear();
            foreach (var approver in s.Approvers)
            {
                change.Notify("approval_request", null, approver.Email, approver.Name, new { approver.UserId });
            }
        }
        else
        {
            s.Status = EnvelopeStatus.Sent;
            Advance(s, change);
        }
        if (firstSend)
        {
            change.HandOvers.Add(HandOver.Usage(envelopesSent: 1, signatures: 0));
        }
        await CommitAsync(change, requestId);
        await ScheduleDeadlineAsync();
        return s;
    }

    public async Task<EnvelopeState> ApproveAsync(Guid tenantId, Actor actor, bool approve, string? comment, string? requestId)
    {
        var s = Require(tenantId);
        if (Replayed(s, requestId))
        {
            return s;
        }
        RequireStatus(s, approve ? "approve" : "reject", EnvelopeStatus.Approval);
        var approver = s.Approvers.FirstOrDefault(a => a.UserId == actor.UserId)
            ?? throw DomainException.Denied("You are not an approver of this envelope.", "この封筒の承認者ではありません。");
        if (s.ApprovedBy.Contains(approver.UserId))
        {
            throw DomainException.Precondition("ALREADY_APPROVED", "You have already approved this envelope.", "この封筒は承認済みです。");
        }
        var now = Now();
        var change = new Change(now);
        if (!approve)
        {
            s.Status = EnvelopeStatus.Draft;
            s.StatusReason = comment;
            s.ApprovedBy.Clear();
            s.ExpiresAt = null;
            change.Audit("rejected", actor, detail: new { comment });
            change.Notify("approval_rejected", null, s.Sender.Email ?? "", s.Sender.Name, new { comment, by = approver.Name });
        }
        else
        {
            await tenants.EnsureCanTransactAsync(tenantId, CancellationToken.None);
            s.ApprovedBy.Add(approver.UserId);
            change.Audit("approved", actor, detail: new { comment });
            if (s.Approvers.All(a => s.ApprovedBy.Contains(a.UserId)))
            {
                s.Status = EnvelopeStatus.Sent;
                Advance(s, change);
            }
        }
        await CommitAsync(change, requestId);
        await ScheduleDeadlineAsync();
        return s;
    }

    public async Task<EnvelopeState> VoidAsync(Guid tenantId, Actor actor, string reason, string? requestId)
    {
        var s = Require(tenantId);
        if (Replayed(s, requestId))
        {
            return s;
        }
        RequireManager(s, actor);
        RequireStatus(s, "void", EnvelopeStatus.Approval, EnvelopeStatus.Sent);
        var change = new Change(Now());
        s.Status = EnvelopeStatus.Voided;
        s.StatusReason = reason;
        s.EndedAt = change.At;
        change.Audit("voided", actor, detail: new { reason });
        foreach (var r in s.Recipients.Where(r => r.NotifiedAt is not null && r.Status != RecipientStatus.Reassigned))
        {
            change.Notify("voided", r.RecipientId, r.Email, r.Name, new { reason });
        }
        await CommitAsync(change, requestId);
        await ScheduleDeadlineAsync();
        return s;
    }

    public async Task<int> ResendAsync(Guid tenantId, Actor actor, Guid? recipientId, string? requestId)
    {
        var s = Require(tenantId);
        if (Replayed(s, requestId))
        {
            return 0;
        }
        RequireManager(s, actor);
        RequireStatus(s, "resend", EnvelopeStatus.Sent);
        var waiting = EnvelopeRouting.Waiting(s);
        if (recipientId is { } id)
        {
            FindRecipient(s, id);
            waiting = waiting.Where(r => r.RecipientId == id).ToList();
            if (waiting.Count == 0)
            {
                throw DomainException.Precondition("NOT_RECIPIENTS_TURN", "It is not this recipient's turn to sign.", "この受信者はまだ署名の順番ではありません。");
            }
        }
        var change = new Change(Now());
        foreach (var r in waiting)
        {
            r.FailedAccessCodes = 0; // a resend unlocks a link locked by wrong access codes
            change.Audit("notified", actor, recipientId: r.RecipientId, detail: new { resend = true });
            change.Notify("signing_request", r.RecipientId, r.Email, r.Name, new { resend = true });
        }
        await CommitAsync(change, requestId);
        return waiting.Count;
    }

    public Task<DateTimeOffset> SigningLinkExpiryAsync(Guid tenantId, Guid recipientId, Actor actor)
    {
        var s = Require(tenantId);
        RequireManager(s, actor);
        var r = FindRecipient(s, recipientId);
        RequireStatus(s, "create a signing link", EnvelopeStatus.Sent);
        if (r.Status == RecipientStatus.Reassigned)
        {
            throw Reassigned();
        }
        return Task.FromResult(s.ExpiresAt!.Value);
    }

    // ---------------------------------------------------------------- recipient side

    public async Task<RecipientResult> OpenAsync(RecipientAccess access)
    {
        var s = Require(access.TenantId);
        var (r, actor, _) = await AuthorizeAsync(s, access);
        if (s.Status is EnvelopeStatus.Draft or EnvelopeStatus.Approval)
        {
            throw WrongStatus(s, "open");
        }
        if (r.Status == RecipientStatus.Notified && s.Status == EnvelopeStatus.Sent)
        {
            var change = new Change(Now());
            r.Status = RecipientStatus.Viewed;
            r.ViewedAt = change.At;
            change.Audit("viewed", actor, recipientId: r.RecipientId);
            await CommitAsync(change, null);
        }
        return new RecipientResult(s, r.RecipientId, EnvelopeRouting.CanSign(s, r));
    }

    public async Task<EnvelopeState> SignAsync(RecipientAccess access, string requestId)
    {
        var s = Require(access.TenantId);
        if (Replayed(s, requestId))
        {
            return s;
        }
        var (r, actor, principal) = await AuthorizeAsync(s, access);
        RequireStatus(s, "sign", EnvelopeStatus.Sent);
        EnsureTurn(s, r);
        await tenants.EnsureCanTransactAsync(s.TenantId, CancellationToken.None);
        var now = Now();
        var change = new Change(now);
        var signerNumber = s.Recipients.Count(x => x.Status == RecipientStatus.Signed) + 1;
        var reason = principal is null
            ? $"Signed by {r.Name} <{r.Email}> / {r.Name} が署名"
            : $"Signed by {actor.Name} on behalf of {r.Name} / {actor.Name} が {r.Name} の代理で署名";
        var signedBy = principal is null ? r.Name : $"{actor.Name}（{r.Name} 代理 / for {r.Name}）";
        var request = new SignatureRequest($"Signature{signerNumber}", r.Name, r.Email, r.CertificateType, reason, null)
        {
            DisplayName = principal is null ? r.Name : $"{actor.Name} for {r.Name}",
            AppearanceSlot = signerNumber - 1,
            Appearance =
            [
                "電子署名 / Digitally signed - GmoSign",
                signedBy,
                now.ToOffset(JapanTime.Offset).ToString("yyyy-MM-dd HH:mm 'JST'", System.Globalization.CultureInfo.InvariantCulture),
                r.CertificateType ? "当事者型 / certificate type" : "立会人型 / witness type",
            ],
        };
        var newContent = await Task.WhenAll(s.Documents.Select(d => ReviseAsync(s, d, bytes => pdf.SignAsync(bytes, request, CancellationToken.None))));
        try
        {
            ApplyRevisions(s, newContent);
            r.Status = RecipientStatus.Signed;
            r.SignedAt = now;
            r.SignedFromIp = actor.IpAddress;
            r.SignedByDelegate = principal is null ? null : actor.Name;
            s.SignatureCount += s.Documents.Count;
            change.Audit(principal is null ? "signed" : "delegated_signing", actor, principal, r.RecipientId, new
            {
                signatureType = r.CertificateType ? "certificate" : "witness",
                documents = s.Documents.Select(d => new { d.DocumentId, sha256 = Convert.ToHexString(d.Sha256) }),
            });
            change.HandOvers.Add(HandOver.Usage(envelopesSent: 0, signatures: s.Documents.Count));
            Advance(s, change);
            if (s.Status == EnvelopeStatus.Completed)
            {
                await CompleteAsync(s, change);
            }
            await CommitAsync(change, requestId);
        }
        catch
        {
            // Memory may hold half of this signature (the failure may have come before the commit): the next call reloads.
            _stale = true;
            // Whether the revisions stored for it are referenced is decided by what the database holds — the commit may have landed with its reply
            // lost — so they are left to the content sweep, which removes only what no envelope references.
            throw;
        }
        if (s.Status == EnvelopeStatus.Completed)
        {
            try
            {
                await ScheduleDeadlineAsync(); // the deadline reminder goes
            }
            catch (Exception ex)
            {
                // The signature is durable; a reminder left behind finds the envelope ended and removes itself.
                logger.LogWarning(ex, "The deadline reminder of completed envelope {EnvelopeId} stays until it fires", s.EnvelopeId);
            }
        }
        return s;
    }

    public async Task<EnvelopeState> DeclineAsync(RecipientAccess access, string reason, string? requestId)
    {
        var s = Require(access.TenantId);
        if (Replayed(s, requestId))
        {
            return s;
        }
        var (r, actor, principal) = await AuthorizeAsync(s, access);
        RequireStatus(s, "decline", EnvelopeStatus.Sent);
        EnsureTurn(s, r);
        var change = new Change(Now());
        r.Status = RecipientStatus.Declined;
        r.DeclineReason = reason;
        s.Status = EnvelopeStatus.Declined;
        s.StatusReason = reason;
        s.EndedAt = change.At;
        change.Audit("declined", actor, principal, r.RecipientId, new { reason });
        change.Notify("declined", null, s.Sender.Email ?? "", s.Sender.Name, new { reason, by = r.Name });
        foreach (var other in s.Recipients.Where(x => x.NotifiedAt is not null && x != r && x.Status != RecipientStatus.Reassigned))
        {
            change.Notify("declined", other.RecipientId, other.Email, other.Name, new { reason, by = r.Name });
        }
        await CommitAsync(change, requestId);
        await ScheduleDeadlineAsync();
        return s;
    }

    public async Task<RecipientResult> ReassignAsync(RecipientAccess access, string name, string email, string reason, string? requestId)
    {
        var s = Require(access.TenantId);
        if (Replayed(s, requestId))
        {
            var taken = s.Recipients.First(x => x.RecipientId == access.RecipientId);
            return new RecipientResult(s, taken.ReassignedTo ?? taken.RecipientId, false);
        }
        var (r, actor, principal) = await AuthorizeAsync(s, access);
        RequireStatus(s, "reassign", EnvelopeStatus.Sent);
        if (!s.AllowReassign)
        {
            throw DomainException.Precondition("REASSIGN_NOT_ALLOWED", "The sender does not allow reassigning this envelope.", "送信者はこの封筒の署名者変更を許可していません。");
        }
        EnsureTurn(s, r);
        if (s.Recipients.Any(x => x.Status != RecipientStatus.Reassigned && string.Equals(x.Email, email, StringComparison.OrdinalIgnoreCase) && x.Step == r.Step))
        {
            throw DomainException.Invalid("new_email", "is already a recipient of this step", "この順番の受信者として既に指定されています");
        }
        var change = new Change(Now());
        var next = new RecipientState
        {
            RecipientId = Guid.NewGuid(),
            Name = name,
            Email = email,
            Step = r.Step,
            CertificateType = r.CertificateType,
            ReassignedFrom = r.RecipientId,
            Status = RecipientStatus.Notified,
            NotifiedAt = change.At,
        };
        r.Status = RecipientStatus.Reassigned;
        r.ReassignedTo = next.RecipientId;
        s.Recipients.Add(next);
        change.Audit("reassigned", actor, principal, r.RecipientId, new { reason, toRecipientId = next.RecipientId, toName = name, toEmail = email });
        change.Audit("notified", null, recipientId: next.RecipientId);
        change.Notify("signing_request", next.RecipientId, next.Email, next.Name, new { reassignedBy = r.Name, reason });
        await CommitAsync(change, requestId);
        return new RecipientResult(s, next.RecipientId, true);
    }

    public async Task<DocumentContentRef> DocumentAsync(Guid tenantId, Guid documentId, RecipientAccess? recipientAccess, Actor actor)
    {
        var s = Require(tenantId);
        var d = s.Documents.FirstOrDefault(x => x.DocumentId == documentId) ?? throw DomainException.NotFound("Document", "文書", "document_id");
        string? principal = null;
        Guid? recipientId = null;
        if (recipientAccess is not null)
        {
            var (r, who, onBehalf) = await AuthorizeAsync(s, recipientAccess);
            if (s.Status is EnvelopeStatus.Draft or EnvelopeStatus.Approval || (r.ViewedAt is null && !r.CarbonCopy))
            {
                throw DomainException.Precondition("OPEN_ENVELOPE_FIRST", "Open the envelope before downloading its documents.", "文書をダウンロードする前に封筒を開いてください。");
            }
            if (r.CarbonCopy && s.Status != EnvelopeStatus.Completed)
            {
                throw WrongStatus(s, "download (carbon copy)");
            }
            (actor, principal, recipientId) = (who, onBehalf, r.RecipientId);
        }
        var change = new Change(Now());
        change.Audit("document_downloaded", actor, principal, recipientId, new { documentId, sha256 = Convert.ToHexString(d.Sha256) });
        await CommitAsync(change, null);
        return new DocumentContentRef(d.DocumentId, d.ContentId, d.FileName, d.SizeBytes);
    }

    // ---------------------------------------------------------------- deadline: reminders and expiry

    public async Task ReceiveReminder(string reminderName, Orleans.Runtime.TickStatus status)
    {
        if (reminderName != DeadlineReminder || _state is not { } s)
        {
            return;
        }
        var now = Now();
        if (s.Status is EnvelopeStatus.Sent or EnvelopeStatus.Approval && s.ExpiresAt is { } expires)
        {
            if (now >= expires)
            {
                var change = new Change(now);
                s.Status = EnvelopeStatus.Expired;
                s.EndedAt = now;
                change.Audit("expired", null, detail: new { expiresAt = expires });
                change.Notify("expired", null, s.Sender.Email ?? "", s.Sender.Name, new { });
                foreach (var r in s.Recipients.Where(r => r.NotifiedAt is not null && r.Status is RecipientStatus.Notified or RecipientStatus.Viewed))
                {
                    change.Notify("expired", r.RecipientId, r.Email, r.Name, new { });
                }
                await CommitAsync(change, null);
            }
            else if (s.Status == EnvelopeStatus.Sent)
            {
                var due = EnvelopeRouting.ReminderTimes(s, _options.Day).Where(t => t <= now && !s.RemindersSent.Contains(t)).ToList();
                var waiting = EnvelopeRouting.Waiting(s);
                if (due.Count > 0)
                {
                    // Late or repeated firing sends one reminder for everything due, never one per missed time.
                    var change = new Change(now);
                    s.RemindersSent.AddRange(due);
                    foreach (var r in waiting)
                    {
                        change.Audit("reminder_sent", null, recipientId: r.RecipientId, detail: new { dueAt = due[^1] });
                        change.Notify("reminder", r.RecipientId, r.Email, r.Name, new { expiresAt = expires });
                    }
                    await CommitAsync(change, null);
                }
            }
        }
        await ScheduleDeadlineAsync();
    }

    private async Task ScheduleDeadlineAsync()
    {
        var s = _state!;
        DateTimeOffset? next = null;
        if (s.Status is EnvelopeStatus.Sent or EnvelopeStatus.Approval && s.ExpiresAt is { } expires)
        {
            var reminder = s.Status == EnvelopeStatus.Sent
                ? EnvelopeRouting.ReminderTimes(s, _options.Day).Where(t => !s.RemindersSent.Contains(t)).Cast<DateTimeOffset?>().FirstOrDefault()
                : null;
            next = reminder is { } r && r < expires ? r : expires;
        }
        if (next is { } at)
        {
            var due = at - Now();
            await this.RegisterOrUpdateReminder(DeadlineReminder, due < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : due, _options.DeadlineCheckPeriod);
        }
        else if (await this.GetReminder(DeadlineReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    // ---------------------------------------------------------------- routing and completion

    /// <summary>Notifies the current step's signers; completes the envelope when no step is left.</summary>
    private static void Advance(EnvelopeState s, Change change)
    {
        if (EnvelopeRouting.CurrentStep(s) is null)
        {
            s.Status = EnvelopeStatus.Completed;
            s.CompletedAt = change.At;
            s.EndedAt = change.At;
            return;
        }
        foreach (var r in EnvelopeRouting.DueForNotification(s))
        {
            r.Status = RecipientStatus.Notified;
            r.NotifiedAt = change.At;
            change.Audit("notified", null, recipientId: r.RecipientId);
            change.Notify("signing_request", r.RecipientId, r.Email, r.Name, new { });
        }
    }

    private async Task CompleteAsync(EnvelopeState s, Change change)
    {
        // Archive timestamp (PAdES B-LTA style) over every final document.
        var stamped = await Task.WhenAll(s.Documents.Select(d => ReviseAsync(s, d, bytes => pdf.TimestampAsync(bytes, "ArchiveTimestamp", CancellationToken.None))));
        change.NewContent.AddRange(stamped.Select(x => x.ContentId));
        ApplyRevisions(s, stamped, countsAsSignature: false);
        change.Audit("completed", null, detail: new { documents = s.Documents.Select(d => new { d.DocumentId, sha256 = Convert.ToHexString(d.Sha256) }) });
        foreach (var r in s.Recipients.Where(r => r.Status == RecipientStatus.Signed || r.CarbonCopy))
        {
            change.Notify("completed", r.RecipientId, r.Email, r.Name, new { });
        }
        change.Notify("completed", null, s.Sender.Email ?? "", s.Sender.Name, new { });

        // The certificate of completion and the audit trail file include this change's entries.
        var trail = (await store.AuditTrailAsync(s.EnvelopeId, CancellationToken.None)).Concat(Chain(s, change, out _)).ToList();
        var certificate = await pdf.CertificateOfCompletionAsync(CertificateData(s, trail), CancellationToken.None);
        var certificateId = Guid.NewGuid();
        var trailId = Guid.NewGuid();
        await Task.WhenAll(
            contents.PutAsync(s.TenantId, certificateId, certificate, CancellationToken.None),
            contents.PutAsync(s.TenantId, trailId, JsonSerializer.SerializeToUtf8Bytes(trail, Json), CancellationToken.None));
        change.NewContent.Add(certificateId);
        change.NewContent.Add(trailId);
        s.CertificateContentId = certificateId;
        s.AuditTrailContentId = trailId;
        s.ArchivePending = true;
        change.HandOvers.Add(HandOver.Archive);
        foreach (var d in s.Documents)
        {
            d.ArchivedDocumentId = d.ContentId; // Retention keeps the final revision under its content id
        }
    }

    /// <summary>
    /// Hands a completed envelope to Retention (signed documents with their search metadata, the certificate of
    /// completion, the audit trail). Called by the hand-over worker for the row the completing change wrote; Retention
    /// ignores a second hand-over, and a failure throws so that the worker tries again.
    /// </summary>
    public async Task HandOverToRetentionAsync()
    {
        if (_state is not { ArchivePending: true } s)
        {
            return;
        }
        var counterparty = s.Retention.Counterparty
            ?? s.Recipients.FirstOrDefault(r => !r.CarbonCopy && r.UserId is null && r.Status == RecipientStatus.Signed)?.Name
            ?? s.Recipients.First(r => !r.CarbonCopy).Name;
        var transactionDate = s.Retention.TransactionDate ?? DateOnly.FromDateTime(s.SentAt!.Value.ToOffset(JapanTime.Offset).DateTime);
        var parties = s.Recipients.Where(r => r.Status == RecipientStatus.Signed).Select(r => r.Name).Distinct().ToList();
        await archive.ArchiveAsync(new ArchivedEnvelope(s.TenantId, s.EnvelopeId, "completed", s.CompletedAt!.Value,
            new ArchiveMetadata(s.Title, s.Retention.DocumentType, transactionDate, s.Retention.Amount, s.Retention.Currency, counterparty, parties, s.Retention.Tags),
            s.Documents.Select(d => new ArchivedDocument(d.DocumentId, d.ContentId, d.FileName, d.SizeBytes, d.Sha256)).ToList(),
            s.CertificateContentId!.Value, s.AuditTrailContentId!.Value, s.Sender.Name), CancellationToken.None);
        s.ArchivePending = false;
        await CommitAsync(new Change(Now()), null);
    }

    private static CompletionCertificate CertificateData(EnvelopeState s, IReadOnlyList<AuditRecord> trail)
    {
        static string Time(DateTimeOffset? t) => t is { } v ? v.ToOffset(JapanTime.Offset).ToString("yyyy-MM-dd HH:mm:ss 'JST'") : "-";
        var documents = s.Documents.Select(d => new CertificateLine(d.FileName,
            $"original SHA-256 {Convert.ToHexString(d.OriginalSha256)}; signed SHA-256 {Convert.ToHexString(d.Sha256)}; {d.Signatures} signatures")).ToList();
        var signers = s.Recipients.Where(r => !r.CarbonCopy).Select(r => new CertificateLine($"{r.Name} <{r.Email}>", r.Status switch
        {
            RecipientStatus.Signed => $"signed {Time(r.SignedAt)} from {r.SignedFromIp ?? "-"}"
                + (r.SignedByDelegate is { } d ? $" by delegate {d}" : "") + (r.CertificateType ? " (certificate type)" : " (witness type)")
                + (r.ReassignedFrom is { } from ? $"; took over from {s.Recipients.First(x => x.RecipientId == from).Name}" : ""),
            RecipientStatus.Reassigned => $"reassigned to {s.Recipients.First(x => x.RecipientId == r.ReassignedTo).Name}",
            var other => other.ToString().ToLowerInvariant(),
        })).ToList();
        var events = trail.Select(e => new CertificateLine(Time(e.At),
            $"{e.Action} - {e.Actor}" + (e.Principal is { } p ? $" for {p}" : "") + (e.IpAddress is { } ip ? $" [{ip}]" : ""))).ToList();
        return new CompletionCertificate(s.EnvelopeId, s.Title, s.CompletedAt!.Value, documents, signers, events);
    }

    // ---------------------------------------------------------------- helpers

    private async Task<(Guid DocumentId, Guid ContentId, byte[] Bytes)> ReviseAsync(EnvelopeState s, DocumentState d, Func<ReadOnlyMemory<byte>, Task<byte[]>> revise)
    {
        var current = _contentCache.TryGetValue(d.ContentId, out var cached)
            ? cached
            : await contents.GetAsync(s.TenantId, d.ContentId, CancellationToken.None)
              ?? throw new InvalidOperationException($"Content {d.ContentId} of envelope {s.EnvelopeId} is missing.");
        var revised = await revise(current);
        var contentId = Guid.NewGuid();
        await contents.PutAsync(s.TenantId, contentId, revised, CancellationToken.None);
        return (d.DocumentId, contentId, revised);
    }

    private void ApplyRevisions(EnvelopeState s, IEnumerable<(Guid DocumentId, Guid ContentId, byte[] Bytes)> revisions, bool countsAsSignature = true)
    {
        var total = s.Documents.Sum(d => d.SizeBytes);
        foreach (var (documentId, contentId, bytes) in revisions)
        {
            var d = s.Documents.First(x => x.DocumentId == documentId);
            _contentCache.Remove(d.ContentId);
            d.ContentId = contentId;
            d.Sha256 = SHA256.HashData(bytes);
            d.SizeBytes = bytes.Length;
            d.Signatures += countsAsSignature ? 1 : 0;
            if (total <= _options.ContentCacheBytes)
            {
                _contentCache[contentId] = bytes;
            }
        }
    }

    private async Task<(RecipientState Recipient, Actor Actor, string? Principal)> AuthorizeAsync(EnvelopeState s, RecipientAccess access)
    {
        var r = FindRecipient(s, access.RecipientId);
        if (r.Status == RecipientStatus.Reassigned)
        {
            throw Reassigned();
        }
        var actor = access.Actor;
        if (access.ViaLink)
        {
            if (s.EndedAt is { } ended && Now() > ended + _options.LinkValidityAfterEnd)
            {
                throw DomainException.Unauthenticated("The signing link has expired.", "署名用リンクの有効期限が切れています。");
            }
            if (r.AccessCodeHash is { } expected)
            {
                if (r.FailedAccessCodes >= AccessCodeAttempts)
                {
                    throw DomainException.Precondition("ACCESS_CODE_LOCKED",
                        "Too many wrong access codes: ask the sender to send the envelope to you again.",
                        "アクセスコードの誤りが上限に達しました。送信者に再送を依頼してください。");
                }
                if (string.IsNullOrEmpty(access.AccessCode))
                {
                    throw new DomainException(ErrorKind.InvalidArgument, "ACCESS_CODE_REQUIRED", "access_code: is required for this recipient",
                        "access_code: この受信者にはアクセスコードが必要です", "access_code")
                    {
                        Metadata = { ["attempts_left"] = (AccessCodeAttempts - r.FailedAccessCodes).ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    };
                }
                if (!CryptographicOperations.FixedTimeEquals(expected, HashCode(access.AccessCode)))
                {
                    // Counted durably, so guessing cannot continue on another host or after a restart.
                    var change = new Change(Now());
                    r.FailedAccessCodes++;
                    change.Audit("access_code_failed", actor with { Name = $"{r.Name} <{r.Email}>", Email = r.Email }, recipientId: r.RecipientId,
                        detail: new { attempts = r.FailedAccessCodes });
                    await CommitAsync(change, null);
                    throw new DomainException(ErrorKind.PermissionDenied, "ACCESS_CODE_MISMATCH",
                        $"access_code: the access code is not correct ({AccessCodeAttempts - r.FailedAccessCodes} attempts left).",
                        $"access_code: アクセスコードが正しくありません（残り{AccessCodeAttempts - r.FailedAccessCodes}回）。", "access_code")
                    {
                        Metadata = { ["attempts_left"] = (AccessCodeAttempts - r.FailedAccessCodes).ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    };
                }
            }
            // The link proves the recipient; the audit trail names them.
            return (r, actor with { Name = $"{r.Name} <{r.Email}>", Email = r.Email }, null);
        }
        if (r.UserId is null)
        {
            throw DomainException.Denied("This recipient signs through their signing link only.", "この受信者は署名用リンクからのみ操作できます。");
        }
        if (actor.UserId == r.UserId)
        {
            return (r, actor, null);
        }
        var grant = await delegations.FindAsync(s.TenantId, actor.UserId!.Value, r.UserId.Value, s.Retention.Tags, Now(), CancellationToken.None);
        return grant is not null
            ? (r, actor, $"{r.Name} <{r.Email}>")
            : throw DomainException.Denied("You are neither this recipient nor their delegate.", "この受信者本人でも、その代理人でもありません。");
    }

    private static void EnsureTurn(EnvelopeState s, RecipientState r)
    {
        if (r.CarbonCopy)
        {
            throw DomainException.Precondition("RECIPIENT_IS_CARBON_COPY", "A carbon-copy recipient does not sign.", "CC受信者は署名しません。");
        }
        if (r.Status == RecipientStatus.Signed)
        {
            throw DomainException.Precondition("RECIPIENT_ALREADY_SIGNED", "This recipient has already signed.", "この受信者は既に署名済みです。");
        }
        if (!EnvelopeRouting.CanSign(s, r))
        {
            throw DomainException.Precondition(r.Status == RecipientStatus.Pending ? "NOT_RECIPIENTS_TURN" : "STEP_COMPLETED",
                $"It is not this recipient's turn (recipient status {r.Status}).", $"この受信者の順番ではありません（受信者の状態: {r.Status}）。");
        }
    }

    private EnvelopeState Require(Guid tenantId) =>
        _state is { } s && s.TenantId == tenantId ? s : throw DomainException.NotFound("Envelope", "封筒", "envelope_id");

    private static RecipientState FindRecipient(EnvelopeState s, Guid recipientId) =>
        s.Recipients.FirstOrDefault(r => r.RecipientId == recipientId) ?? throw DomainException.NotFound("Recipient", "受信者", "recipient_id");

    private static void RequireManager(EnvelopeState s, Actor actor)
    {
        if (!s.IsManagedBy(actor))
        {
            throw DomainException.Denied("Only the envelope's sender or a tenant administrator can do this.",
                "この操作は封筒の送信者またはテナント管理者のみが行えます。");
        }
    }

    private static void RequireStatus(EnvelopeState s, string action, params EnvelopeStatus[] allowed)
    {
        if (!allowed.Contains(s.Status))
        {
            throw WrongStatus(s, action);
        }
    }

    private static DomainException WrongStatus(EnvelopeState s, string action) =>
        DomainException.Precondition("ENVELOPE_STATUS",
            $"Cannot {action}: the envelope is {s.Status}.", $"操作できません（{action}）：封筒の状態は {s.Status} です。");

    private static DomainException Reassigned() =>
        DomainException.Precondition("RECIPIENT_REASSIGNED", "This recipient handed the envelope to someone else.", "この受信者は署名者を変更済みです。");

    private static bool Replayed(EnvelopeState s, string? requestId) => requestId is not null && s.Requests.ContainsKey(requestId);

    private static byte[] HashCode(string accessCode) => SHA256.HashData(Encoding.UTF8.GetBytes(accessCode));

    private DateTimeOffset Now() => AuditChain.Truncate(clock.GetUtcNow());

    /// <summary>Chains the change's audit entries after the state's last one (does not modify the state).</summary>
    private static List<AuditRecord> Chain(EnvelopeState s, Change change, out byte[] lastHash)
    {
        var records = new List<AuditRecord>(change.Events.Count);
        var previous = s.AuditHash;
        var sequence = s.AuditSequence;
        foreach (var e in change.Events)
        {
            sequence++;
            var actor = e.Actor is null ? "system" : e.Actor.Email is { } email && !e.Actor.Name.Contains('<') ? $"{e.Actor.Name} <{email}>" : e.Actor.Name;
            var hash = AuditChain.Hash(s.EnvelopeId, sequence, change.At, e.Action, actor, e.Principal, e.RecipientId, e.Actor?.IpAddress,
                e.Actor?.UserAgent, e.Detail, previous);
            records.Add(new AuditRecord(sequence, change.At, e.Action, actor, e.Principal, e.RecipientId, e.Actor?.IpAddress, e.Actor?.UserAgent,
                e.Detail, previous, hash));
            previous = hash;
        }
        lastHash = previous;
        return records;
    }

    private Task CommitAsync(Change change, string? requestId) => CommitAsync(change, requestId, _state!.Version);

    private async Task CommitAsync(Change change, string? requestId, long expectedVersion)
    {
        var s = _state!;
        var audit = Chain(s, change, out var lastHash);
        s.Version = expectedVersion + 1;
        s.AuditSequence += audit.Count;
        s.AuditHash = lastHash;
        if (requestId is not null)
        {
            s.Requests[requestId] = s.Version;
            if (s.Requests.Count > RememberedRequests)
            {
                foreach (var old in s.Requests.OrderBy(kv => kv.Value).Take(s.Requests.Count - RememberedRequests).Select(kv => kv.Key).ToList())
                {
                    s.Requests.Remove(old);
                }
            }
        }
        var row = new EnvelopeRow(s.EnvelopeId, s.TenantId, (int)s.Status, s.Title, s.Sender.UserId, s.CreatedAt, change.At, s.ExpiresAt);
        try
        {
            await store.CommitAsync(new EnvelopeCommit(row, expectedVersion, s.Version, JsonSerializer.Serialize(s, Json), audit, change.Notifications,
                change.HandOvers), CancellationToken.None);
        }
        catch
        {
            try
            {
                await ReloadAsync();
            }
            catch (Exception reload)
            {
                _stale = true;
                logger.LogWarning(reload, "Envelope {EnvelopeId}: the stored state could not be reloaded after a failed commit; reloading on the next call",
                    s.EnvelopeId);
            }
            throw;
        }
    }

    /// <summary>What one change adds besides the state: audit entries and notifications.</summary>
    private sealed class Change(DateTimeOffset at)
    {
        public DateTimeOffset At { get; } = at;
        public List<(string Action, Actor? Actor, string? Principal, Guid? RecipientId, string Detail)> Events { get; } = [];
        public List<NotificationMessage> Notifications { get; } = [];
        public List<HandOver> HandOvers { get; } = [];
        public List<Guid> NewContent { get; } = [];

        public void Audit(string action, Actor? actor, string? principal = null, Guid? recipientId = null, object? detail = null) =>
            Events.Add((action, actor, principal, recipientId, JsonSerializer.Serialize(detail ?? new { }, Json)));

        public void Notify(string kind, Guid? recipientId, string email, string name, object detail)
        {
            if (!string.IsNullOrEmpty(email))
            {
                Notifications.Add(new NotificationMessage(kind, recipientId, email, name, JsonSerializer.Serialize(detail, Json)));
            }
        }
    }
}
