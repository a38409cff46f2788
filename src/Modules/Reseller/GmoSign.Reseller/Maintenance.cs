using Dapper;
using GmoSign.Platform.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GmoSign.Reseller;

/// <summary>
/// The announced maintenance window (<c>reseller.maintenance</c>), kept in memory on every host and refreshed every
/// two seconds, so the per-call check costs no I/O and a window set through any host reaches all of them.
/// </summary>
internal sealed class MaintenanceSchedule(NpgsqlDataSource db, ILogger<MaintenanceSchedule> logger) : BackgroundService, IMaintenanceGate
{
    private volatile MaintenanceNotice? _current;

    public MaintenanceNotice? Current => _current;

    public MaintenanceNotice? InEffect(DateTimeOffset now) =>
        _current is { } notice && notice.StartsAt <= now && now < notice.EndsAt ? notice : null;

    public async Task SetAsync(MaintenanceNotice notice, Guid by, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO reseller.maintenance (id, notice_ja, notice_en, starts_at, ends_at, created_by)
            VALUES (1, @NoticeJa, @NoticeEn, @StartsAt, @EndsAt, @By)
            ON CONFLICT (id) DO UPDATE SET notice_ja = excluded.notice_ja, notice_en = excluded.notice_en,
                starts_at = excluded.starts_at, ends_at = excluded.ends_at, created_by = excluded.created_by
            """, new { notice.NoticeJa, notice.NoticeEn, notice.StartsAt, notice.EndsAt, By = by }, cancellationToken: cancellationToken));
        _current = notice;
    }

    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM reseller.maintenance WHERE id = 1", cancellationToken: cancellationToken));
        _current = null;
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        _current = await connection.QueryFirstOrDefaultAsync<MaintenanceNotice>(new CommandDefinition(
            "SELECT notice_ja, notice_en, starts_at, ends_at FROM reseller.maintenance WHERE id = 1", cancellationToken: cancellationToken));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2));
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not refresh the maintenance schedule; keeping the last known one");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
