using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using GmoSign.Errors;
using GmoSign.Grains.Ports;

namespace GmoSign.Grains;

/// <summary>A document fields are placed on: its id, name (for messages) and page sizes.</summary>
public sealed record FieldDocument(Guid DocumentId, string FileName, IReadOnlyList<PageSize> Pages);

/// <summary>A recipient who may fill fields: by id or label; carbon copies fill none.</summary>
public sealed record FieldRecipient(Guid RecipientId, string? Label, bool CarbonCopy);

/// <summary>
/// The rules of input fields: where a sender may place them (<see cref="Place"/>), what a signer's values must be
/// (<see cref="Fill"/>), how a value is drawn, and the search metadata a mapped value fills. Plain functions; the
/// envelope applies them to its draft and its signers, and templates to their documents and roles.
/// </summary>
public static partial class FieldRules
{
    public const int MaxFields = 500;
    public const int DefaultMaxLength = 100;
    public const int MaxTextLength = 500;
    public const int MaxInitials = 10;
    public const double MinSide = 4;
    public const double MaxSide = 2000;

    /// <summary>A recipient's label is at most this long (as CreateEnvelope takes it).</summary>
    public const int MaxLabel = 50;

    /// <summary>Field appearances one document may carry (a page-0 initials field counts once per page).</summary>
    public const int MaxDrawnPerDocument = 2000;

    /// <summary>A field that fills the counterparty holds at most what Retention keeps.</summary>
    public const int MaxCounterparty = 200;

    /// <summary>Date formats a date field may be drawn in; the first is the default.</summary>
    public static readonly IReadOnlyList<string> DateFormats = ["yyyy/MM/dd", "yyyy-MM-dd", "yyyy年M月d日"];

    [GeneratedRegex("^[A-Za-z0-9_-]{1,50}$")]
    private static partial Regex NamePattern();

    /// <summary>
    /// The sender's fields, checked against the draft (documents, signers, pages): INVALID_ARGUMENT naming
    /// <c>fields[i].…</c> for the first one that breaks a rule.
    /// </summary>
    public static List<FieldState> Place(IReadOnlyList<FieldSpec> specs, IReadOnlyList<FieldDocument> documents, IReadOnlyList<FieldRecipient> recipients)
    {
        if (specs.Count > MaxFields)
        {
            throw DomainException.Invalid("fields", $"at most {MaxFields} fields", $"入力項目は{MaxFields}個までです");
        }
        var placed = new List<FieldState>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < specs.Count; i++)
        {
            var f = specs[i];
            var at = $"fields[{i}]";
            if (!NamePattern().IsMatch(f.Name ?? ""))
            {
                throw DomainException.Invalid($"{at}.name", "must be 1..50 letters, digits, '_' or '-'", "英数字・「_」・「-」の1〜50文字で指定してください");
            }
            if (!names.Add(f.Name!))
            {
                throw DomainException.Invalid($"{at}.name", $"'{f.Name}' is used by another field", $"「{f.Name}」は他の項目で使われています");
            }
            var document = documents.FirstOrDefault(d => d.DocumentId == f.DocumentId)
                ?? throw DomainException.Invalid($"{at}.document_id", "is not a document of this envelope", "この封筒の文書ではありません");
            var recipient = Recipient(recipients, f, at);
            if (!Enum.IsDefined(f.Kind))
            {
                throw DomainException.Invalid($"{at}.type", "must be set", "種類を指定してください");
            }
            CheckPlacement(f, at, document.Pages, document.FileName);
            var field = new FieldState
            {
                Name = f.Name!,
                DocumentId = document.DocumentId,
                RecipientId = recipient.RecipientId,
                Kind = f.Kind,
                Page = f.Page,
                X = f.X,
                Y = f.Y,
                Width = f.Width,
                Height = f.Height,
                Required = f.Required,
                MaxLength = f.Kind == FieldKind.Text ? (f.MaxLength == 0 ? DefaultMaxLength : f.MaxLength) : 0,
                Options = [.. f.Options],
                ReadOnly = f.ReadOnly,
                DateFormat = f.Kind == FieldKind.Date ? (string.IsNullOrEmpty(f.DateFormat) ? DateFormats[0] : f.DateFormat) : null,
                MapsTo = f.MapsTo,
                Label = string.IsNullOrEmpty(f.Label) ? null : f.Label,
            };
            CheckDefinition(field, f, at, placed);
            if (!string.IsNullOrEmpty(f.Value))
            {
                field.Value = Normalize(field, f.Value, $"{at}.value", document.FileName, signerName: "", today: null);
            }
            else if (f.ReadOnly && f.Kind is not (FieldKind.Signature or FieldKind.Checkbox))
            {
                throw DomainException.Invalid($"{at}.value", "a read-only field needs the sender's value", "読み取り専用の項目には送信者の値が必要です");
            }
            if (field is { ReadOnly: true, Required: true, Kind: FieldKind.Checkbox } && field.Value != "true")
            {
                // The signer cannot check it, so no one could ever sign.
                throw DomainException.Invalid($"{at}.value", "a read-only required checkbox must be checked by the sender", "読み取り専用の必須チェックボックスは送信者がチェックしてください");
            }
            placed.Add(field);
        }
        // What a signature draws is bounded: initials on every page multiply by the page count.
        foreach (var document in documents)
        {
            var drawn = placed.Where(f => f.DocumentId == document.DocumentId).Sum(f => f.Page == 0 ? document.Pages.Count : 1);
            if (drawn > MaxDrawnPerDocument)
            {
                throw DomainException.Invalid("fields", $"'{document.FileName}' would carry {drawn} drawn fields (initials count once per page); at most {MaxDrawnPerDocument}",
                    $"「{document.FileName}」に描画される項目が{drawn}個になります（全ページのイニシャルはページ数分）。{MaxDrawnPerDocument}個までです");
            }
        }
        return placed;
    }

    private static FieldRecipient Recipient(IReadOnlyList<FieldRecipient> recipients, FieldSpec f, string at)
    {
        FieldRecipient? recipient;
        if (f.RecipientId is { } id)
        {
            recipient = recipients.FirstOrDefault(r => r.RecipientId == id);
            if (recipient is null)
            {
                throw DomainException.Invalid($"{at}.recipient_id", "is not a recipient of this envelope", "この封筒の受信者ではありません");
            }
        }
        else if (!string.IsNullOrEmpty(f.RecipientLabel))
        {
            if (f.RecipientLabel.Length > MaxLabel)
            {
                // Not echoed: a refusal carries the label in its message, and an unbounded one would not fit in the trailers.
                throw DomainException.TooLong($"{at}.recipient_label", MaxLabel);
            }
            recipient = recipients.FirstOrDefault(r => r.Label == f.RecipientLabel)
                ?? throw DomainException.Invalid($"{at}.recipient_label", $"no recipient is labelled '{f.RecipientLabel}'", $"ラベル「{f.RecipientLabel}」の受信者はいません");
        }
        else
        {
            throw DomainException.Invalid($"{at}.recipient_id", "name the signer by recipient_id or recipient_label", "recipient_id か recipient_label で署名者を指定してください");
        }
        if (recipient.CarbonCopy)
        {
            throw DomainException.Invalid(f.RecipientId is null ? $"{at}.recipient_label" : $"{at}.recipient_id", "a carbon-copy recipient fills no fields",
                "CC の受信者は項目を入力しません");
        }
        return recipient;
    }

    private static void CheckPlacement(FieldSpec f, string at, IReadOnlyList<PageSize> pages, string fileName)
    {
        if (f.Page < 0 || f.Page > pages.Count || (f.Page == 0 && f.Kind != FieldKind.Initials))
        {
            throw DomainException.Invalid($"{at}.page", $"'{fileName}' has pages 1..{pages.Count}" + (f.Kind == FieldKind.Initials ? " (0: every page)" : ""),
                $"「{fileName}」のページは1〜{pages.Count}です" + (f.Kind == FieldKind.Initials ? "（0: 全ページ）" : ""));
        }
        foreach (var value in new[] { f.X, f.Y, f.Width, f.Height })
        {
            if (!double.IsFinite(value))
            {
                throw DomainException.Invalid($"{at}.rect", "must be finite numbers", "有限の数値で指定してください");
            }
        }
        if (f.Width is < MinSide or > MaxSide || f.Height is < MinSide or > MaxSide)
        {
            throw DomainException.Invalid($"{at}.rect", $"width and height must be {MinSide}..{MaxSide} points", $"幅と高さは{MinSide}〜{MaxSide}ポイントで指定してください");
        }
        foreach (var (page, number) in (f.Page == 0 ? pages : [pages[f.Page - 1]]).Select((p, n) => (p, f.Page == 0 ? n + 1 : f.Page)))
        {
            if (f.X < 0 || f.Y < 0 || f.X + f.Width > page.Width + 0.01 || f.Y + f.Height > page.Height + 0.01)
            {
                throw DomainException.Invalid($"{at}.rect",
                    $"lies outside page {number} of '{fileName}' ({page.Width:0.##} x {page.Height:0.##} points)",
                    $"「{fileName}」の{number}ページ（{page.Width:0.##} x {page.Height:0.##} ポイント）の外にはみ出しています");
            }
        }
    }

    private static void CheckDefinition(FieldState field, FieldSpec f, string at, List<FieldState> earlier)
    {
        if (field.Kind == FieldKind.Text && f.MaxLength is < 0 or > MaxTextLength)
        {
            throw DomainException.Invalid($"{at}.max_length", $"must be 1..{MaxTextLength}", $"1〜{MaxTextLength}で指定してください");
        }
        if (field.Kind == FieldKind.Dropdown)
        {
            if (f.Options.Count is 0 or > 50)
            {
                throw DomainException.Invalid($"{at}.options", "a dropdown needs 1..50 options", "選択肢は1〜50個指定してください");
            }
            if (f.Options.Any(o => o.Length is 0 or > 100 || o.Any(char.IsControl)))
            {
                throw DomainException.Invalid($"{at}.options", "each option is 1..100 characters on one line", "選択肢は改行なしの1〜100文字です");
            }
            if (f.Options.Distinct(StringComparer.Ordinal).Count() != f.Options.Count)
            {
                throw DomainException.Invalid($"{at}.options", "options must differ", "選択肢が重複しています");
            }
        }
        else if (f.Options.Count > 0)
        {
            throw DomainException.Invalid($"{at}.options", "only a dropdown has options", "選択肢はドロップダウンのみ指定できます");
        }
        if (field.Kind != FieldKind.Date && !string.IsNullOrEmpty(f.DateFormat))
        {
            throw DomainException.Invalid($"{at}.date_format", "only a date field has a format", "日付形式は日付項目のみ指定できます");
        }
        if (field.DateFormat is { } format && !DateFormats.Contains(format))
        {
            throw DomainException.Invalid($"{at}.date_format", $"must be one of {string.Join(", ", DateFormats)}", $"{string.Join("、", DateFormats)} のいずれかです");
        }
        if (!Enum.IsDefined(f.MapsTo))
        {
            throw DomainException.Invalid($"{at}.maps_to", "is not a mapping", "対応付けが正しくありません");
        }
        var fits = f.MapsTo switch
        {
            FieldMapping.None => true,
            FieldMapping.Amount => field.Kind == FieldKind.Text,
            FieldMapping.TransactionDate => field.Kind == FieldKind.Date,
            FieldMapping.Counterparty => field.Kind is FieldKind.Text or FieldKind.Dropdown,
            _ => false,
        };
        if (!fits)
        {
            throw DomainException.Invalid($"{at}.maps_to", $"{f.MapsTo} cannot be filled by a {field.Kind} field", $"{field.Kind} 項目は {f.MapsTo} に対応付けできません");
        }
        if (f.MapsTo != FieldMapping.None && earlier.Any(e => e.MapsTo == f.MapsTo))
        {
            throw DomainException.Invalid($"{at}.maps_to", $"another field already fills {f.MapsTo}", $"{f.MapsTo} には既に別の項目が対応付けられています");
        }
        if (f.MapsTo == FieldMapping.Counterparty && field.Kind == FieldKind.Text && field.MaxLength > MaxCounterparty)
        {
            throw DomainException.Invalid($"{at}.max_length", $"a field that fills the counterparty holds at most {MaxCounterparty} characters",
                $"取引先に対応付ける項目は{MaxCounterparty}文字までです");
        }
        if (field.Kind == FieldKind.Initials && field.Page == 0
            && earlier.Any(e => e.Kind == FieldKind.Initials && e.Page == 0 && e.RecipientId == field.RecipientId && e.DocumentId == field.DocumentId))
        {
            throw DomainException.Invalid($"{at}.page", "a signer has at most one every-page initials field per document", "全ページのイニシャル欄は署名者・文書ごとに1つまでです");
        }
        if (f.Label is { } label && label.Any(char.IsControl))
        {
            throw DomainException.Invalid($"{at}.label", "must be one line without control characters", "改行や制御文字は使えません");
        }
        if (f.Label is { Length: > 100 })
        {
            throw DomainException.TooLong($"{at}.label", 100);
        }
        if (field.Kind == FieldKind.Signature)
        {
            if (!string.IsNullOrEmpty(f.Value) || f.ReadOnly)
            {
                throw DomainException.Invalid($"{at}.value", "a signature field takes no value", "署名欄に値は指定できません");
            }
            if (earlier.Any(e => e.Kind == FieldKind.Signature && e.RecipientId == field.RecipientId && e.DocumentId == field.DocumentId))
            {
                throw DomainException.Invalid($"{at}.type", "a signer has at most one signature field per document", "署名欄は署名者・文書ごとに1つまでです");
            }
        }
    }

    /// <summary>
    /// The signer's values for their fields: every value names one of the signer's fields, read-only values are not
    /// changed, each has its type's form, and every required field is filled. Returns each of the signer's fields with
    /// the value to record; INVALID_ARGUMENT names <c>field_values[name]</c> and the document.
    /// </summary>
    public static List<(FieldState Field, string? Value)> Fill(IReadOnlyList<FieldState> fields, Guid signerId, string signerName,
        Func<Guid, string> fileName, IReadOnlyList<FieldValueInput> values, DateOnly today)
    {
        var mine = fields.Where(f => f.RecipientId == signerId).ToList();
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            var field = mine.FirstOrDefault(f => f.Name == value.Name);
            if (field is null)
            {
                // A name no field could have is named by its position, not echoed (it may be anything up to the message limits,
                // more than the trailers carry).
                throw DomainException.Invalid(NamePattern().IsMatch(value.Name) ? $"field_values[{value.Name}]" : $"field_values[{i}].name",
                    "is not one of your fields", "あなたが入力する項目ではありません");
            }
            if (!given.TryAdd(value.Name, value.Value))
            {
                throw Refusal($"field_values[{value.Name}]", fileName(field.DocumentId), "is given twice", "2回指定されています");
            }
        }
        var result = new List<(FieldState, string?)>();
        foreach (var field in mine)
        {
            var file = fileName(field.DocumentId);
            var at = $"field_values[{field.Name}]";
            string? value;
            if (given.TryGetValue(field.Name, out var sent) && sent.Length > 0)
            {
                if (field.ReadOnly && sent != field.Value)
                {
                    throw Refusal(at, file, "is set by the sender and cannot be changed", "送信者が設定した値は変更できません");
                }
                value = Normalize(field, sent, at, file, signerName, today);
            }
            else
            {
                value = Normalize(field, field.Value ?? "", at, file, signerName, today);
            }
            if (field.Required && (string.IsNullOrEmpty(value) || (field.Kind == FieldKind.Checkbox && value != "true")))
            {
                throw field.Kind == FieldKind.Checkbox
                    ? Refusal(at, file, "must be checked", "チェックが必要です")
                    : Refusal(at, file, "is required", "入力が必要です");
            }
            result.Add((field, value));
        }
        return result;
    }

    /// <summary>The value in its stored form (dates as yyyy-MM-dd, checkboxes true/false), or null for none.</summary>
    private static string? Normalize(FieldState field, string value, string at, string fileName, string signerName, DateOnly? today)
    {
        if (value.Length > MaxTextLength)
        {
            throw Refusal(at, fileName, $"must be at most {MaxTextLength} characters", $"{MaxTextLength}文字以内で入力してください");
        }
        if (value.Any(char.IsControl))
        {
            throw Refusal(at, fileName, "must be one line without control characters", "改行や制御文字は使えません");
        }
        switch (field.Kind)
        {
            case FieldKind.Signature:
                return value.Length == 0 ? null : throw Refusal(at, fileName, "a signature field takes no value", "署名欄に値は指定できません");
            case FieldKind.Text:
                if (value.Length > field.MaxLength)
                {
                    throw Refusal(at, fileName, $"must be at most {field.MaxLength} characters", $"{field.MaxLength}文字以内で入力してください");
                }
                if (field.MapsTo == FieldMapping.Amount && value.Length > 0 && Amount(value) is null)
                {
                    throw Refusal(at, fileName, "must be an amount: digits, commas allowed, at most 10^15", "金額（数字、カンマ可、10^15以下）で入力してください");
                }
                return value.Length == 0 ? null : value;
            case FieldKind.Date:
                if (value.Length == 0)
                {
                    return today?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                }
                if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) || date.Year is < 1900 or > 2100)
                {
                    throw Refusal(at, fileName, "must be a date YYYY-MM-DD between 1900 and 2100", "日付を YYYY-MM-DD（1900〜2100年）で入力してください");
                }
                return date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            case FieldKind.Checkbox:
                return value switch
                {
                    "" or "false" => "false",
                    "true" => "true",
                    _ => throw Refusal(at, fileName, "must be true or false", "true か false で指定してください"),
                };
            case FieldKind.Initials:
                if (value.Length == 0)
                {
                    return today is null ? null : Initials(signerName);
                }
                return value.Length <= MaxInitials ? value : throw Refusal(at, fileName, $"must be at most {MaxInitials} characters", $"{MaxInitials}文字以内で入力してください");
            case FieldKind.Dropdown:
                if (value.Length > 0 && !field.Options.Contains(value))
                {
                    throw Refusal(at, fileName, "must be one of the options", "選択肢のいずれかを指定してください");
                }
                return value.Length == 0 ? null : value;
            default:
                throw new InvalidOperationException($"Unknown field kind {field.Kind}.");
        }
    }

    private static DomainException Refusal(string at, string fileName, string english, string japanese) =>
        new(ErrorKind.InvalidArgument, "INVALID_FIELD", $"{at} on '{fileName}': {english}", $"「{fileName}」の {at}: {japanese}", at);

    /// <summary>The first letter of each part of the name (山田 太郎 → 山太, Taro Yamada → TY).</summary>
    public static string Initials(string name)
    {
        // By letter (Rune), not by UTF-16 unit: a letter outside the BMP (𠮷) is kept whole.
        var letters = name.Split([' ', '\u3000'], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => Rune.DecodeFromUtf16(p, out var first, out _) == OperationStatus.Done ? Rune.ToUpperInvariant(first).ToString() : "")
            .Where(l => l.Length > 0)
            .Take(MaxInitials)
            .ToList();
        return letters.Count > 0 ? string.Concat(letters) : "-";
    }

    /// <summary>An amount field's value as a number: digits with optional thousands commas (and a leading ¥), 0..10^15.</summary>
    public static long? Amount(string value)
    {
        var digits = value.Trim().TrimStart('¥', '￥').Replace(",", "", StringComparison.Ordinal);
        return digits.Length is > 0 and <= 16 && digits.All(char.IsAsciiDigit) && long.TryParse(digits, CultureInfo.InvariantCulture, out var amount) && amount <= 1_000_000_000_000_000
            ? amount
            : null;
    }

    /// <summary>What a value looks like on the page: dates in the field's format, checkboxes as their state.</summary>
    public static FieldDrawing Drawing(FieldState field, string? value)
    {
        var placement = new PagePlacement(field.Page, field.X, field.Y, field.Width, field.Height);
        return field.Kind switch
        {
            FieldKind.Checkbox => new FieldDrawing(field.Name, placement, null, value == "true"),
            FieldKind.Date when value is not null => new FieldDrawing(field.Name, placement,
                DateOnly.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture).ToString(field.DateFormat ?? DateFormats[0], CultureInfo.InvariantCulture)),
            _ => new FieldDrawing(field.Name, placement, value ?? ""),
        };
    }

    /// <summary>The search metadata with the mapped fields' values in place of the sender's.</summary>
    public static RetentionSpec Mapped(RetentionSpec retention, IEnumerable<FieldState> fields)
    {
        foreach (var field in fields.Where(f => f.MapsTo != FieldMapping.None && !string.IsNullOrEmpty(f.Value)))
        {
            retention = field.MapsTo switch
            {
                FieldMapping.Amount when Amount(field.Value!) is { } amount => retention with { Amount = amount },
                FieldMapping.TransactionDate => retention with { TransactionDate = DateOnly.ParseExact(field.Value!, "yyyy-MM-dd", CultureInfo.InvariantCulture) },
                FieldMapping.Counterparty => retention with { Counterparty = field.Value },
                _ => retention,
            };
        }
        return retention;
    }

    public static FieldView View(FieldState f) => new(f.Name, f.DocumentId, f.RecipientId, f.Kind, f.Page, f.X, f.Y, f.Width, f.Height, f.Required,
        f.MaxLength, [.. f.Options], f.Value, f.ReadOnly, f.DateFormat, f.MapsTo, f.Label, f.FilledAt);
}

/// <summary>An input field on a document as an envelope keeps it; <see cref="Value"/> is the sender's until the signer's is signed.</summary>
public sealed class FieldState
{
    public string Name { get; set; } = "";
    public Guid DocumentId { get; set; }
    public Guid RecipientId { get; set; }
    public FieldKind Kind { get; set; }
    public int Page { get; set; }
    public double X { get; set; }
    public double Y { get; set; }
    public double Width { get; set; }
    public double Height { get; set; }
    public bool Required { get; set; }
    public int MaxLength { get; set; }
    public List<string> Options { get; set; } = [];
    public string? Value { get; set; }
    public bool ReadOnly { get; set; }
    public string? DateFormat { get; set; }
    public FieldMapping MapsTo { get; set; }
    public string? Label { get; set; }
    public DateTimeOffset? FilledAt { get; set; }
}
