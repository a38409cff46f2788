using Dapper;
using GmoSign.Grains;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>Configuration section <c>GmoSign:DeadlineSweep</c>.</summary>
public sealed class DeadlineSweepOptions
{
    public const string Section = "GmoSign:DeadlineSweep";

    /// <summary>How often each host looks for deadlines that their reminders missed.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A deadline counts as missed once it is this far past (its reminder normally carries it out at once).</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Envelopes taken up per look, and how many of them are carried out at the same time.</summary>
    public int BatchSize { get; set; } = 500;

    public int Parallelism { get; set; } = 8;
}

/// <summary>
/// Catches the deadlines (reminders to send, expiries) that the envelopes' Orleans reminders missed. A reminder due
/// while no host could run it — the host that held it was down or restarting — is not fired late: Orleans moves it to
/// its next period (an hour by default). Every change writes when the envelope's next deadline is due
/// (<c>signing.envelope.deadline_at</c>); every few seconds each host asks for envelopes whose deadline passed more than
/// a grace period ago and has their grains carry it out (<see cref="IEnvelopeGrain.CheckDeadlineAsync"/>, which also
/// registers the next reminder). Carrying out a deadline twice changes nothing, so hosts need not divide the work;
/// when reminders fire on time the look finds nothing.
/// </summary>
internal sealed class DeadlineSweeper(NpgsqlDataSource db, IGrainFactory grains, IOptions<DeadlineSweepOptions> options, TimeProvider clock,
    ILogger<DeadlineSweeper> logger) : DeliveryLoop(options.Value.Interval, clock, logger)
{
    private readonly DeadlineSweepOptions _settings = options.Value;

    private sealed record Missed(Guid EnvelopeId, DateTimeOffset DeadlineAt);

    protected override async Task<int> DeliverBatchAsync(CancellationToken cancellationToken)
    {
        List<Missed> missed;
        await using (var connection = db.CreateConnection())
        {
            missed = (await connection.QueryAsync<Missed>(new CommandDefinition("""
                SELECT envelope_id, deadline_at FROM signing.envelope
                WHERE deadline_at < now() - make_interval(secs => @GraceSeconds)
                ORDER BY deadline_at LIMIT @Limit
                """, new { GraceSeconds = _settings.Grace.TotalSeconds, Limit = _settings.BatchSize }, cancellationToken: cancellationToken))).AsList();
        }
        if (missed.Count == 0)
        {
            return 0;
        }
        Logger.LogInformation("Carrying out {Count} envelope deadlines that their reminders missed (the oldest due {Oldest:O})", missed.Count,
            missed[0].DeadlineAt);
        var failed = 0;
        await Parallel.ForEachAsync(missed, new ParallelOptions { MaxDegreeOfParallelism = _settings.Parallelism, CancellationToken = cancellationToken },
            async (item, _) =>
            {
                try
                {
                    await grains.GetGrain<IEnvelopeGrain>(item.EnvelopeId).CheckDeadlineAsync(item.DeadlineAt);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Left for the next look; the envelope's own reminder may carry it out meanwhile.
                    Interlocked.Increment(ref failed);
                    Logger.LogWarning(ex, "The missed deadline of envelope {EnvelopeId} could not be carried out yet", item.EnvelopeId);
                }
            });
        // A full batch may have more behind it; a batch with failures waits for the next look instead of spinning.
        return failed == 0 && missed.Count == _settings.BatchSize ? missed.Count : 0;
    }
}
