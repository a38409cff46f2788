using GmoSign.EndToEndTests.Infrastructure;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>
/// Operational records do not grow forever: finished notifications (e-mail addresses, names) and webhook deliveries
/// (payloads) are deleted after their keep period, while anything still waiting for delivery stays; an export can be
/// resumed only within its lifetime and goes when a later export starts.
/// </summary>
public sealed class HousekeepingTests
{
    [Fact]
    public async Task Finished_deliveries_past_their_keep_period_are_deleted_and_pending_ones_and_young_ones_stay()
    {
        var platform = PlatformFixture.With(new Dictionary<string, string>
        {
            ["GmoSign__ContentSweep__Interval"] = "00:00:01",
            ["GmoSign__Notifications__KeepFor"] = "1.00:00:00",
            ["GmoSign__Webhooks__KeepDeliveriesFor"] = "2.00:00:00",
            ["GmoSign__Retention__ExportLifetime"] = "1.00:00:00",
        });
        await platform.InitializeAsync();
        try
        {
            var db = platform.Database;
            var tenant = Guid.NewGuid();
            // 2,500 finished notifications written 30 h ago (more than two of the sweep's batches), half delivered and
            // half failed; one from then still waiting (its next attempt tomorrow); two finished ones written 20 h ago.
            await db.ExecuteAsync("""
                INSERT INTO signing.outbox (envelope_id, version, position, tenant_id, kind, email, name, detail, created_at, next_attempt_at,
                                            delivered_at, failed_at)
                SELECT gen_random_uuid(), 1, 0, $1, 'signing_request', 'old' || g || '@example.jp', '古い宛先', '', now() - interval '30 hours',
                       now() - interval '30 hours', CASE WHEN g % 2 = 0 THEN now() - interval '30 hours' END,
                       CASE WHEN g % 2 = 1 THEN now() - interval '29 hours' END
                FROM generate_series(1, 2500) g
                """, tenant);
            await db.ExecuteAsync("""
                INSERT INTO signing.outbox (envelope_id, version, position, tenant_id, kind, email, name, detail, created_at, next_attempt_at)
                VALUES (gen_random_uuid(), 1, 0, $1, 'signing_request', 'waiting@example.jp', '配信待ち', '', now() - interval '30 hours', now() + interval '1 day')
                """, tenant);
            await db.ExecuteAsync("""
                INSERT INTO signing.outbox (envelope_id, version, position, tenant_id, kind, email, name, detail, created_at, next_attempt_at, delivered_at)
                SELECT gen_random_uuid(), 1, 0, $1, 'signing_request', 'young' || g || '@example.jp', '新しい宛先', '', now() - interval '20 hours',
                       now() - interval '20 hours', now() - interval '20 hours'
                FROM generate_series(1, 2) g
                """, tenant);
            // Webhook deliveries keep two days: finished ones written 3 days ago go, one of them still retried stays, and
            // finished ones written 30 h ago (old for notifications, young for webhooks) stay.
            async Task Delivery(string age, bool delivered, bool failed, string nextAttempt) => await db.ExecuteAsync($"""
                INSERT INTO signing.webhook_delivery (endpoint_id, tenant_id, envelope_id, sequence, event, payload, created_at, next_attempt_at,
                                                      delivered_at, failed_at)
                VALUES (gen_random_uuid(), $1, gen_random_uuid(), 1, 'envelope.signed', '-', now() - interval '{age}', now() + interval '{nextAttempt}',
                        {(delivered ? $"now() - interval '{age}'" : "NULL")}, {(failed ? $"now() - interval '{age}'" : "NULL")})
                """, tenant);
            await Delivery("3 days", delivered: true, failed: false, "0 seconds");
            await Delivery("3 days", delivered: false, failed: true, "0 seconds");
            await Delivery("3 days", delivered: false, failed: false, "1 day");
            await Delivery("30 hours", delivered: true, failed: false, "0 seconds");

            await Eventually.HoldsAsync(async () => await db.ScalarAsync<long>(
                    "SELECT count(*) FROM signing.outbox WHERE tenant_id = $1 AND email LIKE 'old%'", tenant) == 0,
                "the finished notifications past their keep period were deleted", TimeSpan.FromSeconds(60));
            Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM signing.outbox WHERE tenant_id = $1 AND email = 'waiting@example.jp'", tenant));
            Assert.Equal(2L, await db.ScalarAsync<long>("SELECT count(*) FROM signing.outbox WHERE tenant_id = $1 AND email LIKE 'young%'", tenant));
            await Eventually.HoldsAsync(async () => await db.ScalarAsync<long>(
                    "SELECT count(*) FROM signing.webhook_delivery WHERE tenant_id = $1", tenant) == 2,
                "the finished webhook deliveries past their keep period were deleted", TimeSpan.FromSeconds(30));
            Assert.Equal(1L, await db.ScalarAsync<long>(
                "SELECT count(*) FROM signing.webhook_delivery WHERE tenant_id = $1 AND delivered_at IS NULL AND failed_at IS NULL", tenant));
            Assert.Equal(1L, await db.ScalarAsync<long>(
                "SELECT count(*) FROM signing.webhook_delivery WHERE tenant_id = $1 AND created_at > now() - interval '2 days'", tenant));
        }
        finally
        {
            await platform.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_export_resumes_within_its_lifetime_and_expires_after_it()
    {
        var platform = PlatformFixture.With(new Dictionary<string, string> { ["GmoSign__Retention__ExportLifetime"] = "1.00:00:00" });
        await platform.InitializeAsync();
        try
        {
            var tenant = await platform.NewTenantAsync();
            var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
            await Documents.UploadAsync(platform.Channel, admin, Documents.Metadata("保管文書", "取引先", new DateOnly(2026, 4, 1), 1000), Documents.Pdf("export " + Guid.NewGuid()));
            var full = await Documents.ExportAsync(platform.Channel, admin);
            // Within its lifetime the export continues where a broken download stopped.
            var first = await Documents.ExportAsync(platform.Channel, admin, full.ExportId, stopAfterBytes: 1);
            var resumed = await Documents.ExportAsync(platform.Channel, admin, full.ExportId, first.Zip.Length);
            Assert.Equal(full.Zip, (byte[])[.. first.Zip, .. resumed.Zip]);

            // Started two days ago: it no longer resumes, naming the field and what to do.
            await platform.Database.ExecuteAsync("UPDATE retention.export SET created_at = now() - interval '2 days' WHERE export_id = $1", Guid.Parse(first.ExportId));
            var expired = await Assert.ThrowsAsync<RpcException>(() => Documents.ExportAsync(platform.Channel, admin, first.ExportId, first.Zip.Length));
            Assert.Equal((StatusCode.FailedPrecondition, "EXPORT_EXPIRED", "export_id"),
                (expired.StatusCode, Calls.ErrorInfo(expired).Reason, Calls.ErrorInfo(expired).Field));
            Assert.StartsWith("export_id: an export can be resumed for 1 day(s) after it started", expired.Status.Detail);
            Assert.Contains("start a new export", expired.Status.Detail);

            // An export started three days ago (its id holds that time), as a host of an earlier day left it.
            var old = Guid.CreateVersion7(DateTimeOffset.UtcNow.AddDays(-3));
            await platform.Database.ExecuteAsync("INSERT INTO retention.export (export_id, tenant_id, document_ids, created_at) VALUES ($1, $2, '{}', now() - interval '3 days')",
                old, Guid.Parse(tenant.TenantId));

            // A new export starts and takes the expired ones' rows with it.
            var again = await Documents.ExportAsync(platform.Channel, admin);
            Assert.NotEqual(first.ExportId, again.ExportId);
            Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.export WHERE export_id = $1", Guid.Parse(first.ExportId)));
            Assert.Equal(1L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.export WHERE export_id = $1", Guid.Parse(again.ExportId)));
            Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM retention.export WHERE export_id = $1", old));
            // Its row is gone, and it still answers as expired (the id holds its start); an id never issued is not found.
            var gone = await Assert.ThrowsAsync<RpcException>(() => Documents.ExportAsync(platform.Channel, admin, old.ToString(), 10));
            Assert.Equal((StatusCode.FailedPrecondition, "EXPORT_EXPIRED"), (gone.StatusCode, Calls.ErrorInfo(gone).Reason));
            var unknown = await Assert.ThrowsAsync<RpcException>(() => Documents.ExportAsync(platform.Channel, admin, Guid.CreateVersion7().ToString(), 10));
            Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        }
        finally
        {
            await platform.DisposeAsync();
        }
    }
}
