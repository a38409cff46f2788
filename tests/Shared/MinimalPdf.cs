using System.Text;

namespace GmoSign.Testing;

/// <summary>
/// A PDF (one page unless asked for more) with a classic cross-reference table, offsets computed as written; the text makes its bytes unique.
/// Shared as a linked source file by the test and benchmark projects.
/// </summary>
public static class MinimalPdf
{
    public static byte[] Create(string text, byte[]? id = null) => Create(text, pages: 1, id);

    /// <summary>A PDF of <paramref name="pages"/> A4 pages, each saying its number after the text.</summary>
    public static byte[] Create(string text, int pages, byte[]? id = null)
    {
        // 1 catalog, 2 pages, 3 font, then a page object and its content stream per page.
        var objects = new List<string>
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            $"<< /Type /Pages /Kids [{string.Join(" ", Enumerable.Range(0, pages).Select(p => $"{4 + 2 * p} 0 R"))}] /Count {pages} >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        };
        for (var p = 0; p < pages; p++)
        {
            var content = pages == 1 ? $"BT /F1 12 Tf 72 720 Td ({text}) Tj ET" : $"BT /F1 12 Tf 72 720 Td ({text} - page {p + 1} of {pages}) Tj ET";
            objects.Add($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * p} 0 R >>");
            objects.Add($"<< /Length {content.Length} >>\nstream\n{content}\nendstream");
        }
        var pdf = new StringBuilder("%PDF-1.7\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = pdf.Length;
        pdf.Append($"xref\n0 {objects.Count + 1}\n0000000000 65535 f\r\n");
        offsets.ForEach(o => pdf.Append($"{o:D10} 00000 n\r\n"));
        var identifier = id is null ? "" : $" /ID [<{Convert.ToHexString(id)}> <{Convert.ToHexString(id)}>]";
        pdf.Append($"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R{identifier} >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }
}
