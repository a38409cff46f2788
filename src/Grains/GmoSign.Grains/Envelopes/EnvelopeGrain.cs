using System.Text.Json;
using GmoSign.Accounts.Contracts;
using GmoSign.Reseller.Contracts;
using GmoSign.Retention.Contracts;
using GmoSign.Grains.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GmoSign.Grains.Envelopes;

/// <summary>
/// One envelope's activation: the shell around <see cref="Envelope"/>, which holds the rules. The grain loads and
/// stores the state, asks other modules what the rules need (the tenant's contract, delegations) and revises the PDFs.
/// Deadlines (reminders to send, the expiry) are not Orleans reminders: each commit stores the next one
/// (<c>signing.envelope.deadline_at</c>) and the hosts' deadline sweep calls <see cref="CheckDeadlineAsync"/> when it has
/// come. Each change commits state + audit entries + notifications + hand-overs in one
/// transaction (<see cref="IEnvelopeStore"/>); a failed commit reloads the stored state, so memory never runs ahead
/// of the database and nothing is half-written.
/// </summary>
internal sealed class EnvelopeGrain(
    IEnvelopeStore store,
    IDocumentContent contents,
    IContentWrites contentWrites,
    IPdfSignatures pdf,
    IEnvelopeArchive archive,
    ITenantContracts tenants,
    IDelegationLookup delegations,
    IOptions<EnvelopeOptions> options,
    TimeProvider clock,
    ILogger<EnvelopeGrain> logger) : Grain, IEnvelopeGrain, IIncomingGrainCallFilter
{
    private readonly EnvelopeOptions _options = options.Value;

    /// <summary>Current revisions of small documents, kept between signatures (the sign hot path reads no content from the database).</summary>
    private readonly Dictionary<Guid, byte[]> _contentCache = new();

    private Envelope? _envelope;

    /// <summary>
    /// The audit trail as stored, when this activation knows all of it (it created the envelope, or read the trail
    /// once): each stored change appends its entries, so completion need not read the trail back. Null: read it.
    /// </summary>
    private List<AuditRecord>? _trail;

    /// <summary>The status the database holds (for the metrics of what a stored change did).</summary>
    private EnvelopeStatus? _storedStatus;

    /// <summary>
    /// Set when a failed commit could not reload the stored state either (the database was down), or when a signature
    /// failed half-way: memory may be ahead of the database, so the next call reloads first — a retried request must
    /// never be answered from a change that was not stored.
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

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await ReloadAsync(cancellationToken);

    private async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        _contentCache.Clear();
        _trail = null;
        var stored = await store.LoadAsync(Id, cancellationToken);
        _envelope = stored is null ? null : Envelope.Restore(stored.StateJson, _options, clock);
        _storedStatus = _envelope?.Status;
    }

    // ---------------------------------------------------------------- sender side

    public async Task<EnvelopeView> CreateAsync(EnvelopeDraft draft)
    {
        if (_envelope is { } existing)
        {
            // A retried create (same request id) returns the envelope created first.
            return existing.IsRetryOf(draft) ? existing.View() : throw Envelope.AlreadyExists();
        }
        var (envelope, change) = Envelope.Create(Id, draft, _options, clock);
        _envelope = envelope;
        _trail = [];
        try
        {
            await CommitAsync(change, requestId: null, expectedVersion: 0);
        }
        catch
        {
            _envelope = null;
            throw;
        }
        return envelope.View();
    }

    public async Task<EnvelopeView> AddDocumentAsync(Guid tenantId, NewDocument document, Actor actor)
    {
        var e = Require(tenantId);
        if (e.AddDocument(document, actor) is { } change)
        {
            await CommitAsync(change, null);
            // The uploaded bytes stay for the first signature while the envelope is small enough to keep.
            if (e.State.Documents.Sum(d => d.SizeBytes) > _options.ContentCacheBytes)
            {
                _contentCache.Clear();
            }
            else if (document.Content is { } bytes)
            {
                _contentCache[document.ContentId] = bytes;
            }
        }
        return e.View();
    }

    public Task<EnvelopeView> GetAsync(Guid tenantId) => Task.FromResult(Require(tenantId).View());

    public async Task<EnvelopeView> SetFieldsAsync(Guid tenantId, IReadOnlyList<FieldSpec> fields, Actor actor, string? requestId)
    {
        var e = Require(tenantId);
        if (e.IsReplay(requestId))
        {
            return e.View();
        }
        e.CheckSetFields(actor);
        // The pages of the documents the fields name (unknown ids are refused by the rules, naming the field).
        var pages = new Dictionary<Guid, IReadOnlyList<PageSize>>();
        foreach (var d in e.State.Documents.Where(d => fields.Any(f => f.DocumentId == d.DocumentId)))
        {
            pages[d.DocumentId] = pdf.Pages(await ContentAsync(e, d));
        }
        if (e.SetFields(fields, pages, actor) is { } change)
        {
            await CommitAsync(change, requestId);
        }
        return e.View();
    }

    public async Task<EnvelopeView> SendAsync(Guid tenantId, Actor actor, string? requestId)
    {
        var e = Require(tenantId);
        if (e.IsReplay(requestId))
        {
            return e.View();
        }
        e.CheckSend(actor);
        var contract = await tenants.EnsureCanTransactAsync(tenantId, CancellationToken.None);
        await CommitAsync(e.Send(actor, contract.Holds(OptionCodes.CertificateSigning)), requestId);
        return e.View();
    }

    public async Task<EnvelopeView> ApproveAsync(Guid tenantId, Actor actor, bool approve, string? comment, string? requestId)
    {
        var e = Require(tenantId);
        if (e.IsReplay(requestId))
        {
            return e.View();
        }
        e.CheckApproval(actor, approve);
        if (approve)
        {
            await tenants.EnsureCanTransactAsync(tenantId, CancellationToken.None);
        }
        await CommitAsync(e.Approve(actor, approve, comment), requestId);
        return e.View();
    }

    public async Task<EnvelopeView> VoidAsync(Guid tenantId, Actor actor, string reason, string? requestId)
    {
        var e = Require(tenantId);
        if (e.IsReplay(requestId))
        {
            return e.View();
        }
        await CommitAsync(e.Void(actor, reason), requestId);
        return e.View();
    }

    public async Task<int> ResendAsync(Guid tenantId, Actor actor, Guid? recipientId, string? requestId)
    {
        var e = Require(tenantId);
        if (e.IsReplay(requestId))
        {
            return 0;
        }
        var (change, count) = e.Resend(actor, recipientId);
        await CommitAsync(change, requestId);
        return count;
    }

    public Task<DateTimeOffset> SigningLinkExpiryAsync(Guid tenantId, Guid recipientId, Actor actor) =>
        Task.FromResult(Require(tenantId).SigningLinkExpiry(recipientId, actor));

    // ---------------------------------------------------------------- recipient side

    public async Task<RecipientResult> OpenAsync(RecipientAccess access)
    {
        var e = Require(access.TenantId);
        var who = await AuthorizeAsync(e, access);
        var (change, canSign) = e.Open(who);
        if (change is not null)
        {
            await CommitAsync(change, null);
        }
        return new RecipientResult(e.View(), who.Recipient.RecipientId, canSign);
    }

    public async Task<EnvelopeView> SignAsync(RecipientAccess access, string requestId, IReadOnlyList<FieldValueInput> values)
    {
        var e = Require(access.TenantId);
        if (e.IsReplay(requestId))
        {
            return e.View();
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var since = started;
        var who = await AuthorizeAsync(e, access);
        e.CheckSign(who);
        GmoSignMetrics.RecordSignStage("authorize", ref since);
        await tenants.EnsureCanTransactAsync(e.TenantId, CancellationToken.None);
        GmoSignMetrics.RecordSignStage("tenant_check", ref since);
        var change = new EnvelopeChange(e.Now());
        var filled = e.CheckFieldValues(who, values);
        var signed = await ReviseAllAsync(e, change, "sign", (document, bytes) =>
            pdf.SignAsync(bytes, e.SignatureRequestFor(who, change.At, document.DocumentId, filled), CancellationToken.None), store: false);
        try
        {
            e.RecordSignature(change, who, signed, filled);
            if (e.Status == EnvelopeStatus.Completed)
            {
                // The archive timestamp revises the signed revision in the same change, and its file begins with every
                // byte of it (an incremental update): only the time-stamped revision is stored.
                await CompleteAsync(e, change, signed);
            }
            else
            {
                since = System.Diagnostics.Stopwatch.GetTimestamp();
                foreach (var revision in signed)
                {
                    await PrepareAsync(e, change, revision.ContentId, revision.Bytes, revision.Extends);
                }
                GmoSignMetrics.RecordSignStage("sign_seal", ref since);
            }
            since = System.Diagnostics.Stopwatch.GetTimestamp();
            await CommitAsync(change, requestId);
            GmoSignMetrics.RecordSignStage("commit", ref since);
            GmoSignMetrics.RecordSignStage("total", ref started);
        }
        catch
        {
            // Memory may hold half of this signature (the failure may have come before the commit): the next call reloads.
            // The new revisions are written with the change or not at all.
            _stale = true;
            throw;
        }
        return e.View();
    }

    public async Task<EnvelopeView> DeclineAsync(RecipientAccess access, string reason, string? requestId)
    {
        var e = Require(access.TenantId);
        if (e.IsReplay(requestId))
        {
            return e.View();
        }
        var who = await AuthorizeAsync(e, access);
        await CommitAsync(e.Decline(who, reason), requestId);
        return e.View();
    }

    public async Task<RecipientResult> ReassignAsync(RecipientAccess access, string name, string email, string reason, string? requestId)
    {
        var e = Require(access.TenantId);
        if (e.IsReplay(requestId))
        {
            return new RecipientResult(e.View(), e.TakenOverBy(access.RecipientId), false);
        }
        var who = await AuthorizeAsync(e, access);
        var (change, next) = e.Reassign(who, name, email, reason);
        await CommitAsync(change, requestId);
        return new RecipientResult(e.View(), next, true);
    }

    public async Task<DocumentContentRef> DocumentAsync(Guid tenantId, Guid documentId, RecipientAccess? recipientAccess, Actor actor)
    {
        var e = Require(tenantId);
        e.RequireDocument(documentId);
        var who = recipientAccess is null ? null : await AuthorizeAsync(e, recipientAccess);
        var (change, d) = e.Download(documentId, who, actor);
        await CommitAsync(change, null);
        return new DocumentContentRef(d.DocumentId, d.ContentId, d.FileName, d.SizeBytes);
    }

    // ---------------------------------------------------------------- completion and hand-over

    /// <summary>Archive timestamps, then the certificate of completion and the audit trail file, which include this change's entries.</summary>
    private async Task CompleteAsync(Envelope e, EnvelopeChange change, IReadOnlyList<DocumentRevision> signed)
    {
        var stamped = await ReviseAllAsync(e, change, "timestamp", (_, bytes) => pdf.TimestampAsync(bytes, "ArchiveTimestamp", CancellationToken.None),
            sources: signed);
        e.Complete(change, stamped);
        var since = System.Diagnostics.Stopwatch.GetTimestamp();
        _trail ??= [.. await store.AuditTrailAsync(e.Id, CancellationToken.None)];
        var trail = _trail.Concat(e.Chain(change, out _)).ToList();
        GmoSignMetrics.RecordSignStage("trail_read", ref since);
        var certificate = await pdf.CertificateOfCompletionAsync(EnvelopeCompletion.Certificate(e.State, trail), CancellationToken.None);
        GmoSignMetrics.RecordSignStage("certificate_pdf", ref since);
        var certificateId = Guid.CreateVersion7();
        var trailId = Guid.CreateVersion7();
        await PrepareAsync(e, change, certificateId, certificate);
        await PrepareAsync(e, change, trailId, JsonSerializer.SerializeToUtf8Bytes(trail, EnvelopeChange.Json));
        GmoSignMetrics.RecordSignStage("certificate_seal", ref since);
        e.AttachCompletionRecords(change, certificateId, trailId);
    }

    /// <summary>
    /// Hands a completed envelope to Retention (signed documents with their search metadata, the certificate of
    /// completion, the audit trail). Called by the hand-over worker for the row the completing change wrote; Retention
    /// ignores a second hand-over, and a failure throws so that the worker tries again.
    /// </summary>
    public async Task HandOverToRetentionAsync()
    {
        if (_envelope is not { State.ArchivePending: true } e)
        {
            return;
        }
        await archive.ArchiveAsync(EnvelopeCompletion.Archive(e.State), CancellationToken.None);
        if (e.HandedOver() is { } change)
        {
            await CommitAsync(change, null);
        }
    }

    // ---------------------------------------------------------------- deadline: reminders and expiry

    public async Task<bool> CheckDeadlineAsync(DateTimeOffset dueAt)
    {
        if (_envelope is not { } e)
        {
            return false;
        }
        var next = e.NextDeadline();
        if (next is null || next > e.Now())
        {
            // Ended, or already carried out (another host's sweep was first). When the stored deadline is not the
            // envelope's own (written under other settings, or by an earlier version), it is corrected, or the sweep
            // would find it again at every look.
            if (next is not { } n || Math.Abs((n - dueAt).TotalMilliseconds) >= 1)
            {
                await store.SetDeadlineAsync(e.Id, e.State.Version, next, CancellationToken.None);
            }
            return false;
        }
        GmoSignMetrics.ReminderLag.Record(Math.Max(0, (e.Now() - dueAt).TotalSeconds));
        if (e.CheckDeadline() is not { } change)
        {
            return false;
        }
        await CommitAsync(change, null);
        return true;
    }

    // ---------------------------------------------------------------- helpers

    private Envelope Require(Guid tenantId) => _envelope is { } e && e.TenantId == tenantId ? e : throw Envelope.NotFound();

    /// <summary>The recipient's actor, asking Accounts for a delegation when a tenant user acts for another; a wrong access code is stored, then refused.</summary>
    private async Task<RecipientActor> AuthorizeAsync(Envelope e, RecipientAccess access)
    {
        switch (e.Authorize(access))
        {
            case AccessDecision.Granted granted:
                return granted.Who;
            case AccessDecision.DelegationNeeded need:
                var grant = await delegations.FindAsync(e.TenantId, need.DelegateUserId, need.PrincipalUserId, need.Tags, e.Now(), CancellationToken.None);
                return e.AsDelegate(need.Recipient, access.Actor, grant is not null);
            case AccessDecision.WrongAccessCode wrong:
                await CommitAsync(wrong.Change, null);
                throw wrong.Error;
            default:
                throw new InvalidOperationException("Unknown access decision.");
        }
    }

    /// <summary>A document's current revision, from the cache when it holds it.</summary>
    private async Task<byte[]> ContentAsync(Envelope e, DocumentState d) =>
        _contentCache.TryGetValue(d.ContentId, out var cached)
            ? cached
            : await contents.GetAsync(e.TenantId, d.ContentId, CancellationToken.None)
              ?? throw new InvalidOperationException($"Content {d.ContentId} of envelope {e.Id} is missing.");

    /// <summary>
    /// Makes a new revision of every document (signed or time-stamped), sealed to be written with <paramref name="change"/>;
    /// the state is not changed.
    /// </summary>
    /// <param name="stage">"sign" or "timestamp": the stages the time is counted under (<c>…_read</c>, <c>…_pdf</c>, <c>…_seal</c>).</param>
    /// <param name="store">false: the caller seals the new revisions for the change itself, or lets a later revision in the same change replace them.</param>
    /// <param name="sources">each document's revision made earlier in the same change and not stored: read from here, not from the store.</param>
    private async Task<DocumentRevision[]> ReviseAllAsync(Envelope e, EnvelopeChange change, string stage,
        Func<DocumentState, ReadOnlyMemory<byte>, Task<byte[]>> revise, bool store = true, IReadOnlyList<DocumentRevision>? sources = null)
    {
        var (readStage, pdfStage, sealStage) = (stage + "_read", stage + "_pdf", stage + "_seal");
        var revisions = await Task.WhenAll(e.State.Documents.Select(async d =>
        {
            var since = System.Diagnostics.Stopwatch.GetTimestamp();
            var source = sources?.FirstOrDefault(r => r.DocumentId == d.DocumentId);
            var content = source?.Bytes ?? await ContentAsync(e, d);
            GmoSignMetrics.RecordSignStage(readStage, ref since);
            var revised = await revise(d, content);
            GmoSignMetrics.RecordSignStage(pdfStage, ref since);
            // The stored revision this one begins with: the document's current one, or the one an unstored source
            // (made earlier in this change) began with. Checked, not assumed: anything else is stored whole.
            var extends = source is null ? new ContentBase(d.ContentId, content.Length) : source.Extends;
            if (extends is not null && !(revised.Length > content.Length && revised.AsSpan(0, content.Length).SequenceEqual(content)))
            {
                extends = null;
            }
            // Time-ordered: the content table's key grows at its right edge instead of touching a random index page per revision.
            var contentId = Guid.CreateVersion7();
            if (store)
            {
                await PrepareAsync(e, change, contentId, revised, extends);
                GmoSignMetrics.RecordSignStage(sealStage, ref since);
            }
            return new DocumentRevision(d.DocumentId, contentId, revised) { Extends = extends };
        }));
        // The new revisions replace the old ones in the cache while the envelope is small enough to keep.
        var keep = e.State.Documents.Sum(d => d.SizeBytes) <= _options.ContentCacheBytes;
        foreach (var d in e.State.Documents)
        {
            _contentCache.Remove(d.ContentId);
        }
        if (keep)
        {
            foreach (var revision in revisions)
            {
                _contentCache[revision.ContentId] = revision.Bytes;
            }
        }
        return revisions;
    }

    /// <summary>Seals content for the change's transaction (grain turns run one at a time, so the list needs no lock).</summary>
    private async Task PrepareAsync(Envelope e, EnvelopeChange change, Guid contentId, byte[] bytes, ContentBase? extends = null)
    {
        if (await contentWrites.PrepareAsync(e.TenantId, contentId, bytes, extends, CancellationToken.None) is { } write)
        {
            change.Writes.Add(write);
        }
    }

    /// <summary>The service's counters move only for what the database now holds.</summary>
    private void CountStored(Envelope e, EnvelopeChange change)
    {
        var before = _storedStatus;
        _storedStatus = e.Status;
        foreach (var signed in change.Events.Where(a => a.Action is "signed" or "delegated_signing"))
        {
            var type = e.State.Recipients.First(r => r.RecipientId == signed.RecipientId).CertificateType ? "certificate" : "witness";
            GmoSignMetrics.Signatures.Add(e.State.Documents.Count, new KeyValuePair<string, object?>("type", type));
        }
        if (before == e.Status)
        {
            return;
        }
        if (before is EnvelopeStatus.Draft && e.Status is EnvelopeStatus.Sent or EnvelopeStatus.Approval)
        {
            GmoSignMetrics.EnvelopesSent.Add(1);
        }
        if (e.Status is EnvelopeStatus.Completed or EnvelopeStatus.Declined or EnvelopeStatus.Voided or EnvelopeStatus.Expired)
        {
            GmoSignMetrics.EnvelopesEnded.Add(1, new KeyValuePair<string, object?>("status", e.Status.ToString().ToLowerInvariant()));
        }
    }

    private Task CommitAsync(EnvelopeChange change, string? requestId) => CommitAsync(change, requestId, _envelope!.State.Version);

    private async Task CommitAsync(EnvelopeChange change, string? requestId, long expectedVersion)
    {
        var e = _envelope!;
        var commit = e.Seal(change, requestId, expectedVersion);
        try
        {
            await store.CommitAsync(commit, CancellationToken.None);
            _trail?.AddRange(commit.Audit);
            CountStored(e, change);
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
                    e.Id);
            }
            throw;
        }
    }
}
