using System.Globalization;
using System.Text;

namespace GmoSign.Signing.Pdf;

/// <summary>A line of a report: a heading, a label/value pair, or a blank line.</summary>
public sealed record ReportLine(string Text, string? Value = null, bool Heading = false);

/// <summary>
/// Writes a plain A4 text report as a PDF (the certificate of completion): Japanese and Latin text in one font — the
/// platform's <see cref="EmbeddedFont"/> as a subset, or without one the Adobe-Japan1 gothic that Japanese readers
/// resolve without embedding (HeiseiKakuGo-W5, UniJIS-UCS2-H — PDF 32000 §9.7.5.2) — long values wrapped, as many pages as needed. The result is a classic-xref PDF that the
/// incremental signer can sign.
/// </summary>
public static class TextReportPdf
{
    private const double PageWidth = 595.28;
    private const double PageHeight = 841.89;
    private const double Margin = 50;
    private const double FontSize = 9;
    private const double Leading = 13;
    private const double LabelWidth = 150;

    public static byte[] Render(string title, IReadOnlyList<ReportLine> lines, EmbeddedFont? font = null)
    {
        var subset = font?.Subset([title, .. lines.Select(l => l.Text), .. lines.Select(l => l.Value ?? "")]);
        var pages = Layout(title, lines, subset);
        var objects = new List<string>();
        var streams = new Dictionary<int, byte[]>();
        // 1 catalog, 2 page tree, 3… the font's objects (the embedded subset's five, or the readers' fonts' four), then
        // a page and its content per page.
        var fontObjects = subset is null ? 4 : 5;
        var firstPage = 3 + fontObjects;
        var pageRefs = Enumerable.Range(0, pages.Count).Select(i => firstPage + i * 2).ToList();
        objects.Add("<< /Type /Catalog /Pages 2 0 R >>");
        objects.Add($"<< /Type /Pages /Count {pages.Count} /Kids [{string.Join(' ', pageRefs.Select(r => $"{r} 0 R"))}] >>");
        if (subset is null)
        {
            objects.Add(PdfText.Type0Font("4 0 R"));
            objects.Add(PdfText.CidFont("5 0 R"));
            objects.Add(PdfText.FontDescriptor);
            objects.Add(PdfText.LatinFont);
        }
        else
        {
            foreach (var (number, body) in subset.Objects(3))
            {
                streams[(int)number] = body;
                objects.Add("");
            }
        }
        var resources = subset is null ? "/F1 3 0 R /F2 6 0 R" : "/F1 3 0 R";
        foreach (var (content, index) in pages.Select((p, i) => (p, i)))
        {
            objects.Add($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {N(PageWidth)} {N(PageHeight)}] "
                + $"/Resources << /Font << {resources} >> >> /Contents {pageRefs[index] + 1} 0 R >>");
            var bytes = Encoding.ASCII.GetBytes(content);
            streams[objects.Count + 1] = [.. Encoding.ASCII.GetBytes($"<< /Length {bytes.Length} >>\nstream\n"), .. bytes, .. "\nendstream"u8];
            objects.Add("");
        }

        using var output = new MemoryStream();
        void Write(string text) => output.Write(Encoding.ASCII.GetBytes(text));
        output.Write("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"u8);
        var offsets = new List<long>();
        for (var i = 0; i < objects.Count; i++)
        {
            var number = i + 1;
            offsets.Add(output.Position);
            if (streams.TryGetValue(number, out var body))
            {
                Write($"{number} 0 obj\n");
                output.Write(body);
                Write("\nendobj\n");
            }
            else
            {
                Write($"{number} 0 obj\n{objects[i]}\nendobj\n");
            }
        }
        var xref = output.Position;
        Write($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            Write($"{offset:D10} 00000 n \n");
        }
        var id = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(output.ToArray()).AsSpan(0, 16));
        Write($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{xref}\n%%EOF\n");
        return output.ToArray();
    }

    private static List<string> Layout(string title, IEnumerable<ReportLine> lines, FontSubset? font)
    {
        var pages = new List<string>();
        var page = new StringBuilder();
        var y = PageHeight - Margin;

        void NewPage()
        {
            if (page.Length > 0)
            {
                pages.Add(page.ToString());
            }
            page.Clear();
            y = PageHeight - Margin;
        }

        void Text(double x, double size, string text) => page.Append(PdfText.Show(x, y, size, text, font));

        void Advance(double by)
        {
            y -= by;
            if (y < Margin)
            {
                NewPage();
            }
        }

        Text(Margin, 16, title);
        Advance(Leading * 2.2);
        foreach (var line in lines)
        {
            if (line.Heading)
            {
                Advance(Leading * 0.6);
                Text(Margin, 11, line.Text);
                Advance(Leading * 1.3);
                continue;
            }
            if (line.Value is null)
            {
                foreach (var part in Wrap(line.Text, PageWidth - 2 * Margin, font))
                {
                    Text(Margin, FontSize, part);
                    Advance(Leading);
                }
                continue;
            }
            var labelLines = Wrap(line.Text, LabelWidth - 8, font);
            var valueLines = Wrap(line.Value, PageWidth - 2 * Margin - LabelWidth, font);
            for (var i = 0; i < Math.Max(labelLines.Count, valueLines.Count); i++)
            {
                if (i < labelLines.Count)
                {
                    Text(Margin, FontSize, labelLines[i]);
                }
                if (i < valueLines.Count)
                {
                    Text(Margin + LabelWidth, FontSize, valueLines[i]);
                }
                Advance(Leading);
            }
        }
        NewPage();
        return pages;
    }

    /// <summary>Breaks text to fit a width: half-width characters take half an em, others a full em.</summary>
    private static List<string> Wrap(string text, double width, FontSubset? font)
    {
        var result = new List<string>();
        var line = new StringBuilder();
        double used = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var w = PdfText.Width(rune.ToString(), FontSize, font);
            if (used + w > width && line.Length > 0)
            {
                result.Add(line.ToString());
                line.Clear();
                used = 0;
            }
            line.Append(rune.ToString());
            used += w;
        }
        result.Add(line.ToString());
        return result;
    }

    private static string N(double value) => PdfText.N(value);
}
