using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using HarfBuzzSharp;

namespace GmoSign.Signing.Pdf;

/// <summary>
/// A TrueType font that the platform's PDFs embed, so that every reader draws the same glyphs: stamps, field values
/// and the certificate of completion. Each revision embeds only the glyphs it uses — a subset cut by HarfBuzz's
/// subsetter (hb-subset, in the native library that HarfBuzzSharp ships) — as a Type 0 font with a CIDFontType2
/// descendant (ISO 32000 §9.7.4), Identity-H encoding (character codes are the subset's glyph ids) and a ToUnicode
/// map, so that the text can be searched and copied.
/// </summary>
/// <remarks>
/// The default is IPA P Gothic from Debian's <c>fonts-ipafont-gothic</c> package (IPA Font License, a free licence that
/// allows embedding): Japanese and Latin in one proportional face with TrueType outlines.
/// </remarks>
public sealed class EmbeddedFont : IDisposable
{
    /// <summary>Where Debian installs the default font (package <c>fonts-ipafont-gothic</c>), then its alternatives link.</summary>
    public static readonly IReadOnlyList<string> DebianPaths =
    [
        "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf",
        "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    ];

    private readonly Blob _blob;
    private readonly Face _face;
    private readonly Font _font;
    private readonly object _gate = new();

    /// <summary>
    /// Subsets made, by their characters: a subset is immutable, and the same stamp text (a signer's name, the day's
    /// date) recurs. Planning one walks the font's whole character map, so this takes HarfBuzz off most signatures.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, FontSubset> _subsets = new();

    private const int MaxCachedSubsets = 1024;

    private EmbeddedFont(string path)
    {
        _blob = Blob.FromFile(path);
        _face = new Face(_blob, 0);
        if (_face.GlyphCount == 0)
        {
            throw new InvalidDataException($"{path} is not a font HarfBuzz can read.");
        }
        _font = new Font(_face);
        UnitsPerEm = _face.UnitsPerEm;
        Path = path;
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        PostScriptName = new string(name.Where(c => c is > ' ' and < (char)0x7F and not ('/' or '(' or ')' or '<' or '>' or '[' or ']' or '{' or '}' or '%' or '#')).ToArray());
        var extents = _font.TryGetGlyphExtents(_font.TryGetGlyph('H', out var h) ? h : 0, out var hExtents) ? hExtents : default;
        CapHeight = Scale(extents.YBearing);
        _font.TryGetHorizontalFontExtents(out var fontExtents);
        Ascent = Scale(fontExtents.Ascender);
        Descent = Scale(fontExtents.Descender);
    }

    /// <summary>The font file.</summary>
    public string Path { get; }

    public string PostScriptName { get; }

    public int UnitsPerEm { get; }

    /// <summary>In thousandths of an em, as PDF font descriptors give them.</summary>
    public int Ascent { get; }

    public int Descent { get; }

    public int CapHeight { get; }

    /// <summary>The configured font, else the first of <see cref="DebianPaths"/> that exists; null when there is none.</summary>
    public static EmbeddedFont? Find(string? configuredPath)
    {
        if (!string.IsNullOrEmpty(configuredPath))
        {
            return File.Exists(configuredPath)
                ? new EmbeddedFont(configuredPath)
                : throw new FileNotFoundException($"The configured font {configuredPath} does not exist.", configuredPath);
        }
        return DebianPaths.FirstOrDefault(File.Exists) is { } path ? new EmbeddedFont(path) : null;
    }

    /// <summary>The subset holding every character of <paramref name="texts"/> (characters the font lacks draw as its .notdef box).</summary>
    public FontSubset Subset(IEnumerable<string> texts)
    {
        var codepoints = texts.SelectMany(t => t.EnumerateRunes()).Select(r => r.Value).Where(v => v >= 0x20).Distinct().Order().ToArray();
        var key = string.Join(',', codepoints);
        if (_subsets.TryGetValue(key, out var made))
        {
            return made;
        }
        var subset = Make(codepoints);
        if (_subsets.Count >= MaxCachedSubsets)
        {
            _subsets.Clear();
        }
        _subsets[key] = subset;
        return subset;
    }

    private FontSubset Make(int[] codepoints)
    {
        lock (_gate)
        {
            var input = hb_subset_input_create_or_fail();
            if (input == IntPtr.Zero)
            {
                throw new InvalidOperationException("HarfBuzz could not create a subset input.");
            }
            try
            {
                // Without hinting (the TrueType instructions and the fpgm, prep and cvt tables): PDF readers render
                // the outlines without them, and every revision that draws text carries its subset.
                hb_subset_input_set_flags(input, hb_subset_input_get_flags(input) | SubsetNoHinting);
                var unicodes = hb_subset_input_unicode_set(input);
                foreach (var codepoint in codepoints)
                {
                    hb_set_add(unicodes, (uint)codepoint);
                }
                var plan = hb_subset_plan_create_or_fail(_face.Handle, input);
                if (plan == IntPtr.Zero)
                {
                    throw new InvalidOperationException($"HarfBuzz could not plan a subset of {Path}.");
                }
                try
                {
                    var oldToNew = hb_subset_plan_old_to_new_glyph_mapping(plan);
                    var glyphs = new Dictionary<int, (ushort Cid, int Width)>();
                    foreach (var codepoint in codepoints)
                    {
                        if (_font.TryGetGlyph((uint)codepoint, out var old))
                        {
                            var mapped = hb_map_get(oldToNew, old);
                            if (mapped != uint.MaxValue && mapped <= ushort.MaxValue)
                            {
                                glyphs[codepoint] = ((ushort)mapped, Scale(_font.GetHorizontalGlyphAdvance(old)));
                            }
                        }
                    }
                    var subsetFace = hb_subset_plan_execute_or_fail(plan);
                    if (subsetFace == IntPtr.Zero)
                    {
                        throw new InvalidOperationException($"HarfBuzz could not subset {Path}.");
                    }
                    try
                    {
                        return new FontSubset(this, Program(subsetFace), glyphs);
                    }
                    finally
                    {
                        hb_face_destroy(subsetFace);
                    }
                }
                finally
                {
                    hb_subset_plan_destroy(plan);
                }
            }
            finally
            {
                hb_subset_input_destroy(input);
            }
        }
    }

    private static byte[] Program(IntPtr face)
    {
        var blob = hb_face_reference_blob(face);
        try
        {
            var data = hb_blob_get_data(blob, out var length);
            var bytes = new byte[length];
            Marshal.Copy(data, bytes, 0, (int)length);
            return bytes;
        }
        finally
        {
            hb_blob_destroy(blob);
        }
    }

    private int Scale(int fontUnits) => (int)Math.Round(fontUnits * 1000.0 / UnitsPerEm);

    public void Dispose()
    {
        _font.Dispose();
        _face.Dispose();
        _blob.Dispose();
    }

    // hb-subset is exported by the same native library as the rest of HarfBuzz; HarfBuzzSharp has no managed binding for it.
    private const string HarfBuzz = "libHarfBuzzSharp";

    [DllImport(HarfBuzz)] private static extern IntPtr hb_subset_input_create_or_fail();
    [DllImport(HarfBuzz)] private static extern void hb_subset_input_destroy(IntPtr input);
    [DllImport(HarfBuzz)] private static extern IntPtr hb_subset_input_unicode_set(IntPtr input);
    [DllImport(HarfBuzz)] private static extern uint hb_subset_input_get_flags(IntPtr input);
    [DllImport(HarfBuzz)] private static extern void hb_subset_input_set_flags(IntPtr input, uint flags);
    private const uint SubsetNoHinting = 0x1; // HB_SUBSET_FLAGS_NO_HINTING
    [DllImport(HarfBuzz)] private static extern void hb_set_add(IntPtr set, uint codepoint);
    [DllImport(HarfBuzz)] private static extern IntPtr hb_subset_plan_create_or_fail(IntPtr face, IntPtr input);
    [DllImport(HarfBuzz)] private static extern void hb_subset_plan_destroy(IntPtr plan);
    [DllImport(HarfBuzz)] private static extern IntPtr hb_subset_plan_old_to_new_glyph_mapping(IntPtr plan);
    [DllImport(HarfBuzz)] private static extern IntPtr hb_subset_plan_execute_or_fail(IntPtr plan);
    [DllImport(HarfBuzz)] private static extern uint hb_map_get(IntPtr map, uint key);
    [DllImport(HarfBuzz)] private static extern void hb_face_destroy(IntPtr face);
    [DllImport(HarfBuzz)] private static extern IntPtr hb_face_reference_blob(IntPtr face);
    [DllImport(HarfBuzz)] private static extern IntPtr hb_blob_get_data(IntPtr blob, out uint length);
    [DllImport(HarfBuzz)] private static extern void hb_blob_destroy(IntPtr blob);
}

/// <summary>One revision's glyphs of an <see cref="EmbeddedFont"/>: the text's codes and widths, and the PDF objects that embed it.</summary>
public sealed class FontSubset
{
    private readonly EmbeddedFont _font;
    private readonly Dictionary<int, (ushort Cid, int Width)> _glyphs;

    internal FontSubset(EmbeddedFont font, byte[] program, Dictionary<int, (ushort Cid, int Width)> glyphs)
    {
        _font = font;
        Program = program;
        _glyphs = glyphs;
        // A subset's name starts with six capital letters derived from its glyphs (ISO 32000 §9.6.4).
        var tag = SHA256.HashData(program);
        BaseFont = new string(tag.Take(6).Select(b => (char)('A' + b % 26)).ToArray()) + "+" + font.PostScriptName;
    }

    /// <summary>The subset font program (a TrueType file).</summary>
    public byte[] Program { get; }

    public string BaseFont { get; }

    /// <summary>The text as a hex string of two-byte codes for <c>Tj</c> (Identity-H).</summary>
    public string Hex(string text)
    {
        var builder = new StringBuilder("<");
        foreach (var rune in text.EnumerateRunes())
        {
            var cid = _glyphs.TryGetValue(rune.Value, out var glyph) ? glyph.Cid : 0;
            builder.Append(cid.ToString("X4", CultureInfo.InvariantCulture));
        }
        return builder.Append('>').ToString();
    }

    /// <summary>The text's advance in points at <paramref name="size"/>.</summary>
    public double Width(string text, double size) =>
        text.EnumerateRunes().Sum(r => _glyphs.TryGetValue(r.Value, out var g) ? g.Width : 1000) * size / 1000.0;

    /// <summary>
    /// The five objects that embed the subset, numbered from <paramref name="first"/>: the Type 0 font (number
    /// <paramref name="first"/>, the one resources name), its CIDFontType2 descendant, the font descriptor, the font
    /// program and the ToUnicode map.
    /// </summary>
    private (byte[] Program, byte[] ToUnicode)? _streams;

    public IReadOnlyList<(long Number, byte[] Body)> Objects(long first)
    {
        var (type0, cidFont, descriptor, program, toUnicode) = (first, first + 1, first + 2, first + 3, first + 4);
        var widths = string.Join(' ', _glyphs.Values.DistinctBy(g => g.Cid).OrderBy(g => g.Cid).Select(g => $"{g.Cid} [{g.Width}]"));
        // Compressed once per subset (subsets are cached per set of characters), not once per revision.
        var (programStream, unicodeStream) = _streams ??= (Stream($"/Length1 {Program.Length} ", Program), Stream("", Encoding.ASCII.GetBytes(ToUnicodeMap())));
        return
        [
            (type0, Ascii($"<< /Type /Font /Subtype /Type0 /BaseFont /{BaseFont} /Encoding /Identity-H /DescendantFonts [{cidFont} 0 R] /ToUnicode {toUnicode} 0 R >>")),
            (cidFont, Ascii($"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{BaseFont} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                + $"/FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /DW 1000 /W [{widths}] >>")),
            (descriptor, Ascii($"<< /Type /FontDescriptor /FontName /{BaseFont} /Flags 4 /FontBBox [0 {_font.Descent} 1000 {_font.Ascent}] /ItalicAngle 0 "
                + $"/Ascent {_font.Ascent} /Descent {_font.Descent} /CapHeight {_font.CapHeight} /StemV 80 /FontFile2 {program} 0 R >>")),
            (program, programStream),
            (toUnicode, unicodeStream),
        ];
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>
    /// A stream object, Flate-compressed (ISO 32000 §7.4.4: zlib format): every revision that draws text carries its
    /// own subset, and the stored revisions, their encryption and the database's log all grow with it.
    /// </summary>
    private static byte[] Stream(string entries, byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }
        var body = compressed.ToArray();
        return [.. Ascii($"<< {entries}/Filter /FlateDecode /Length {body.Length} >>\nstream\n"), .. body, .. "\nendstream"u8];
    }

    private string ToUnicodeMap()
    {
        var map = new StringBuilder("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            + "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            + "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
        foreach (var chunk in _glyphs.DistinctBy(g => g.Value.Cid).Chunk(100))
        {
            map.Append(CultureInfo.InvariantCulture, $"{chunk.Length} beginbfchar\n");
            foreach (var (codepoint, (cid, _)) in chunk)
            {
                map.Append(CultureInfo.InvariantCulture, $"<{cid:X4}> <{Convert.ToHexString(Encoding.BigEndianUnicode.GetBytes(char.ConvertFromUtf32(codepoint)))}>\n");
            }
            map.Append("endbfchar\n");
        }
        return map.Append("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").ToString();
    }
}
