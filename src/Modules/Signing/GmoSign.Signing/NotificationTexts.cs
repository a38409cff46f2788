using System.Globalization;
using System.Text;
using System.Text.Json;
using GmoSign.Platform.Validation;

namespace GmoSign.Signing;

/// <summary>What a notification is about, read from the outbox row and its envelope.</summary>
internal sealed record NotificationContext(
    string Kind,
    string RecipientName,
    string Title,
    string Message,
    string SenderName,
    DateTimeOffset? ExpiresAt,
    string? Link,
    JsonElement Detail);

/// <summary>
/// Notification e-mails in Japanese first, then English (Art. 29: the Japanese text governs): subject and plain-text
/// body per kind. Recipients' language is not known, so every message carries both.
/// </summary>
internal static class NotificationTexts
{
    public static (string Subject, string Body) Compose(NotificationContext c)
    {
        var expires = c.ExpiresAt is { } e ? e.ToOffset(JapanTime.Offset).ToString("yyyy-MM-dd HH:mm 'JST'", CultureInfo.InvariantCulture) : "-";
        var reason = Text(c.Detail, "reason") ?? Text(c.Detail, "comment") ?? "";
        var by = Text(c.Detail, "by") ?? "";
        var (subjectJa, subjectEn, ja, en) = c.Kind switch
        {
            "signing_request" => ($"【署名依頼】{c.Title}", $"Please sign: {c.Title}",
                $"{c.SenderName} さんから「{c.Title}」への署名依頼が届いています。\n署名期限: {expires}",
                $"{c.SenderName} asks you to sign \"{c.Title}\".\nSign by: {expires}"),
            "reminder" => ($"【リマインド】{c.Title}", $"Reminder: {c.Title} is waiting for your signature",
                $"「{c.Title}」への署名がまだ完了していません。\n署名期限: {expires}",
                $"\"{c.Title}\" is still waiting for your signature.\nSign by: {expires}"),
            "approval_request" => ($"【承認依頼】{c.Title}", $"Approval requested: {c.Title}",
                $"{c.SenderName} さんが「{c.Title}」を送信する前に、あなたの承認を求めています。",
                $"{c.SenderName} needs your approval before \"{c.Title}\" goes out for signature."),
            "approval_rejected" => ($"【差し戻し】{c.Title}", $"Returned: {c.Title}",
                $"「{c.Title}」は {by} さんにより差し戻されました。\n理由: {reason}",
                $"\"{c.Title}\" was returned by {by}.\nReason: {reason}"),
            "completed" => ($"【締結完了】{c.Title}", $"Completed: {c.Title}",
                $"「{c.Title}」はすべての署名者が署名し、締結が完了しました。",
                $"Everyone has signed \"{c.Title}\"; the agreement is complete."),
            "declined" => ($"【署名拒否】{c.Title}", $"Declined: {c.Title}",
                $"「{c.Title}」は {by} さんにより署名を拒否されました。\n理由: {reason}",
                $"{by} declined to sign \"{c.Title}\".\nReason: {reason}"),
            "voided" => ($"【取り下げ】{c.Title}", $"Withdrawn: {c.Title}",
                $"「{c.Title}」は送信者により取り下げられました。署名は不要です。\n理由: {reason}",
                $"The sender withdrew \"{c.Title}\"; no signature is needed.\nReason: {reason}"),
            "expired" => ($"【期限切れ】{c.Title}", $"Expired: {c.Title}",
                $"「{c.Title}」は署名期限（{expires}）を過ぎたため無効になりました。",
                $"\"{c.Title}\" expired on {expires} before everyone signed."),
            _ => ($"【お知らせ】{c.Title}", $"Notice: {c.Title}", $"「{c.Title}」についてのお知らせです。", $"A notice about \"{c.Title}\"."),
        };
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"{c.RecipientName} 様\n\n{ja}\n");
        if (c.Kind is "signing_request" or "reminder" && c.Message.Length > 0)
        {
            body.Append(CultureInfo.InvariantCulture, $"\nメッセージ:\n{c.Message}\n");
        }
        if (c.Link is not null)
        {
            body.Append(CultureInfo.InvariantCulture, $"\n文書を開く: {c.Link}\n");
        }
        body.Append(CultureInfo.InvariantCulture, $"\n----\nDear {c.RecipientName},\n\n{en}\n");
        if (c.Kind is "signing_request" or "reminder" && c.Message.Length > 0)
        {
            body.Append(CultureInfo.InvariantCulture, $"\nMessage:\n{c.Message}\n");
        }
        if (c.Link is not null)
        {
            body.Append(CultureInfo.InvariantCulture, $"\nOpen the documents: {c.Link}\n");
        }
        body.Append("\n--\nGmoSign 電子契約サービス / e-contract service\nこのメールは送信専用です。 This message was sent automatically.\n");
        return ($"{subjectJa} / {subjectEn}", body.ToString());
    }

    /// <summary>Kinds whose recipient gets a link to the envelope.</summary>
    public static bool CarriesLink(string kind) => kind is "signing_request" or "reminder" or "completed";

    private static string? Text(JsonElement detail, string name) =>
        detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
