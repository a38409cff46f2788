using System.Text.Json;
using GmoSign.Errors;
using GmoSign.Grains;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GmoSign.Signing;

/// <summary>
/// Carries out bulk sends, one row at a time, at <see cref="BulkSendOptions.RowsPerSecond"/> per host. Each row's
/// envelope gets request ids derived from the send and the row: made with <see cref="TemplateEnvelopes.MakeAsync"/> (a
/// retry lands on the same envelope) and sent with the envelope's own idempotent send — so a row claimed again after a
/// host died mid-way is finished, never sent twice. Rows are claimed with a lease, so hosts of a cluster share the work.
/// A refusal (e.g. a suspended tenant) fails the row with its reason; a passing failure (database, cluster) retries it
/// with backoff.
/// </summary>
internal sealed class BulkSendWorker(BulkSendStore store, TemplateStore templates, TemplateEnvelopes envelopes, IGrainFactory grains,
    IOptions<BulkSendOptions> options, TimeProvider clock, ILogger<BulkSendWorker> logger) : DeliveryLoop(options.Value.PollInterval, clock, logger)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private readonly BulkSendOptions _options = options.Value;
    private long _lastStart;

    protected override async Task<int> DeliverBatchAsync(CancellationToken cancellationToken)
    {
        await PaceAsync(cancellationToken);
        var row = await store.ClaimAsync(Lease, cancellationToken);
        if (row is null)
        {
            return 0;
        }
        try
        {
            await SendRowAsync(row, cancellationToken);
        }
        catch (DomainException ex) when (ex.Kind is not ErrorKind.Unavailable)
        {
            await store.RecordAsync(row, "failed", null, [new BulkRowProblem("", ex.Japanese, ex.English)], null, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var giveUp = row.Attempts >= _options.MaxAttempts;
            Logger.LogWarning(ex, "Bulk send {BulkSendId} row {Row}: attempt {Attempt} failed{GiveUp}", row.BulkSendId, row.RowNumber, row.Attempts,
                giveUp ? "; giving up" : "");
            await store.RecordAsync(row, giveUp ? "failed" : row.Status, null,
                giveUp ? [new BulkRowProblem("", "送信できませんでした（繰り返し失敗）。", "Could not be sent (failed repeatedly).")] : null,
                giveUp ? null : Backoff.After(row.Attempts, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(2)), CancellationToken.None);
        }
        return 1;
    }

    private async Task SendRowAsync(ClaimedRow row, CancellationToken ct)
    {
        var caller = JsonSerializer.Deserialize<StoredCaller>(row.Caller, BulkSendStore.Json)!.ToCaller();
        var requestId = $"bulk:{row.BulkSendId:N}:{row.RowNumber}";
        var envelopeId = row.EnvelopeId;
        if (row.Status == "pending")
        {
            var template = await templates.GetAsync(row.TenantId, row.TemplateId, row.TemplateVersion, ct)
                ?? throw DomainException.NotFound("Template", "テンプレート", "template_id");
            var input = JsonSerializer.Deserialize<BulkRowInput>(row.Input, BulkSendStore.Json)!;
            // The template may have been archived since the file was checked: its version still makes the rows started with it
            // (archived templates are refused where a send or an envelope is started, not here).
            var made = await envelopes.MakeAsync(caller, template, input.People.Select(BulkSendGrpcService.ToAssignment).ToList(),
                input.Merge, input.Title, requestId, "bulk-envelope", ct);
            envelopeId = made.EnvelopeId;
            await store.RecordAsync(row, "created", envelopeId, null, null, CancellationToken.None);
        }
        await grains.Reference<IEnvelopeGrain>(envelopeId!.Value).SendAsync(row.TenantId, EnvelopeRequests.ActorOf(caller), requestId);
        await store.RecordAsync(row, "sent", envelopeId, null, null, CancellationToken.None);
    }

    /// <summary>Waits until the next row's start is due at the configured pace.</summary>
    private async Task PaceAsync(CancellationToken ct)
    {
        if (_options.RowsPerSecond <= 0)
        {
            return;
        }
        var interval = TimeSpan.FromSeconds(1 / _options.RowsPerSecond);
        var since = Clock.GetElapsedTime(Interlocked.Read(ref _lastStart));
        if (_lastStart != 0 && since < interval)
        {
            await Task.Delay(interval - since, Clock, ct);
        }
        Interlocked.Exchange(ref _lastStart, Clock.GetTimestamp());
    }
}
