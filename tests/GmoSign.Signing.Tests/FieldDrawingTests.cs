using GmoSign.Signing.Pdf;

namespace GmoSign.Signing.Tests;

/// <summary>
/// Field values and stamps drawn in a signer's own revision, in the embedded font: judged by poppler (pdfsig, pdffonts,
/// pdftotext) and qpdf, on a one-page document and on the 36-page pdfTeX manual.
/// </summary>
public sealed class FieldDrawingTests(SigningFixture fixture) : IClassFixture<SigningFixture>
{
    private static EmbeddedFont Font() =>
        EmbeddedFont.Find(null) ?? throw new InvalidOperationException("fonts-ipafont-gothic is not installed (deploy/test.sh installs it).");

    [Fact]
    public void A_subset_is_made_once_per_set_of_characters_and_covers_exactly_them()
    {
        using var font = Font();
        var first = font.Subset(["山田 太郎", "2026/12/02"]);
        // The same characters in another order and grouping: the subset already made.
        Assert.Same(first, font.Subset(["2026/12/02 太郎", "山田"]));
        var other = font.Subset(["佐藤 花子"]);
        Assert.NotSame(first, other);
        Assert.NotEqual(first.Program, other.Program);
        // Every character of its text has a glyph (a non-zero code); one outside it draws as .notdef (code 0).
        Assert.DoesNotContain("0000", first.Hex("山田太郎").Trim('<', '>').Chunk(4).Select(c => new string(c)));
        Assert.Equal("<0000>", first.Hex("花"));
        Assert.NotEqual("<0000>", other.Hex("花"));
    }

    [Theory]
    [InlineData("classic.pdf")]
    [InlineData("pdftex.pdf")]
    public async Task Each_signers_values_are_drawn_in_their_revision_and_every_signature_stays_valid(string producer)
    {
        using var font = Font();
        var signer = new PdfSigner(new LocalTimestampAuthority(fixture.Pki.Timestamping, TimeProvider.System), TimeProvider.System, font);
        var original = fixture.Samples.Read(producer);
        string[] stamp = ["電子署名 / Digitally signed - GmoSign", "山田 太郎", "2026-12-02 10:00 JST", "立会人型 / witness type"];

        // First signer: a company name, a date and a checked box on page 1, initials on every page, the stamp where the sender put it.
        var first = await signer.SignAsync(original, fixture.Pki.PlatformSigner, "Signature1", "山田 太郎", "契約の締結", null, CancellationToken.None,
            stamp, 0, new PdfPlacement(1, 300, 600, 170, 54),
            [
                new PdfMark("company", new PdfPlacement(1, 72, 700, 250, 20), "株式会社テスト商事 ABC"),
                new PdfMark("signed_on", new PdfPlacement(1, 72, 670, 120, 18), "2026年12月2日"),
                new PdfMark("agree", new PdfPlacement(1, 72, 640, 14, 14), null, Checked: true),
                new PdfMark("initials", new PdfPlacement(0, 500, 20, 40, 16), "山太"),
            ]);
        Assert.Equal(original, first.AsSpan(0, original.Length).ToArray());

        // Second signer: one value of their own in their own revision.
        var second = await signer.SignAsync(first, fixture.Pki.PlatformSigner, "Signature2", "佐藤 花子", "同意します", null, CancellationToken.None,
            ["電子署名 / Digitally signed - GmoSign", "佐藤 花子"], 1, null, [new PdfMark("title", new PdfPlacement(1, 72, 560, 200, 20), "代表取締役")]);
        Assert.Equal(first, second.AsSpan(0, first.Length).ToArray());

        var path = fixture.Samples.Path("fields-" + producer);
        File.WriteAllBytes(path, second);
        var pdfsig = Tools.Run("pdfsig", path);
        Assert.Equal(2, pdfsig.Output.Split("Signature is Valid").Length - 1);
        Assert.Contains("Total document signed", pdfsig.Output);

        // The first signer's revision holds their values: they are inside what the first signature covers.
        var firstPath = fixture.Samples.Path("fields-first-" + producer);
        File.WriteAllBytes(firstPath, first);
        var firstText = Tools.Run("pdftotext", "-f", "1", "-l", "1", firstPath, "-").Output;
        Assert.Contains("株式会社テスト商事 ABC", firstText);
        Assert.Contains("2026年12月2日", firstText);
        Assert.DoesNotContain("代表取締役", firstText);

        var text = Tools.Run("pdftotext", "-f", "1", "-l", "1", path, "-").Output;
        Assert.Contains("代表取締役", text);
        Assert.Contains("佐藤 花子", text); // the stamp, in the embedded font too
        var lastPage = Tools.Run("pdfinfo", path).Output.Split('\n').First(l => l.StartsWith("Pages:", StringComparison.Ordinal)).Split(':')[1].Trim();
        Assert.Contains("山太", Tools.Run("pdftotext", "-f", lastPage, "-l", lastPage, path, "-").Output); // initials on every page

        // Every font we added is embedded as a subset; none is left for the reader to substitute.
        var fonts = Tools.Run("pdffonts", path).Output;
        var ours = fonts.Split('\n').Where(l => l.Contains("+ipagp", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(ours);
        Assert.All(ours, l => Assert.Matches(@"CID TrueType\s+Identity-H\s+yes\s+yes\s+yes", l));
        Assert.DoesNotContain("HeiseiKakuGo", fonts);

        var qpdf = Tools.Run("qpdf", "--check", path);
        Assert.True(qpdf.ExitCode is 0 or 3, qpdf.Output);
        Assert.DoesNotContain("ERROR", qpdf.Output);
    }

    [Fact]
    public void A_subset_holds_only_the_glyphs_of_its_text()
    {
        using var font = Font();
        var small = font.Subset(["契約"]);
        var large = font.Subset(["契約書に基づき、甲と乙は以下のとおり合意した。Agreement between the parties 0123456789"]);
        Assert.True(small.Program.Length < large.Program.Length);
        Assert.True(large.Program.Length < new FileInfo(font.Path).Length / 20, $"subset is {large.Program.Length} bytes");
        // No hinting: the font's instruction tables stay out of the subset.
        var tables = TableTags(large.Program);
        Assert.Contains("glyf", tables);
        Assert.DoesNotContain("fpgm", tables);
        Assert.DoesNotContain("prep", tables);
        Assert.Equal("<", small.Hex("契約")[..1]);
        Assert.Equal(2 * 4 + 2, small.Hex("契約").Length);
        Assert.NotEqual(small.Hex("契"), small.Hex("約"));
        Assert.True(large.Width("AAAA", 10) < large.Width("契約書類", 10)); // proportional Latin, full-width kanji
    }

    /// <summary>The table tags of a TrueType file (its table directory: numTables at offset 4, 16-byte records from 12).</summary>
    private static List<string> TableTags(byte[] font)
    {
        var count = (font[4] << 8) | font[5];
        return Enumerable.Range(0, count).Select(i => System.Text.Encoding.ASCII.GetString(font, 12 + 16 * i, 4)).ToList();
    }

    [Fact]
    public void The_certificate_report_embeds_its_font()
    {
        using var font = Font();
        var pdf = TextReportPdf.Render("締結証明書 / Certificate of Completion", [new ReportLine("件名 / Title", "業務委託契約書"), new ReportLine("入力項目", Heading: true)], font);
        var path = fixture.Samples.Path("report.pdf");
        File.WriteAllBytes(path, pdf);
        Assert.Contains("業務委託契約書", Tools.Run("pdftotext", path, "-").Output);
        var fonts = Tools.Run("pdffonts", path).Output;
        Assert.Matches(@"\+ipagp\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes", fonts);
        // The font program and its ToUnicode map are stored compressed; poppler decoded both above (the text came back).
        var program = System.Text.RegularExpressions.Regex.Match(System.Text.Encoding.Latin1.GetString(pdf), @"/Length1 (\d+) /Filter /FlateDecode /Length (\d+)");
        Assert.True(program.Success, "the font program is not Flate-compressed");
        Assert.True(int.Parse(program.Groups[2].Value) < int.Parse(program.Groups[1].Value), program.Value);
    }
}
