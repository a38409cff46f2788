using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GmoSign.Signing;

/// <summary>
/// The polling loop of an outbox worker: delivers batches back to back while there is work, waits the poll interval
/// when a batch found nothing or failed, and stops with the host.
/// </summary>
internal abstract class DeliveryLoop(TimeSpan pollInterval, TimeProvider clock, ILogger logger) : BackgroundService
{
    protected TimeProvider Clock { get; } = clock;

    protected ILogger Logger { get; } = logger;

    /// <summary>Delivers what is due; returns how many deliveries it attempted.</summary>
    protected abstract Task<int> DeliverBatchAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await DeliverBatchAsync(stoppingToken) == 0)
                {
                    await Task.Delay(pollInterval, Clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Logger.LogError(ex, "{Worker} failed; retrying", GetType().Name);
                await Task.Delay(pollInterval, Clock, stoppingToken);
            }
        }
    }
}
