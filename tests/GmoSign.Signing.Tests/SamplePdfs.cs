using System.Text;

namespace GmoSign.Signing.Tests;

/// <summary>
/// Input documents from several producers: a hand-written classic PDF, and what qpdf (object streams with a
/// cross-reference stream; linearized) and Ghostscript (pdfwrite) make of it.
/// </summary>
public sealed class SamplePdfs : IDisposable
{
    public SamplePdfs()
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllBytes(Path("classic.pdf"), Classic("Service Agreement No. 2026-001"));
        Require(Tools.Run("qpdf", "--object-streams=generate", Path("classic.pdf"), Path("objstm.pdf")));
        Require(Tools.Run("qpdf", "--linearize", Path("classic.pdf"), Path("linearized.pdf")));
        Require(Tools.Run("gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", $"-sOutputFile={Path("ghostscript.pdf")}", Path("classic.pdf")));
        Require(Tools.Run("qpdf", "--encrypt", "user", "owner", "256", "--", Path("classic.pdf"), Path("encrypted.pdf")));
    }

    public string Folder { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gmosign-pdf-" + Guid.NewGuid().ToString("N")[..8]);

    public string Path(string name) => System.IO.Path.Combine(Folder, name);

    public byte[] Read(string name) => File.ReadAllBytes(Path(name));

    public static IEnumerable<object[]> Producers => [["classic.pdf"], ["objstm.pdf"], ["linearized.pdf"], ["ghostscript.pdf"]];

    /// <summary>A one-page PDF with a classic cross-reference table, offsets computed as written.</summary>
    public static byte[] Classic(string text)
    {
        var content = $"BT /F1 18 Tf 72 720 Td ({text}) Tj ET";
        var objects = new[]
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            $"<< /Length {content.Length} >>\nstream\n{content}\nendstream",
        };
        var pdf = new StringBuilder("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(Encoding.Latin1.GetByteCount(pdf.ToString()));
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = Encoding.Latin1.GetByteCount(pdf.ToString());
        pdf.Append($"xref\n0 {objects.Length + 1}\n0000000000 65535 f\r\n");
        foreach (var offset in offsets)
        {
            pdf.Append($"{offset:D10} 00000 n\r\n");
        }
        pdf.Append($"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R /ID [<00112233445566778899AABBCCDDEEFF> <00112233445566778899AABBCCDDEEFF>] >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.Latin1.GetBytes(pdf.ToString());
    }

    private static void Require((int ExitCode, string Output) result)
    {
        if (result.ExitCode is not (0 or 3)) // qpdf: 3 = warnings
        {
            throw new InvalidOperationException(result.Output);
        }
    }

    /// <summary>Set GMOSIGN_KEEP_SAMPLES=1 to keep the produced files for inspection.</summary>
    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("GMOSIGN_KEEP_SAMPLES") != "1")
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
