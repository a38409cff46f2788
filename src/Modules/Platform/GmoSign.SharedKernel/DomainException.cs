namespace GmoSign.Errors;

/// <summary>The gRPC-independent error categories a domain rule can produce; one interceptor maps each to a status.</summary>
public enum ErrorKind
{
    InvalidArgument,
    NotFound,
    PermissionDenied,
    FailedPrecondition,
    AlreadyExists,
    ResourceExhausted,
    Unauthenticated,
    Unavailable,
}

/// <summary>
/// A rule of the domain was broken. Carries a machine-readable reason (UPPER_SNAKE), the offending field when
/// there is one, and the message in Japanese and English (terms Art. 29). Thrown anywhere — a grain, a module
/// store, a gRPC service — and turned into one precise gRPC status at the edge.
/// </summary>
[GenerateSerializer, Alias("GmoSign.Errors.DomainException")]
public sealed class DomainException : Exception
{
    public DomainException(ErrorKind kind, string reason, string english, string japanese, string? field = null)
        : base(english)
    {
        Kind = kind;
        Reason = reason;
        English = english;
        Japanese = japanese;
        Field = field;
    }

    [Id(0)] public ErrorKind Kind { get; }
    [Id(1)] public string Reason { get; }
    [Id(2)] public string English { get; }
    [Id(3)] public string Japanese { get; }
    [Id(4)] public string? Field { get; }

    /// <summary>Extra metadata for the client (e.g. retry hints), sent as ErrorInfo metadata.</summary>
    [Id(5)] public Dictionary<string, string> Metadata { get; init; } = new();

    public static DomainException Invalid(string field, string english, string japanese) =>
        new(ErrorKind.InvalidArgument, "INVALID_FIELD", $"{field}: {english}", $"{field}: {japanese}", field);

    public static DomainException Required(string field) =>
        Invalid(field, "is required", "必須項目です");

    public static DomainException TooLong(string field, int max) =>
        Invalid(field, $"must be at most {max} characters", $"{max}文字以内で入力してください");

    public static DomainException NotFound(string what, string whatJa, string? field = null) =>
        new(ErrorKind.NotFound, "NOT_FOUND", $"{what} not found", $"{whatJa}が見つかりません", field);

    public static DomainException Denied(string english, string japanese) =>
        new(ErrorKind.PermissionDenied, "PERMISSION_DENIED", english, japanese);

    public static DomainException Precondition(string reason, string english, string japanese) =>
        new(ErrorKind.FailedPrecondition, reason, english, japanese);

    public static DomainException Unauthenticated(string english, string japanese) =>
        new(ErrorKind.Unauthenticated, "UNAUTHENTICATED", english, japanese);
}
