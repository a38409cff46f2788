using GmoSign.Errors;
using GmoSign.Platform.Validation;
using GmoSign.Retention.V1;

namespace GmoSign.Retention;

/// <summary>Validation of document metadata and the retention period that follows from it.</summary>
internal static class DocumentRules
{
    public static DocumentMeta Validate(DocumentMetadata? m, string prefix)
    {
        if (m is null)
        {
            throw DomainException.Required(prefix);
        }
        var type = Check.Required(m.DocumentType, $"{prefix}.document_type", 40);
        if (RetentionDefaults.All.All(d => d.Type != type))
        {
            throw DomainException.Invalid($"{prefix}.document_type", $"'{type}' is not a document type (see GetRetentionDefaults)",
                $"「{type}」は文書種別として存在しません（GetRetentionDefaults を参照）");
        }
        if (m.Amount is < 0 or > 1_000_000_000_000_000)
        {
            throw DomainException.Invalid($"{prefix}.amount", "must be between 0 and 10^15", "0〜10^15 の範囲で指定してください");
        }
        var currency = string.IsNullOrEmpty(m.Currency) ? "JPY" : m.Currency;
        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))
        {
            throw DomainException.Invalid($"{prefix}.currency", "must be an ISO 4217 code such as JPY", "JPY のような ISO 4217 コードで指定してください");
        }
        var fileName = Check.Optional(m.FileName, $"{prefix}.file_name", 200) ?? "document.pdf";
        if (fileName.IndexOfAny(['/', '\\', '\0']) >= 0)
        {
            throw DomainException.Invalid($"{prefix}.file_name", "must not contain path separators", "パス区切り文字は使用できません");
        }
        return new DocumentMeta(
            Check.Required(m.Title, $"{prefix}.title", 200), type,
            Dates.Required(m.TransactionDate, $"{prefix}.transaction_date"), m.Amount, currency,
            Check.Required(m.Counterparty, $"{prefix}.counterparty", 200),
            List(m.Parties, $"{prefix}.parties", 20, 200), List(m.Tags, $"{prefix}.tags", 20, 50), fileName);
    }

    private static string[] List(IReadOnlyList<string> values, string field, int maxCount, int maxLength)
    {
        if (values.Count > maxCount)
        {
            throw DomainException.Invalid(field, $"may hold at most {maxCount} entries", $"{maxCount}件以内で指定してください");
        }
        return values.Select((v, i) => Check.Required(v, $"{field}[{i}]", maxLength)).Distinct().ToArray();
    }

    /// <summary>Kept for the type's years counted from the transaction date (the end of that day).</summary>
    public static DateOnly RetentionUntil(DocumentMeta meta) =>
        meta.TransactionDate.AddYears(RetentionDefaults.All.First(d => d.Type == meta.DocumentType).Years);

    /// <summary>A PDF starts with %PDF- (within the first 1024 bytes, as readers allow).</summary>
    public static bool LooksLikePdf(ReadOnlySpan<byte> content)
    {
        var head = content[..Math.Min(content.Length, 1024)];
        return head.IndexOf("%PDF-"u8) >= 0 && content.LastIndexOf("%%EOF"u8) >= 0;
    }
}
