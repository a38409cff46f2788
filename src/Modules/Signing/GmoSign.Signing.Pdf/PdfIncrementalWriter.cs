using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.CrossReference;
using UglyToad.PdfPig.Tokens;
using UglyToad.PdfPig.Writer;

namespace GmoSign.Signing.Pdf;

/// <summary>The document cannot be signed; <see cref="Exception.Message"/> says why in plain words.</summary>
public sealed class InvalidPdfException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What goes into the signature dictionary besides the signature itself.</summary>
public sealed record PdfSignatureInfo(
    string FieldName,
    DateTimeOffset SigningTime,
    string? SignerName = null,
    string? Reason = null,
    string? Location = null,
    bool DocumentTimestamp = false)
{
    /// <summary>Lines of a visible stamp on the first page (none: an invisible signature).</summary>
    public IReadOnlyList<string>? Appearance { get; init; }

    /// <summary>Where the stamp goes: slots fill the bottom of the page left to right, three per row, then upwards.</summary>
    public int AppearanceSlot { get; init; }

    /// <summary>A place the sender chose for the stamp (a signature field), instead of <see cref="AppearanceSlot"/>.</summary>
    public PdfPlacement? StampPlacement { get; init; }

    /// <summary>Field values drawn in the same revision, so that the signature covers them.</summary>
    public IReadOnlyList<PdfMark> Marks { get; init; } = [];

    /// <summary>The font stamps and marks are drawn in (embedded as a subset); null: the readers' own Japanese font.</summary>
    public EmbeddedFont? Font { get; init; }
}

/// <summary>A rectangle on a page: 1-based page number (0: every page), in points from the lower-left corner of the page's MediaBox.</summary>
public sealed record PdfPlacement(int Page, double X, double Y, double Width, double Height);

/// <summary>
/// A filled field drawn as a read-only form field with its appearance: <see cref="Text"/> on one line, shrunk to fit,
/// or, when <see cref="Checked"/> is set, a checkbox.
/// </summary>
public sealed record PdfMark(string Name, PdfPlacement Placement, string? Text, bool? Checked = null);

/// <summary>A PDF with one more revision whose /Contents is reserved and still to be filled.</summary>
public sealed class PreparedSignature
{
    internal PreparedSignature(byte[] document, long contentsStart, long contentsEnd)
    {
        Document = document;
        ContentsStart = contentsStart;
        ContentsEnd = contentsEnd;
    }

    /// <summary>The whole file, earlier revisions byte for byte unchanged.</summary>
    public byte[] Document { get; }

    /// <summary>Offset of '&lt;' that opens the reserved /Contents hex string.</summary>
    public long ContentsStart { get; }

    /// <summary>Offset just after the closing '&gt;'.</summary>
    public long ContentsEnd { get; }

    /// <summary>Bytes the signature container may take.</summary>
    public int Capacity => (int)(ContentsEnd - ContentsStart - 2) / 2;

    /// <summary>SHA-256 over the signed byte ranges: everything but the /Contents string.</summary>
    public byte[] Digest()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Document, 0, (int)ContentsStart);
        hash.AppendData(Document, (int)ContentsEnd, (int)(Document.Length - ContentsEnd));
        return hash.GetHashAndReset();
    }

    /// <summary>Writes the container (CMS or timestamp token) into the reserved space and returns the file.</summary>
    public byte[] Complete(ReadOnlySpan<byte> container)
    {
        if (container.Length > Capacity)
        {
            throw new InvalidOperationException($"The signature ({container.Length} bytes) exceeds the reserved {Capacity} bytes.");
        }
        var hex = Convert.ToHexString(container);
        Encoding.ASCII.GetBytes(hex, Document.AsSpan((int)ContentsStart + 1, hex.Length));
        return Document;
    }
}

/// <summary>
/// Appends a signature revision to a PDF as an incremental update (ISO 32000 §7.5.6, §12.8), never touching earlier
/// bytes, so that earlier signatures stay valid: the signature dictionary with an exact /ByteRange and a reserved
/// /Contents, an invisible signature field merged with its widget on the first page, the page (or its /Annots array)
/// and the catalog (or its /AcroForm) re-written, and a cross-reference section of the same kind as the file's last
/// one with /Prev. Structure is read with PdfPig.
/// </summary>
public static class PdfIncrementalWriter
{
    private const int ByteRangeWidth = 10;

    public static PreparedSignature Prepare(ReadOnlyMemory<byte> pdf, PdfSignatureInfo info, int reservedBytes)
    {
        PdfDocument document;
        try
        {
            document = PdfDocument.Open(pdf, new ParsingOptions { UseLenientParsing = false });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw LooksEncrypted(pdf.Span)
                ? new InvalidPdfException("The PDF is encrypted; remove the password protection before signing.", ex)
                : new InvalidPdfException("The file is not a readable PDF document.", ex);
        }
        using (document)
        {
            if (document.IsEncrypted)
            {
                throw new InvalidPdfException("The PDF is encrypted; remove the password protection before signing.");
            }
            return Append(pdf, document, info, reservedBytes);
        }
    }

    private static PreparedSignature Append(ReadOnlyMemory<byte> pdf, PdfDocument document, PdfSignatureInfo info, int reservedBytes)
    {
        var structure = document.Structure;
        var trailer = structure.Trailer;
        var catalogRef = trailer.Root;
        var catalog = Dictionary(structure.GetObject(catalogRef).Data, "catalog");
        var pageRefs = PageRefs(structure, catalog);
        var pageRef = pageRefs[0];
        var origins = new Dictionary<int, (double Left, double Bottom)>();
        string Rect(int number, PdfPlacement placement) => PdfIncrementalWriter.Rect(n => origins.TryGetValue(n, out var o)
            ? o
            : origins[n] = document.GetPage(n).MediaBox.Bounds is var box ? (box.Left, box.Bottom) : default, number, placement);

        var nextNumber = (long)Math.Max(trailer.Size, structure.CrossReferenceTable.ObjectOffsets.Keys.Select(k => k.ObjectNumber).DefaultIfEmpty(0).Max() + 1);
        var sigRef = new IndirectReference(nextNumber++, 0);
        var fieldRef = new IndirectReference(nextNumber++, 0);
        var visible = info.Appearance is { Count: > 0 } && !info.DocumentTimestamp;
        var appearanceRef = visible ? new IndirectReference(nextNumber++, 0) : default;
        var marks = info.DocumentTimestamp ? [] : info.Marks;
        var font = info.Font is { } embedded && (visible || marks.Count > 0)
            ? embedded.Subset([.. info.Appearance ?? [], .. marks.Select(m => m.Text ?? "")])
            : null;
        var drawsText = visible || marks.Count > 0;
        var fontRef = nextNumber;
        nextNumber += !drawsText ? 0 : font is null ? 4 : 5;
        // The appearances' font resources: the embedded subset, or the readers' Japanese and Latin fonts.
        var fontResources = font is null ? $"/Font << /F1 {fontRef} 0 R /F2 {fontRef + 3} 0 R >>" : $"/Font << /F1 {fontRef} 0 R >>";

        var output = new MemoryStream(pdf.Length + reservedBytes * 2 + 4096);
        output.Write(pdf.Span);
        var last = pdf.Span[^1];
        if (last != '\n' && last != '\r')
        {
            output.WriteByte((byte)'\n');
        }
        var offsets = new SortedDictionary<long, (long Offset, int Generation)>();

        // 1. The signature dictionary with placeholders.
        offsets[sigRef.ObjectNumber] = (output.Position, 0);
        Ascii(output, $"{sigRef.ObjectNumber} 0 obj\n<<");
        Ascii(output, info.DocumentTimestamp
            ? "/Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161"
            : "/Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached");
        var byteRangeAt = output.Position + "/ByteRange [".Length;
        Ascii(output, "/ByteRange [" + new string(' ', 4 * ByteRangeWidth + 3) + "]");
        Ascii(output, "/Contents ");
        var contentsStart = output.Position;
        output.WriteByte((byte)'<');
        output.Write(Enumerable.Repeat((byte)'0', reservedBytes * 2).ToArray());
        output.WriteByte((byte)'>');
        var contentsEnd = output.Position;
        if (!info.DocumentTimestamp)
        {
            Ascii(output, $"/M ({PdfDate(info.SigningTime)})");
            WriteText(output, "/Name", info.SignerName);
            WriteText(output, "/Reason", info.Reason);
            WriteText(output, "/Location", info.Location);
        }
        Ascii(output, ">>\nendobj\n");

        // 2. The field merged with its widget: invisible on the first page, or a printed stamp with its appearance at the
        //    sender's place or in the signer's slot at the bottom of the first page.
        var annotations = new Dictionary<IndirectReference, List<IToken>>();
        void Annotate(IndirectReference page, IndirectReference annotation)
        {
            if (!annotations.TryGetValue(page, out var list))
            {
                annotations[page] = list = [];
            }
            list.Add(new IndirectReferenceToken(annotation));
        }
        var stampPage = pageRef;
        offsets[fieldRef.ObjectNumber] = (output.Position, 0);
        Ascii(output, $"{fieldRef.ObjectNumber} 0 obj\n<</Type /Annot /Subtype /Widget /FT /Sig /T ");
        WriteToken(output, new StringToken(info.FieldName));
        if (visible)
        {
            string rect;
            if (info.StampPlacement is { Page: > 0 } placement)
            {
                stampPage = pageRefs[Math.Min(placement.Page, pageRefs.Count) - 1];
                rect = Rect(Math.Min(placement.Page, pageRefs.Count), placement);
            }
            else
            {
                var (x, y) = (36 + info.AppearanceSlot % 3 * StampWidth * 1.05, 30 + info.AppearanceSlot / 3 * StampHeight * 1.1);
                rect = $"{PdfText.N(x)} {PdfText.N(y)} {PdfText.N(x + StampWidth)} {PdfText.N(y + StampHeight)}";
            }
            Ascii(output, $" /V {sigRef.ObjectNumber} 0 R /P {stampPage.ObjectNumber} {stampPage.Generation} R "
                + $"/Rect [{rect}] /F 4 /AP << /N {appearanceRef.ObjectNumber} 0 R >>>>\nendobj\n");
            WriteStamp(output, offsets, appearanceRef, info.Appearance!, font, fontResources);
        }
        else
        {
            Ascii(output, $" /V {sigRef.ObjectNumber} 0 R /P {pageRef.ObjectNumber} {pageRef.Generation} R /Rect [0 0 0 0] /F 132>>\nendobj\n");
        }
        Annotate(stampPage, fieldRef);

        // 3. The field values: one read-only form field per value and page, its appearance drawn in the embedded font.
        var fieldTokens = new List<IToken> { new IndirectReferenceToken(fieldRef) };
        foreach (var mark in marks)
        {
            if (mark.Placement.Page < 0 || mark.Placement.Page > pageRefs.Count)
            {
                throw new InvalidPdfException($"The field '{mark.Name}' is on page {mark.Placement.Page}; the document has {pageRefs.Count}.");
            }
            var pages = mark.Placement.Page == 0 ? Enumerable.Range(1, pageRefs.Count) : [mark.Placement.Page];
            foreach (var number in pages)
            {
                var page = pageRefs[number - 1];
                var (widget, look) = (new IndirectReference(nextNumber++, 0), new IndirectReference(nextNumber++, 0));
                // Names of their own (a prefix, and '~' which field names cannot hold): never a signature's or the document's own field.
                var name = mark.Placement.Page == 0 ? $"gmosign_{mark.Name}~p{number}" : $"gmosign_{mark.Name}";
                WriteMark(output, offsets, widget, look, page, name, Rect(number, mark.Placement), mark, font, fontResources);
                Annotate(page, widget);
                fieldTokens.Add(new IndirectReferenceToken(widget));
            }
        }
        if (drawsText)
        {
            IEnumerable<(long Number, byte[] Body)> fontObjects = font?.Objects(fontRef) ??
            [
                (fontRef, Encoding.ASCII.GetBytes(PdfText.Type0Font($"{fontRef + 1} 0 R"))),
                (fontRef + 1, Encoding.ASCII.GetBytes(PdfText.CidFont($"{fontRef + 2} 0 R"))),
                (fontRef + 2, Encoding.ASCII.GetBytes(PdfText.FontDescriptor)),
                (fontRef + 3, Encoding.ASCII.GetBytes(PdfText.LatinFont)),
            ];
            foreach (var (number, body) in fontObjects)
            {
                offsets[number] = (output.Position, 0);
                Ascii(output, $"{number} 0 obj\n");
                output.Write(body);
                Ascii(output, "\nendobj\n");
            }
        }

        // 4. Each page's annotations gain its widgets.
        foreach (var (target, added) in annotations)
        {
            var page = Dictionary(structure.GetObject(target).Data, "page");
            if (page.TryGet(NameToken.Annots, out var annots) && annots is IndirectReferenceToken annotsRef)
            {
                var array = structure.GetObject(annotsRef.Data).Data as ArrayToken
                    ?? throw new InvalidPdfException("The page's /Annots is not an array.");
                WriteObject(output, offsets, annotsRef.Data, new ArrayToken([.. array.Data, .. added]));
            }
            else
            {
                var existing = annots is ArrayToken inline ? inline.Data : [];
                WriteObject(output, offsets, target, page.With(NameToken.Annots, new ArrayToken([.. existing, .. added])));
            }
        }

        // 5. The AcroForm gains the fields and says that the document holds signatures that need appending.
        var sigFlags = new NumericToken(3);
        if (catalog.TryGet(NameToken.AcroForm, out var acroForm) && acroForm is IndirectReferenceToken acroRef)
        {
            var form = Dictionary(structure.GetObject(acroRef.Data).Data, "AcroForm");
            WriteObject(output, offsets, acroRef.Data, WithFields(structure, form, fieldTokens).With(NameToken.SigFlags, sigFlags));
        }
        else
        {
            var form = acroForm as DictionaryToken ?? new DictionaryToken(new Dictionary<NameToken, IToken>());
            var updated = WithFields(structure, form, fieldTokens).With(NameToken.SigFlags, sigFlags);
            WriteObject(output, offsets, catalogRef, catalog.With(NameToken.AcroForm, updated));
        }

        // 6. A cross-reference section of the file's kind, linked to the previous one.
        var size = Math.Max(nextNumber, trailer.Size);
        var xrefOffset = output.Position;
        var previous = LastStartXref(pdf.Span);
        var parts = structure.CrossReferenceTable.Parts;
        var lastSection = parts.FirstOrDefault(p => p.Offset == previous)
            ?? throw new InvalidPdfException("The PDF's last cross-reference section is not where startxref points.");
        if (lastSection.Type == CrossReferenceType.Stream)
        {
            WriteXrefStream(output, offsets, structure, catalogRef, size, xrefOffset, previous);
        }
        else
        {
            WriteXrefTable(output, offsets, structure, catalogRef, size, previous);
        }
        Ascii(output, $"startxref\n{xrefOffset.ToString(CultureInfo.InvariantCulture)}\n%%EOF\n");

        var bytes = output.ToArray();
        var range = $"0 {Pad(contentsStart)} {Pad(contentsEnd)} {Pad(bytes.Length - contentsEnd)}";
        Encoding.ASCII.GetBytes(range, bytes.AsSpan((int)byteRangeAt, range.Length));
        return new PreparedSignature(bytes, contentsStart, contentsEnd);
    }

    /// <summary>
    /// Adds validation data (PAdES B-LT): an incremental update whose document security store (<c>/DSS</c> in the
    /// catalog) holds the given certificates and CRLs as streams, next to what an earlier store held. Signatures
    /// already in the file stay valid (nothing before the update changes); a document timestamp added afterwards
    /// covers the store too (B-LTA).
    /// </summary>
    public static byte[] AddValidationData(ReadOnlyMemory<byte> pdf, IReadOnlyList<byte[]> certificates, IReadOnlyList<byte[]> crls)
    {
        using var document = PdfDocument.Open(pdf, new ParsingOptions { UseLenientParsing = false });
        var structure = document.Structure;
        var trailer = structure.Trailer;
        var catalogRef = trailer.Root;
        var catalog = Dictionary(structure.GetObject(catalogRef).Data, "catalog");
        var nextNumber = (long)Math.Max(trailer.Size, structure.CrossReferenceTable.ObjectOffsets.Keys.Select(k => k.ObjectNumber).DefaultIfEmpty(0).Max() + 1);

        var output = new MemoryStream(pdf.Length + certificates.Sum(c => c.Length) + crls.Sum(c => c.Length) + 4096);
        output.Write(pdf.Span);
        if (pdf.Span[^1] is not ((byte)'\n' or (byte)'\r'))
        {
            output.WriteByte((byte)'\n');
        }
        var offsets = new SortedDictionary<long, (long Offset, int Generation)>();
        IToken[] Streams(IEnumerable<byte[]> items) => items.Select(bytes =>
        {
            var number = nextNumber++;
            offsets[number] = (output.Position, 0);
            Ascii(output, $"{number} 0 obj\n<< /Length {bytes.Length} >>\nstream\n");
            output.Write(bytes);
            Ascii(output, "\nendstream\nendobj\n");
            return (IToken)new IndirectReferenceToken(new IndirectReference(number, 0));
        }).ToArray();

        // What an earlier store held stays; the same bytes are not stored twice in this update.
        var earlier = catalog.TryGet(NameToken.Create("DSS"), out var dssToken) && dssToken is IndirectReferenceToken dssRef
            ? structure.GetObject(dssRef.Data).Data as DictionaryToken
            : dssToken as DictionaryToken;
        IReadOnlyList<IToken> Existing(string key)
        {
            if (earlier is null || !earlier.TryGet(NameToken.Create(key), out var value))
            {
                return [];
            }
            if (value is IndirectReferenceToken reference)
            {
                value = structure.GetObject(reference.Data).Data;
            }
            return value is ArrayToken array ? array.Data : [];
        }
        var certs = Streams(certificates.DistinctBy(Convert.ToHexString));
        var crlStreams = Streams(crls.DistinctBy(Convert.ToHexString));
        var dss = new DictionaryToken(new Dictionary<NameToken, IToken>
        {
            [NameToken.Type] = NameToken.Create("DSS"),
            [NameToken.Create("Certs")] = new ArrayToken([.. Existing("Certs"), .. certs]),
            [NameToken.Create("CRLs")] = new ArrayToken([.. Existing("CRLs"), .. crlStreams]),
        });
        var newDss = new IndirectReference(nextNumber++, 0);
        WriteObject(output, offsets, newDss, dss);
        WriteObject(output, offsets, catalogRef, catalog.With(NameToken.Create("DSS"), new IndirectReferenceToken(newDss)));

        var xrefOffset = output.Position;
        var previous = LastStartXref(pdf.Span);
        var lastSection = structure.CrossReferenceTable.Parts.FirstOrDefault(p => p.Offset == previous)
            ?? throw new InvalidPdfException("The PDF's last cross-reference section is not where startxref points.");
        var size = Math.Max(nextNumber, trailer.Size);
        if (lastSection.Type == CrossReferenceType.Stream)
        {
            WriteXrefStream(output, offsets, structure, catalogRef, size, xrefOffset, previous);
        }
        else
        {
            WriteXrefTable(output, offsets, structure, catalogRef, size, previous);
        }
        Ascii(output, $"startxref\n{xrefOffset.ToString(CultureInfo.InvariantCulture)}\n%%EOF\n");
        return output.ToArray();
    }

    /// <summary>The offset after the file's last <c>startxref</c>: where the newest cross-reference section is.</summary>
    private static long LastStartXref(ReadOnlySpan<byte> pdf)
    {
        var at = pdf.LastIndexOf("startxref"u8);
        if (at < 0)
        {
            throw new InvalidPdfException("The PDF has no startxref.");
        }
        var rest = pdf[(at + "startxref".Length)..];
        var start = 0;
        while (start < rest.Length && rest[start] is (byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t')
        {
            start++;
        }
        var end = start;
        while (end < rest.Length && rest[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }
        return end > start && long.TryParse(rest[start..end], CultureInfo.InvariantCulture, out var offset)
            ? offset
            : throw new InvalidPdfException("The PDF's startxref is not a number.");
    }

    /// <summary>An /Encrypt entry (not /EncryptMetadata) anywhere in the file: a trailer or cross-reference stream names one.</summary>
    private static bool LooksEncrypted(ReadOnlySpan<byte> pdf)
    {
        var key = "/Encrypt"u8;
        for (var at = pdf.IndexOf(key); at >= 0; )
        {
            var next = at + key.Length;
            if (next >= pdf.Length || !char.IsAsciiLetter((char)pdf[next]))
            {
                return true;
            }
            var rest = pdf[next..].IndexOf(key);
            at = rest < 0 ? -1 : next + rest;
        }
        return false;
    }

    private static string Pad(long value) => value.ToString(CultureInfo.InvariantCulture).PadRight(ByteRangeWidth);

    private static DictionaryToken WithFields(Structure structure, DictionaryToken form, IReadOnlyList<IToken> added)
    {
        if (form.TryGet(NameToken.Fields, out var fields) && fields is IndirectReferenceToken fieldsRef)
        {
            fields = structure.GetObject(fieldsRef.Data).Data;
        }
        var existing = fields is ArrayToken array ? array.Data : [];
        return form.With(NameToken.Fields, new ArrayToken([.. existing, .. added]));
    }

    /// <summary>Every page's reference in document order (the page tree's leaves, depth first).</summary>
    private static List<IndirectReference> PageRefs(Structure structure, DictionaryToken catalog)
    {
        if (!catalog.TryGet(NameToken.Pages, out var root) || root is not IndirectReferenceToken rootRef)
        {
            throw new InvalidPdfException("The PDF has no page tree.");
        }
        var pages = new List<IndirectReference>();
        var seen = new HashSet<IndirectReference>();
        void Walk(IndirectReference node, int depth)
        {
            if (depth > 64 || !seen.Add(node))
            {
                throw new InvalidPdfException("The page tree is too deep or has a loop.");
            }
            var dictionary = Dictionary(structure.GetObject(node).Data, "page tree node");
            if (!dictionary.TryGet(NameToken.Kids, out var kids))
            {
                pages.Add(node);
                return;
            }
            if (kids is IndirectReferenceToken kidsRef)
            {
                kids = structure.GetObject(kidsRef.Data).Data;
            }
            foreach (var kid in (kids as ArrayToken)?.Data ?? [])
            {
                if (kid is IndirectReferenceToken kidRef)
                {
                    Walk(kidRef.Data, depth + 1);
                }
            }
        }
        Walk(rootRef.Data, 0);
        return pages.Count > 0 ? pages : throw new InvalidPdfException("The PDF has no pages.");
    }

    /// <summary>A placement as a /Rect on the page: offset by the MediaBox's lower-left corner (read once per page).</summary>
    private static string Rect(Func<int, (double Left, double Bottom)> origin, int pageNumber, PdfPlacement placement)
    {
        var (left, bottom) = origin(pageNumber);
        var (x, y) = (left + placement.X, bottom + placement.Y);
        return $"{PdfText.N(x)} {PdfText.N(y)} {PdfText.N(x + placement.Width)} {PdfText.N(y + placement.Height)}";
    }

    private static DictionaryToken Dictionary(IToken token, string what) => token switch
    {
        DictionaryToken dictionary => dictionary,
        StreamToken stream => stream.StreamDictionary,
        _ => throw new InvalidPdfException($"The PDF's {what} is not a dictionary."),
    };

    private const double StampWidth = 170;
    private const double StampHeight = 54;

    /// <summary>The stamp's appearance: a form XObject with a frame and the lines.</summary>
    private static void WriteStamp(MemoryStream output, SortedDictionary<long, (long, int)> offsets, IndirectReference appearance,
        IReadOnlyList<string> lines, FontSubset? font, string fontResources)
    {
        var content = new StringBuilder("q 0.75 0.1 0.1 RG 1.2 w 1 1 168 52 re S Q\n0.75 0.1 0.1 rg\n");
        var y = StampHeight - 13;
        foreach (var (line, i) in lines.Take(4).Select((l, i) => (l, i)))
        {
            var size = i == 0 ? 6.5 : Math.Min(8.5, 8.5 * (StampWidth - 10) / Math.Max(1, PdfText.Width(line, 8.5, font)));
            content.Append(PdfText.Show(5, y, size, line, font));
            y -= i == 0 ? 11 : 12;
        }
        WriteForm(output, offsets, appearance, StampWidth, StampHeight, fontResources, content.ToString());
    }

    /// <summary>
    /// A filled field: a read-only text field (/Tx, /Ff 1) holding the value, or a checkbox (/Btn) in its state, merged
    /// with its widget, and the appearance that draws it — so every reader shows the same and no reader can change it.
    /// </summary>
    private static void WriteMark(MemoryStream output, SortedDictionary<long, (long, int)> offsets, IndirectReference widget,
        IndirectReference look, IndirectReference page, string name, string rect, PdfMark mark, FontSubset? font, string fontResources)
    {
        var (width, height) = (mark.Placement.Width, mark.Placement.Height);
        offsets[widget.ObjectNumber] = (output.Position, 0);
        Ascii(output, $"{widget.ObjectNumber} 0 obj\n<</Type /Annot /Subtype /Widget /T ");
        WriteToken(output, new StringToken(name));
        var content = new StringBuilder();
        if (mark.Checked is { } isChecked)
        {
            var state = isChecked ? "Yes" : "Off";
            Ascii(output, $" /FT /Btn /Ff 1 /V /{state} /AS /{state} /AP << /N << /{state} {look.ObjectNumber} 0 R >> >>");
            var side = Math.Min(width, height);
            content.Append(CultureInfo.InvariantCulture, $"q 0.1 0.1 0.45 RG 0.8 w 0.5 0.5 {PdfText.N(side - 1)} {PdfText.N(side - 1)} re S Q\n");
            if (isChecked)
            {
                content.Append(CultureInfo.InvariantCulture,
                    $"q 0.1 0.1 0.45 RG {PdfText.N(Math.Max(1, side / 10))} w 1 J 1 j {PdfText.N(side * 0.2)} {PdfText.N(side * 0.5)} m "
                    + $"{PdfText.N(side * 0.42)} {PdfText.N(side * 0.25)} l {PdfText.N(side * 0.8)} {PdfText.N(side * 0.78)} l S Q\n");
            }
        }
        else
        {
            var text = mark.Text ?? "";
            Ascii(output, " /FT /Tx /Ff 1 /V ");
            Ascii(output, $"<FEFF{Convert.ToHexString(Encoding.BigEndianUnicode.GetBytes(text))}>");
            Ascii(output, $" /AP << /N {look.ObjectNumber} 0 R >>");
            var size = Math.Min(11, height * 0.7);
            var natural = PdfText.Width(text, size, font);
            if (natural > width - 4 && natural > 0)
            {
                size = Math.Max(3, size * (width - 4) / natural);
            }
            content.Append("/Tx BMC q 0.05 0.1 0.4 rg\n");
            content.Append(PdfText.Show(2, Math.Max(1, (height - size * 0.75) / 2), size, text, font));
            content.Append("Q EMC\n");
        }
        Ascii(output, $" /P {page.ObjectNumber} {page.Generation} R /Rect [{rect}] /F 4>>\nendobj\n");
        WriteForm(output, offsets, look, width, height, fontResources, content.ToString());
    }

    private static void WriteForm(MemoryStream output, SortedDictionary<long, (long, int)> offsets, IndirectReference form, double width, double height,
        string resources, string content)
    {
        var stream = Encoding.ASCII.GetBytes(content);
        offsets[form.ObjectNumber] = (output.Position, 0);
        Ascii(output, $"{form.ObjectNumber} 0 obj\n<< /Type /XObject /Subtype /Form /BBox [0 0 {PdfText.N(width)} {PdfText.N(height)}] "
            + $"/Resources << {resources} >> /Length {stream.Length} >>\nstream\n");
        output.Write(stream);
        Ascii(output, "\nendstream\nendobj\n");
    }

    private static void WriteObject(MemoryStream output, SortedDictionary<long, (long, int)> offsets, IndirectReference reference, IToken token)
    {
        offsets[reference.ObjectNumber] = (output.Position, reference.Generation);
        Ascii(output, $"{reference.ObjectNumber} {reference.Generation} obj\n");
        WriteToken(output, token);
        Ascii(output, "\nendobj\n");
    }

    private static void WriteToken(Stream output, IToken token) => TokenWriter.Instance.WriteToken(token, output);

    private static void WriteXrefTable(MemoryStream output, SortedDictionary<long, (long Offset, int Generation)> offsets, Structure structure,
        IndirectReference catalogRef, long size, long previous)
    {
        Ascii(output, "xref\n");
        foreach (var run in Runs(offsets.Keys))
        {
            Ascii(output, $"{run.Start} {run.Count}\n");
            for (var n = run.Start; n < run.Start + run.Count; n++)
            {
                var (offset, generation) = offsets[n];
                Ascii(output, $"{offset:D10} {generation:D5} n\r\n");
            }
        }
        Ascii(output, $"trailer\n<</Size {size} /Root {catalogRef.ObjectNumber} {catalogRef.Generation} R");
        WriteTrailerCommon(output, structure, previous);
        Ascii(output, ">>\n");
    }

    private static void WriteXrefStream(MemoryStream output, SortedDictionary<long, (long Offset, int Generation)> offsets, Structure structure,
        IndirectReference catalogRef, long size, long xrefOffset, long previous)
    {
        var xrefNumber = size;
        offsets[xrefNumber] = (xrefOffset, 0);
        size++;
        var data = new MemoryStream();
        foreach (var (_, (offset, generation)) in offsets)
        {
            data.WriteByte(1);
            data.WriteByte((byte)(offset >> 24));
            data.WriteByte((byte)(offset >> 16));
            data.WriteByte((byte)(offset >> 8));
            data.WriteByte((byte)offset);
            data.WriteByte((byte)(generation >> 8));
            data.WriteByte((byte)generation);
        }
        var index = string.Join(' ', Runs(offsets.Keys).Select(r => $"{r.Start} {r.Count}"));
        Ascii(output, $"{xrefNumber} 0 obj\n<</Type /XRef /Size {size} /W [1 4 2] /Index [{index}] /Root {catalogRef.ObjectNumber} {catalogRef.Generation} R");
        WriteTrailerCommon(output, structure, previous);
        Ascii(output, $" /Length {data.Length}>>\nstream\n");
        data.Position = 0;
        data.CopyTo(output);
        Ascii(output, "\nendstream\nendobj\n");
    }

    private static void WriteTrailerCommon(MemoryStream output, Structure structure, long previous)
    {
        var trailer = structure.Trailer;
        if (trailer.Info is { } info)
        {
            Ascii(output, " /Info ");
            WriteToken(output, info);
        }
        Ascii(output, " /ID ");
        if (trailer.Identifier is { Count: 2 } id)
        {
            WriteToken(output, new ArrayToken(id.Cast<IToken>().ToList()));
        }
        else
        {
            var fresh = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            Ascii(output, $"[<{fresh}> <{fresh}>]");
        }
        Ascii(output, $" /Prev {previous.ToString(CultureInfo.InvariantCulture)}");
    }

    private static IEnumerable<(long Start, long Count)> Runs(IEnumerable<long> sortedNumbers)
    {
        long start = -1, count = 0;
        foreach (var n in sortedNumbers)
        {
            if (count > 0 && n == start + count)
            {
                count++;
                continue;
            }
            if (count > 0)
            {
                yield return (start, count);
            }
            start = n;
            count = 1;
        }
        if (count > 0)
        {
            yield return (start, count);
        }
    }

    /// <summary>Text strings as UTF-16BE with BOM, hex-encoded, so Japanese names survive every reader.</summary>
    private static void WriteText(MemoryStream output, string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }
        Ascii(output, $"{key} <FEFF{Convert.ToHexString(Encoding.BigEndianUnicode.GetBytes(value))}>");
    }

    private static string PdfDate(DateTimeOffset time) =>
        "D:" + time.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "Z";

    private static void Ascii(Stream output, string text) => output.Write(Encoding.ASCII.GetBytes(text));
}
