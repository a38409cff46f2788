using System.Text.Json;
using GmoSign.Grains.Ports;

namespace GmoSign.Grains.Envelopes;

/// <summary>
/// What one change of an envelope adds besides its new state: audit entries, notifications and hand-overs to other
/// modules. The grain writes all of it with the state in one transaction.
/// </summary>
internal sealed class EnvelopeChange(DateTimeOffset at)
{
    // Japanese stays readable in audit details (they are stored, hashed and shown as text, never embedded in HTML).
    internal static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All) };

    public DateTimeOffset At { get; } = at;
    public List<AuditEvent> Events { get; } = [];
    public List<NotificationMessage> Notifications { get; } = [];
    public List<HandOver> HandOvers { get; } = [];

    /// <summary>Content the change references (new document revisions, the certificate, the trail), written in its transaction.</summary>
    public List<DeferredWrite> Writes { get; } = [];

    public void Audit(string action, Actor? actor, string? principal = null, Guid? recipientId = null, object? detail = null) =>
        Events.Add(new AuditEvent(action, actor, principal, recipientId, JsonSerializer.Serialize(detail ?? new { }, Json)));

    /// <summary>A mail to send after the commit; nothing is queued for an empty address (a sender without e-mail).</summary>
    public void Notify(string kind, Guid? recipientId, string email, string name, object detail)
    {
        if (!string.IsNullOrEmpty(email))
        {
            Notifications.Add(new NotificationMessage(kind, recipientId, email, name, JsonSerializer.Serialize(detail, Json)));
        }
    }
}

/// <summary>One audit entry before it is chained (sequence and hashes are given when the change is sealed).</summary>
internal sealed record AuditEvent(string Action, Actor? Actor, string? Principal, Guid? RecipientId, string Detail);
