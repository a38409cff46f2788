using System.Diagnostics.Metrics;
using Dapper;
using GmoSign.Grains;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>
/// The Signing module's gauges: envelopes by state, and how far the notification outbox and the webhook deliveries
/// lag (the age of the oldest message still to deliver; 0 when none waits). They are read from the database every
/// <see cref="Interval"/> by this service and observed from that snapshot, so a scrape never waits for a query.
/// </summary>
internal sealed class SigningGauges : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private readonly NpgsqlDataSource _db;
    private readonly ILogger<SigningGauges> _logger;
    private volatile Snapshot? _last;

    private sealed record Snapshot(IReadOnlyList<(short Status, long Count)> Envelopes, double OutboxLag, double WebhookLag);

    public SigningGauges(NpgsqlDataSource db, ILogger<SigningGauges> logger)
    {
        _db = db;
        _logger = logger;
        GmoSignMetrics.Gauge<long>("gmosign.envelopes", "{envelope}", "Envelopes by status", () => _last is { } s
            ? s.Envelopes.Select(e => new Measurement<long>(e.Count,
                new KeyValuePair<string, object?>("status", ((EnvelopeStatus)e.Status).ToString().ToLowerInvariant())))
            : []);
        GmoSignMetrics.Gauge<double>("gmosign.outbox.lag", "s", "Age of the oldest notification still to deliver",
            () => _last is { } s ? [new Measurement<double>(s.OutboxLag)] : []);
        GmoSignMetrics.Gauge<double>("gmosign.webhooks.lag", "s", "Age of the oldest webhook delivery still to make",
            () => _last is { } s ? [new Measurement<double>(s.WebhookLag)] : []);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await using var connection = await _db.OpenConnectionAsync(stoppingToken);
                var envelopes = (await connection.QueryAsync<(short, long)>(new CommandDefinition(
                    "SELECT status, count(*) FROM signing.envelope GROUP BY status", cancellationToken: stoppingToken))).AsList();
                var lags = await connection.QuerySingleAsync<(double, double)>(new CommandDefinition("""
                    SELECT coalesce((SELECT extract(epoch FROM now() - min(created_at)) FROM signing.outbox
                                     WHERE delivered_at IS NULL AND failed_at IS NULL), 0)::float8,
                           coalesce((SELECT extract(epoch FROM now() - min(created_at)) FROM signing.webhook_delivery
                                     WHERE delivered_at IS NULL AND failed_at IS NULL), 0)::float8
                    """, cancellationToken: stoppingToken));
                _last = new Snapshot(envelopes, Math.Max(0, lags.Item1), Math.Max(0, lags.Item2));
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // The database is away: the gauges keep their last values, and readiness says the rest.
                _logger.LogDebug(ex, "The Signing gauges could not be read");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
