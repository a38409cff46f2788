
namespace GmoSign.Signing.Tests;

/// <summary>
/// Input documents from several producers: a hand-written classic PDF, what qpdf (object streams with a
/// cross-reference stream; linearized) and Ghostscript (pdfwrite) make of it, and a 36-page manual typeset by pdfTeX
/// (object and cross-reference streams) that Debian ships in libtasn1-doc (deploy/test.sh installs it).
/// </summary>
public sealed class SamplePdfs : IDisposable
{
    public const string PdfTexManual = "/usr/share/doc/libtasn1-doc/libtasn1.pdf";

    public SamplePdfs()
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllBytes(Path("classic.pdf"), Classic("Service Agreement No. 2026-001"));
        Require(Tools.Run("qpdf", "--object-streams=generate", Path("classic.pdf"), Path("objstm.pdf")));
        Require(Tools.Run("qpdf", "--linearize", Path("classic.pdf"), Path("linearized.pdf")));
        Require(Tools.Run("gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", $"-sOutputFile={Path("ghostscript.pdf")}", Path("classic.pdf")));
        Require(Tools.Run("qpdf", "--encrypt", "user", "owner", "256", "--", Path("classic.pdf"), Path("encrypted.pdf")));
        File.Copy(PdfTexManual, Path("pdftex.pdf"));
    }

    public string Folder { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gmosign-pdf-" + Guid.NewGuid().ToString("N")[..8]);

    public string Path(string name) => System.IO.Path.Combine(Folder, name);

    public byte[] Read(string name) => File.ReadAllBytes(Path(name));

    public static IEnumerable<object[]> Producers => [["classic.pdf"], ["objstm.pdf"], ["linearized.pdf"], ["ghostscript.pdf"], ["pdftex.pdf"]];

    /// <summary>A one-page PDF with a classic cross-reference table and a file identifier.</summary>
    public static byte[] Classic(string text) =>
        GmoSign.Testing.MinimalPdf.Create(text, Convert.FromHexString("00112233445566778899AABBCCDDEEFF"));

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
