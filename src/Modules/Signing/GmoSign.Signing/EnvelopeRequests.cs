using System.Security.Cryptography;
using System.Text;
using GmoSign.Accounts.Contracts;
using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Reseller.Contracts;
using GmoSign.Retention.Contracts;
using GmoSign.Grains.Ports;
using GmoSign.Signing.V1;
using Microsoft.Extensions.Options;

namespace GmoSign.Signing;

/// <summary>
/// Reads the Signing service's requests into the envelope's terms. Every field is checked here, and a refusal names
/// it (<c>recipients[2].email</c>), before anything is written; the message-wide limits (lengths, list sizes,
/// control characters) were already checked at the door by the validation interceptor.
/// </summary>
internal sealed class EnvelopeRequests(
    ITenantUserLookup users,
    IRetentionPolicy retention,
    ITenantContracts tenants,
    IPdfSignatures pdf,
    IOptions<EnvelopeOptions> options)
{
    public const int MaxSteps = 20;
    public const int MaxApprovers = 10;

    private readonly EnvelopeOptions _limits = options.Value;

    /// <summary>The new envelope's id and draft. A request id makes the id derived from it, so a retried create lands on the same envelope.</summary>
    public async Task<(Guid EnvelopeId, EnvelopeDraft Draft)> DraftAsync(Caller caller, CreateEnvelopeRequest request, CancellationToken ct)
    {
        var tenantId = caller.RequireTenant();
        var requestId = OptionalRequestId(request.RequestId);
        var title = Check.Required(request.Title, "title", 200);
        var message = Check.Optional(request.Message, "message", 2000) ?? "";
        var recipients = await RecipientsAsync(tenantId, request, ct);
        var anyOne = Steps(request, recipients);
        var approvers = await ApproversAsync(tenantId, request.ApproverUserIds, ct);
        var retentionSpec = Retention(request.Retention);
        var (expiryDays, reminderDays, everyDays) = Schedule(request);
        if (recipients.Any(r => r.CertificateType))
        {
            if (!pdf.SupportsCertificateType)
            {
                throw DomainException.Precondition("CERTIFICATE_TYPE_UNAVAILABLE",
                    "recipients: this installation has no certificate authority for certificate-type signatures.",
                    "recipients: この環境には当事者型署名用の認証局が設定されていません。");
            }
            var view = await tenants.GetAsync(tenantId, ct);
            if (view is null || !view.Holds(OptionCodes.CertificateSigning))
            {
                throw DomainException.Precondition("OPTION_REQUIRED",
                    "recipients: certificate-type signatures need the certificate-signing option.", "recipients: 当事者型署名には電子証明書オプションが必要です。");
            }
        }
        var sender = await SenderAsync(caller, ct);
        var envelopeId = requestId is null ? Guid.CreateVersion7() : IdFor(tenantId, "envelope", requestId);
        return (envelopeId, new EnvelopeDraft(tenantId, requestId, title, message, recipients, anyOne, approvers, retentionSpec, request.AllowReassign,
            expiryDays, reminderDays, everyDays, sender));
    }

    // ------------------------------------------------------------------ shared by every RPC

    public static string? OptionalRequestId(string value, string field = "request_id") =>
        string.IsNullOrEmpty(value) ? null : Check.RequestId(value, field);

    /// <summary>A PDF file name: required, at most 200 characters, ending in .pdf, without path separators.</summary>
    public static string FileName(string value, string field)
    {
        var fileName = Check.Required(value, field, 200);
        if (!fileName.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase) || fileName.IndexOfAny(['/', '\\', '\0']) >= 0)
        {
            throw DomainException.Invalid(field, "must be a file name ending in .pdf", "「.pdf」で終わるファイル名を指定してください");
        }
        return fileName;
    }

    /// <summary>An id derived from an idempotency key, so a retried create lands on the same grain.</summary>
    public static Guid IdFor(Guid scope, string kind, string requestId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{scope:N}/{kind}/{requestId}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8 (custom), RFC 9562
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>The caller as the audit trail names them; tenant administrators and integrations manage every envelope of the tenant.</summary>
    public static Actor ActorOf(Caller caller) => new(caller.UserId, caller.DisplayName, null, caller.IpAddress, caller.UserAgent,
        ManagesAll: caller.Kind == CallerKind.Integration || (caller.Kind == CallerKind.TenantUser && caller.HasRole("admin")));

    /// <summary>Whether the caller may change what <paramref name="creator"/> made (a template, a bulk send): its maker, a tenant administrator or an integration.</summary>
    public static bool ManagesOrMade(Caller caller, Guid? creator) =>
        ActorOf(caller).ManagesAll || (caller.UserId is { } user && user == creator);

    /// <summary>The sender's fields as the envelope's rules take them; ids and enums are read here, naming <c>fields[i].…</c>.</summary>
    public static List<FieldSpec> Fields(SetFieldsRequest request) => request.Fields.Select((f, i) =>
    {
        var at = $"fields[{i}]";
        var rect = f.Rect ?? throw DomainException.Required($"{at}.rect");
        return new FieldSpec(f.Name, Check.Id(f.DocumentId, $"{at}.document_id"),
            string.IsNullOrEmpty(f.RecipientId) ? null : Check.Id(f.RecipientId, $"{at}.recipient_id"),
            string.IsNullOrEmpty(f.RecipientLabel) ? null : f.RecipientLabel,
            f.Type == FieldType.Unspecified ? throw DomainException.Required($"{at}.type") : (FieldKind)f.Type,
            f.Page, rect.X, rect.Y, rect.Width, rect.Height, f.Required, f.MaxLength, [.. f.Options],
            string.IsNullOrEmpty(f.Value) ? null : f.Value, f.ReadOnly, string.IsNullOrEmpty(f.DateFormat) ? null : f.DateFormat,
            (GmoSign.Grains.FieldMapping)f.MapsTo, string.IsNullOrEmpty(f.Label) ? null : f.Label);
    }).ToList();

    /// <summary>
    /// A recipient's access: a signing link names its envelope and recipient itself (ids in the request must match it);
    /// a tenant user names them in the request.
    /// </summary>
    public static (Guid EnvelopeId, RecipientAccess Access) Access(Caller caller, string envelopeField, string recipientField, string accessCode)
    {
        var code = string.IsNullOrEmpty(accessCode) ? null : accessCode;
        if (caller.Kind == CallerKind.Signer)
        {
            var envelopeId = caller.EnvelopeId!.Value;
            if ((!string.IsNullOrEmpty(envelopeField) && Check.Id(envelopeField, "envelope_id") != envelopeId)
                || (!string.IsNullOrEmpty(recipientField) && Check.Id(recipientField, "recipient_id") != caller.RecipientId))
            {
                throw DomainException.Denied("The signing link is for another envelope or recipient.", "署名用リンクは別の封筒または受信者のものです。");
            }
            return (envelopeId, new RecipientAccess(caller.TenantId!.Value, caller.RecipientId!.Value, true, code, ActorOf(caller)));
        }
        return (Check.Id(envelopeField, "envelope_id"),
            new RecipientAccess(caller.RequireTenant(), Check.Id(recipientField, "recipient_id"), false, code, ActorOf(caller)));
    }

    // ------------------------------------------------------------------ the parts of a new envelope

    private async Task<Actor> SenderAsync(Caller caller, CancellationToken ct)
    {
        var actor = ActorOf(caller);
        return caller.UserId is { } userId && await users.FindAsync(caller.RequireTenant(), userId, ct) is { } user
            ? actor with { Name = user.DisplayName, Email = user.Email }
            : actor;
    }

    private async Task<List<RecipientSpec>> RecipientsAsync(Guid tenantId, CreateEnvelopeRequest request, CancellationToken ct)
    {
        if (request.Recipients.Count == 0)
        {
            throw DomainException.Required("recipients");
        }
        if (request.Recipients.Count > _limits.MaxRecipients)
        {
            throw DomainException.Invalid("recipients", $"at most {_limits.MaxRecipients} recipients", $"受信者は{_limits.MaxRecipients}人までです");
        }
        var result = new List<RecipientSpec>();
        for (var i = 0; i < request.Recipients.Count; i++)
        {
            var r = request.Recipients[i];
            var field = $"recipients[{i}]";
            var name = Check.Required(r.Name, $"{field}.name", 100);
            var email = Check.Email(r.Email, $"{field}.email");
            if (r.Step is < 1 or > MaxSteps)
            {
                throw DomainException.Invalid($"{field}.step", $"must be between 1 and {MaxSteps}", $"1〜{MaxSteps}の範囲で指定してください");
            }
            if (!System.Enum.IsDefined(r.Role))
            {
                throw DomainException.Invalid($"{field}.role", "is not a known role", "役割として正しくありません");
            }
            if (!System.Enum.IsDefined(r.SignatureType))
            {
                throw DomainException.Invalid($"{field}.signature_type", "is not a known signature type", "署名タイプとして正しくありません");
            }
            string? code = null;
            if (!string.IsNullOrEmpty(r.AccessCode))
            {
                code = r.AccessCode;
                if (code.Length is < 4 or > 64)
                {
                    throw DomainException.Invalid($"{field}.access_code", "must be 4..64 characters", "4〜64文字で指定してください");
                }
            }
            Guid? userId = null;
            if (!string.IsNullOrEmpty(r.UserId))
            {
                userId = Check.Id(r.UserId, $"{field}.user_id");
                var user = await users.FindAsync(tenantId, userId.Value, ct);
                if (user is not { Active: true })
                {
                    throw DomainException.NotFound("User", "ユーザー", $"{field}.user_id");
                }
            }
            var carbonCopy = r.Role == RecipientRole.CarbonCopy;
            if (result.Any(x => x.Step == r.Step && x.CarbonCopy == carbonCopy && string.Equals(x.Email, email, StringComparison.OrdinalIgnoreCase)))
            {
                throw DomainException.Invalid($"{field}.email", "appears twice in the same step", "同じ順番に重複して指定されています");
            }
            string? label = null;
            if (!string.IsNullOrEmpty(r.Label))
            {
                label = Check.Required(r.Label, $"{field}.label", 50);
                if (result.Any(x => x.Label == label))
                {
                    throw DomainException.Invalid($"{field}.label", $"'{label}' labels another recipient", $"「{label}」は他の受信者のラベルです");
                }
            }
            result.Add(new RecipientSpec(name, email, carbonCopy, r.Step, code, r.SignatureType == SignatureType.Certificate && !carbonCopy, userId, label));
        }
        if (result.All(r => r.CarbonCopy))
        {
            throw DomainException.Invalid("recipients", "need at least one signer", "署名者を1人以上指定してください");
        }
        return result;
    }

    private static List<int> Steps(CreateEnvelopeRequest request, List<RecipientSpec> recipients)
    {
        var anyOne = new List<int>();
        for (var i = 0; i < request.Steps.Count; i++)
        {
            var rule = request.Steps[i];
            if (!recipients.Any(r => !r.CarbonCopy && r.Step == rule.Step))
            {
                throw DomainException.Invalid($"steps[{i}].step", "has no signer", "この順番に署名者がいません");
            }
            if (!System.Enum.IsDefined(rule.Completion))
            {
                throw DomainException.Invalid($"steps[{i}].completion", "is not a known completion rule", "完了条件として正しくありません");
            }
            if (rule.Completion == StepCompletion.Any && !anyOne.Contains(rule.Step))
            {
                anyOne.Add(rule.Step);
            }
        }
        return anyOne;
    }

    private async Task<List<Approver>> ApproversAsync(Guid tenantId, IList<string> ids, CancellationToken ct)
    {
        if (ids.Count > MaxApprovers)
        {
            throw DomainException.Invalid("approver_user_ids", $"at most {MaxApprovers} approvers", $"承認者は{MaxApprovers}人までです");
        }
        var approvers = new List<Approver>();
        for (var i = 0; i < ids.Count; i++)
        {
            var field = $"approver_user_ids[{i}]";
            var id = Check.Id(ids[i], field);
            var user = await users.FindAsync(tenantId, id, ct);
            if (user is not { Active: true })
            {
                throw DomainException.NotFound("User", "ユーザー", field);
            }
            if (approvers.Any(a => a.UserId == id))
            {
                throw DomainException.Invalid(field, "appears twice", "重複しています");
            }
            approvers.Add(new Approver(id, user.DisplayName, user.Email));
        }
        return approvers;
    }

    private RetentionSpec Retention(RetentionMetadata? m)
    {
        m ??= new RetentionMetadata();
        var type = string.IsNullOrEmpty(m.DocumentType) ? "contract" : m.DocumentType;
        if (!retention.IsKnownDocumentType(type))
        {
            throw DomainException.Invalid("retention.document_type", "is not a known document type", "文書種別として正しくありません");
        }
        if (m.Amount is < 0 or > 1_000_000_000_000_000)
        {
            throw DomainException.Invalid("retention.amount", "must be between 0 and 10^15", "0〜10^15の範囲で指定してください");
        }
        var currency = string.IsNullOrEmpty(m.Currency) ? "JPY" : m.Currency;
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            throw DomainException.Invalid("retention.currency", "must be an ISO 4217 code such as JPY", "JPY のような ISO 4217 通貨コードを指定してください");
        }
        if (m.Tags.Count > 20)
        {
            throw DomainException.Invalid("retention.tags", "at most 20 tags", "タグは20個までです");
        }
        var tags = m.Tags.Select((t, i) => Check.Required(t, $"retention.tags[{i}]", 50)).Distinct().ToList();
        return new RetentionSpec(type, Dates.Optional(m.TransactionDate, "retention.transaction_date"), m.Amount, currency,
            Check.Optional(m.Counterparty, "retention.counterparty", 200), tags);
    }

    private (int ExpiryDays, List<int> ReminderDays, int EveryDays) Schedule(CreateEnvelopeRequest request)
    {
        var expiry = request.ExpiryDays == 0 ? _limits.DefaultExpiryDays : request.ExpiryDays;
        if (expiry < 1 || expiry > _limits.MaxExpiryDays)
        {
            throw DomainException.Invalid("expiry_days", $"must be between 1 and {_limits.MaxExpiryDays}", $"1〜{_limits.MaxExpiryDays}の範囲で指定してください");
        }
        if (request.RemindersOff)
        {
            return (expiry, [], 0);
        }
        if (request.ReminderEveryDays is < 0 or > 30)
        {
            throw DomainException.Invalid("reminder_every_days", "must be between 1 and 30", "1〜30の範囲で指定してください");
        }
        if (request.ReminderEveryDays > 0 && request.ReminderDaysBeforeExpiry.Count > 0)
        {
            throw DomainException.Invalid("reminder_every_days", "cannot be combined with reminder_days_before_expiry", "reminder_days_before_expiry と同時には指定できません");
        }
        for (var i = 0; i < request.ReminderDaysBeforeExpiry.Count; i++)
        {
            if (request.ReminderDaysBeforeExpiry[i] < 1 || request.ReminderDaysBeforeExpiry[i] >= expiry)
            {
                throw DomainException.Invalid($"reminder_days_before_expiry[{i}]", $"must be between 1 and {expiry - 1}", $"1〜{expiry - 1}の範囲で指定してください");
            }
        }
        var days = request.ReminderEveryDays > 0 ? []
            : request.ReminderDaysBeforeExpiry.Count > 0 ? request.ReminderDaysBeforeExpiry.Distinct().ToList()
            : _limits.DefaultReminderDaysBeforeExpiry.Where(d => d < expiry).ToList();
        return (expiry, days, request.ReminderEveryDays);
    }
}
