using Dapper;
using GmoSign.Grains;
using GmoSign.Reseller.Contracts;
using GmoSign.Grains.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>Configuration section <c>GmoSign:HandOver</c>.</summary>
public sealed class HandOverOptions
{
    public const string Section = "GmoSign:HandOver";

    /// <summary>How often the worker looks for due hand-overs when the last look found none.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Carries out the hand-overs envelope changes wrote in their own statement (<see cref="HandOver"/>): usage for
/// billing (once per change, keyed by envelope and version) and completed envelopes to Retention (through the
/// envelope grain; Retention ignores a repeat). Usage rows are locked in the transaction that deletes them, archive
/// rows are claimed with a lease, so hosts of a cluster share the work and a host that dies mid-way leaves its rows to
/// the others; a failure is retried with backoff; a done row is deleted.
/// </summary>
internal sealed class HandOverWorker(NpgsqlDataSource db, IGrainFactory grains, IUsageRecorder usage, IOptions<HandOverOptions> options,
    TimeProvider clock, ILogger<HandOverWorker> logger) : DeliveryLoop(options.Value.PollInterval, clock, logger)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private readonly HandOverOptions _settings = options.Value;

    private sealed record Due(Guid EnvelopeId, long Version, string Kind, Guid TenantId, long EnvelopesSent, long Signatures, DateTimeOffset At, int Attempts);

    protected override async Task<int> DeliverBatchAsync(CancellationToken cancellationToken) =>
        await DeliverUsageAsync(cancellationToken) + await DeliverArchivesAsync(cancellationToken);

    /// <summary>
    /// Usage, the hand-over every change writes: the due rows are locked (not leased) in a transaction that deletes them
    /// once the batch's usage is added (one round trip, each change's key applied once), so a usage row is inserted
    /// and deleted and never rewritten. A host that dies in between leaves the rows unlocked and unchanged; the key
    /// makes their second application add nothing.
    /// </summary>
    private async Task<int> DeliverUsageAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = (await connection.QueryAsync<Due>(new CommandDefinition("""
            SELECT envelope_id, version, kind, tenant_id, envelopes_sent, signatures, at, attempts FROM signing.handover
            WHERE kind = @Kind AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 200 FOR UPDATE SKIP LOCKED
            """, new { Kind = HandOver.UsageKind }, transaction, cancellationToken: cancellationToken))).AsList();
        if (due.Count == 0)
        {
            return 0;
        }
        try
        {
            await usage.AddOnceAsync(due.Select(d => new KeyedUsage($"envelope:{d.EnvelopeId:N}:{d.Version}", d.TenantId, d.At, d.EnvelopesSent,
                d.Signatures)).ToList(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            await FailAsync(due.Select(d => d with { Attempts = d.Attempts + 1 }).ToList(), ex, cancellationToken);
            return due.Count;
        }
        await DeleteAsync(connection, transaction, due);
        await transaction.CommitAsync(CancellationToken.None);
        return due.Count;
    }

    private static Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<Due> done) =>
        connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM signing.handover h USING unnest(@EnvelopeIds::uuid[], @Versions::bigint[], @Kinds::text[]) AS d(envelope_id, version, kind)
            WHERE h.envelope_id = d.envelope_id AND h.version = d.version AND h.kind = d.kind
            """, new
        {
            EnvelopeIds = done.Select(d => d.EnvelopeId).ToArray(), Versions = done.Select(d => d.Version).ToArray(), Kinds = done.Select(d => d.Kind).ToArray(),
        }, transaction, cancellationToken: CancellationToken.None));

    /// <summary>Completed envelopes to Retention, one by one, under a lease (an archive may take a while).</summary>
    private async Task<int> DeliverArchivesAsync(CancellationToken cancellationToken)
    {
        var due = await ClaimAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }
        var done = new List<Due>();
        foreach (var item in due)
        {
            try
            {
                if (item.Kind != HandOver.ArchiveKind)
                {
                    throw new InvalidOperationException($"Unknown hand-over kind '{item.Kind}'.");
                }
                await grains.Reference<IEnvelopeGrain>(item.EnvelopeId).HandOverToRetentionAsync();
                done.Add(item);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await FailAsync([item], ex, cancellationToken);
            }
        }
        await using var connection = db.CreateConnection();
        await DeleteAsync(connection, null, done);
        return due.Count;
    }

    private async Task FailAsync(IReadOnlyList<Due> items, Exception ex, CancellationToken cancellationToken)
    {
        foreach (var item in items)
        {
            Logger.LogWarning(ex, "Hand-over {Kind} of envelope {EnvelopeId} (version {Version}, attempt {Attempt}) failed; will retry",
                item.Kind, item.EnvelopeId, item.Version, item.Attempts);
            var error = ex.GetType().Name + ": " + ex.Message;
            await using var connection = db.CreateConnection();
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE signing.handover SET attempts = @Attempts, last_error = @Error, next_attempt_at = now() + @Delay
                WHERE envelope_id = @EnvelopeId AND version = @Version AND kind = @Kind
                """,
                new
                {
                    item.EnvelopeId, item.Version, item.Kind, item.Attempts, Error = error.Length > 500 ? error[..500] : error,
                    Delay = Backoff.After(item.Attempts, _settings.RetryBase, _settings.MaxRetryDelay),
                }, cancellationToken: CancellationToken.None));
        }
    }

    private async Task<List<Due>> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<Due>(new CommandDefinition("""
            UPDATE signing.handover h SET next_attempt_at = now() + @Lease, attempts = h.attempts + 1
            FROM (SELECT envelope_id, version, kind FROM signing.handover WHERE next_attempt_at <= now() AND kind <> @UsageKind
                  ORDER BY next_attempt_at LIMIT 200 FOR UPDATE SKIP LOCKED) d
            WHERE h.envelope_id = d.envelope_id AND h.version = d.version AND h.kind = d.kind
            RETURNING h.envelope_id, h.version, h.kind, h.tenant_id, h.envelopes_sent, h.signatures, h.at, h.attempts
            """, new { Lease, UsageKind = HandOver.UsageKind }, cancellationToken: cancellationToken))).AsList();
    }
}
