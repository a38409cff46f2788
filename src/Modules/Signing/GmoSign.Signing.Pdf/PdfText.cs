using System.Globalization;
using System.Text;

namespace GmoSign.Signing.Pdf;

/// <summary>
/// Text in content streams with two fonts every reader has without embedding: Helvetica (WinAnsi) for Latin runs and
/// the Adobe-Japan1 gothic HeiseiKakuGo-W5 (UniJIS-UCS2-H, PDF 32000 §9.7.5.2) for everything else. Resource names:
/// <c>/F1</c> Japanese, <c>/F2</c> Latin.
/// </summary>
internal static class PdfText
{
    /// <summary>The Type0 font dictionary; <paramref name="descendant"/> references <see cref="CidFont"/>.</summary>
    public static string Type0Font(string descendant) =>
        $"<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiKakuGo-W5 /Encoding /UniJIS-UCS2-H /DescendantFonts [{descendant}] >>";

    /// <summary>The CID font; <paramref name="descriptor"/> references <see cref="FontDescriptor"/>.</summary>
    public static string CidFont(string descriptor) =>
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HeiseiKakuGo-W5 "
        + $"/CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 5 >> /FontDescriptor {descriptor} /DW 1000 /W [1 95 500 231 632 500] >>";

    public const string FontDescriptor = "<< /Type /FontDescriptor /FontName /HeiseiKakuGo-W5 /Flags 4 /FontBBox [-92 -250 1010 922] /ItalicAngle 0 "
        + "/Ascent 880 /Descent -120 /CapHeight 737 /StemV 114 >>";

    public const string LatinFont = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";

    /// <summary>One line of text at (x, y) as a BT … ET block.</summary>
    public static string Show(double x, double y, double size, string text)
    {
        var block = new StringBuilder($"BT {N(x)} {N(y)} Td");
        foreach (var (latin, run) in Runs(text))
        {
            block.Append(latin ? $" /F2 {N(size)} Tf ({Escape(run)}) Tj" : $" /F1 {N(size)} Tf <{Utf16Hex(run)}> Tj");
        }
        return block.Append(" ET\n").ToString();
    }

    /// <summary>One line in the embedded subset (resource <c>/F1</c>), or in the readers' fonts when there is none.</summary>
    public static string Show(double x, double y, double size, string text, FontSubset? font) =>
        font is null ? Show(x, y, size, text) : $"BT {N(x)} {N(y)} Td /F1 {N(size)} Tf {font.Hex(text)} Tj ET\n";

    /// <summary>The text's advance in points.</summary>
    public static double Width(string text, double size, FontSubset? font) => font?.Width(text, size) ?? Ems(text) * size;

    /// <summary>Approximate advance of the text in em: Latin 0.6, others 1.</summary>
    public static double Ems(string text) => text.EnumerateRunes().Sum(r => r.Value is >= 0x20 and < 0x7F ? 0.6 : 1.0);

    public static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static IEnumerable<(bool Latin, string Run)> Runs(string text)
    {
        var run = new StringBuilder();
        bool? latin = null;
        foreach (var c in text)
        {
            var isLatin = c is >= ' ' and < (char)0x7F;
            if (latin is { } current && current != isLatin)
            {
                yield return (current, run.ToString());
                run.Clear();
            }
            latin = isLatin;
            run.Append(c);
        }
        if (latin is { } last)
        {
            yield return (last, run.ToString());
        }
    }

    private static string Escape(string latin) => latin.Replace("\\", "\\\\").Replace("(", "\\(").Replace(")", "\\)");

    private static string Utf16Hex(string text)
    {
        // UniJIS-UCS2-H covers the Basic Multilingual Plane; other characters become a geta mark (〓).
        var builder = new StringBuilder(text.Length * 4);
        foreach (var rune in text.EnumerateRunes())
        {
            builder.Append(rune.IsBmp && !char.IsControl((char)rune.Value) ? rune.Value.ToString("X4", CultureInfo.InvariantCulture) : "3013");
        }
        return builder.ToString();
    }
}
