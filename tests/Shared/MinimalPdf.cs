using System.Text;

namespace GmoSign.Testing;

/// <summary>
/// A one-page PDF with a classic cross-reference table, offsets computed as written; the text makes its bytes unique.
/// Shared as a linked source file by the test and benchmark projects.
/// </summary>
public static class MinimalPdf
{
    public static byte[] Create(string text, byte[]? id = null)
    {
        var content = $"BT /F1 12 Tf 72 720 Td ({text}) Tj ET";
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
        ];
        var pdf = new StringBuilder("%PDF-1.7\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = pdf.Length;
        pdf.Append($"xref\n0 {objects.Length + 1}\n0000000000 65535 f\r\n");
        offsets.ForEach(o => pdf.Append($"{o:D10} 00000 n\r\n"));
        var identifier = id is null ? "" : $" /ID [<{Convert.ToHexString(id)}> <{Convert.ToHexString(id)}>]";
        pdf.Append($"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R{identifier} >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }
}
