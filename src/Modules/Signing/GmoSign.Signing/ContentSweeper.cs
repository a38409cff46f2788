using Dapper;
using GmoSign.Retention.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>Configuration section <c>GmoSign:ContentSweep</c>.</summary>
public sealed class ContentSweepOptions
{
    public const string Section = "GmoSign:ContentSweep";

    /// <summary>How often the sweep runs.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Content younger than this is never removed: a call that wrote it may still be about to commit.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Removes sealed envelope content that nothing references: revisions written by sign calls that died before their
/// commit, and revisions a later signature superseded (each incremental revision is contained in the next). Content a
/// retained document, an envelope record or any envelope's state references is never removed, nor anything younger
/// than <see cref="ContentSweepOptions.Grace"/>. The same pass deletes expired upload sessions and finished notifications and
/// webhook deliveries past their keep period (<see cref="DeliveryLogPruning"/>).
/// </summary>
internal sealed class ContentSweeper(NpgsqlDataSource db, IDocumentContent contents, IOptions<ContentSweepOptions> options,
    IOptions<NotificationOptions> notifications, IOptions<WebhookOptions> webhooks, TimeProvider clock,
    ILogger<ContentSweeper> logger) : DeliveryLoop(options.Value.Interval, clock, logger)
{
    private const int Batch = 500;

    protected override async Task<int> DeliverBatchAsync(CancellationToken cancellationToken)
    {
        var removed = await SweepAsync(cancellationToken);
        if (removed > 0)
        {
            Logger.LogInformation("Removed {Count} unreferenced envelope contents", removed);
        }
        var uploads = await UploadSessions.DeleteExpiredAsync(db, cancellationToken);
        if (uploads > 0)
        {
            Logger.LogInformation("Removed {Count} upload sessions older than {Lifetime}", uploads, UploadSessions.Lifetime);
        }
        // The same pass ends the delivery logs' growth (their keep periods: GmoSign:Notifications:KeepFor,
        // GmoSign:Webhooks:KeepDeliveriesFor).
        var pruned = await DeliveryLogPruning.PruneAsync(db, notifications.Value.KeepFor, webhooks.Value.KeepDeliveriesFor, Clock.GetUtcNow(),
            cancellationToken);
        if (pruned > 0)
        {
            Logger.LogInformation("Deleted {Count} finished notifications and webhook deliveries past their keep period", pruned);
        }
        return removed + uploads + pruned;
    }

    /// <summary>One pass over every loose content older than the grace period, a page at a time.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var removed = 0;
        LooseContent? after = null;
        while (true)
        {
            var loose = await contents.LooseContentAsync(options.Value.Grace, after, Batch, cancellationToken);
            if (loose.Count == 0)
            {
                return removed;
            }
            after = loose[^1];
            var referenced = await ReferencedAsync(loose, cancellationToken);
            foreach (var item in loose.Where(x => !referenced.Contains(x.ContentId)))
            {
                await contents.DeleteAsync(item.TenantId, item.ContentId, cancellationToken);
                removed++;
            }
            if (loose.Count < Batch)
            {
                return removed;
            }
        }
    }

    /// <summary>Which of the contents some envelope's state (any status: drafts, open, ended) or some template version still names.</summary>
    private async Task<HashSet<Guid>> ReferencedAsync(IReadOnlyList<LooseContent> loose, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var referenced = await connection.QueryAsync<Guid>(new CommandDefinition("""
            SELECT r.content_id FROM unnest(@TenantIds::uuid[], @ContentIds::uuid[]) AS r(tenant_id, content_id)
            WHERE EXISTS (
                SELECT 1 FROM signing.envelope e
                WHERE e.tenant_id = r.tenant_id
                  AND (e.state->>'CertificateContentId' = r.content_id::text OR e.state->>'AuditTrailContentId' = r.content_id::text
                       OR EXISTS (SELECT 1 FROM jsonb_array_elements(e.state->'Documents') d
                                  WHERE d->>'ContentId' = r.content_id::text OR d->>'OriginalContentId' = r.content_id::text)))
               OR EXISTS (
                SELECT 1 FROM signing.template_version v
                WHERE v.tenant_id = r.tenant_id
                  AND EXISTS (SELECT 1 FROM jsonb_array_elements(v.documents) d WHERE d->>'contentId' = r.content_id::text))
            """, new { TenantIds = loose.Select(x => x.TenantId).ToArray(), ContentIds = loose.Select(x => x.ContentId).ToArray() },
            cancellationToken: cancellationToken));
        return [.. referenced];
    }
}
