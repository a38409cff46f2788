using GmoSign.Accounts.V1;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using GmoSign.Retention.V1;
using GmoSign.Signing.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using EnvelopeStatus = GmoSign.Signing.V1.EnvelopeStatus;

namespace GmoSign.EndToEndTests;

/// <summary>Envelopes end to end: routing, approval, decline, void, reassign, delegation, signatures, audit (terms Art. 4-1, 8, 9).</summary>
[Collection(PlatformCollection.Name)]
public sealed class SigningTests(PlatformFixture platform)
{
    private SigningService.SigningServiceClient Signing => new(platform.Channel);

    private async Task<(string TenantId, Metadata Admin)> NewTenantAsync(params OptionGrant[] options)
    {
        var tenant = await platform.NewTenantAsync("standard", 12, options);
        return (tenant.TenantId, Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword)));
    }

    private async Task<(string UserId, Metadata Session)> NewUserAsync(Metadata admin, string name)
    {
        var created = await platform.Accounts.CreateUserAsync(new CreateUserRequest
        {
            LoginId = $"user-{Guid.NewGuid():N}@customer.example.jp", DisplayName = name, Role = UserRole.Member,
        }, admin);
        return (created.User.UserId, Calls.Bearer(await Calls.LoginAsync(platform.Channel, created.User.LoginId, created.InitialPassword)));
    }

    [Fact]
    public async Task Serial_routing_signs_every_document_and_completes_with_valid_signatures_an_archive_and_an_intact_audit_trail()
    {
        var (_, admin) = await NewTenantAsync();
        var draft = Envelopes.Draft("業務委託契約書", Envelopes.Signer("甲 太郎", 1), Envelopes.Signer("乙 花子", 2, accessCode: "2468"),
            Envelopes.CarbonCopy("経理 部"));
        var sent = await Envelopes.SendAsync(platform.Channel, admin, draft, "contract.pdf", "appendix.pdf");
        Assert.Equal(EnvelopeStatus.Sent, sent.Status);
        Assert.Equal(RecipientStatus.Notified, sent.Recipients.Single(r => r.Name == "甲 太郎").Status);
        Assert.Equal(RecipientStatus.Pending, sent.Recipients.Single(r => r.Name == "乙 花子").Status);

        var first = await Envelopes.LinkAsync(platform.Channel, admin, sent, "甲 太郎");
        var second = await Envelopes.LinkAsync(platform.Channel, admin, sent, "乙 花子");
        // The second signer's turn has not come; the access code is checked before anything else.
        var early = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(new SignEnvelopeRequest { AccessCode = "2468", RequestId = "early" }, second).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, early.StatusCode);
        Assert.Equal("NOT_RECIPIENTS_TURN", Calls.ErrorInfo(early).Reason);
        var wrongCode = await Calls.FailsAsync(() => Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest { AccessCode = "1111" }, second).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, wrongCode.StatusCode);
        var noCode = await Calls.FailsAsync(() => Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest(), second).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noCode.StatusCode);
        Assert.Equal("access_code", Calls.ErrorInfo(noCode).Field);

        var afterFirst = await Envelopes.OpenAndSignAsync(platform.Channel, first);
        Assert.Equal(EnvelopeStatus.Sent, afterFirst.Status);
        Assert.All(afterFirst.Documents, d => Assert.Equal(1, d.Signatures));
        Assert.Equal(RecipientStatus.Notified, afterFirst.Recipients.Single(r => r.Name == "乙 花子").Status);
        var done = await Envelopes.OpenAndSignAsync(platform.Channel, second, "2468");
        Assert.Equal(EnvelopeStatus.Completed, done.Status);
        Assert.NotNull(done.CompletedAt);

        foreach (var document in done.Documents)
        {
            var signed = await Envelopes.DownloadAsync(platform.Channel, admin, done.EnvelopeId, document.DocumentId);
            // Independent judge: both signatures and the archive timestamp intact, the last covering the whole file.
            var report = await Envelopes.PdfsigAsync(signed);
            // pdfsig lists the two CAdES signatures (it does not judge the RFC 3161 document timestamp; Verify and openssl do).
            Assert.Equal(2, report.Split("Signature is Valid").Length - 1);
            var verified = await Envelopes.VerifyAsync(platform.Channel, admin, signed);
            Assert.True(verified.AllValid, verified.ToString());
            Assert.Equal(3, verified.Signatures.Count);
            Assert.All(verified.Signatures, s => Assert.True(s.CertificateTrusted, s.CertificateStatus));
            Assert.All(verified.Signatures.Take(2), s => Assert.True(s.HasTimestamp && s.TimestampValid));
            Assert.Equal("ETSI.RFC3161", verified.Signatures[2].SubFilter);
            Assert.Contains("甲 太郎", verified.Signatures[0].Reason);

            // One byte changed inside the first signed revision: Verify reports it.
            var tampered = (byte[])signed.Clone();
            var at = signed.AsSpan().IndexOf("BT"u8);
            tampered[at] = (byte)'b';
            var broken = await Envelopes.VerifyAsync(platform.Channel, admin, tampered);
            Assert.False(broken.AllValid);
            Assert.All(broken.Signatures, s => Assert.True(s.ModifiedAfterSigning));
        }

        // Handed to Retention (by the hand-over worker, seconds at most): searchable, with the envelope's status and metadata.
        await Envelopes.WaitForHandOversAsync(platform.Database, done.EnvelopeId);
        var found = await new RetentionService.RetentionServiceClient(platform.Channel).SearchDocumentsAsync(
            new SearchDocumentsRequest { Counterparty = "取引先" }, admin);
        Assert.Equal(2, found.Documents.Count);
        Assert.All(found.Documents, d => Assert.Equal(DocumentSource.Envelope, d.Source));
        Assert.Equal(done.Documents.Select(d => d.ArchivedDocumentId).Order(), found.Documents.Select(d => d.DocumentId).Order());
        Assert.All(found.Documents, d => Assert.Equal("completed", d.Status));
        Assert.All(found.Documents, d => Assert.Equal(done.EnvelopeId, d.EnvelopeId));
        var retention = new RetentionService.RetentionServiceClient(platform.Channel);
        Assert.Equal(2, (await retention.SearchDocumentsAsync(new SearchDocumentsRequest { Status = "completed", Counterparty = "取引先" }, admin)).Documents.Count);
        Assert.Empty((await retention.SearchDocumentsAsync(new SearchDocumentsRequest { Status = "stored", Counterparty = "取引先" }, admin)).Documents);
        var badStatus = await Calls.FailsAsync(() => retention.SearchDocumentsAsync(new SearchDocumentsRequest { Status = "lost" }, admin).ResponseAsync);
        Assert.Equal("status", Calls.ErrorInfo(badStatus).Field);

        // The export carries the signed documents, the certificate of completion (sealed by the platform) and the audit trail.
        var export = await Documents.ExportAsync(platform.Channel, admin);
        using (var zip = new System.IO.Compression.ZipArchive(new MemoryStream(export.Zip)))
        {
            var folder = $"envelopes/{Guid.Parse(done.EnvelopeId):N}/";
            var certificateEntry = zip.GetEntry(folder + "certificate_of_completion.pdf");
            Assert.NotNull(certificateEntry);
            using var certificateBytes = new MemoryStream();
            certificateEntry!.Open().CopyTo(certificateBytes);
            var certificate = certificateBytes.ToArray();
            if (Environment.GetEnvironmentVariable("GMOSIGN_KEEP_OUTPUT") is { Length: > 0 } keep)
            {
                File.WriteAllBytes(Path.Combine(keep, "certificate_of_completion.pdf"), certificate); // to look at it rendered
            }
            Assert.Equal(1, (await Envelopes.PdfsigAsync(certificate)).Split("Signature is Valid").Length - 1);
            var text = await Envelopes.PdfToTextAsync(certificate);
            Assert.Contains(done.EnvelopeId, text);
            Assert.Contains("甲 太郎", text);
            Assert.Contains("127.0.0.1", text);
            using var trailJson = new StreamReader(zip.GetEntry(folder + "audit_trail.json")!.Open());
            var trailText = trailJson.ReadToEnd();
            Assert.Contains("\"completed\"", trailText);
            Assert.Contains("乙 花子", trailText);
        }

        // Audit trail: every event, hash-chained; changing one stored entry is reported at that entry.
        var trail = (await Signing.GetAuditTrailAsync(new GetAuditTrailRequest { EnvelopeId = done.EnvelopeId }, admin)).Entries;
        var actions = trail.Select(e => e.Action).ToList();
        Assert.Equal(["created", "document_added", "document_added", "sent", "notified", "access_code_failed", "viewed", "signed", "notified", "viewed",
            "signed", "completed"], actions.Take(12));
        Assert.True((await Signing.VerifyAuditTrailAsync(new VerifyAuditTrailRequest { EnvelopeId = done.EnvelopeId }, admin)).Intact);
        Assert.Equal("127.0.0.1", trail.First(e => e.Action == "signed").IpAddress);
        var signedEntry = trail.First(e => e.Action == "signed");
        await platform.Database.ExecuteAsync("UPDATE signing.audit_event SET ip_address = '10.0.0.1' WHERE envelope_id = $1 AND sequence = $2",
            Guid.Parse(done.EnvelopeId), signedEntry.Sequence);
        var check = await Signing.VerifyAuditTrailAsync(new VerifyAuditTrailRequest { EnvelopeId = done.EnvelopeId }, admin);
        Assert.False(check.Intact);
        Assert.Equal(signedEntry.Sequence, check.FirstBrokenSequence);
    }

    [Fact]
    public async Task A_step_marked_any_completes_with_one_signer_and_the_other_can_no_longer_sign()
    {
        var (_, admin) = await NewTenantAsync();
        var draft = Envelopes.Draft("発注書", Envelopes.Signer("担当 A", 1), Envelopes.Signer("担当 B", 1), Envelopes.Signer("部長 C", 2));
        draft.Steps.Add(new StepRule { Step = 1, Completion = StepCompletion.Any });
        var sent = await Envelopes.SendAsync(platform.Channel, admin, draft);
        Assert.Equal(2, sent.Recipients.Count(r => r.Status == RecipientStatus.Notified));
        var a = await Envelopes.LinkAsync(platform.Channel, admin, sent, "担当 A");
        var b = await Envelopes.LinkAsync(platform.Channel, admin, sent, "担当 B");
        var afterA = await Envelopes.OpenAndSignAsync(platform.Channel, a);
        Assert.Equal(RecipientStatus.Notified, afterA.Recipients.Single(r => r.Name == "部長 C").Status);
        var late = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = "b-late" }, b).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode);

        // Parallel step (all): both must sign, in any order.
        var draft2 = Envelopes.Draft("秘密保持契約書", Envelopes.Signer("X", 1), Envelopes.Signer("Y", 1));
        var sent2 = await Envelopes.SendAsync(platform.Channel, admin, draft2);
        var y = await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent2, "Y"));
        Assert.Equal(EnvelopeStatus.Sent, y.Status);
        var x = await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent2, "X"));
        Assert.Equal(EnvelopeStatus.Completed, x.Status);
    }

    [Fact]
    public async Task Internal_approval_comes_before_the_first_signer_and_a_rejection_returns_the_draft()
    {
        var (_, admin) = await NewTenantAsync();
        var (approverId, approver) = await NewUserAsync(admin, "承認 者");
        var draft = Envelopes.Draft("売買契約書", Envelopes.Signer("買主", 1));
        draft.ApproverUserIds.Add(approverId);
        var sent = await Envelopes.SendAsync(platform.Channel, admin, draft);
        Assert.Equal(EnvelopeStatus.Approval, sent.Status);
        Assert.Equal(RecipientStatus.Pending, sent.Recipients[0].Status);
        var notApprover = await Calls.FailsAsync(() => Signing.ApproveEnvelopeAsync(new ApproveEnvelopeRequest { EnvelopeId = sent.EnvelopeId, Approve = true }, admin).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, notApprover.StatusCode);

        var rejected = await Signing.ApproveEnvelopeAsync(new ApproveEnvelopeRequest { EnvelopeId = sent.EnvelopeId, Approve = false, Comment = "金額を確認してください" }, approver);
        Assert.Equal(EnvelopeStatus.Draft, rejected.Envelope.Status);
        Assert.Equal("金額を確認してください", rejected.Envelope.StatusReason);

        await Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = sent.EnvelopeId, RequestId = "resend" }, admin);
        var approved = await Signing.ApproveEnvelopeAsync(new ApproveEnvelopeRequest { EnvelopeId = sent.EnvelopeId, Approve = true }, approver);
        Assert.Equal(EnvelopeStatus.Sent, approved.Envelope.Status);
        Assert.Equal(RecipientStatus.Notified, approved.Envelope.Recipients[0].Status);
    }

    [Fact]
    public async Task Decline_and_void_end_the_envelope_and_links_stop_working()
    {
        var (_, admin) = await NewTenantAsync();
        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("賃貸借契約書", Envelopes.Signer("借主", 1), Envelopes.Signer("保証人", 2)));
        var link = await Envelopes.LinkAsync(platform.Channel, admin, sent, "借主");
        var declined = await Signing.DeclineEnvelopeAsync(new DeclineEnvelopeRequest { Reason = "条件が合いません", RequestId = "d1" }, link);
        Assert.Equal(EnvelopeStatus.Declined, declined.Envelope.Status);
        Assert.Equal("条件が合いません", declined.Envelope.Recipients.Single(r => r.Name == "借主").DeclineReason);
        var again = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = "s1" }, link).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        Assert.Contains("Declined", again.Status.Detail);

        var sent2 = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("雇用契約書", Envelopes.Signer("社員", 1)));
        var link2 = await Envelopes.LinkAsync(platform.Channel, admin, sent2, "社員");
        var voided = await Signing.VoidEnvelopeAsync(new VoidEnvelopeRequest { EnvelopeId = sent2.EnvelopeId, Reason = "内容に誤りがありました", RequestId = "v1" }, admin);
        Assert.Equal(EnvelopeStatus.Voided, voided.Envelope.Status);
        var opened = await Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest(), link2);
        Assert.Equal("内容に誤りがありました", opened.Envelope.StatusReason); // the reason is shown to the recipient
        Assert.False(opened.CanSign);
        var sign = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = "s2" }, link2).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, sign.StatusCode);
        var voidAgain = await Calls.FailsAsync(() => Signing.VoidEnvelopeAsync(new VoidEnvelopeRequest { EnvelopeId = sent2.EnvelopeId, Reason = "x" }, admin).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, voidAgain.StatusCode);
    }

    [Fact]
    public async Task A_signer_reassigns_when_allowed_and_the_new_signer_completes()
    {
        var (_, admin) = await NewTenantAsync();
        var draft = Envelopes.Draft("代理店契約書", Envelopes.Signer("担当者", 1));
        var notAllowed = await Envelopes.SendAsync(platform.Channel, admin, draft);
        var refused = await Calls.FailsAsync(() => Signing.ReassignRecipientAsync(new ReassignRecipientRequest
        {
            NewName = "代表者", NewEmail = "ceo@counterparty.example.jp", Reason = "決裁権限のため",
        }, Envelopes.LinkAsync(platform.Channel, admin, notAllowed, "担当者").Result).ResponseAsync);
        Assert.Equal("REASSIGN_NOT_ALLOWED", Calls.ErrorInfo(refused).Reason);

        var allowed = Envelopes.Draft("代理店契約書", Envelopes.Signer("担当者", 1));
        allowed.AllowReassign = true;
        var sent = await Envelopes.SendAsync(platform.Channel, admin, allowed);
        var link = await Envelopes.LinkAsync(platform.Channel, admin, sent, "担当者");
        var reassigned = await Signing.ReassignRecipientAsync(new ReassignRecipientRequest
        {
            NewName = "代表者", NewEmail = "ceo@counterparty.example.jp", Reason = "決裁権限のため", RequestId = "r1",
        }, link);
        Assert.Equal(RecipientStatus.Reassigned, reassigned.Envelope.Recipients.Single(r => r.Name == "担当者").Status);
        var stale = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = "old" }, link).ResponseAsync);
        Assert.Equal("RECIPIENT_REASSIGNED", Calls.ErrorInfo(stale).Reason);
        var done = await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, reassigned.Envelope, "代表者"));
        Assert.Equal(EnvelopeStatus.Completed, done.Status);
        Assert.Equal(done.Recipients.Single(r => r.Name == "担当者").RecipientId, done.Recipients.Single(r => r.Name == "代表者").ReassignedFrom);
        var trail = (await Signing.GetAuditTrailAsync(new GetAuditTrailRequest { EnvelopeId = done.EnvelopeId }, admin)).Entries;
        Assert.Contains(trail, e => e.Action == "reassigned" && e.Detail.Contains("決裁権限のため"));
    }

    [Fact]
    public async Task A_delegate_signs_for_the_principal_and_the_signature_and_audit_trail_name_both()
    {
        var (_, admin) = await NewTenantAsync();
        var (principalId, principal) = await NewUserAsync(admin, "社長 一郎");
        var (delegateId, delegateSession) = await NewUserAsync(admin, "秘書 二郎");
        var (_, outsider) = await NewUserAsync(admin, "無関係 三郎");
        await platform.Accounts.GrantDelegationAsync(new GrantDelegationRequest
        {
            DelegateUserId = delegateId, Scope = DelegationScope.All, ValidUntil = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)),
        }, principal);
        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("取締役会議事録",
            Envelopes.Signer("社長 一郎", 1, email: $"ceo-{Guid.NewGuid():N}@customer.example.jp", userId: principalId)));
        var recipientId = sent.Recipients[0].RecipientId;

        var denied = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(new SignEnvelopeRequest
        {
            EnvelopeId = sent.EnvelopeId, RecipientId = recipientId, RequestId = "x",
        }, outsider).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        await Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest { EnvelopeId = sent.EnvelopeId, RecipientId = recipientId }, delegateSession);
        var signed = await Signing.SignEnvelopeAsync(new SignEnvelopeRequest { EnvelopeId = sent.EnvelopeId, RecipientId = recipientId, RequestId = "d" }, delegateSession);
        Assert.Equal(EnvelopeStatus.Completed, signed.Envelope.Status);
        Assert.Equal("秘書 二郎", signed.Envelope.Recipients[0].SignedByDelegate);

        var pdf = await Envelopes.DownloadAsync(platform.Channel, admin, sent.EnvelopeId, signed.Envelope.Documents[0].DocumentId);
        if (Environment.GetEnvironmentVariable("GMOSIGN_KEEP_OUTPUT") is { Length: > 0 } keep)
        {
            File.WriteAllBytes(Path.Combine(keep, "delegated.pdf"), pdf); // to look at the stamp rendered
        }
        // The visible stamp on page 1 names delegate and principal (Japanese runs are UTF-16 hex in its appearance stream).
        var raw = System.Text.Encoding.ASCII.GetString(pdf);
        foreach (var word in new[] { "秘書", "社長", "代理" })
        {
            Assert.Contains(Convert.ToHexString(System.Text.Encoding.BigEndianUnicode.GetBytes(word)), raw);
        }
        Assert.Contains("/Subtype /Form", raw);
        var verified = await Envelopes.VerifyAsync(platform.Channel, admin, pdf);
        Assert.Contains("秘書 二郎", verified.Signatures[0].Reason);
        Assert.Contains("社長 一郎", verified.Signatures[0].Reason);
        var trail = (await Signing.GetAuditTrailAsync(new GetAuditTrailRequest { EnvelopeId = sent.EnvelopeId }, admin)).Entries;
        var entry = Assert.Single(trail, e => e.Action == "delegated_signing");
        Assert.Contains("秘書 二郎", entry.Actor);
        Assert.Contains("社長 一郎", entry.Principal);
    }

    [Fact]
    public async Task Sixty_four_concurrent_sign_requests_make_exactly_one_signature()
    {
        var (_, admin) = await NewTenantAsync();
        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("同時署名", Envelopes.Signer("署名者", 1), Envelopes.Signer("次の人", 2)));
        var link = await Envelopes.LinkAsync(platform.Channel, admin, sent, "署名者");
        await Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest(), link);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            try
            {
                // Half retry one idempotency key; the others each use their own.
                var reply = await Signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = i % 2 == 0 ? "same-key" : $"key-{i}" }, link);
                return (Ok: true, Version: reply.Envelope.Version, Code: StatusCode.OK);
            }
            catch (RpcException ex)
            {
                return (Ok: false, Version: 0L, Code: ex.StatusCode);
            }
        }));
        Assert.All(outcomes.Where(o => !o.Ok), o => Assert.Equal(StatusCode.FailedPrecondition, o.Code));
        Assert.Single(outcomes.Where(o => o.Ok).Select(o => o.Version).Distinct());
        var envelope = (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sent.EnvelopeId }, admin)).Envelope;
        Assert.Equal(1, envelope.Documents[0].Signatures);
        var trail = (await Signing.GetAuditTrailAsync(new GetAuditTrailRequest { EnvelopeId = sent.EnvelopeId }, admin)).Entries;
        Assert.Single(trail, e => e.Action == "signed");
        var pdf = await Envelopes.DownloadAsync(platform.Channel, admin, sent.EnvelopeId, envelope.Documents[0].DocumentId);
        Assert.Single((await Envelopes.VerifyAsync(platform.Channel, admin, pdf)).Signatures);
    }

    [Fact]
    public async Task A_change_whose_audit_write_fails_leaves_state_audit_and_outbox_untouched()
    {
        var (_, admin) = await NewTenantAsync();
        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("障害注入", Envelopes.Signer("署名者", 1)));
        var id = Guid.Parse(sent.EnvelopeId);
        var link = await Envelopes.LinkAsync(platform.Channel, admin, sent, "署名者");
        async Task<(long Version, long Audit, long Outbox)> Stored() => (
            (await platform.Database.ScalarAsync<long>("SELECT version FROM signing.envelope WHERE envelope_id = $1", id)),
            (await platform.Database.ScalarAsync<long>("SELECT count(*) FROM signing.audit_event WHERE envelope_id = $1", id)),
            (await platform.Database.ScalarAsync<long>("SELECT count(*) FROM signing.outbox WHERE envelope_id = $1", id)));
        var before = await Stored();

        // The fault: the audit entry the next change needs is taken, so its write fails after the state's would succeed.
        await platform.Database.ExecuteAsync("""
            INSERT INTO signing.audit_event (envelope_id, sequence, tenant_id, at, action, actor, detail, previous_hash, hash)
            SELECT envelope_id, $2, tenant_id, now(), 'injected', 'test', '{}', '\x00', '\x00' FROM signing.envelope WHERE envelope_id = $1
            """, id, before.Audit + 1);
        var failed = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = "fault" }, link).ResponseAsync);
        Assert.Equal(StatusCode.Internal, failed.StatusCode);
        Assert.Equal((before.Version, before.Audit + 1, before.Outbox), await Stored());
        Assert.Equal(RecipientStatus.Notified, (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sent.EnvelopeId }, admin)).Envelope.Recipients[0].Status);

        // Fault gone: the same request succeeds once, and the trail chains.
        await platform.Database.ExecuteAsync("DELETE FROM signing.audit_event WHERE envelope_id = $1 AND action = 'injected'", id);
        var signed = await Signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = "fault" }, link);
        Assert.Equal(EnvelopeStatus.Completed, signed.Envelope.Status);
        Assert.True((await Signing.VerifyAuditTrailAsync(new VerifyAuditTrailRequest { EnvelopeId = sent.EnvelopeId }, admin)).Intact);
    }

    /// <summary>Gives earlier tests' notifications up to 20 s to go out, so that refusals set up next meet this test's mail.</summary>
    private async Task DrainMailAsync()
    {
        var drained = DateTime.UtcNow.AddSeconds(20);
        while (await platform.Database.ScalarAsync<long>("SELECT count(*) FROM signing.outbox WHERE delivered_at IS NULL AND failed_at IS NULL") > 0
               && DateTime.UtcNow < drained)
        {
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Notifications_arrive_by_smtp_in_japanese_and_english_with_a_working_link_and_are_retried()
    {
        var (_, admin) = await NewTenantAsync();
        // Let earlier tests' notifications drain, then refuse the next two deliveries.
        await DrainMailAsync();
        var rejectedBefore = platform.Mail.Rejected;
        platform.Mail.RejectNext(2);
        var email = $"notify-{Guid.NewGuid():N}@counterparty.example.jp";
        var draft = Envelopes.Draft("通知テスト契約書", Envelopes.Signer("通知 太郎", 1, email: email));
        draft.Message = "よろしくお願いいたします。";
        var sent = await Envelopes.SendAsync(platform.Channel, admin, draft);

        var request = await platform.Mail.WaitForAsync(m => m.To.Mailboxes.Any(a => a.Address == email), TimeSpan.FromSeconds(30));
        Assert.Equal(2, platform.Mail.Rejected - rejectedBefore);
        Assert.Equal(3, await platform.Database.ScalarAsync<int>(
            "SELECT attempts FROM signing.outbox WHERE envelope_id = $1 AND kind = 'signing_request'", Guid.Parse(sent.EnvelopeId)));
        Assert.Contains("【署名依頼】通知テスト契約書", request.Subject);
        Assert.Contains("Please sign", request.Subject);
        var body = request.TextBody ?? "";
        Assert.Contains("通知 太郎 様", body);
        Assert.Contains("Dear 通知 太郎", body);
        Assert.Contains("よろしくお願いいたします。", body);

        // The link in the mail is the signer's credential.
        var token = System.Text.RegularExpressions.Regex.Match(body, "gsl_[A-Za-z0-9_-]+").Value;
        var done = await Envelopes.OpenAndSignAsync(platform.Channel, Calls.Bearer(token));
        Assert.Equal(EnvelopeStatus.Completed, done.Status);
        var completed = await platform.Mail.WaitForAsync(m => m.To.Mailboxes.Any(a => a.Address == email) && (m.Subject ?? "").Contains("締結完了"), TimeSpan.FromSeconds(30));
        Assert.Contains("Completed", completed.Subject);

        // A withdrawal reaches the notified signer with the reason.
        var voidEmail = $"void-{Guid.NewGuid():N}@counterparty.example.jp";
        var toVoid = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("撤回テスト", Envelopes.Signer("取下 花子", 1, email: voidEmail)));
        await Signing.VoidEnvelopeAsync(new VoidEnvelopeRequest { EnvelopeId = toVoid.EnvelopeId, Reason = "金額の誤り" }, admin);
        var voided = await platform.Mail.WaitForAsync(m => m.To.Mailboxes.Any(a => a.Address == voidEmail) && (m.Subject ?? "").Contains("【取り下げ】"), TimeSpan.FromSeconds(30));
        Assert.Contains("金額の誤り", voided.TextBody);
    }

    [Fact]
    public async Task The_sweep_removes_content_nothing_references_and_keeps_everything_referenced()
    {
        var (tenantId, admin) = await NewTenantAsync();
        var tenant = Guid.Parse(tenantId);
        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("掃除の試験", Envelopes.Signer("甲", 1), Envelopes.Signer("乙", 2)));
        await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "甲"));
        var documentId = sent.Documents[0].DocumentId;
        var before = await Envelopes.DownloadAsync(platform.Channel, admin, sent.EnvelopeId, documentId);

        // A revision a sign call wrote before it died (never committed), and everything of this tenant made old enough.
        var orphan = Guid.NewGuid();
        await platform.Database.ExecuteAsync(
            "INSERT INTO retention.blob (document_id, tenant_id, sealed, created_at) VALUES ($1, $2, '\\x00', now() - interval '2 hours')", orphan, tenant);
        var stored = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.blob WHERE tenant_id = $1", tenant);
        await platform.Database.ExecuteAsync("UPDATE retention.blob SET created_at = now() - interval '2 hours' WHERE tenant_id = $1", tenant);

        await Eventually.HoldsAsync(async () => await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM retention.blob WHERE document_id = $1", orphan) == 0, "the orphan was swept");
        // Left: the upload and the current revision (the first signer's, which the superseded upload copy is part of).
        var left = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.blob WHERE tenant_id = $1", tenant);
        Assert.InRange(left, 2, stored - 1);
        Assert.Equal(before, await Envelopes.DownloadAsync(platform.Channel, admin, sent.EnvelopeId, documentId));
        var done = await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "乙"));
        Assert.Equal(EnvelopeStatus.Completed, done.Status);
        var signed = await Envelopes.DownloadAsync(platform.Channel, admin, sent.EnvelopeId, documentId);
        Assert.True((await Envelopes.VerifyAsync(platform.Channel, admin, signed)).AllValid);

        // The later revisions are stored as what each adds to the one before (never a whole copy again), so the revisions
        // they continue stay through a sweep, and the document still reads back whole.
        var deltas = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.blob WHERE tenant_id = $1 AND base_id IS NOT NULL", tenant);
        Assert.True(deltas >= 1, "the completing revision is stored as a delta");
        await platform.Database.ExecuteAsync("UPDATE retention.blob SET created_at = now() - interval '2 hours' WHERE tenant_id = $1", tenant);
        var second = Guid.NewGuid();
        await platform.Database.ExecuteAsync(
            "INSERT INTO retention.blob (document_id, tenant_id, sealed, created_at) VALUES ($1, $2, '\\x00', now() - interval '2 hours')", second, tenant);
        await Eventually.HoldsAsync(async () => await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM retention.blob WHERE document_id = $1", second) == 0, "a later sweep ran");
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("""
            SELECT count(*) FROM retention.blob c WHERE c.tenant_id = $1 AND c.base_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM retention.blob b WHERE b.document_id = c.base_id)
            """, tenant));
        Assert.Equal(signed, await Envelopes.DownloadAsync(platform.Channel, admin, sent.EnvelopeId, documentId));
    }

    [Fact]
    public async Task A_signing_request_queued_before_the_envelope_ended_is_dropped_not_sent()
    {
        var (_, admin) = await NewTenantAsync();
        await DrainMailAsync();
        // The mail server refuses the next deliveries, so the "please sign" mail is still queued when the sender voids.
        platform.Mail.RejectNext(3);
        var email = $"stale-{Guid.NewGuid():N}@counterparty.example.jp";
        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("送信後に取り下げ", Envelopes.Signer("遅延 次郎", 1, email: email)));
        await Signing.VoidEnvelopeAsync(new VoidEnvelopeRequest { EnvelopeId = sent.EnvelopeId, Reason = "宛先の誤り" }, admin);

        var voided = await platform.Mail.WaitForAsync(m => m.To.Mailboxes.Any(a => a.Address == email) && (m.Subject ?? "").Contains("【取り下げ】"), TimeSpan.FromSeconds(60));
        Assert.Contains("宛先の誤り", voided.TextBody);
        Assert.DoesNotContain(platform.Mail.Messages, m => m.To.Mailboxes.Any(a => a.Address == email) && m.Headers["X-GmoSign-Notification"] == "signing_request");
        var lastError = await platform.Database.ScalarAsync<string>(
            "SELECT last_error FROM signing.outbox WHERE envelope_id = $1 AND kind = 'signing_request' AND dropped_at IS NOT NULL AND delivered_at IS NULL",
            Guid.Parse(sent.EnvelopeId));
        Assert.Equal("dropped: the envelope is no longer out for signature", lastError);
    }

    [Fact]
    public async Task Webhooks_deliver_every_event_in_order_signed_with_hmac_and_retry_failures()
    {
        var (_, admin) = await NewTenantAsync();
        var (_, member) = await NewUserAsync(admin, "一般 社員");
        using var receiver = new WebhookReceiver();
        var memberTry = await Calls.FailsAsync(() => Signing.CreateWebhookEndpointAsync(new CreateWebhookEndpointRequest { Url = receiver.Url }, member).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, memberTry.StatusCode);
        var badUrl = await Calls.FailsAsync(() => Signing.CreateWebhookEndpointAsync(new CreateWebhookEndpointRequest { Url = "ftp://example.jp/x" }, admin).ResponseAsync);
        Assert.Equal("url", Calls.ErrorInfo(badUrl).Field);
        var badEvent = await Calls.FailsAsync(() => Signing.CreateWebhookEndpointAsync(new CreateWebhookEndpointRequest { Url = receiver.Url, Events = { "exploded" } }, admin).ResponseAsync);
        Assert.Equal("events[0]", Calls.ErrorInfo(badEvent).Field);

        var created = await Signing.CreateWebhookEndpointAsync(new CreateWebhookEndpointRequest { Url = receiver.Url }, admin);
        Assert.StartsWith("whsec_", created.Secret);
        Assert.Single((await Signing.ListWebhookEndpointsAsync(new ListWebhookEndpointsRequest(), member)).Endpoints);
        receiver.FailNext(2);

        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("Webhook 契約", Envelopes.Signer("署名 者", 1)));
        await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "署名 者"));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!receiver.Received.Any(r => r.Event == "completed") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        var events = receiver.Received.Select(r => (r.Signature, r.Event, Json: System.Text.Json.JsonDocument.Parse(r.Body).RootElement)).ToList();
        Assert.Equal(["created", "document_added", "sent", "notified", "viewed", "signed", "completed"], events.Select(e => e.Event));
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], events.Select(e => e.Json.GetProperty("sequence").GetInt64()));
        Assert.All(events, e => Assert.Equal(sent.EnvelopeId, e.Json.GetProperty("envelopeId").GetString()));
        Assert.Equal("completed", events[^1].Json.GetProperty("envelopeStatus").GetString());
        Assert.Equal(2, receiver.Failed);
        foreach (var (signature, _, _) in events)
        {
            // x-gmosign-signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")> — recomputed from the secret.
            var parts = signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            var body = receiver.Received.First(r => r.Signature == signature).Body;
            var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(created.Secret), System.Text.Encoding.UTF8.GetBytes($"{parts["t"]}.{body}")));
            Assert.Equal(expected, parts["v1"]);
            Assert.InRange(long.Parse(parts["t"]), DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        }
        var log = (await Signing.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest
        {
            EndpointId = created.Endpoint.EndpointId, EnvelopeId = sent.EnvelopeId,
        }, member)).Deliveries;
        Assert.Equal(7, log.Count);
        Assert.All(log, d => Assert.NotNull(d.DeliveredAt));
        Assert.Equal(3, log.Single(d => d.Sequence == 1).Attempts);
        Assert.Equal(204, log.Single(d => d.Sequence == 1).LastStatus);

        await Signing.DeleteWebhookEndpointAsync(new DeleteWebhookEndpointRequest { EndpointId = created.Endpoint.EndpointId }, admin);
        Assert.Empty((await Signing.ListWebhookEndpointsAsync(new ListWebhookEndpointsRequest(), admin)).Endpoints);
        var gone = await Calls.FailsAsync(() => Signing.DeleteWebhookEndpointAsync(new DeleteWebhookEndpointRequest { EndpointId = created.Endpoint.EndpointId }, admin).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        var after = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("削除後", Envelopes.Signer("誰か", 1)));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM signing.webhook_delivery WHERE envelope_id = $1", Guid.Parse(after.EnvelopeId)));
    }

    [Fact]
    public async Task Five_wrong_access_codes_lock_the_link_until_the_sender_resends()
    {
        var (_, admin) = await NewTenantAsync();
        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("アクセスコード", Envelopes.Signer("受信 者", 1, accessCode: "correct-code")));
        var link = await Envelopes.LinkAsync(platform.Channel, admin, sent, "受信 者");
        for (var i = 0; i < 5; i++)
        {
            var wrong = await Calls.FailsAsync(() => Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest { AccessCode = $"guess-{i}" }, link).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, wrong.StatusCode);
        }
        var locked = await Calls.FailsAsync(() => Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest { AccessCode = "correct-code" }, link).ResponseAsync);
        Assert.Equal("ACCESS_CODE_LOCKED", Calls.ErrorInfo(locked).Reason);
        var trail = (await Signing.GetAuditTrailAsync(new GetAuditTrailRequest { EnvelopeId = sent.EnvelopeId }, admin)).Entries;
        Assert.Equal(5, trail.Count(e => e.Action == "access_code_failed"));

        Assert.Equal(1, (await Signing.ResendNotificationAsync(new ResendNotificationRequest { EnvelopeId = sent.EnvelopeId }, admin)).Queued);
        var done = await Envelopes.OpenAndSignAsync(platform.Channel, link, "correct-code");
        Assert.Equal(EnvelopeStatus.Completed, done.Status);
    }

    [Fact]
    public async Task Certificate_type_signatures_need_the_option_and_are_made_with_a_certificate_issued_to_the_signer()
    {
        var (_, plain) = await NewTenantAsync();
        var certificateSigner = Envelopes.Signer("当事者 花子", 1);
        certificateSigner.SignatureType = SignatureType.Certificate;
        var refused = await Calls.FailsAsync(() => Signing.CreateEnvelopeAsync(Envelopes.Draft("実印", certificateSigner), plain).ResponseAsync);
        Assert.Equal("OPTION_REQUIRED", Calls.ErrorInfo(refused).Reason);
        Assert.DoesNotContain(SignatureType.Certificate, (await Signing.GetSigningLimitsAsync(new GetSigningLimitsRequest(), plain)).SignatureTypes);

        var (_, admin) = await NewTenantAsync(new OptionGrant { Code = "certificate_signing", Quantity = 1 });
        Assert.Contains(SignatureType.Certificate, (await Signing.GetSigningLimitsAsync(new GetSigningLimitsRequest(), admin)).SignatureTypes);
        var witness = Envelopes.Signer("立会人 太郎", 2);
        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("実印タイプ契約", certificateSigner, witness));
        await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "当事者 花子"));
        var done = await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "立会人 太郎"));
        Assert.Equal(EnvelopeStatus.Completed, done.Status);
        var pdf = await Envelopes.DownloadAsync(platform.Channel, admin, done.EnvelopeId, done.Documents[0].DocumentId);
        var verified = await Envelopes.VerifyAsync(platform.Channel, admin, pdf);
        Assert.True(verified.AllValid);
        Assert.Equal("当事者 花子", verified.Signatures[0].Signer); // the signer's own certificate
        Assert.Equal("GmoSign Development Document Signing", verified.Signatures[1].Signer); // the platform's (witness type)
        Assert.All(verified.Signatures, s => Assert.True(s.CertificateTrusted));
    }

    [Fact]
    public async Task Viewers_that_trust_the_root_trust_every_signature_and_the_archive_carries_validation_data()
    {
        var (_, admin) = await NewTenantAsync(new OptionGrant { Code = "certificate_signing", Quantity = 1 });
        var certificateSigner = Envelopes.Signer("当事者 次郎", 1);
        certificateSigner.SignatureType = SignatureType.Certificate;
        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("信頼の確認", certificateSigner, Envelopes.Signer("立会人 三郎", 2)));
        await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "当事者 次郎"));
        var done = await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "立会人 三郎"));
        var pdf = await Envelopes.DownloadAsync(platform.Channel, admin, done.EnvelopeId, done.Documents[0].DocumentId);

        var folder = Directory.CreateTempSubdirectory("gmosign-nss-");
        try
        {
            var file = Path.Combine(folder.FullName, "signed.pdf");
            await File.WriteAllBytesAsync(file, pdf);
            // The root the host publishes, trusted in an NSS database (what poppler, Firefox and Thunderbird use).
            using var http = new HttpClient();
            var root = Path.Combine(folder.FullName, "root.crt");
            await File.WriteAllBytesAsync(root, await http.GetByteArrayAsync($"http://127.0.0.1:{platform.Host.Ports.GrpcWeb}/pki/root.crt"));
            var nss = $"sql:{Path.Combine(folder.FullName, "nss")}";
            Directory.CreateDirectory(Path.Combine(folder.FullName, "nss"));
            Assert.Equal(0, (await Tools.RunAsync("certutil", null, "-N", "-d", nss, "--empty-password")).ExitCode);
            Assert.Equal(0, (await Tools.RunAsync("certutil", null, "-A", "-d", nss, "-n", "GmoSign development root", "-t", "C,C,C", "-i", root)).ExitCode);

            var report = (await Tools.RunAsync("pdfsig", null, "-nssdir", nss, file)).Output;
            Assert.Equal(2, report.Split("Signature is Valid.").Length - 1);
            Assert.True(report.Split("Certificate is Trusted.").Length - 1 == 2, report);

            // PAdES B-LT: a document security store with the certificates and the CAs' CRLs, under the archive timestamp.
            var json = (await Tools.RunAsync("qpdf", null, "--json=2", "--json-key=qpdf", "--json-stream-data=inline", file)).Output;
            var objects = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("qpdf")[1];
            System.Text.Json.JsonElement Value(string reference) => objects.GetProperty($"obj:{reference}").GetProperty("value");
            byte[] Stream(string reference) => Convert.FromBase64String(objects.GetProperty($"obj:{reference}").GetProperty("stream").GetProperty("data").GetString()!);
            var catalog = Value(objects.GetProperty("trailer").GetProperty("value").GetProperty("/Root").GetString()!);
            var dss = Value(catalog.GetProperty("/DSS").GetString()!);
            var certificates = dss.GetProperty("/Certs").EnumerateArray()
                .Select(c => System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(Stream(c.GetString()!))).ToList();
            var crls = dss.GetProperty("/CRLs").EnumerateArray().Select(c => Stream(c.GetString()!)).ToList();
            Assert.Contains(certificates, c => c.Subject.Contains("当事者 次郎", StringComparison.Ordinal));
            Assert.Contains(certificates, c => c.Subject.Contains("Document Signing", StringComparison.Ordinal));
            Assert.Contains(certificates, c => c.Subject.Contains("Time Stamping", StringComparison.Ordinal));
            Assert.Equal(2, crls.Count);

            // openssl checks every certificate's chain with the embedded CRLs: current, signed by their CAs, revoking none.
            var pem = (System.Security.Cryptography.X509Certificates.X509Certificate2 c) => c.ExportCertificatePem();
            var ca = certificates.Single(c => c.Subject.Contains("Issuing CA", StringComparison.Ordinal));
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "ca.pem"), pem(ca));
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "root.pem"),
                pem(certificates.Single(c => c.Subject.Contains("Root CA", StringComparison.Ordinal))));
            var crlArguments = new List<string>();
            for (var i = 0; i < crls.Count; i++)
            {
                var der = Path.Combine(folder.FullName, $"crl{i}.der");
                await File.WriteAllBytesAsync(der, crls[i]);
                Assert.Equal(0, (await Tools.RunAsync("openssl", folder.FullName, "crl", "-inform", "DER", "-in", der, "-out", $"crl{i}.pem")).ExitCode);
                crlArguments.AddRange(["-CRLfile", $"crl{i}.pem"]);
            }
            foreach (var leaf in certificates.Where(c => c.Subject.Contains("次郎", StringComparison.Ordinal) || c.Subject.Contains("Document Signing", StringComparison.Ordinal)
                         || c.Subject.Contains("Time Stamping", StringComparison.Ordinal)))
            {
                await File.WriteAllTextAsync(Path.Combine(folder.FullName, "leaf.pem"), pem(leaf));
                var verified = await Tools.RunAsync("openssl", folder.FullName,
                    ["verify", "-crl_check_all", "-CAfile", "root.pem", "-untrusted", "ca.pem", .. crlArguments, "leaf.pem"]);
                Assert.True(verified.ExitCode == 0, verified.Output);
            }

            // The store came before the archive timestamp, which covers the whole file and verifies.
            var verification = await Envelopes.VerifyAsync(platform.Channel, admin, pdf);
            Assert.True(verification.AllValid);
            Assert.Equal("ETSI.RFC3161", verification.Signatures[^1].SubFilter);
            Assert.True(verification.Signatures[^1].CoversWholeDocument);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_tenant_user_signs_from_their_own_session_and_usage_counts_envelopes_and_signatures()
    {
        var tenant = await platform.NewTenantAsync("standard");
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var (userId, user) = await NewUserAsync(admin, "社内 署名者");
        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("社内決裁",
            Envelopes.Signer("社内 署名者", 1, email: $"inside-{Guid.NewGuid():N}@customer.example.jp", userId: userId)), "a.pdf", "b.pdf");
        var recipientId = sent.Recipients[0].RecipientId;
        var opened = await Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest { EnvelopeId = sent.EnvelopeId, RecipientId = recipientId }, user);
        Assert.True(opened.CanSign);
        var signed = await Signing.SignEnvelopeAsync(new SignEnvelopeRequest { EnvelopeId = sent.EnvelopeId, RecipientId = recipientId, RequestId = "own" }, user);
        Assert.Equal(EnvelopeStatus.Completed, signed.Envelope.Status);
        Assert.Equal("", signed.Envelope.Recipients[0].SignedByDelegate);

        // Usage for the reseller's bill (Art. 3): one envelope sent, one signature on each of its two documents.
        await Envelopes.WaitForHandOversAsync(platform.Database, sent.EnvelopeId);
        var jst = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9));
        var month = new Common.V1.CalendarDate { Year = jst.Year, Month = jst.Month, Day = 1 };
        var usage = await platform.Resellers.GetUsageAsync(new GetUsageRequest { TenantId = tenant.TenantId, FromMonth = month, ToMonth = month }, platform.AsReseller);
        Assert.Equal(1, usage.Months[0].EnvelopesSent);
        Assert.Equal(2, usage.Months[0].Signatures);
        // Storage: the retained (signed) documents, then an uploaded one on top.
        var archived = signed.Envelope.Documents.Sum(d => d.SizeBytes);
        Assert.Equal(archived, usage.Months[0].StorageBytes);
        var upload = Documents.Pdf("paper contract " + Guid.NewGuid());
        await Documents.UploadAsync(platform.Channel, admin, Documents.Metadata("紙の契約書", "取引先", new DateOnly(2026, 4, 1), 0), upload);
        usage = await platform.Resellers.GetUsageAsync(new GetUsageRequest { TenantId = tenant.TenantId, FromMonth = month, ToMonth = month }, platform.AsReseller);
        Assert.Equal(archived + upload.Length, usage.Months[0].StorageBytes);
    }

    [Fact]
    public async Task Object_stream_linearized_and_pdftex_pdfs_sign_through_envelopes_and_encrypted_ones_are_refused()
    {
        var (_, admin) = await NewTenantAsync();
        var original = Documents.Pdf("qpdf producer " + Guid.NewGuid());
        var folder = Directory.CreateTempSubdirectory("gmosign-qpdf-").FullName;
        async Task<byte[]> Qpdf(string name, params string[] args)
        {
            var input = Path.Combine(folder, "in.pdf");
            var output = Path.Combine(folder, name);
            await File.WriteAllBytesAsync(input, original);
            await Tools.RunAsync("qpdf", null, [.. args, input, output]);
            return await File.ReadAllBytesAsync(output);
        }
        var objectStreams = await Qpdf("objstm.pdf", "--object-streams=generate");
        var linearized = await Qpdf("linear.pdf", "--linearize");
        var encrypted = await Qpdf("encrypted.pdf", "--encrypt", "user-pw", "owner-pw", "256", "--");

        var draft = (await Signing.CreateEnvelopeAsync(Envelopes.Draft("他社製PDF", Envelopes.Signer("一人目", 1), Envelopes.Signer("二人目", 2)), admin)).Envelope;
        var refused = await Calls.FailsAsync(() => Envelopes.UploadAsync(platform.Channel, admin, draft.EnvelopeId, "locked.pdf", encrypted));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("locked.pdf is encrypted", refused.Status.Detail);
        Assert.Equal("PDF_ENCRYPTED", Calls.ErrorInfo(refused).Reason);
        await Envelopes.UploadAsync(platform.Channel, admin, draft.EnvelopeId, "objstm.pdf", objectStreams);
        await Envelopes.UploadAsync(platform.Channel, admin, draft.EnvelopeId, "linear.pdf", linearized);
        // A 36-page manual typeset by pdfTeX (Debian's libtasn1-doc; deploy/test.sh installs it).
        await Envelopes.UploadAsync(platform.Channel, admin, draft.EnvelopeId, "pdftex.pdf", await File.ReadAllBytesAsync("/usr/share/doc/libtasn1-doc/libtasn1.pdf"));
        var sent = (await Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, admin)).Envelope;
        await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "一人目"));
        var done = await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "二人目"));
        foreach (var document in done.Documents)
        {
            var pdf = await Envelopes.DownloadAsync(platform.Channel, admin, done.EnvelopeId, document.DocumentId);
            Assert.Equal(2, (await Envelopes.PdfsigAsync(pdf)).Split("Signature is Valid").Length - 1);
            var path = Path.Combine(folder, "signed.pdf");
            await File.WriteAllBytesAsync(path, pdf);
            Assert.Equal(0, (await Tools.RunAsync("qpdf", null, "--check", path)).ExitCode);
        }
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Only_the_sender_or_an_administrator_changes_an_envelope()
    {
        var (_, admin) = await NewTenantAsync();
        var (_, sender) = await NewUserAsync(admin, "送信 者");
        var (_, colleague) = await NewUserAsync(admin, "同僚");
        var draft = (await Signing.CreateEnvelopeAsync(Envelopes.Draft("権限", Envelopes.Signer("相手方", 1)), sender)).Envelope;
        var upload = await Calls.FailsAsync(() => Envelopes.UploadAsync(platform.Channel, colleague, draft.EnvelopeId, "x.pdf", Documents.Pdf("x")));
        Assert.Equal(StatusCode.PermissionDenied, upload.StatusCode);
        await Envelopes.UploadAsync(platform.Channel, sender, draft.EnvelopeId, "a.pdf", Documents.Pdf("a"));
        var send = await Calls.FailsAsync(() => Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, colleague).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, send.StatusCode);
        var sent = (await Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, sender)).Envelope;
        var link = await Calls.FailsAsync(() => Signing.CreateSigningLinkAsync(new CreateSigningLinkRequest
        {
            EnvelopeId = sent.EnvelopeId, RecipientId = sent.Recipients[0].RecipientId,
        }, colleague).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, link.StatusCode);
        var voidTry = await Calls.FailsAsync(() => Signing.VoidEnvelopeAsync(new VoidEnvelopeRequest { EnvelopeId = sent.EnvelopeId, Reason = "x" }, colleague).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, voidTry.StatusCode);
        // Colleagues may read it; the sender resends; an administrator may withdraw it.
        Assert.Equal(EnvelopeStatus.Sent, (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = sent.EnvelopeId }, colleague)).Envelope.Status);
        Assert.Equal(1, (await Signing.ResendNotificationAsync(new ResendNotificationRequest { EnvelopeId = sent.EnvelopeId }, sender)).Queued);
        var voided = await Signing.VoidEnvelopeAsync(new VoidEnvelopeRequest { EnvelopeId = sent.EnvelopeId, Reason = "管理者が取り下げ" }, admin);
        Assert.Equal(EnvelopeStatus.Voided, voided.Envelope.Status);
    }

    [Fact]
    public async Task A_suspended_tenant_cannot_send_or_sign()
    {
        var (tenantId, admin) = await NewTenantAsync();
        var sent = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("停止前", Envelopes.Signer("署名者", 1)));
        var link = await Envelopes.LinkAsync(platform.Channel, admin, sent, "署名者");
        var draft = (await Signing.CreateEnvelopeAsync(Envelopes.Draft("停止後", Envelopes.Signer("署名者", 1)), admin)).Envelope;
        await Envelopes.UploadAsync(platform.Channel, admin, draft.EnvelopeId, "a.pdf", Documents.Pdf("suspended"));
        await platform.Operator.SuspendTenantAsync(new SuspendTenantRequest { TenantId = tenantId, Reason = "利用料金の未払い" }, platform.AsOperator);

        var send = await Calls.FailsAsync(() => Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, admin).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, send.StatusCode);
        Assert.Equal("TENANT_SUSPENDED", Calls.ErrorInfo(send).Reason);
        var sign = await Calls.FailsAsync(() => Signing.SignEnvelopeAsync(new SignEnvelopeRequest { RequestId = "s" }, link).ResponseAsync);
        Assert.Equal("TENANT_SUSPENDED", Calls.ErrorInfo(sign).Reason);
        Assert.Equal(EnvelopeStatus.Draft, (await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, admin)).Envelope.Status);
    }

    [Fact]
    public async Task Bad_input_gets_a_precise_status_and_writes_nothing()
    {
        var (tenantId, admin) = await NewTenantAsync();
        async Task<long> Envelopes_() => await platform.Database.ScalarAsync<long>("SELECT count(*) FROM signing.envelope WHERE tenant_id = $1", Guid.Parse(tenantId));

        async Task Invalid(CreateEnvelopeRequest request, string field)
        {
            var ex = await Calls.FailsAsync(() => Signing.CreateEnvelopeAsync(request, admin).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            Assert.Equal(field, Calls.ErrorInfo(ex).Field);
        }

        await Invalid(Envelopes.Draft("宛先なし"), "recipients");
        await Invalid(Envelopes.Draft("メール誤り", new RecipientInput { Name = "A", Email = "not-an-email", Step = 1 }), "recipients[0].email");
        await Invalid(Envelopes.Draft("", Envelopes.Signer("A", 1)), "title");
        await Invalid(Envelopes.Draft("順番", new RecipientInput { Name = "A", Email = "a@example.jp", Step = 0 }), "recipients[0].step");
        await Invalid(Envelopes.Draft("CCのみ", Envelopes.CarbonCopy("C")), "recipients");
        var longExpiry = Envelopes.Draft("期限", Envelopes.Signer("A", 1));
        longExpiry.ExpiryDays = 31;
        await Invalid(longExpiry, "expiry_days");
        Assert.Equal(0L, await Envelopes_());

        var draft = (await Signing.CreateEnvelopeAsync(Envelopes.Draft("文書チェック", Envelopes.Signer("A", 1)), admin)).Envelope;
        async Task BadUpload(byte[] content, string name, string expected, string reason)
        {
            var ex = await Calls.FailsAsync(() => Envelopes.UploadAsync(platform.Channel, admin, draft.EnvelopeId, name, content));
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            Assert.Contains(expected, ex.Status.Detail);
            // Each refusal class has its own reason; the file and the numbers are metadata, not text to parse.
            var info = ex.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>();
            Assert.Equal((reason, "chunk", name), (info.Reason, info.Metadata["field"], info.Metadata["file_name"]));
            if (reason == "DOCUMENT_TOO_LARGE")
            {
                Assert.Equal((2 * 1024 * 1024).ToString(), info.Metadata["limit"]);
            }
        }
        await BadUpload([], "empty.pdf", "empty.pdf", "DOCUMENT_EMPTY");
        await BadUpload("hello, not a PDF"u8.ToArray(), "text.pdf", "text.pdf is not a PDF", "NOT_A_PDF");
        await BadUpload("%PDF-1.7\nbroken beyond repair"u8.ToArray(), "broken.pdf", "broken.pdf", "PDF_DAMAGED");
        var huge = new byte[(2 * 1024 * 1024) + 10];
        "%PDF-1.7\n"u8.CopyTo(huge);
        await BadUpload(huge, "huge.pdf", "huge.pdf exceeds", "DOCUMENT_TOO_LARGE");
        var noDocuments = await Calls.FailsAsync(() => Signing.SendEnvelopeAsync(new SendEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, admin).ResponseAsync);
        Assert.Equal("ENVELOPE_HAS_NO_DOCUMENTS", Calls.ErrorInfo(noDocuments).Reason);
        Assert.Empty((await Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, admin)).Envelope.Documents);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.blob WHERE tenant_id = $1", Guid.Parse(tenantId)));

        // Wrong or forged tokens, another tenant's envelope.
        var forged = await Calls.FailsAsync(() => Signing.OpenEnvelopeAsync(new OpenEnvelopeRequest(), Calls.Bearer("gsl_" + new string('A', 107))).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);
        var (_, other) = await NewTenantAsync();
        var foreign = await Calls.FailsAsync(() => Signing.GetEnvelopeAsync(new GetEnvelopeRequest { EnvelopeId = draft.EnvelopeId }, other).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, foreign.StatusCode);
        var foreignUpload = await Calls.FailsAsync(() => Envelopes.UploadAsync(platform.Channel, other, draft.EnvelopeId, "x.pdf", Documents.Pdf("x")));
        Assert.Equal(StatusCode.NotFound, foreignUpload.StatusCode);
        var listed = await Signing.ListEnvelopesAsync(new ListEnvelopesRequest(), other);
        Assert.Empty(listed.Envelopes);
        Assert.Single((await Signing.ListEnvelopesAsync(new ListEnvelopesRequest(), admin)).Envelopes);
        // A title search of spaces only is no search (it once ended in INTERNAL).
        Assert.Single((await Signing.ListEnvelopesAsync(new ListEnvelopesRequest { TitleContains = "   " }, admin)).Envelopes);
    }
}
