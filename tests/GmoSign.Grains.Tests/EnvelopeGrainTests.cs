using System.Text;
using GmoSign.Errors;

namespace GmoSign.Grains.Tests;

/// <summary>
/// The envelope grain as a shell around the rules: activation from the store, one commit per change, the hand-over
/// to Retention, and what happens when the store fails in the middle of a call.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EnvelopeGrainTests(ClusterFixture fixture)
{
    private static readonly Guid Tenant = Guid.NewGuid();
    private static readonly Actor Sender = new(Guid.NewGuid(), "送信 太郎", "sender@example.jp", "192.0.2.1", "test");

    private IEnvelopeGrain Grain(Guid id) => fixture.Cluster.GrainFactory.GetGrain<IEnvelopeGrain>(id);

    /// <summary>A sent envelope with one document and the given signers in steps 1, 2, …</summary>
    private async Task<(Guid Id, EnvelopeView View)> SentAsync(params string[] signers)
    {
        var id = Guid.NewGuid();
        var grain = Grain(id);
        await grain.CreateAsync(new EnvelopeDraft(Tenant, $"create-{id}", "秘密保持契約", "", signers
                .Select((name, i) => new RecipientSpec(name, $"{name.ToLowerInvariant()}@example.jp", false, i + 1, null, false, null)).ToList(),
            [], [], new RetentionSpec("contract", null, 0, "JPY", null, []), false, 30, [], 0, Sender));
        var contentId = Guid.NewGuid();
        var original = Encoding.UTF8.GetBytes("%PDF-1.7 original");
        MemoryContent.Items[(Tenant, contentId)] = original;
        await grain.AddDocumentAsync(Tenant, new NewDocument(Guid.NewGuid(), contentId, "nda.pdf", original.Length,
            System.Security.Cryptography.SHA256.HashData(original), "upload-1"), Sender);
        return (id, await grain.SendAsync(Tenant, Sender, "send-1"));
    }

    private static RecipientAccess Link(EnvelopeView view, string name) =>
        new(Tenant, view.Recipients.Single(r => r.Name == name).RecipientId, true, null, new Actor(null, "", null, "198.51.100.7", "browser"));

    private static string Content(EnvelopeView view) =>
        Encoding.UTF8.GetString(MemoryContent.Items[(Tenant, view.Documents.Single().ContentId)]);

    [Fact]
    public async Task An_envelope_goes_from_draft_to_Retention_one_commit_per_change()
    {
        var (id, sent) = await SentAsync("Aoki", "Baba");
        var grain = Grain(id);
        Assert.Equal(EnvelopeStatus.Sent, sent.Status);
        Assert.Equal(3, MemoryEnvelopeStore.Of(id).Count); // created, document added, sent

        var opened = await grain.OpenAsync(Link(sent, "Aoki"));
        Assert.True(opened.CanSign);
        await grain.SignAsync(Link(sent, "Aoki"), "sign-aoki", []);
        var done = await grain.SignAsync(Link(sent, "Baba"), "sign-baba", []);

        Assert.Equal(EnvelopeStatus.Completed, done.Status);
        Assert.Equal("%PDF-1.7 original|sig:Signature1:aoki@example.jp|sig:Signature2:baba@example.jp|ts:ArchiveTimestamp", Content(done));
        var commits = MemoryEnvelopeStore.Of(id);
        Assert.Equal(commits.Select(c => c.NewVersion), Enumerable.Range(1, commits.Count).Select(v => (long)v));
        Assert.Equal(["signed", "completed"], commits[^1].Audit.Select(a => a.Action));
        Assert.Contains(commits[^1].HandOvers!, h => h.Kind == "archive");
        // The last signature's revision is not stored on its own: the archive timestamp's revision, which begins with
        // every byte of it, is (with the certificate of completion and the audit trail file).
        var stored = commits.SelectMany(c => c.Writes ?? []).Select(w => Encoding.UTF8.GetString((byte[])w.Parameters[2])).ToList();
        Assert.Contains("%PDF-1.7 original|sig:Signature1:aoki@example.jp", stored);
        Assert.DoesNotContain("%PDF-1.7 original|sig:Signature1:aoki@example.jp|sig:Signature2:baba@example.jp", stored);
        Assert.Equal(3, commits[^1].Writes!.Count);
        // Each stored revision names the stored one it begins with (the store may keep only what it adds): the
        // time-stamped revision continues Aoki's, which continues the upload; the certificate stands alone.
        var stamped = MemoryContent.Extends[done.Documents.Single().ContentId]!;
        var aoki = MemoryContent.Items[(Tenant, stamped.ContentId)];
        Assert.Equal("%PDF-1.7 original|sig:Signature1:aoki@example.jp", Encoding.UTF8.GetString(aoki));
        Assert.Equal(aoki.Length, stamped.Length);
        var upload = MemoryContent.Extends[stamped.ContentId]!;
        Assert.Equal("%PDF-1.7 original", Encoding.UTF8.GetString(MemoryContent.Items[(Tenant, upload.ContentId)]));
        Assert.Equal("%PDF-1.7 original".Length, upload.Length);
        Assert.Null(MemoryContent.Extends[done.CertificateContentId!.Value]);

        await grain.HandOverToRetentionAsync();
        await grain.HandOverToRetentionAsync();
        var archived = Assert.Single(RecordingArchive.Received[id]);
        Assert.Equal(["Aoki", "Baba"], archived.Metadata.Parties);
        Assert.Equal(done.Documents.Single().ContentId, archived.Documents.Single().ContentId);
        Assert.Equal(commits.Count + 1, MemoryEnvelopeStore.Of(id).Count); // the hand-over is recorded once

        // The certificate of completion lists every audit entry, the completion included — from the activation's own
        // record of what it stored (it created the envelope), without reading the trail back.
        var certificate = Encoding.UTF8.GetString(MemoryContent.Items[(Tenant, done.CertificateContentId!.Value)]);
        Assert.StartsWith("created - ", certificate);
        Assert.Contains("completed - system", certificate);
        Assert.Equal(0, MemoryEnvelopeStore.TrailReads.GetValueOrDefault(id));
    }

    [Fact]
    public async Task An_uploaded_document_handed_over_with_its_bytes_is_signed_without_reading_it_back()
    {
        async Task<(Guid ContentId, EnvelopeView Signed)> SignOne(bool withBytes)
        {
            var id = Guid.NewGuid();
            var grain = Grain(id);
            await grain.CreateAsync(new EnvelopeDraft(Tenant, $"create-{id}", "秘密保持契約", "",
                [new RecipientSpec("Aoki", "aoki@example.jp", false, 1, null, false, null), new RecipientSpec("Baba", "baba@example.jp", false, 2, null, false, null)],
                [], [], new RetentionSpec("contract", null, 0, "JPY", null, []), false, 30, [], 0, Sender));
            var contentId = Guid.NewGuid();
            var original = Encoding.UTF8.GetBytes("%PDF-1.7 uploaded");
            MemoryContent.Items[(Tenant, contentId)] = original;
            await grain.AddDocumentAsync(Tenant, new NewDocument(Guid.NewGuid(), contentId, "nda.pdf", original.Length,
                System.Security.Cryptography.SHA256.HashData(original), null) { Content = withBytes ? original : null }, Sender);
            var sent = await grain.SendAsync(Tenant, Sender, "send-1");
            return (contentId, await grain.SignAsync(Link(sent, "Aoki"), "sign-aoki", []));
        }

        var (kept, signed) = await SignOne(withBytes: true);
        Assert.Equal(0, MemoryContent.Reads.GetValueOrDefault(kept));
        Assert.Equal("%PDF-1.7 uploaded|sig:Signature1:aoki@example.jp", Content(signed));
        var (read, signedAfterRead) = await SignOne(withBytes: false);
        Assert.Equal(1, MemoryContent.Reads.GetValueOrDefault(read));
        Assert.Equal("%PDF-1.7 uploaded|sig:Signature1:aoki@example.jp", Content(signedAfterRead));
    }

    [Fact]
    public async Task A_change_the_store_did_not_take_is_not_remembered_even_when_the_reload_fails_too()
    {
        var (id, sent) = await SentAsync("Aoki");
        var grain = Grain(id);
        MemoryEnvelopeStore.FailCommits[id] = 1;
        MemoryEnvelopeStore.FailLoads[id] = 1;

        await Assert.ThrowsAnyAsync<Exception>(() => grain.VoidAsync(Tenant, Sender, "取り下げ", "void-1"));

        // The next call reloads what the store holds: the envelope is still out, and the retried void is carried out, not replayed.
        var after = await grain.GetAsync(Tenant);
        Assert.Equal((EnvelopeStatus.Sent, sent.Version), (after.Status, after.Version));
        var voided = await grain.VoidAsync(Tenant, Sender, "取り下げ", "void-1");
        Assert.Equal(EnvelopeStatus.Voided, voided.Status);
        Assert.Equal(EnvelopeStatus.Voided, (await grain.VoidAsync(Tenant, Sender, "取り下げ", "void-1")).Status);
        Assert.Single(MemoryEnvelopeStore.Of(id), c => c.Audit.Any(a => a.Action == "voided"));
    }

    [Fact]
    public async Task A_signature_whose_commit_failed_is_made_once_when_retried()
    {
        var (id, sent) = await SentAsync("Aoki");
        var grain = Grain(id);
        MemoryEnvelopeStore.FailCommits[id] = 1;
        var contentBefore = MemoryContent.Items.Keys.Count(k => k.Tenant == Tenant);

        await Assert.ThrowsAnyAsync<Exception>(() => grain.SignAsync(Link(sent, "Aoki"), "sign-1", []));
        Assert.Equal(EnvelopeStatus.Sent, (await grain.GetAsync(Tenant)).Status);
        // The signed revision, the time-stamped one, the certificate and the trail travel with the change: none is stored.
        Assert.Equal(contentBefore, MemoryContent.Items.Keys.Count(k => k.Tenant == Tenant));

        var signed = await grain.SignAsync(Link(sent, "Aoki"), "sign-1", []);
        var again = await grain.SignAsync(Link(sent, "Aoki"), "sign-1", []);

        Assert.Equal(EnvelopeStatus.Completed, signed.Status);
        Assert.Equal(signed.Version, again.Version);
        Assert.Equal("%PDF-1.7 original|sig:Signature1:aoki@example.jp|ts:ArchiveTimestamp", Content(again));
        Assert.Single(MemoryEnvelopeStore.Of(id), c => c.Audit.Any(a => a.Action == "signed"));
        // The failed commit made the activation reload: it no longer knew the whole trail and read it back once.
        Assert.Equal(1, MemoryEnvelopeStore.TrailReads.GetValueOrDefault(id));
        var certificate = Encoding.UTF8.GetString(MemoryContent.Items[(Tenant, again.CertificateContentId!.Value)]);
        Assert.StartsWith("created - ", certificate);
    }

    [Fact]
    public async Task An_unknown_document_is_not_found_before_the_access_code_is_checked()
    {
        var id = Guid.NewGuid();
        var grain = Grain(id);
        await grain.CreateAsync(new EnvelopeDraft(Tenant, null, "コード付き", "", [new RecipientSpec("Aoki", "aoki@example.jp", false, 1, "right-code", false, null)],
            [], [], new RetentionSpec("contract", null, 0, "JPY", null, []), false, 30, [], 0, Sender));
        var contentId = Guid.NewGuid();
        MemoryContent.Items[(Tenant, contentId)] = [1];
        await grain.AddDocumentAsync(Tenant, new NewDocument(Guid.NewGuid(), contentId, "a.pdf", 1, new byte[32], null), Sender);
        var sent = await grain.SendAsync(Tenant, Sender, null);
        var access = new RecipientAccess(Tenant, sent.Recipients[0].RecipientId, true, "wrong-code", new Actor(null, "", null, null, null));

        var missing = await Assert.ThrowsAsync<DomainException>(() => grain.DocumentAsync(Tenant, Guid.NewGuid(), access, access.Actor));

        Assert.Equal(("NOT_FOUND", "document_id"), (missing.Reason, missing.Field));
        Assert.DoesNotContain(MemoryEnvelopeStore.Of(id), c => c.Audit.Any(a => a.Action == "access_code_failed"));
    }

    [Fact]
    public async Task Another_tenant_finds_no_envelope()
    {
        var (id, _) = await SentAsync("Aoki");
        var ex = await Assert.ThrowsAsync<DomainException>(() => Grain(id).GetAsync(Guid.NewGuid()));
        Assert.Equal("NOT_FOUND", ex.Reason);
        var missing = await Assert.ThrowsAsync<DomainException>(() => Grain(Guid.NewGuid()).GetAsync(Tenant));
        Assert.Equal("NOT_FOUND", missing.Reason);
    }
}
