using System.Globalization;

namespace GmoSign.Errors;

/// <summary>
/// Why an uploaded document is refused, each with its own stable reason (the README's list of error reasons publishes
/// them) and the numbers in the metadata, so that a program need not read the message. The content arrives in the
/// request's <c>chunk</c> messages, so content refusals name <c>chunk</c>; <c>file_name</c> says which file.
/// </summary>
public static class DocumentRefusal
{
    public static DomainException NotPdf(string fileName) =>
        Content("NOT_A_PDF", fileName, $"{fileName} is not a PDF document", $"{fileName} はPDF文書ではありません");

    public static DomainException Damaged(string fileName) =>
        Content("PDF_DAMAGED", fileName, $"{fileName} is a damaged PDF that cannot be read", $"{fileName} は破損していて読み取れないPDFです");

    public static DomainException Encrypted(string fileName) =>
        Content("PDF_ENCRYPTED", fileName, $"{fileName} is encrypted; remove the password protection first",
            $"{fileName} は暗号化されています。パスワード保護を解除してください");

    public static DomainException Empty(string fileName) =>
        Content("DOCUMENT_EMPTY", fileName, $"{fileName} is empty", $"{fileName} は空です");

    public static DomainException TooLarge(string fileName, long limitBytes) =>
        Content("DOCUMENT_TOO_LARGE", fileName, $"{fileName} exceeds {limitBytes} bytes", $"{fileName} が{limitBytes}バイトを超えています",
            ("limit", limitBytes));

    public static DomainException ChunkTooLarge(long limitBytes, long actualBytes) =>
        Content("CHUNK_TOO_LARGE", null, $"must be at most {limitBytes} bytes per message", $"1メッセージあたり{limitBytes}バイト以内にしてください",
            ("limit", limitBytes), ("actual", actualBytes));

    /// <summary>The envelope already holds its maximum number of documents.</summary>
    public static DomainException EnvelopeFull(int limit) =>
        new(ErrorKind.InvalidArgument, "ENVELOPE_FULL", $"header.envelope_id: already holds the maximum of {limit} documents",
            $"header.envelope_id: 封筒に追加できる文書は{limit}件までです", "header.envelope_id")
        {
            Metadata = { ["limit"] = limit.ToString(CultureInfo.InvariantCulture) },
        };

    /// <summary>The envelope's documents together would exceed its size limit.</summary>
    public static DomainException EnvelopeTooLarge(string fileName, long limitBytes, long totalBytes) =>
        Content("ENVELOPE_TOO_LARGE", fileName, $"the envelope's documents would exceed {limitBytes} bytes together",
            $"封筒の文書の合計が{limitBytes}バイトを超えます", ("limit", limitBytes), ("actual", totalBytes));

    private static DomainException Content(string reason, string? fileName, string english, string japanese, params (string Key, long Value)[] numbers)
    {
        var error = new DomainException(ErrorKind.InvalidArgument, reason, $"chunk: {english}", $"chunk: {japanese}", "chunk");
        if (fileName is not null)
        {
            error.Metadata["file_name"] = fileName;
        }
        foreach (var (key, value) in numbers)
        {
            error.Metadata[key] = value.ToString(CultureInfo.InvariantCulture);
        }
        return error;
    }
}
