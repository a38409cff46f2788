using Dapper;
using GmoSign.Grains;
using GmoSign.Platform.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>Configuration section <c>GmoSign:DeadlineSweep</c>.</summary>
public sealed class DeadlineSweepOptions
{
    public const string Section = "GmoSign:DeadlineSweep";

    /// <summary>How often each host looks for envelope deadlines that have come (when the last look found none).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Each host takes up its own share of the envelopes; a deadline this far past is taken up by every host, so that
    /// the share of a host that died is carried out before the cluster has noticed.
    /// </summary>
    public TimeSpan TakeOverAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A deadline whose grain failed is put back by this much, so that envelopes that keep failing do not stay at the
    /// head of every look and hold up the others. Short: the usual failure is passing — the grain's host died and the
    /// cluster has not noticed yet (a few seconds) — and a reminder put back further could miss its expiry.
    /// </summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Envelopes taken up per look, and how many of them are carried out at the same time.</summary>
    public int BatchSize { get; set; } = 500;

    public int Parallelism { get; set; } = 8;
}

/// <summary>
/// Carries out the envelopes' deadlines: the reminders to send and the expiry. Every change of an envelope stores when
/// its next deadline is due (<c>signing.envelope.deadline_at</c>, a partial index holds only open envelopes); each
/// host looks every second for the ones that have come, in batches, and has their grains carry them out
/// (<see cref="IEnvelopeGrain.CheckDeadlineAsync"/>, whose commit stores the next deadline). This replaces one Orleans
/// reminder per open envelope: a reminder firing cost a tick, an activation, a commit and a reminder write, and a
/// tick due while no host ran was only fired a period later; a deadline here is found however long the hosts were
/// down, and a firing is one activation and one commit.
/// Hosts divide the envelopes by the last byte of their id (<see cref="IClusterShare"/>); a deadline past
/// <see cref="DeadlineSweepOptions.TakeOverAfter"/> is taken up by every host. Carrying out a deadline twice changes
/// nothing (the grain finds nothing due), so a changing membership costs at most a duplicate call.
/// </summary>
internal sealed class DeadlineSweeper(NpgsqlDataSource db, IGrainFactory grains, IClusterShare share, IOptions<DeadlineSweepOptions> options,
    TimeProvider clock, ILogger<DeadlineSweeper> logger) : DeliveryLoop(options.Value.Interval, clock, logger)
{
    private readonly DeadlineSweepOptions _settings = options.Value;

    private sealed record Due(Guid EnvelopeId, DateTimeOffset DeadlineAt);

    protected override async Task<int> DeliverBatchAsync(CancellationToken cancellationToken)
    {
        // The host's clock, which the grains also judge by: what this look finds is due for them too.
        var now = Clock.GetUtcNow();
        var (index, hosts) = share.Current();
        List<Due> due;
        await using (var connection = db.CreateConnection())
        {
            due = (await connection.QueryAsync<Due>(new CommandDefinition("""
                SELECT envelope_id, deadline_at FROM signing.envelope
                WHERE deadline_at <= @Now AND (get_byte(uuid_send(envelope_id), 15) % @Hosts = @Index OR deadline_at <= @TakeOver)
                ORDER BY deadline_at LIMIT @Limit
                """, new { Now = now, TakeOver = now - _settings.TakeOverAfter, Hosts = hosts, Index = index, Limit = _settings.BatchSize },
                cancellationToken: cancellationToken))).AsList();
        }
        if (due.Count == 0)
        {
            return 0;
        }
        var (carried, failed) = (0, 0);
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = _settings.Parallelism, CancellationToken = cancellationToken },
            async (item, _) =>
            {
                try
                {
                    if (await grains.Reference<IEnvelopeGrain>(item.EnvelopeId).CheckDeadlineAsync(item.DeadlineAt))
                    {
                        Interlocked.Increment(ref carried);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                    Logger.LogWarning(ex, "The deadline of envelope {EnvelopeId} could not be carried out yet; trying again in {RetryAfter}",
                        item.EnvelopeId, _settings.RetryAfter);
                    await PutBackAsync(item);
                }
            });
        if (due[0].DeadlineAt < now - _settings.TakeOverAfter)
        {
            Logger.LogInformation("Carried out {Carried} of {Count} envelope deadlines, the oldest due {Oldest:O}", carried, due.Count, due[0].DeadlineAt);
        }
        // A full batch may have more behind it. A batch with failures, or one whose grains found nothing due (another
        // host was first), waits for the next look instead of spinning.
        return failed == 0 && carried > 0 && due.Count == _settings.BatchSize ? due.Count : 0;
    }

    /// <summary>Moves a failed deadline back by <see cref="DeadlineSweepOptions.RetryAfter"/>, unless a commit wrote another meanwhile.</summary>
    private async Task PutBackAsync(Due item)
    {
        try
        {
            await using var connection = db.CreateConnection();
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE signing.envelope SET deadline_at = @Retry WHERE envelope_id = @EnvelopeId AND deadline_at = @DeadlineAt",
                new { Retry = Clock.GetUtcNow() + _settings.RetryAfter, item.EnvelopeId, item.DeadlineAt }));
        }
        catch (Exception ex)
        {
            // The database itself is failing: the deadline stays where it is, for the next look.
            Logger.LogWarning(ex, "The deadline of envelope {EnvelopeId} could not be put back", item.EnvelopeId);
        }
    }
}
