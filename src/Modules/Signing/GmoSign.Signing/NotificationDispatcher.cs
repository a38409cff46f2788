using System.Text.Json;
using Dapper;
using GmoSign.Grains.Ports;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using GmoSign.Grains;
using MimeKit;
using Npgsql;

namespace GmoSign.Signing;

/// <summary>Configuration section <c>GmoSign:Notifications</c>: SMTP delivery of the notification outbox.</summary>
public sealed class NotificationOptions
{
    public const string Section = "GmoSign:Notifications";

    /// <summary>SMTP server; when empty nothing is delivered (rows wait in the outbox).</summary>
    public string? SmtpHost { get; set; }
    public int SmtpPort { get; set; } = 25;
    /// <summary>None, StartTls, StartTlsWhenAvailable (default), SslOnConnect.</summary>
    public string SmtpSecurity { get; set; } = "StartTlsWhenAvailable";
    public string? SmtpUserName { get; set; }
    public string? SmtpPassword { get; set; }
    public string FromAddress { get; set; } = "noreply@gmosign.local";
    public string FromName { get; set; } = "GmoSign";
    /// <summary>The signing page of the web front end; the link token is appended. The host sets it from its public address when unset.</summary>
    public string SigningLinkBase { get; set; } = "http://127.0.0.1:5081/s/";
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>First retry after this long, doubling per attempt up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBase { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);
    /// <summary>After this many attempts a message is marked failed.</summary>
    public int MaxAttempts { get; set; } = 10;
    /// <summary>
    /// A delivered or failed notification (an e-mail address, a name, the message) is kept this long after it was
    /// written, then deleted by the hourly sweep; one still waiting for delivery is kept.
    /// </summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromDays(90);
}

/// <summary>
/// Delivers the notification outbox by SMTP (MailKit). Rows are claimed with a lease (next_attempt_at moved ahead),
/// so several hosts deliver side by side without holding transactions open; a failure schedules the next attempt
/// with exponential backoff, and after <see cref="NotificationOptions.MaxAttempts"/> the row is marked failed.
/// </summary>
internal sealed class NotificationDispatcher(
    NpgsqlDataSource db,
    IOptions<NotificationOptions> options,
    ISigningLinks links,
    TimeProvider clock,
    ILogger<NotificationDispatcher> logger) : DeliveryLoop(options.Value.PollInterval, clock, logger)
{
    private const int Batch = 20;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private readonly NotificationOptions _options = options.Value;

    private sealed record Claimed(long Id, Guid TenantId, Guid EnvelopeId, string Kind, Guid? RecipientId, string Email, string Name, string Detail,
        int Attempts, string Title, string Message, string SenderName, DateTimeOffset? ExpiresAt, string? NoLongerApplies);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrWhiteSpace(_options.SmtpHost))
        {
            Logger.LogWarning("{Setting} is not set: notifications stay in the outbox undelivered", $"{NotificationOptions.Section}:SmtpHost");
            return Task.CompletedTask;
        }
        return base.ExecuteAsync(stoppingToken);
    }

    protected override async Task<int> DeliverBatchAsync(CancellationToken cancellationToken)
    {
        var claimed = await ClaimAsync(cancellationToken);
        if (claimed.Count == 0)
        {
            return 0;
        }
        using var smtp = new SmtpClient();
        Exception? connectError = null;
        try
        {
            await smtp.ConnectAsync(_options.SmtpHost!, _options.SmtpPort, Enum.Parse<SecureSocketOptions>(_options.SmtpSecurity), cancellationToken);
            if (!string.IsNullOrEmpty(_options.SmtpUserName))
            {
                await smtp.AuthenticateAsync(_options.SmtpUserName, _options.SmtpPassword ?? "", cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            connectError = ex;
        }
        foreach (var message in claimed)
        {
            if (message.NoLongerApplies is { } why)
            {
                await DropAsync(message, why, cancellationToken);
                continue;
            }
            try
            {
                if (connectError is not null)
                {
                    throw connectError;
                }
                await smtp.SendAsync(Compose(message), cancellationToken);
                await MarkAsync(message, null, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Logger.LogWarning("Notification {MessageId} to {Email} failed (attempt {Attempt}): {Error}", message.Id, message.Email, message.Attempts, ex.Message);
                await MarkAsync(message, ex.Message, cancellationToken);
            }
        }
        if (smtp.IsConnected)
        {
            await smtp.DisconnectAsync(true, cancellationToken);
        }
        return claimed.Count;
    }

    private MimeMessage Compose(Claimed m)
    {
        var link = NotificationTexts.CarriesLink(m.Kind) && m.RecipientId is { } recipientId
            ? _options.SigningLinkBase + links.Create(m.TenantId, m.EnvelopeId, recipientId)
            : null;
        using var detail = JsonDocument.Parse(m.Detail);
        var (subject, body) = NotificationTexts.Compose(new NotificationContext(m.Kind, m.Name, m.Title, m.Message, m.SenderName, m.ExpiresAt, link,
            detail.RootElement.Clone()));
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(_options.FromName, _options.FromAddress));
        message.To.Add(new MailboxAddress(m.Name, m.Email));
        message.Subject = subject;
        message.MessageId = $"{m.EnvelopeId:N}.{m.Id}@gmosign";
        message.Headers.Add("X-GmoSign-Envelope", m.EnvelopeId.ToString());
        message.Headers.Add("X-GmoSign-Notification", m.Kind);
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    private async Task<List<Claimed>> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var connection = db.CreateConnection();
        var claimed = await connection.QueryAsync<Claimed>(new CommandDefinition("""
            UPDATE signing.outbox o SET next_attempt_at = now() + @Lease, attempts = o.attempts + 1
            FROM signing.envelope e
            WHERE e.envelope_id = o.envelope_id AND o.message_id IN (
                SELECT message_id FROM signing.outbox
                WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                ORDER BY message_id LIMIT @Batch FOR UPDATE SKIP LOCKED)
            RETURNING o.message_id AS id, o.tenant_id, o.envelope_id, o.kind, o.recipient_id, o.email, o.name, o.detail, o.attempts,
                      e.title, coalesce(e.state->>'Message', '') AS message, coalesce(e.state->'Sender'->>'Name', '') AS sender_name, e.expires_at,
                      CASE
                        WHEN o.kind IN ('signing_request', 'reminder') AND e.status <> @Sent THEN 'the envelope is no longer out for signature'
                        WHEN o.kind IN ('signing_request', 'reminder') AND NOT EXISTS (
                               SELECT 1 FROM jsonb_array_elements(e.state->'Recipients') r
                               WHERE r->>'RecipientId' = o.recipient_id::text AND (r->>'Status')::int = ANY(@StillToSign))
                          THEN 'the recipient no longer has to sign'
                        WHEN o.kind = 'approval_request' AND e.status <> @Approval THEN 'the envelope is no longer awaiting approval'
                      END AS no_longer_applies
            """, new
        {
            Lease, Batch, Sent = (short)EnvelopeStatus.Sent,
            StillToSign = new[] { (int)RecipientStatus.Pending, (int)RecipientStatus.Notified, (int)RecipientStatus.Viewed },
            Approval = (short)EnvelopeStatus.Approval,
        }, cancellationToken: cancellationToken));
        return claimed.OrderBy(c => c.Id).ToList();
    }

    /// <summary>A mail that no longer applies is not sent; it leaves the queue marked, with the reason.</summary>
    private async Task DropAsync(Claimed m, string reason, CancellationToken cancellationToken)
    {
        Logger.LogInformation("Notification {MessageId} ({Kind}) dropped: {Reason}", m.Id, m.Kind, reason);
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE signing.outbox SET dropped_at = now(), failed_at = now(), last_error = @Error WHERE message_id = @Id",
            new { m.Id, Error = "dropped: " + reason }, cancellationToken: cancellationToken));
    }

    private async Task MarkAsync(Claimed m, string? error, CancellationToken cancellationToken)
    {
        var delay = Backoff.After(m.Attempts, _options.RetryBase, _options.MaxRetryDelay);
        await using var connection = db.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(error is null
            ? "UPDATE signing.outbox SET delivered_at = now(), last_error = NULL WHERE message_id = @Id"
            : "UPDATE signing.outbox SET last_error = @Error, next_attempt_at = now() + @Delay, failed_at = coalesce(failed_at, CASE WHEN attempts >= @MaxAttempts THEN now() END) WHERE message_id = @Id",
            new { m.Id, Error = error is { Length: > 500 } ? error[..500] : error, Delay = delay, _options.MaxAttempts }, cancellationToken: cancellationToken));
    }
}
