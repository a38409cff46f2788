using GmoSign.Reseller.Contracts;
using Microsoft.Extensions.Logging;

namespace GmoSign.Retention;

/// <summary>
/// Reports retained bytes to the tenant's monthly usage (Art. 3) after a change is committed. The document is stored
/// either way; a lost report is logged, not turned into a failed call.
/// </summary>
internal sealed class StorageUsage(IUsageRecorder usage, TimeProvider clock, ILogger<StorageUsage> logger)
{
    public async Task ChangedAsync(Guid tenantId, long bytesDelta, CancellationToken cancellationToken)
    {
        try
        {
            await usage.AddAsync(tenantId, clock.GetUtcNow(), 0, 0, bytesDelta, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Storage usage of tenant {TenantId} ({Delta} bytes) was not recorded", tenantId, bytesDelta);
        }
    }
}
