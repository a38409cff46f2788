using System.Text;
using GmoSign.Errors;
using Sylvan.Data.Csv;

namespace GmoSign.Signing;

/// <summary>A data row of a bulk-send CSV: its number as a spreadsheet shows it (header = 1) and its cells by column.</summary>
internal sealed record CsvRow(int Row, IReadOnlyList<string> Cells);

/// <summary>
/// Reading a bulk-send CSV: the encoding (UTF-8 with or without BOM, else Shift_JIS as Japanese Excel writes it, both
/// decoded strictly so a wrong guess fails instead of producing mojibake) and the records (RFC 4180, read by
/// Sylvan.Data.Csv: quoted fields with commas, quotes and line breaks).
/// </summary>
internal static class BulkSendCsv
{
    /// <summary>The largest file: under gRPC's 4 MB message limit, so the service's own refusal is what the sender sees.</summary>
    public const int MaxBytes = 3 * 1024 * 1024;

    /// <summary>The longest cell accepted, in characters (a bound on what one malformed quote can swallow).</summary>
    public const int MaxCellChars = 10_000;

    static BulkSendCsv() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static (string Text, string Encoding) Decode(byte[] bytes)
    {
        if (bytes.AsSpan().StartsWith(Preamble))
        {
            return (Strict(new UTF8Encoding(false, true), bytes.AsSpan(Preamble.Length).ToArray()) ?? throw NotText(), "UTF-8");
        }
        if (Strict(new UTF8Encoding(false, true), bytes) is { } utf8)
        {
            return (utf8, "UTF-8");
        }
        var shiftJis = Encoding.GetEncoding(932, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        return (Strict(shiftJis, bytes) ?? throw NotText(), "Shift_JIS");
    }

    /// <summary>The header cells and the data rows (rows whose cells are all empty are skipped); at most <paramref name="maxRows"/> rows.</summary>
    public static (IReadOnlyList<string> Headers, IReadOnlyList<CsvRow> Rows) Parse(string text, int maxRows)
    {
        var rows = new List<CsvRow>();
        var row = 1;
        try
        {
            using var reader = CsvDataReader.Create(new StringReader(text), new CsvDataReaderOptions
            {
                HasHeaders = true, Delimiter = ',', MaxBufferSize = MaxCellChars * 4, HeaderComparer = StringComparer.Ordinal,
            });
            var headers = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetName(i).Trim()).ToList();
            while (reader.Read())
            {
                row++;
                var cells = Enumerable.Range(0, reader.RowFieldCount).Select(i => reader.GetString(i)).ToList();
                if (cells.All(string.IsNullOrWhiteSpace))
                {
                    continue;
                }
                if (rows.Count == maxRows)
                {
                    throw new DomainException(ErrorKind.InvalidArgument, "INVALID_FIELD", $"csv: at most {maxRows} data rows (row {row} is one more)",
                        $"csv: データ行は{maxRows}行までです（{row}行目が超過）", "csv");
                }
                rows.Add(new CsvRow(row, cells));
            }
            if (headers.Count == 0 || headers.All(h => h.Length == 0))
            {
                throw DomainException.Invalid("csv", "the first row must name the columns", "1行目に列名が必要です");
            }
            return (headers, rows);
        }
        catch (CsvRecordTooLargeException)
        {
            throw DomainException.Invalid("csv", $"a cell is longer than {MaxCellChars} characters (an unclosed quote?)",
                $"{MaxCellChars}文字を超えるセルがあります（引用符の閉じ忘れ？）");
        }
        catch (CsvFormatException)
        {
            throw DomainException.Invalid("csv", $"row {row + 1} is not well-formed CSV (a quote not closed, or text after a closing quote)",
                $"{row + 1}行目がCSVとして正しくありません（引用符の閉じ忘れ、または閉じ引用符の後に文字）");
        }
    }

    private static ReadOnlySpan<byte> Preamble => [0xEF, 0xBB, 0xBF];

    private static string? Strict(Encoding encoding, byte[] bytes)
    {
        try
        {
            return encoding.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static DomainException NotText() =>
        DomainException.Invalid("csv", "is neither UTF-8 nor Shift_JIS text", "UTF-8 または Shift_JIS のテキストではありません");
}
