using System.Globalization;
using Google.Rpc;
using Grpc.Core;

namespace GmoSign.Client;

/// <summary>
/// A call GmoSign refused or could not answer, with what the service says about it: the gRPC status, the stable
/// <see cref="Reason"/> (ErrorInfo, domain <c>gmosign.jp</c>), the request <see cref="Field"/> at fault, the
/// message in Japanese and English, the numbers in <see cref="Metadata"/> (limit, actual, attempts_left …) and, for
/// UNAVAILABLE and RESOURCE_EXHAUSTED, when to try again.
/// </summary>
public sealed class GmoSignException : Exception
{
    private GmoSignException(RpcException inner, string reason, string? field, string japanese, string english,
        IReadOnlyDictionary<string, string> metadata, TimeSpan? retryAfter)
        : base(string.IsNullOrEmpty(english) ? inner.Status.Detail : english, inner)
    {
        StatusCode = inner.StatusCode;
        Reason = reason;
        Field = field;
        MessageJapanese = japanese;
        MessageEnglish = english;
        Metadata = metadata;
        RetryAfter = retryAfter;
    }

    public StatusCode StatusCode { get; }

    /// <summary>The stable reason (e.g. <c>PDF_ENCRYPTED</c>, <c>RATE_LIMITED</c>); empty when the service sent none.</summary>
    public string Reason { get; }

    /// <summary>The request field at fault (e.g. <c>recipients[2].email</c>), when there is one.</summary>
    public string? Field { get; }

    public string MessageJapanese { get; }

    public string MessageEnglish { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>How long the service asked the caller to wait before trying again (retry-after), when it said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Whether the same request (same request id) may be sent again: the service was unavailable or asked to slow down.</summary>
    public bool IsRetryable => StatusCode is StatusCode.Unavailable or StatusCode.ResourceExhausted;

    /// <summary>Reads the error details GmoSign sends with a status (google.rpc.Status in <c>grpc-status-details-bin</c>).</summary>
    public static GmoSignException From(RpcException error)
    {
        var status = error.GetRpcStatus();
        var info = status?.GetDetail<ErrorInfo>();
        var badRequest = status?.GetDetail<BadRequest>();
        var localized = status?.Details.FirstOrDefault(d => d.Is(Common.V1.LocalizedMessages.Descriptor))?.Unpack<Common.V1.LocalizedMessages>();
        var metadata = info?.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value) ?? new Dictionary<string, string>();
        var field = badRequest?.FieldViolations.FirstOrDefault()?.Field;
        if (string.IsNullOrEmpty(field) && metadata.TryGetValue("field", out var named))
        {
            field = named;
        }
        TimeSpan? retryAfter = null;
        var seconds = error.Trailers.GetValue("retry-after") ?? (metadata.TryGetValue("retry_after", out var value) ? value : null);
        if (seconds is not null && double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0)
        {
            retryAfter = TimeSpan.FromSeconds(s);
        }
        return new GmoSignException(error, info?.Reason ?? "", string.IsNullOrEmpty(field) ? null : field, localized?.Ja ?? "",
            localized?.En ?? status?.Message ?? error.Status.Detail, metadata, retryAfter);
    }
}
