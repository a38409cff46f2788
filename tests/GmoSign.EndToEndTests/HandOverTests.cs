using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Signing.V1;

namespace GmoSign.EndToEndTests;

/// <summary>
/// The hand-over of a completed envelope to Retention and the usage counters are written in the same statement as the
/// change that makes them due; a crash or an outage between the change and the hand-over delays them, never loses them.
/// </summary>
public sealed class HandOverTests
{
    [Fact]
    public async Task A_crash_after_completion_and_a_failing_retention_delay_the_hand_over_and_usage_but_lose_nothing()
    {
        // The first host never gets round to its hand-overs: they are due, committed, and waiting when it is killed.
        var platform = PlatformFixture.With(new Dictionary<string, string> { ["GmoSign__HandOver__PollInterval"] = "01:00:00" });
        await platform.InitializeAsync();
        try
        {
            var tenant = await platform.NewTenantAsync("standard");
            var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
            var sent = await Envelopes.SendAsync(platform.Channel, admin,
                Envelopes.Draft("引き継ぎ試験", Envelopes.Signer("甲", 1), Envelopes.Signer("乙", 2)), "a.pdf", "b.pdf");
            await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "甲"));
            var done = await Envelopes.OpenAndSignAsync(platform.Channel, await Envelopes.LinkAsync(platform.Channel, admin, sent, "乙"));
            Assert.Equal(EnvelopeStatus.Completed, done.Status);
            var envelopeId = Guid.Parse(sent.EnvelopeId);
            var tenantId = Guid.Parse(tenant.TenantId);

            Assert.Equal(["archive", "usage", "usage", "usage"], await Kinds(platform, envelopeId));
            Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.envelope_record WHERE envelope_id = $1", envelopeId));
            Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT coalesce(sum(signatures), 0)::bigint FROM reseller.usage_month WHERE tenant_id = $1", tenantId));

            await platform.KillAsync();
            // Retention cannot take the envelope when the next host starts: the hand-over fails and is retried.
            await platform.Database.ExecuteAsync("ALTER TABLE retention.envelope_record RENAME TO envelope_record_away");
            // Nor can usage be added at first: the usage rows are rolled back untouched, then put back with an error and
            // a later attempt, and nothing is counted.
            await platform.Database.ExecuteAsync("ALTER TABLE reseller.usage_applied RENAME TO usage_applied_away");
            await platform.StartAgainAsync(new Dictionary<string, string> { ["GmoSign__HandOver__PollInterval"] = "00:00:00.200" });
            await Eventually.HoldsAsync(async () => await platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM signing.handover WHERE envelope_id = $1 AND kind = 'usage' AND last_error IS NOT NULL AND attempts >= 1",
                envelopeId) == 3, "every usage hand-over failed once and waits for its next attempt");
            Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT coalesce(sum(signatures), 0)::bigint FROM reseller.usage_month WHERE tenant_id = $1", tenantId));
            await platform.Database.ExecuteAsync("ALTER TABLE reseller.usage_applied_away RENAME TO usage_applied");

            await Eventually.HoldsAsync(async () => await platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM signing.handover WHERE envelope_id = $1 AND kind = 'archive' AND last_error IS NOT NULL", envelopeId) > 0,
                "the failing hand-over was tried");
            // Usage went through meanwhile, once per change: equal to the signatures in the audit trail (two documents each).
            await Eventually.HoldsAsync(async () => (await Kinds(platform, envelopeId)).SequenceEqual(["archive"]), "only the archive hand-over is left");
            var signers = await platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM signing.audit_event WHERE envelope_id = $1 AND action IN ('signed', 'delegated_signing')", envelopeId);
            Assert.Equal(2L, signers);
            Assert.Equal(signers * 2, await platform.Database.ScalarAsync<long>("SELECT sum(signatures)::bigint FROM reseller.usage_month WHERE tenant_id = $1", tenantId));
            Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT sum(envelopes_sent)::bigint FROM reseller.usage_month WHERE tenant_id = $1", tenantId));

            await platform.Database.ExecuteAsync("ALTER TABLE retention.envelope_record_away RENAME TO envelope_record");
            await Envelopes.WaitForHandOversAsync(platform.Database, sent.EnvelopeId);
            Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.envelope_record WHERE envelope_id = $1", envelopeId));
            var retained = await new Retention.V1.RetentionService.RetentionServiceClient(platform.Channel).SearchDocumentsAsync(
                new Retention.V1.SearchDocumentsRequest { Status = "completed" }, admin);
            Assert.Equal(done.Documents.Select(d => d.ArchivedDocumentId).Order(), retained.Documents.Select(d => d.DocumentId).Order());
            // Retried hand-overs added nothing twice.
            Assert.Equal(signers * 2, await platform.Database.ScalarAsync<long>("SELECT sum(signatures)::bigint FROM reseller.usage_month WHERE tenant_id = $1", tenantId));
        }
        finally
        {
            await platform.DisposeAsync();
        }
    }

    private static async Task<string[]> Kinds(PlatformFixture platform, Guid envelopeId) =>
        await platform.Database.ScalarAsync<string[]>(
            "SELECT coalesce(array_agg(kind ORDER BY kind), '{}') FROM signing.handover WHERE envelope_id = $1", envelopeId) ?? [];
}
