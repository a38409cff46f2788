using GmoSign.Errors;
using Google.Protobuf;
using Grpc.Core;

namespace GmoSign.Platform.Validation;

/// <summary>
/// The content part of a client-streaming upload: after the first message (a header the caller has read), every
/// further message must carry a chunk; the chunks are gathered up to a size limit.
/// </summary>
public static class StreamedContent
{
    /// <param name="chunkOf">The message's chunk, or null when it carries something else (a repeated header).</param>
    /// <param name="maxChunkBytes">Largest chunk per message (null: any).</param>
    /// <param name="repeatedHeader">The error for a message that is not a chunk.</param>
    /// <param name="tooLarge">The error when the content would exceed <paramref name="maxBytes"/>.</param>
    public static async Task<byte[]> ReadAsync<T>(IAsyncStreamReader<T> stream, Func<T, ByteString?> chunkOf, long maxBytes, int? maxChunkBytes,
        Func<DomainException> repeatedHeader, Func<DomainException> tooLarge, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream();
        while (await stream.MoveNext(cancellationToken))
        {
            var chunk = chunkOf(stream.Current) ?? throw repeatedHeader();
            if (chunk.Length > maxChunkBytes)
            {
                throw DocumentRefusal.ChunkTooLarge(maxChunkBytes.Value, chunk.Length);
            }
            if (content.Length + chunk.Length > maxBytes)
            {
                throw tooLarge();
            }
            chunk.WriteTo(content);
        }
        return content.ToArray();
    }
}
