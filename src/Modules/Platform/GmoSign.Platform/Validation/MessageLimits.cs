using System.Collections;
using System.Collections.Concurrent;
using GmoSign.Common.V1;
using GmoSign.Errors;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace GmoSign.Platform.Validation;

/// <summary>
/// The checks every request message passes before service code runs, driven by the message descriptors so that a
/// new RPC or field is covered without new code: control characters and length of strings, number of entries of
/// repeated and map fields, Timestamp and CalendarDate ranges, declared enum values. Defaults and the per-field
/// option that replaces them are documented in <c>gmosign/common/v1/validation.proto</c>. A failure names the
/// field path (<c>recipients[2].name</c>) as INVALID_ARGUMENT.
/// </summary>
public static class MessageLimits
{
    public const int DefaultMaxLength = 10_000;
    public const int DefaultMaxItems = 1_000;

    /// <summary>Deeper nesting than this is refused (protobuf's own parser stops at 100).</summary>
    public const int MaxDepth = 32;

    // Timestamp bounds: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, as google/protobuf/timestamp.proto defines.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;
    private const long MaxDurationSeconds = 315_576_000_000;

    private enum Kind { Text, Message, Enum, Other }

    private sealed record Rule(FieldDescriptor Field, Kind Kind, int MaxLength, int MaxItems);

    private static readonly ConcurrentDictionary<MessageDescriptor, Rule[]> Plans = new();

    public static void Validate(IMessage message) => Walk(message, null, 0);

    private static void Walk(IMessage message, string? prefix, int depth)
    {
        if (depth > MaxDepth)
        {
            throw DomainException.Invalid(prefix ?? "request", "is nested too deeply", "入れ子が深すぎます");
        }
        var descriptor = message.Descriptor;
        switch (descriptor.FullName)
        {
            case "google.protobuf.Timestamp":
                CheckTimestamp((Google.Protobuf.WellKnownTypes.Timestamp)message, prefix);
                return;
            case "google.protobuf.Duration":
                CheckDuration((Google.Protobuf.WellKnownTypes.Duration)message, prefix);
                return;
        }
        if (message is CalendarDate date)
        {
            CheckDate(date, prefix);
            return;
        }
        foreach (var rule in Plans.GetOrAdd(descriptor, Plan))
        {
            var field = rule.Field;
            var value = field.Accessor.GetValue(message);
            var name = prefix is null ? field.Name : prefix + "." + field.Name;
            if (field.IsMap)
            {
                var map = (IDictionary)value;
                if (map.Count > rule.MaxItems)
                {
                    throw TooMany(name, rule.MaxItems);
                }
                var valueField = field.MessageType.FindFieldByNumber(2);
                var valueRule = rule with { Field = valueField, Kind = KindOf(valueField) };
                var index = 0;
                foreach (DictionaryEntry entry in map)
                {
                    // A key is named in the path only while it is short: a refusal must fit in the response trailers.
                    var keyPath = entry.Key is string { Length: > 50 } || entry.Key is string k && k.Any(char.IsControl)
                        ? $"{name}[#{index}]"
                        : $"{name}[{entry.Key}]";
                    index++;
                    if (entry.Key is string key)
                    {
                        CheckText(key, keyPath, rule.MaxLength);
                    }
                    CheckOne(valueRule, entry.Value, keyPath, depth);
                }
            }
            else if (field.IsRepeated)
            {
                var list = (IList)value;
                if (list.Count > rule.MaxItems)
                {
                    throw TooMany(name, rule.MaxItems);
                }
                for (var i = 0; i < list.Count; i++)
                {
                    CheckOne(rule, list[i], $"{name}[{i}]", depth);
                }
            }
            else
            {
                CheckOne(rule, value, name, depth);
            }
        }
    }

    private static void CheckOne(Rule rule, object? value, string path, int depth)
    {
        if (value is null)
        {
            return;
        }
        switch (rule.Kind)
        {
            case Kind.Text:
                CheckText((string)value, path, rule.MaxLength);
                break;
            case Kind.Enum:
                var number = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
                if (rule.Field.EnumType.FindValueByNumber(number) is null)
                {
                    throw DomainException.Invalid(path, $"is not a known value ({number})", $"定義されていない値です（{number}）");
                }
                break;
            case Kind.Message:
                Walk((IMessage)value, path, depth + 1);
                break;
        }
    }

    /// <summary>The fields of one message type worth looking at: numbers, booleans and bytes only for their count.</summary>
    private static Rule[] Plan(MessageDescriptor descriptor)
    {
        var rules = new List<Rule>();
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            var kind = KindOf(field);
            if (kind == Kind.Other && !field.IsRepeated)
            {
                continue;
            }
            var limits = field.GetOptions()?.GetExtension(ValidationExtensions.Limits);
            rules.Add(new Rule(field, kind,
                limits is { HasMaxLength: true } ? limits.MaxLength : DefaultMaxLength,
                limits is { HasMaxItems: true } ? limits.MaxItems : DefaultMaxItems));
        }
        return [.. rules];
    }

    private static Kind KindOf(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => Kind.Text,
        FieldType.Enum => Kind.Enum,
        FieldType.Message or FieldType.Group => Kind.Message,
        _ => Kind.Other,
    };

    public static void CheckText(string value, string path, int maxLength)
    {
        if (value.Length > maxLength)
        {
            throw DomainException.TooLong(path, maxLength);
        }
        foreach (var c in value)
        {
            if ((c < ' ' && c is not '\t' and not '\n' and not '\r') || c is >= '\u007f' and <= '\u009f' or '\ufffe' or '\uffff')
            {
                var code = $"U+{(int)c:X4}";
                throw new DomainException(ErrorKind.InvalidArgument, "CONTROL_CHARACTER",
                    $"{path}: contains a control character ({code})", $"{path}: 制御文字（{code}）は使用できません", path)
                {
                    Metadata = { ["character"] = code },
                };
            }
        }
    }

    private static void CheckTimestamp(Google.Protobuf.WellKnownTypes.Timestamp value, string? path)
    {
        if (value.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || value.Nanos is < 0 or > 999_999_999)
        {
            throw DomainException.Invalid(path ?? "request", "is not a valid time (0001-01-01 to 9999-12-31, nanos 0..999999999)",
                "有効な日時ではありません（0001-01-01〜9999-12-31、nanos は 0〜999999999）");
        }
    }

    private static void CheckDuration(Google.Protobuf.WellKnownTypes.Duration value, string? path)
    {
        if (value.Seconds is < -MaxDurationSeconds or > MaxDurationSeconds || value.Nanos is <= -1_000_000_000 or >= 1_000_000_000
            || (value.Seconds > 0 && value.Nanos < 0) || (value.Seconds < 0 && value.Nanos > 0))
        {
            throw DomainException.Invalid(path ?? "request", "is not a valid duration", "有効な期間ではありません");
        }
    }

    private static void CheckDate(CalendarDate date, string? path)
    {
        if (date.Year == 0 && date.Month == 0 && date.Day == 0)
        {
            return; // not given
        }
        // The day may be 0 where a month is meant; the services decide whether a day is needed.
        if (date.Year is < 1 or > 9999 || date.Month is < 1 or > 12 || date.Day < 0 || date.Day > DateTime.DaysInMonth(date.Year, date.Month))
        {
            throw DomainException.Invalid(path ?? "request", "is not a valid date", "有効な日付ではありません");
        }
    }

    private static DomainException TooMany(string path, int max) =>
        new(ErrorKind.InvalidArgument, "TOO_MANY_ITEMS", $"{path}: at most {max} entries", $"{path}: {max}件以内にしてください", path)
        {
            Metadata = { ["limit"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
}
