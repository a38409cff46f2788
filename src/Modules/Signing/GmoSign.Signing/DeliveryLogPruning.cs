using Dapper;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>
/// Ends the notification outbox's and the webhook delivery log's growth: rows that finished (delivered, or failed for
/// good) and were written longer ago than their keep period are deleted, oldest first, a batch per statement. A row
/// still waiting for an attempt stays whatever its age. Both tables' keys grow with time (identity columns), so the
/// oldest rows are read from the primary key's start and the walk stops at the first batch that reaches a young row:
/// no index beyond the key, no write on the path that adds rows. The conditions are checked again on the row itself as
/// it is deleted (a delivery put back to pending meanwhile stays), and one host prunes at a time (an advisory lock taken
/// per statement: another host's statement finds it taken and ends its own walk).
/// </summary>
internal static class DeliveryLogPruning
{
    private const int Batch = 1000;

    public static async Task<int> PruneAsync(NpgsqlDataSource db, TimeSpan keepNotifications, TimeSpan keepWebhookDeliveries, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await PruneAsync(db, "signing.outbox", "message_id", now - keepNotifications, cancellationToken)
        + await PruneAsync(db, "signing.webhook_delivery", "delivery_id", now - keepWebhookDeliveries, cancellationToken);

    private static async Task<int> PruneAsync(NpgsqlDataSource db, string table, string key, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var (deleted, after) = (0, 0L);
        while (true)
        {
            var pass = await connection.QuerySingleAsync<Pass>(new CommandDefinition($"""
                WITH turn AS (SELECT pg_try_advisory_xact_lock(hashtextextended('gmosign delivery log pruning', 0)) AS mine),
                head AS (
                    SELECT {key} AS id, created_at FROM {table}
                    WHERE {key} > @After AND (SELECT mine FROM turn) ORDER BY {key} LIMIT @Batch),
                gone AS (
                    DELETE FROM {table} t USING head h
                    WHERE t.{key} = h.id AND t.created_at < @Cutoff AND coalesce(t.delivered_at, t.failed_at) < @Cutoff
                    RETURNING 1)
                SELECT (SELECT count(*) FROM gone)::int AS deleted, coalesce((SELECT max(id) FROM head), 0) AS last,
                       coalesce((SELECT bool_and(created_at < @Cutoff) FROM head), false) AS all_old,
                       (SELECT count(*) FROM head)::int AS seen
                """, new { After = after, Batch, Cutoff = cutoff }, cancellationToken: cancellationToken));
            deleted += pass.Deleted;
            // A batch that reached a row younger than the cutoff, or the end of the table, ends the walk.
            if (!pass.AllOld || pass.Seen < Batch)
            {
                return deleted;
            }
            after = pass.Last;
        }
    }

    private sealed record Pass(int Deleted, long Last, bool AllOld, int Seen);
}
