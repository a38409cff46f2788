using System.Net.Mail;
using GmoSign.Errors;

namespace GmoSign.Platform.Validation;

/// <summary>Field checks shared by every module; each failure names the field (INVALID_ARGUMENT).</summary>
public static class Check
{
    public static string Required(string? value, string field, int maxLength)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw DomainException.Required(field);
        }
        if (trimmed.Length > maxLength)
        {
            throw DomainException.TooLong(field, maxLength);
        }
        return trimmed;
    }

    public static string? Optional(string? value, string field, int maxLength)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }
        return trimmed.Length > maxLength ? throw DomainException.TooLong(field, maxLength) : trimmed;
    }

    public static string Email(string? value, string field)
    {
        var email = Required(value, field, 254);
        if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || !email.Contains('.', StringComparison.Ordinal))
        {
            throw DomainException.Invalid(field, "is not a valid e-mail address", "メールアドレスの形式が正しくありません");
        }
        return email;
    }

    public static Guid Id(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw DomainException.Required(field);
        }
        return Guid.TryParse(value, out var id) && id != Guid.Empty
            ? id
            : throw DomainException.Invalid(field, "is not a valid id (UUID)", "ID（UUID）の形式が正しくありません");
    }

    /// <summary>A client-chosen idempotency key: 1..128 printable ASCII characters.</summary>
    public static string RequestId(string? value, string field = "request_id")
    {
        var id = Required(value, field, 128);
        return id.All(c => c is > ' ' and <= '~')
            ? id
            : throw DomainException.Invalid(field, "must be printable ASCII without spaces", "空白を含まない半角英数記号で指定してください");
    }
}
