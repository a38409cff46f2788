using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Retention.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>Configuration section <c>GmoSign:Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string Section = "GmoSign:Webhooks";

    /// <summary>Development only: also accept http:// endpoints.</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>
    /// Development and tests only: also accept and connect to loopback addresses (127.0.0.0/8, ::1). Off by default;
    /// every other private, link-local or reserved address stays refused.
    /// </summary>
    public bool AllowLoopbackForDevelopment { get; set; }
    public int MaxEndpointsPerTenant { get; set; } = 10;
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(6);
    public int MaxAttempts { get; set; } = 15;
    /// <summary>
    /// The delivery log (each event's payload, status and error) keeps a delivered or failed delivery this long after
    /// it was written, then the hourly sweep deletes it; one still being retried is kept.
    /// </summary>
    public TimeSpan KeepDeliveriesFor { get; set; } = TimeSpan.FromDays(90);
}

internal sealed record WebhookEndpointRecord(Guid EndpointId, string Url, string[] Events, DateTimeOffset CreatedAt);

internal sealed record WebhookDeliveryRecord(long DeliveryId, Guid EnvelopeId, long Sequence, string Event, int Attempts, DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt, DateTimeOffset? FailedAt, int? LastStatus, string? LastError, DateTimeOffset NextAttemptAt);

/// <summary>A tenant's webhook endpoints (Art. 10) and their delivery log; secrets sealed under a derived key.</summary>
internal sealed class WebhookEndpoints(NpgsqlDataSource db, IKeyDerivation keys, IOptions<WebhookOptions> options, TimeProvider clock)
{
    public static readonly string[] Events =
    [
        "created", "document_added", "sent", "approved", "rejected", "notified", "viewed", "signed", "delegated_signing", "declined",
        "reassigned", "reminder_sent", "voided", "expired", "completed", "document_downloaded", "access_code_failed", "fields_set",
    ];

    private readonly Lazy<byte[]> _key = new(() => keys.DeriveKey("gmosign webhook secrets v1"));
    private readonly ConcurrentDictionary<Guid, byte[]> _secrets = new();

    public async Task<(WebhookEndpointRecord Endpoint, string Secret)> CreateAsync(Guid tenantId, string url, IReadOnlyList<string> events, string by,
        CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || url.Length > 2000
            || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && options.Value.AllowInsecureHttp)) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw DomainException.Invalid("url", "must be an https URL without credentials", "認証情報を含まない https の URL を指定してください");
        }
        var literal = OutboundAddresses.Literal(uri);
        if (literal is not null ? !OutboundAddresses.IsAllowed(literal, options.Value.AllowLoopbackForDevelopment)
            : OutboundAddresses.IsLocalName(uri.IdnHost) && !(options.Value.AllowLoopbackForDevelopment && uri.IdnHost == "localhost"))
        {
            throw new DomainException(ErrorKind.InvalidArgument, "URL_NOT_PUBLIC",
                "url: must name a public internet host (no loopback, private, link-local or reserved address, no local name)",
                "url: 公開されたインターネット上のホストを指定してください（ループバック・プライベート・リンクローカル・予約済みアドレスやローカル名は使用できません）", "url");
        }
        for (var i = 0; i < events.Count; i++)
        {
            if (!Events.Contains(events[i]))
            {
                throw DomainException.Invalid($"events[{i}]", "is not a known event", "イベント名として正しくありません");
            }
        }
        var secretBytes = RandomNumberGenerator.GetBytes(32);
        var secret = "whsec_" + SecretTokens.Base64Url(secretBytes);
        var endpoint = new WebhookEndpointRecord(Guid.CreateVersion7(), url, [.. events.Distinct()], clock.GetUtcNow());
        await using var connection = db.CreateConnection();
        var created = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO signing.webhook_endpoint (endpoint_id, tenant_id, url, events, sealed_secret, active, created_at, created_by)
            SELECT @EndpointId, @TenantId, @Url, @Events, @SealedSecret, true, @CreatedAt, @By
            WHERE (SELECT count(*) FROM signing.webhook_endpoint WHERE tenant_id = @TenantId AND active) < @MaxEndpoints
            """, new
        {
            endpoint.EndpointId, TenantId = tenantId, Url = url, endpoint.Events, SealedSecret = Seal(endpoint.EndpointId, Encoding.UTF8.GetBytes(secret)),
            endpoint.CreatedAt, By = by, MaxEndpoints = (long)options.Value.MaxEndpointsPerTenant,
        }, cancellationToken: cancellationToken));
        if (created == 0)
        {
            throw new DomainException(ErrorKind.ResourceExhausted, "WEBHOOK_LIMIT",
                $"A tenant may register at most {options.Value.MaxEndpointsPerTenant} webhook endpoints.",
                $"Webhook エンドポイントは最大{options.Value.MaxEndpointsPerTenant}件まで登録できます。");
        }
        return (endpoint, secret);
    }

    public async Task<List<WebhookEndpointRecord>> ListAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<WebhookEndpointRecord>(new CommandDefinition(
            "SELECT endpoint_id, url, events, created_at FROM signing.webhook_endpoint WHERE tenant_id = @TenantId AND active ORDER BY created_at",
            new { TenantId = tenantId }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task DeleteAsync(Guid tenantId, Guid endpointId, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var deleted = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
            WITH e AS (UPDATE signing.webhook_endpoint SET active = false WHERE endpoint_id = @EndpointId AND tenant_id = @TenantId AND active RETURNING endpoint_id),
                 f AS (UPDATE signing.webhook_delivery SET failed_at = now(), last_error = 'endpoint deleted'
                       WHERE endpoint_id IN (SELECT endpoint_id FROM e) AND delivered_at IS NULL AND failed_at IS NULL)
            SELECT count(*) FROM e
            """, new { EndpointId = endpointId, TenantId = tenantId }, cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            throw DomainException.NotFound("Webhook endpoint", "Webhook エンドポイント", "endpoint_id");
        }
    }

    public async Task<List<WebhookDeliveryRecord>> DeliveriesAsync(Guid tenantId, Guid endpointId, Guid? envelopeId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        if (await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
                "SELECT 1 FROM signing.webhook_endpoint WHERE endpoint_id = @EndpointId AND tenant_id = @TenantId",
                new { EndpointId = endpointId, TenantId = tenantId }, cancellationToken: cancellationToken)) is null)
        {
            throw DomainException.NotFound("Webhook endpoint", "Webhook エンドポイント", "endpoint_id");
        }
        return (await connection.QueryAsync<WebhookDeliveryRecord>(new CommandDefinition($"""
            SELECT delivery_id, envelope_id, sequence, event, attempts, created_at, delivered_at, failed_at, last_status, last_error, next_attempt_at
            FROM signing.webhook_delivery WHERE tenant_id = @TenantId AND endpoint_id = @EndpointId {(envelopeId is null ? "" : "AND envelope_id = @EnvelopeId")}
            ORDER BY delivery_id DESC LIMIT @Limit
            """, new { TenantId = tenantId, EndpointId = endpointId, Limit = limit, EnvelopeId = envelopeId }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>The endpoint's HMAC key (the secret's UTF-8 bytes), cached per host.</summary>
    public byte[] SecretOf(Guid endpointId, byte[] sealedSecret) => _secrets.GetOrAdd(endpointId, id => Open(id, sealedSecret));

    /// <summary><c>t=&lt;unix&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.body")&gt;</c>.</summary>
    public static string Signature(byte[] secret, long unixSeconds, string body) =>
        $"t={unixSeconds.ToString(CultureInfo.InvariantCulture)},v1=" +
        Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{unixSeconds.ToString(CultureInfo.InvariantCulture)}.{body}")));

    private byte[] Seal(Guid endpointId, byte[] plaintext) => SealedBox.Seal(_key.Value, plaintext, endpointId.ToByteArray());

    private byte[] Open(Guid endpointId, byte[] sealedSecret) => SealedBox.Open(_key.Value, sealedSecret, endpointId.ToByteArray());
}

/// <summary>
/// Delivers webhook events: at least once, in order per (endpoint, envelope) — an event is claimable only when no
/// earlier event of the same envelope is still pending for that endpoint — with exponential backoff on failure.
/// </summary>
internal sealed class WebhookDispatcher(NpgsqlDataSource db, WebhookEndpoints endpoints, IOptions<WebhookOptions> options, TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : DeliveryLoop(options.Value.PollInterval, clock, logger)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private readonly WebhookOptions _options = options.Value;
    private readonly HttpClient _http = new(GuardedHttp.Handler(options.Value.AllowLoopbackForDevelopment))
    {
        Timeout = options.Value.Timeout,
    };

    private sealed record Claimed(long Id, Guid EndpointId, string Url, byte[] SealedSecret, string Event, string Payload, int Attempts);

    protected override async Task<int> DeliverBatchAsync(CancellationToken cancellationToken)
    {
        var claimed = await ClaimAsync(cancellationToken);
        await Task.WhenAll(claimed.Select(c => DeliverAsync(c, cancellationToken)));
        return claimed.Count;
    }

    private async Task DeliverAsync(Claimed c, CancellationToken cancellationToken)
    {
        int? status = null;
        string? error = null;
        var watch = Stopwatch.StartNew();
        try
        {
            var now = Clock.GetUtcNow().ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, c.Url) { Content = new StringContent(c.Payload, Encoding.UTF8, "application/json") };
            request.Headers.Add("x-gmosign-signature", WebhookEndpoints.Signature(endpoints.SecretOf(c.EndpointId, c.SealedSecret), now, c.Payload));
            request.Headers.Add("x-gmosign-event", c.Event);
            request.Headers.Add("x-gmosign-delivery", c.Id.ToString(CultureInfo.InvariantCulture));
            using var response = await _http.SendAsync(request, cancellationToken);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                error = $"HTTP {status}";
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The tenant reads a generic outcome; what the network said stays in the server log.
            error = Outcome(ex);
            Logger.LogWarning("Webhook delivery {DeliveryId} failed: {Outcome}: {Detail}", c.Id, error, ex.InnerException?.Message ?? ex.Message);
        }
        Logger.LogDebug("Webhook {DeliveryId} → {Status} in {Elapsed} ms", c.Id, status, watch.ElapsedMilliseconds);
        var delay = Backoff.After(c.Attempts, _options.RetryBase, _options.MaxRetryDelay);
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(error is null
            ? "UPDATE signing.webhook_delivery SET delivered_at = now(), last_status = @Status, last_error = NULL WHERE delivery_id = @Id"
            : "UPDATE signing.webhook_delivery SET last_status = @Status, last_error = @Error, next_attempt_at = now() + @Delay, failed_at = coalesce(failed_at, CASE WHEN attempts >= @MaxAttempts THEN now() END) WHERE delivery_id = @Id",
            new { c.Id, Status = status, Error = error is { Length: > 500 } ? error[..500] : error, Delay = delay, _options.MaxAttempts },
            cancellationToken: CancellationToken.None));
    }

    /// <summary>What the delivery log shows for a failed attempt: never addresses, ports or the network's own words.</summary>
    internal static string Outcome(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case OutboundAddressRefusedException:
                    return "address not allowed";
                case System.Security.Authentication.AuthenticationException:
                    return "TLS handshake failed";
                case TimeoutException:
                    return "timed out";
                case System.Net.Sockets.SocketException:
                    return "connection failed";
            }
        }
        return ex is TaskCanceledException ? "timed out" : "request failed";
    }

    private async Task<List<Claimed>> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        return (await connection.QueryAsync<Claimed>(new CommandDefinition("""
            UPDATE signing.webhook_delivery d SET next_attempt_at = now() + @Lease, attempts = d.attempts + 1
            FROM signing.webhook_endpoint w
            WHERE w.endpoint_id = d.endpoint_id AND d.delivery_id IN (
                SELECT x.delivery_id FROM signing.webhook_delivery x
                WHERE x.delivered_at IS NULL AND x.failed_at IS NULL AND x.next_attempt_at <= now()
                  AND NOT EXISTS (SELECT 1 FROM signing.webhook_delivery p
                                  WHERE p.endpoint_id = x.endpoint_id AND p.envelope_id = x.envelope_id AND p.sequence < x.sequence
                                    AND p.delivered_at IS NULL AND p.failed_at IS NULL)
                ORDER BY x.delivery_id LIMIT 20 FOR UPDATE SKIP LOCKED)
            RETURNING d.delivery_id AS id, d.endpoint_id, w.url, w.sealed_secret, d.event, d.payload, d.attempts
            """, new { Lease }, cancellationToken: cancellationToken))).AsList();
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
