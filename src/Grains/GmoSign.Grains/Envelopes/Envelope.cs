using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GmoSign.Errors;
using GmoSign.Grains.Ports;

namespace GmoSign.Grains.Envelopes;

/// <summary>
/// The envelope's rules, without Orleans and without I/O: who may do what in which state, the routing of steps, the
/// access-code lock, idempotency by request id, deadlines and reminders. Each operation first checks (and throws a
/// <see cref="DomainException"/> with nothing changed), then changes <see cref="State"/> and returns an
/// <see cref="EnvelopeChange"/> with the audit entries and notifications it makes. The caller stores both in one
/// transaction (<see cref="Seal"/> gives the rows) or, when the store fails, restores the stored state.
/// Operations that need another module in the middle (the tenant's contract, a delegation, the PDF signer) come in
/// two halves: a check, then the change.
/// </summary>
internal sealed class Envelope
{
    public const int AccessCodeAttempts = 5;
    public const int RememberedRequests = 200;

    private readonly EnvelopeOptions _options;
    private readonly TimeProvider _clock;

    private Envelope(EnvelopeState state, EnvelopeOptions options, TimeProvider clock)
    {
        State = state;
        _options = options;
        _clock = clock;
    }

    public EnvelopeState State { get; }

    public Guid Id => State.EnvelopeId;

    public Guid TenantId => State.TenantId;

    public EnvelopeStatus Status => State.Status;

    /// <summary>Times are kept at the precision the database and the audit chain keep (microseconds).</summary>
    public DateTimeOffset Now() => AuditChain.Truncate(_clock.GetUtcNow());

    public static Envelope Restore(string stateJson, EnvelopeOptions options, TimeProvider clock) =>
        new(JsonSerializer.Deserialize<EnvelopeState>(stateJson, EnvelopeChange.Json)
            ?? throw new InvalidOperationException("The stored envelope state is empty."), options, clock);

    public string Serialize() => JsonSerializer.Serialize(State, EnvelopeChange.Json);

    /// <summary>A new draft; recipients get their ids here and access codes are kept as hashes only.</summary>
    public static (Envelope Envelope, EnvelopeChange Change) Create(Guid envelopeId, EnvelopeDraft draft, EnvelopeOptions options, TimeProvider clock)
    {
        var at = AuditChain.Truncate(clock.GetUtcNow());
        var s = new EnvelopeState
        {
            EnvelopeId = envelopeId,
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
            CreatedAt = at,
            CreateRequestId = draft.RequestId,
            Recipients = draft.Recipients.Select(r => new RecipientState
            {
                RecipientId = Guid.NewGuid(),
                Name = r.Name,
                Email = r.Email,
                CarbonCopy = r.CarbonCopy,
                Step = r.Step,
                AccessCodeHash = r.AccessCode is null ? null : HashAccessCode(r.AccessCode),
                CertificateType = r.CertificateType,
                UserId = r.UserId,
                Label = string.IsNullOrEmpty(r.Label) ? null : r.Label,
            }).ToList(),
            TemplateId = draft.TemplateId,
            TemplateVersion = draft.TemplateVersion,
        };
        var change = new EnvelopeChange(at);
        change.Audit("created", draft.Sender, detail: new { title = s.Title, recipients = s.Recipients.Count, approvers = s.Approvers.Count });
        return (new Envelope(s, options, clock), change);
    }

    /// <summary>Whether a create with this draft is a retry of the one that made this envelope (same tenant, same request id).</summary>
    public bool IsRetryOf(EnvelopeDraft draft) =>
        State.TenantId == draft.TenantId && State.CreateRequestId is not null && State.CreateRequestId == draft.RequestId;

    public static DomainException AlreadyExists() =>
        new(ErrorKind.AlreadyExists, "ENVELOPE_EXISTS", "The envelope already exists.", "封筒は既に存在します。", "request_id");

    public static DomainException NotFound() => DomainException.NotFound("Envelope", "封筒", "envelope_id");

    /// <summary>A change with this request id was already made: the caller answers with the current envelope.</summary>
    public bool IsReplay(string? requestId) => requestId is not null && State.Requests.ContainsKey(requestId);

    public bool IsManagedBy(Actor actor) => actor.ManagesAll || (actor.UserId is { } user && user == State.Sender.UserId);

    // ---------------------------------------------------------------- sender side

    /// <summary>Adds an uploaded document to the draft; null when the upload's request id added it before.</summary>
    public EnvelopeChange? AddDocument(NewDocument document, Actor actor)
    {
        var s = State;
        if (document.RequestId is not null && s.Documents.Any(d => d.UploadRequestId == document.RequestId))
        {
            return null;
        }
        RequireManager(actor);
        RequireStatus("add documents", EnvelopeStatus.Draft);
        var max = _options.MaxDocumentsPerEnvelope;
        if (s.Documents.Count >= max)
        {
            throw DocumentRefusal.EnvelopeFull(max);
        }
        if (s.Documents.Sum(d => d.SizeBytes) + document.SizeBytes is var total && total > _options.MaxEnvelopeBytes)
        {
            throw DocumentRefusal.EnvelopeTooLarge(document.FileName, _options.MaxEnvelopeBytes, total);
        }
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
        var change = new EnvelopeChange(Now());
        change.Audit("document_added", actor, detail: new
        {
            documentId = document.DocumentId, fileName = document.FileName, sha256 = Convert.ToHexString(document.Sha256), size = document.SizeBytes,
        });
        return change;
    }

    /// <summary>The checks of sending that need nothing from other modules.</summary>
    /// <summary>The checks of placing fields, before any document is read: the caller manages the envelope and it is a draft.</summary>
    public void CheckSetFields(Actor actor)
    {
        if (!IsManagedBy(actor))
        {
            throw DomainException.Denied("Only the envelope's sender or a tenant administrator can place fields.",
                "入力項目を配置できるのは封筒の送信者またはテナント管理者のみです。");
        }
        RequireStatus("place fields on", EnvelopeStatus.Draft);
    }

    /// <summary>
    /// The sender places the draft's input fields (replacing earlier ones), checked against the documents' pages
    /// (<paramref name="pages"/>, by document id). Every call records a change (a repeat with the same request id is answered
    /// from memory by the grain).
    /// </summary>
    public EnvelopeChange? SetFields(IReadOnlyList<FieldSpec> fields, IReadOnlyDictionary<Guid, IReadOnlyList<PageSize>> pages, Actor actor)
    {
        var s = State;
        CheckSetFields(actor);
        var placed = FieldRules.Place(fields,
            s.Documents.Select(d => new FieldDocument(d.DocumentId, d.FileName, pages.TryGetValue(d.DocumentId, out var p) ? p : [])).ToList(),
            s.Recipients.Where(r => r.Status != RecipientStatus.Reassigned).Select(r => new FieldRecipient(r.RecipientId, r.Label, r.CarbonCopy)).ToList());
        s.Fields = placed;
        var change = new EnvelopeChange(Now());
        change.Audit("fields_set", actor, detail: new
        {
            fields = placed.Select(f => new { f.Name, type = f.Kind.ToString().ToLowerInvariant(), f.DocumentId, f.RecipientId, f.Page, f.Required }),
        });
        return change;
    }

    public void CheckSend(Actor actor)
    {
        RequireManager(actor);
        RequireStatus("send", EnvelopeStatus.Draft);
        if (State.Documents.Count == 0)
        {
            throw DomainException.Precondition("ENVELOPE_HAS_NO_DOCUMENTS", "Add at least one document before sending.", "送信する前に文書を1件以上追加してください。");
        }
    }

    /// <summary>
    /// Sends the draft (after <see cref="CheckSend"/> and the tenant's contract check): to the approvers when there are
    /// any, else to the first step's signers. The deadline starts now; the first send counts for usage.
    /// </summary>
    public EnvelopeChange Send(Actor actor, bool certificateOptionHeld)
    {
        CheckSend(actor);
        var s = State;
        if (s.Recipients.Any(r => r.CertificateType) && !certificateOptionHeld)
        {
            throw DomainException.Precondition("OPTION_REQUIRED",
                "Certificate-type signatures need the certificate-signing option.", "当事者型署名には電子証明書オプションが必要です。");
        }
        var change = new EnvelopeChange(Now());
        var firstSend = s.SentAt is null;
        s.SentAt = change.At;
        s.ExpiresAt = change.At + _options.Day * s.ExpiryDays;
        s.RemindersSent.Clear();
        s.StatusReason = null;
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
            Advance(change);
        }
        if (firstSend)
        {
            change.HandOvers.Add(HandOver.Usage(envelopesSent: 1, signatures: 0));
        }
        return change;
    }

    /// <summary>The checks of an approval or rejection: the envelope awaits approval and the actor is an approver who has not approved.</summary>
    public Approver CheckApproval(Actor actor, bool approve)
    {
        var s = State;
        RequireStatus(approve ? "approve" : "reject", EnvelopeStatus.Approval);
        var approver = s.Approvers.FirstOrDefault(a => a.UserId == actor.UserId)
            ?? throw DomainException.Denied("You are not an approver of this envelope.", "この封筒の承認者ではありません。");
        if (s.ApprovedBy.Contains(approver.UserId))
        {
            throw DomainException.Precondition("ALREADY_APPROVED", "You have already approved this envelope.", "この封筒は承認済みです。");
        }
        return approver;
    }

    /// <summary>
    /// An approver approves (the last approval sends the envelope to the signers) or sends it back to the sender as a
    /// draft with the comment.
    /// </summary>
    public EnvelopeChange Approve(Actor actor, bool approve, string? comment)
    {
        var approver = CheckApproval(actor, approve);
        var s = State;
        var change = new EnvelopeChange(Now());
        if (!approve)
        {
            s.Status = EnvelopeStatus.Draft;
            s.StatusReason = comment;
            s.ApprovedBy.Clear();
            s.ExpiresAt = null;
            change.Audit("rejected", actor, detail: new { comment });
            change.Notify("approval_rejected", null, s.Sender.Email ?? "", s.Sender.Name, new { comment, by = approver.Name });
            return change;
        }
        s.ApprovedBy.Add(approver.UserId);
        change.Audit("approved", actor, detail: new { comment });
        if (s.Approvers.All(a => s.ApprovedBy.Contains(a.UserId)))
        {
            s.Status = EnvelopeStatus.Sent;
            Advance(change);
        }
        return change;
    }

    /// <summary>The sender withdraws the envelope; everyone already notified is told why.</summary>
    public EnvelopeChange Void(Actor actor, string reason)
    {
        RequireManager(actor);
        RequireStatus("void", EnvelopeStatus.Approval, EnvelopeStatus.Sent);
        var s = State;
        var change = new EnvelopeChange(Now());
        s.Status = EnvelopeStatus.Voided;
        s.StatusReason = reason;
        s.EndedAt = change.At;
        change.Audit("voided", actor, detail: new { reason });
        foreach (var r in s.Recipients.Where(r => r.NotifiedAt is not null && r.Status != RecipientStatus.Reassigned))
        {
            change.Notify("voided", r.RecipientId, r.Email, r.Name, new { reason });
        }
        return change;
    }

    /// <summary>Sends the signing request again to everyone whose turn it is (or to one of them); it also unlocks their access-code lock.</summary>
    public (EnvelopeChange Change, int Count) Resend(Actor actor, Guid? recipientId)
    {
        RequireManager(actor);
        RequireStatus("resend", EnvelopeStatus.Sent);
        var waiting = EnvelopeRouting.Waiting(State);
        if (recipientId is { } id)
        {
            FindRecipient(id);
            waiting = waiting.Where(r => r.RecipientId == id).ToList();
            if (waiting.Count == 0)
            {
                throw DomainException.Precondition("NOT_RECIPIENTS_TURN", "It is not this recipient's turn to sign.", "この受信者はまだ署名の順番ではありません。");
            }
        }
        var change = new EnvelopeChange(Now());
        foreach (var r in waiting)
        {
            r.FailedAccessCodes = 0;
            change.Audit("notified", actor, recipientId: r.RecipientId, detail: new { resend = true });
            change.Notify("signing_request", r.RecipientId, r.Email, r.Name, new { resend = true });
        }
        return (change, waiting.Count);
    }

    /// <summary>How long a signing link made now for this recipient may be used: until the envelope's deadline.</summary>
    public DateTimeOffset SigningLinkExpiry(Guid recipientId, Actor actor)
    {
        RequireManager(actor);
        var r = FindRecipient(recipientId);
        RequireStatus("create a signing link", EnvelopeStatus.Sent);
        if (r.Status == RecipientStatus.Reassigned)
        {
            throw Reassigned();
        }
        return State.ExpiresAt!.Value;
    }

    // ---------------------------------------------------------------- recipient side

    /// <summary>
    /// Who is acting for the recipient. A signing link proves the recipient (after the access code, when one is set); a
    /// tenant user must be the recipient or hold a delegation from them, which the caller looks up
    /// (<see cref="AccessDecision.DelegationNeeded"/>) and confirms with <see cref="AsDelegate"/>.
    /// </summary>
    public AccessDecision Authorize(RecipientAccess access)
    {
        var r = FindRecipient(access.RecipientId);
        if (r.Status == RecipientStatus.Reassigned)
        {
            throw Reassigned();
        }
        var actor = access.Actor;
        if (access.ViaLink)
        {
            if (State.EndedAt is { } ended && Now() > ended + _options.LinkValidityAfterEnd)
            {
                throw DomainException.Unauthenticated("The signing link has expired.", "署名用リンクの有効期限が切れています。");
            }
            var named = actor with { Name = $"{r.Name} <{r.Email}>", Email = r.Email };
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
                        Metadata = { ["attempts_left"] = AttemptsLeft(r) },
                    };
                }
                if (!CryptographicOperations.FixedTimeEquals(expected, HashAccessCode(access.AccessCode)))
                {
                    // Counted durably (the caller stores the change before refusing), so guessing cannot go on elsewhere.
                    var change = new EnvelopeChange(Now());
                    r.FailedAccessCodes++;
                    change.Audit("access_code_failed", named, recipientId: r.RecipientId, detail: new { attempts = r.FailedAccessCodes });
                    var left = AccessCodeAttempts - r.FailedAccessCodes;
                    return new AccessDecision.WrongAccessCode(change, new DomainException(ErrorKind.PermissionDenied, "ACCESS_CODE_MISMATCH",
                        $"access_code: the access code is not correct ({left} attempts left).",
                        $"access_code: アクセスコードが正しくありません（残り{left}回）。", "access_code")
                    {
                        Metadata = { ["attempts_left"] = AttemptsLeft(r) },
                    });
                }
            }
            return new AccessDecision.Granted(new RecipientActor(r, named, null));
        }
        if (r.UserId is null)
        {
            throw DomainException.Denied("This recipient signs through their signing link only.", "この受信者は署名用リンクからのみ操作できます。");
        }
        return actor.UserId == r.UserId
            ? new AccessDecision.Granted(new RecipientActor(r, actor, null))
            : new AccessDecision.DelegationNeeded(r, actor.UserId!.Value, r.UserId.Value, State.Retention.Tags);
    }

    /// <summary>The actor acts for the recipient under a delegation the caller found (or is refused when there is none).</summary>
    public RecipientActor AsDelegate(RecipientState recipient, Actor actor, bool delegationFound) =>
        delegationFound
            ? new RecipientActor(recipient, actor, $"{recipient.Name} <{recipient.Email}>")
            : throw DomainException.Denied("You are neither this recipient nor their delegate.", "この受信者本人でも、その代理人でもありません。");

    /// <summary>The recipient opens the envelope: the first opening of a notified signer is recorded as viewed.</summary>
    public (EnvelopeChange? Change, bool CanSign) Open(RecipientActor who)
    {
        if (State.Status is EnvelopeStatus.Draft or EnvelopeStatus.Approval)
        {
            throw WrongStatus("open");
        }
        EnvelopeChange? change = null;
        var r = who.Recipient;
        if (r.Status == RecipientStatus.Notified && State.Status == EnvelopeStatus.Sent)
        {
            change = new EnvelopeChange(Now());
            r.Status = RecipientStatus.Viewed;
            r.ViewedAt = change.At;
            change.Audit("viewed", who.Actor, recipientId: r.RecipientId);
        }
        return (change, EnvelopeRouting.CanSign(State, r));
    }

    /// <summary>The checks of signing: the envelope is out for signature and it is this recipient's turn.</summary>
    public void CheckSign(RecipientActor who)
    {
        RequireStatus("sign", EnvelopeStatus.Sent);
        EnsureTurn(who.Recipient);
    }

    /// <summary>
    /// The checks of the signer's field values (<see cref="FieldRules.Fill"/>), before anything is signed: each of
    /// the signer's fields with the value that will be drawn and recorded.
    /// </summary>
    public IReadOnlyList<(FieldState Field, string? Value)> CheckFieldValues(RecipientActor who, IReadOnlyList<FieldValueInput> values) =>
        FieldRules.Fill(State.Fields, who.Recipient.RecipientId, who.Recipient.Name, id => State.Documents.First(d => d.DocumentId == id).FileName,
            values, JapanTime.Today(Now()));

    /// <summary>
    /// What the PDF signer writes on one document for this signature: field name, reason, the visible stamp's lines and
    /// place, and the signer's field values on the document.
    /// </summary>
    public SignatureRequest SignatureRequestFor(RecipientActor who, DateTimeOffset at, Guid documentId, IReadOnlyList<(FieldState Field, string? Value)> filled)
    {
        var stamp = filled.FirstOrDefault(f => f.Field.DocumentId == documentId && f.Field.Kind == FieldKind.Signature).Field;
        return SignatureRequestFor(who, at) with
        {
            StampPlacement = stamp is null ? null : new PagePlacement(stamp.Page, stamp.X, stamp.Y, stamp.Width, stamp.Height),
            Fields = filled.Where(f => f.Field.DocumentId == documentId && f.Field.Kind != FieldKind.Signature)
                .Select(f => FieldRules.Drawing(f.Field, f.Value)).ToList(),
        };
    }

    /// <summary>What the PDF signer writes for this signature: field name, reason and the visible stamp's lines.</summary>
    public SignatureRequest SignatureRequestFor(RecipientActor who, DateTimeOffset at)
    {
        var (r, actor, principal) = who;
        var signerNumber = State.Recipients.Count(x => x.Status == RecipientStatus.Signed) + 1;
        var reason = principal is null
            ? $"Signed by {r.Name} <{r.Email}> / {r.Name} が署名"
            : $"Signed by {actor.Name} on behalf of {r.Name} / {actor.Name} が {r.Name} の代理で署名";
        var signedBy = principal is null ? r.Name : $"{actor.Name}（{r.Name} 代理 / for {r.Name}）";
        return new SignatureRequest($"Signature{signerNumber}", r.Name, r.Email, r.CertificateType, reason, null)
        {
            DisplayName = principal is null ? r.Name : $"{actor.Name} for {r.Name}",
            AppearanceSlot = signerNumber - 1,
            Appearance =
            [
                "電子署名 / Digitally signed - GmoSign",
                signedBy,
                at.ToOffset(JapanTime.Offset).ToString("yyyy-MM-dd HH:mm 'JST'", CultureInfo.InvariantCulture),
                r.CertificateType ? "当事者型 / certificate type" : "立会人型 / witness type",
            ],
        };
    }

    /// <summary>
    /// Records a signature over every document (the signed revisions are stored by the caller) and moves on to the
    /// next step; when it was the last, the envelope is completed and <see cref="Status"/> says so — the caller then
    /// adds the completion records (<see cref="Complete"/>).
    /// </summary>
    public void RecordSignature(EnvelopeChange change, RecipientActor who, IReadOnlyList<DocumentRevision> signed,
        IReadOnlyList<(FieldState Field, string? Value)>? filled = null)
    {
        CheckSign(who);
        var (r, actor, principal) = who;
        var s = State;
        ApplyRevisions(signed, countsAsSignature: true);
        foreach (var (field, value) in filled ?? [])
        {
            field.Value = value;
            field.FilledAt = change.At;
        }
        r.Status = RecipientStatus.Signed;
        r.SignedAt = change.At;
        r.SignedFromIp = actor.IpAddress;
        r.SignedByDelegate = principal is null ? null : actor.Name;
        s.SignatureCount += s.Documents.Count;
        change.Audit(principal is null ? "signed" : "delegated_signing", actor, principal, r.RecipientId, new
        {
            signatureType = r.CertificateType ? "certificate" : "witness",
            documents = s.Documents.Select(d => new { d.DocumentId, sha256 = Convert.ToHexString(d.Sha256) }),
            fields = (filled ?? []).Where(f => f.Field.Kind != FieldKind.Signature).ToDictionary(f => f.Field.Name, f => f.Value),
        });
        change.HandOvers.Add(HandOver.Usage(envelopesSent: 0, signatures: s.Documents.Count));
        Advance(change);
    }

    /// <summary>
    /// Completion, first half: the archive timestamps over every final document (stored by the caller), the completion
    /// entry and the mails. The caller then makes the certificate of completion and the audit trail file from the
    /// state and the chained trail (<see cref="EnvelopeCompletion"/>), and attaches them with <see cref="AttachCompletionRecords"/>.
    /// </summary>
    public void Complete(EnvelopeChange change, IReadOnlyList<DocumentRevision> stamped)
    {
        var s = State;
        if (s.Status != EnvelopeStatus.Completed)
        {
            throw new InvalidOperationException($"Envelope {s.EnvelopeId} is {s.Status}, not completed.");
        }
        ApplyRevisions(stamped, countsAsSignature: false);
        change.Audit("completed", null, detail: new { documents = s.Documents.Select(d => new { d.DocumentId, sha256 = Convert.ToHexString(d.Sha256) }) });
        foreach (var r in s.Recipients.Where(r => r.Status == RecipientStatus.Signed || r.CarbonCopy))
        {
            change.Notify("completed", r.RecipientId, r.Email, r.Name, new { });
        }
        change.Notify("completed", null, s.Sender.Email ?? "", s.Sender.Name, new { });
    }

    /// <summary>Completion, second half: the stored certificate and trail file join the envelope, and the hand-over to Retention is due.</summary>
    public void AttachCompletionRecords(EnvelopeChange change, Guid certificateContentId, Guid auditTrailContentId)
    {
        var s = State;
        s.CertificateContentId = certificateContentId;
        s.AuditTrailContentId = auditTrailContentId;
        s.ArchivePending = true;
        change.HandOvers.Add(HandOver.Archive);
        foreach (var d in s.Documents)
        {
            d.ArchivedDocumentId = d.ContentId; // Retention keeps the final revision under its content id
        }
    }

    /// <summary>The recipient declines: the envelope ends, and the sender and everyone notified are told why.</summary>
    public EnvelopeChange Decline(RecipientActor who, string reason)
    {
        RequireStatus("decline", EnvelopeStatus.Sent);
        EnsureTurn(who.Recipient);
        var (r, actor, principal) = who;
        var s = State;
        var change = new EnvelopeChange(Now());
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
        return change;
    }

    /// <summary>The recipient whose turn it is hands the envelope to someone else (when the sender allows it), who is notified at once.</summary>
    public (EnvelopeChange Change, Guid NewRecipientId) Reassign(RecipientActor who, string name, string email, string reason)
    {
        var s = State;
        RequireStatus("reassign", EnvelopeStatus.Sent);
        if (!s.AllowReassign)
        {
            throw DomainException.Precondition("REASSIGN_NOT_ALLOWED", "The sender does not allow reassigning this envelope.", "送信者はこの封筒の署名者変更を許可していません。");
        }
        var (r, actor, principal) = who;
        EnsureTurn(r);
        if (s.Recipients.Any(x => x.Status != RecipientStatus.Reassigned && string.Equals(x.Email, email, StringComparison.OrdinalIgnoreCase) && x.Step == r.Step))
        {
            throw DomainException.Invalid("new_email", "is already a recipient of this step", "この順番の受信者として既に指定されています");
        }
        var change = new EnvelopeChange(Now());
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
        next.Label = r.Label;
        s.Recipients.Add(next);
        foreach (var field in s.Fields.Where(f => f.RecipientId == r.RecipientId))
        {
            field.RecipientId = next.RecipientId; // the new signer fills the part's fields
        }
        change.Audit("reassigned", actor, principal, r.RecipientId, new { reason, toRecipientId = next.RecipientId, toName = name, toEmail = email });
        change.Audit("notified", null, recipientId: next.RecipientId);
        change.Notify("signing_request", next.RecipientId, next.Email, next.Name, new { reassignedBy = r.Name, reason });
        return (change, next.RecipientId);
    }

    /// <summary>The recipient a reassignment with this recipient's request id produced (for a replayed reassignment).</summary>
    public Guid TakenOverBy(Guid recipientId) =>
        State.Recipients.First(x => x.RecipientId == recipientId) is var taken ? taken.ReassignedTo ?? taken.RecipientId : recipientId;

    /// <summary>
    /// A document is downloaded: by the sender's tenant (<paramref name="who"/> null) or by a recipient who opened the
    /// envelope (a carbon copy once it is completed). Every download is in the audit trail.
    /// </summary>
    public (EnvelopeChange Change, DocumentState Document) Download(Guid documentId, RecipientActor? who, Actor actor)
    {
        var s = State;
        var d = RequireDocument(documentId);
        string? principal = null;
        Guid? recipientId = null;
        if (who is not null)
        {
            var r = who.Recipient;
            if (s.Status is EnvelopeStatus.Draft or EnvelopeStatus.Approval || (r.ViewedAt is null && !r.CarbonCopy))
            {
                throw DomainException.Precondition("OPEN_ENVELOPE_FIRST", "Open the envelope before downloading its documents.", "文書をダウンロードする前に封筒を開いてください。");
            }
            if (r.CarbonCopy && s.Status != EnvelopeStatus.Completed)
            {
                throw WrongStatus("download (carbon copy)");
            }
            (actor, principal, recipientId) = (who.Actor, who.Principal, r.RecipientId);
        }
        var change = new EnvelopeChange(Now());
        change.Audit("document_downloaded", actor, principal, recipientId, new { documentId, sha256 = Convert.ToHexString(d.Sha256) });
        return (change, d);
    }

    /// <summary>The document, or NOT_FOUND naming <c>document_id</c>; checked before the recipient is authorized, so an unknown id costs no access-code attempt.</summary>
    public DocumentState RequireDocument(Guid documentId) =>
        State.Documents.FirstOrDefault(x => x.DocumentId == documentId) ?? throw DomainException.NotFound("Document", "文書", "document_id");

    // ---------------------------------------------------------------- deadline: reminders and expiry

    /// <summary>
    /// The deadline check: past the expiry an envelope awaiting signatures or approval expires; before it, reminders
    /// that are due go out — one per waiting signer for everything due, however late or often the check runs.
    /// Null when nothing is due.
    /// </summary>
    public EnvelopeChange? CheckDeadline()
    {
        var s = State;
        if (s.Status is not (EnvelopeStatus.Sent or EnvelopeStatus.Approval) || s.ExpiresAt is not { } expires)
        {
            return null;
        }
        var now = Now();
        if (now >= expires)
        {
            var change = new EnvelopeChange(now);
            s.Status = EnvelopeStatus.Expired;
            s.EndedAt = now;
            change.Audit("expired", null, detail: new { expiresAt = expires });
            change.Notify("expired", null, s.Sender.Email ?? "", s.Sender.Name, new { });
            foreach (var r in s.Recipients.Where(r => r.NotifiedAt is not null && r.Status is RecipientStatus.Notified or RecipientStatus.Viewed))
            {
                change.Notify("expired", r.RecipientId, r.Email, r.Name, new { });
            }
            return change;
        }
        if (s.Status != EnvelopeStatus.Sent)
        {
            return null;
        }
        var due = EnvelopeRouting.ReminderTimes(s, _options.Day).Where(t => t <= now && !s.RemindersSent.Contains(t)).ToList();
        if (due.Count == 0)
        {
            return null;
        }
        var reminded = new EnvelopeChange(now);
        s.RemindersSent.AddRange(due);
        foreach (var r in EnvelopeRouting.Waiting(s))
        {
            reminded.Audit("reminder_sent", null, recipientId: r.RecipientId, detail: new { dueAt = due[^1] });
            reminded.Notify("reminder", r.RecipientId, r.Email, r.Name, new { expiresAt = expires });
        }
        return reminded;
    }

    /// <summary>When the deadline check should next run: the next reminder not yet sent, else the expiry; null once the envelope waits for nobody.</summary>
    public DateTimeOffset? NextDeadline()
    {
        var s = State;
        if (s.Status is not (EnvelopeStatus.Sent or EnvelopeStatus.Approval) || s.ExpiresAt is not { } expires)
        {
            return null;
        }
        var reminder = s.Status == EnvelopeStatus.Sent
            ? EnvelopeRouting.ReminderTimes(s, _options.Day).Where(t => !s.RemindersSent.Contains(t)).Cast<DateTimeOffset?>().FirstOrDefault()
            : null;
        return reminder is { } r && r < expires ? r : expires;
    }

    // ---------------------------------------------------------------- hand-over and sealing

    /// <summary>Retention has the completed envelope: no hand-over is pending any more (null when none was).</summary>
    public EnvelopeChange? HandedOver()
    {
        if (!State.ArchivePending)
        {
            return null;
        }
        State.ArchivePending = false;
        return new EnvelopeChange(Now());
    }

    /// <summary>Chains the change's audit entries after the stored ones, without changing the state.</summary>
    public List<AuditRecord> Chain(EnvelopeChange change, out byte[] lastHash)
    {
        var s = State;
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

    /// <summary>
    /// Makes the change ready to store: the next version, the audit entries chained, the request id remembered (the
    /// latest <see cref="RememberedRequests"/>). The state is then ahead of the database until the commit succeeds;
    /// when it fails the caller restores the stored state.
    /// </summary>
    public EnvelopeCommit Seal(EnvelopeChange change, string? requestId, long expectedVersion)
    {
        var s = State;
        var audit = Chain(change, out var lastHash);
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
        var row = new EnvelopeRow(s.EnvelopeId, s.TenantId, (int)s.Status, s.Title, s.Sender.UserId, s.CreatedAt, change.At, s.ExpiresAt,
            NextDeadline());
        return new EnvelopeCommit(row, expectedVersion, s.Version, Serialize(), audit, change.Notifications, change.HandOvers, change.Writes);
    }

    // ---------------------------------------------------------------- views

    public EnvelopeView View()
    {
        var s = State;
        return new EnvelopeView(s.EnvelopeId, s.TenantId, s.Version, s.Status, s.Title, s.Message,
            s.Recipients.Select(r => new RecipientView(r.RecipientId, r.Name, r.Email, r.CarbonCopy, r.Step, r.AccessCodeHash is not null,
                r.CertificateType, r.UserId, r.Status, r.NotifiedAt, r.ViewedAt, r.SignedAt, r.DeclineReason, r.ReassignedTo, r.ReassignedFrom,
                r.SignedByDelegate, r.Label)).ToList(),
            [.. s.AnyOneSteps],
            s.Documents.Select(d => new DocumentView(d.DocumentId, d.FileName, [.. d.OriginalSha256], d.ContentId, [.. d.Sha256], d.SizeBytes, d.Signatures,
                d.ArchivedDocumentId, d.UploadRequestId)).ToList(),
            s.Approvers.Select(a => a.UserId).ToList(), [.. s.ApprovedBy], s.Retention, s.AllowReassign, s.ExpiryDays,
            [.. s.ReminderDaysBeforeExpiry], s.ReminderEveryDays, s.Sender.UserId, s.Sender.Name, s.CreatedAt, s.SentAt, s.ExpiresAt,
            s.CompletedAt, s.StatusReason, s.CertificateContentId)
        {
            Fields = s.Fields.Select(FieldRules.View).ToList(),
            TemplateId = s.TemplateId,
            TemplateVersion = s.TemplateVersion,
        };
    }

    // ---------------------------------------------------------------- rules shared by the operations

    /// <summary>Notifies the current step's signers; completes the envelope when no step is left.</summary>
    private void Advance(EnvelopeChange change)
    {
        var s = State;
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

    private void ApplyRevisions(IEnumerable<DocumentRevision> revisions, bool countsAsSignature)
    {
        foreach (var revision in revisions)
        {
            var d = State.Documents.First(x => x.DocumentId == revision.DocumentId);
            d.ContentId = revision.ContentId;
            d.Sha256 = SHA256.HashData(revision.Bytes);
            d.SizeBytes = revision.Bytes.Length;
            d.Signatures += countsAsSignature ? 1 : 0;
        }
    }

    private void EnsureTurn(RecipientState r)
    {
        if (r.CarbonCopy)
        {
            throw DomainException.Precondition("RECIPIENT_IS_CARBON_COPY", "A carbon-copy recipient does not sign.", "CC受信者は署名しません。");
        }
        if (r.Status == RecipientStatus.Signed)
        {
            throw DomainException.Precondition("RECIPIENT_ALREADY_SIGNED", "This recipient has already signed.", "この受信者は既に署名済みです。");
        }
        if (!EnvelopeRouting.CanSign(State, r))
        {
            throw DomainException.Precondition(r.Status == RecipientStatus.Pending ? "NOT_RECIPIENTS_TURN" : "STEP_COMPLETED",
                $"It is not this recipient's turn (recipient status {r.Status}).", $"この受信者の順番ではありません（受信者の状態: {r.Status}）。");
        }
    }

    private RecipientState FindRecipient(Guid recipientId) =>
        State.Recipients.FirstOrDefault(r => r.RecipientId == recipientId) ?? throw DomainException.NotFound("Recipient", "受信者", "recipient_id");

    private void RequireManager(Actor actor)
    {
        if (!IsManagedBy(actor))
        {
            throw DomainException.Denied("Only the envelope's sender or a tenant administrator can do this.",
                "この操作は封筒の送信者またはテナント管理者のみが行えます。");
        }
    }

    private void RequireStatus(string action, params EnvelopeStatus[] allowed)
    {
        if (!allowed.Contains(State.Status))
        {
            throw WrongStatus(action);
        }
    }

    private DomainException WrongStatus(string action) =>
        DomainException.Precondition("ENVELOPE_STATUS",
            $"Cannot {action}: the envelope is {State.Status}.", $"操作できません（{action}）：封筒の状態は {State.Status} です。");

    private static DomainException Reassigned() =>
        DomainException.Precondition("RECIPIENT_REASSIGNED", "This recipient handed the envelope to someone else.", "この受信者は署名者を変更済みです。");

    private static string AttemptsLeft(RecipientState r) => (AccessCodeAttempts - r.FailedAccessCodes).ToString(CultureInfo.InvariantCulture);

    private static byte[] HashAccessCode(string accessCode) => SHA256.HashData(Encoding.UTF8.GetBytes(accessCode));
}

/// <summary>A new revision of a document (signed or time-stamped), already stored under <see cref="ContentId"/>.</summary>
internal sealed record DocumentRevision(Guid DocumentId, Guid ContentId, byte[] Bytes)
{
    /// <summary>The stored revision these bytes begin with (the content store may keep only what they add).</summary>
    public ContentBase? Extends { get; init; }
}

/// <summary>Who acts for a recipient: the recipient (through the link or as the tenant user) or a delegate for the <see cref="Principal"/>.</summary>
internal sealed record RecipientActor(RecipientState Recipient, Actor Actor, string? Principal);

/// <summary>The outcome of <see cref="Envelope.Authorize"/>.</summary>
internal abstract record AccessDecision
{
    private AccessDecision()
    {
    }

    public sealed record Granted(RecipientActor Who) : AccessDecision;

    /// <summary>A tenant user acts for another user's recipient: allowed only under a delegation, which the caller looks up.</summary>
    public sealed record DelegationNeeded(RecipientState Recipient, Guid DelegateUserId, Guid PrincipalUserId, IReadOnlyList<string> Tags) : AccessDecision;

    /// <summary>A wrong access code: the caller stores the counted attempt, then refuses with the error.</summary>
    public sealed record WrongAccessCode(EnvelopeChange Change, DomainException Error) : AccessDecision;
}
