using System.Text;
using System.Text.Json;
using GmoSign.Grains.Ports;

namespace GmoSign.Signing;

/// <summary>The JSON body of one webhook event: the audit entry it reports, with the envelope's status after the change.</summary>
internal static class WebhookPayload
{
    private static readonly string[] StatusNames = ["", "draft", "approval", "sent", "completed", "declined", "voided", "expired"];

    /// <summary>Japanese stays readable; made once (building an encoder is costly, and every change of every envelope makes payloads).</summary>
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All) };

    public static string Create(EnvelopeRow envelope, AuditRecord entry)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("id", $"{envelope.EnvelopeId:N}-{entry.Sequence}");
            json.WriteString("type", $"envelope.{entry.Action}");
            json.WriteString("envelopeId", envelope.EnvelopeId);
            json.WriteNumber("sequence", entry.Sequence);
            json.WriteString("occurredAt", entry.At);
            json.WriteString("envelopeStatus", envelope.Status < StatusNames.Length ? StatusNames[envelope.Status] : envelope.Status.ToString());
            json.WriteString("title", envelope.Title);
            json.WriteString("actor", entry.Actor);
            if (entry.Principal is not null)
            {
                json.WriteString("principal", entry.Principal);
            }
            if (entry.RecipientId is { } recipient)
            {
                json.WriteString("recipientId", recipient);
            }
            json.WritePropertyName("detail");
            json.WriteRawValue(entry.Detail);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
