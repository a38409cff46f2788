namespace GmoSign.Grains;

/// <summary>What a signer fills in on a document.</summary>
public enum FieldKind
{
    /// <summary>Where the signer's visible signature stamp goes.</summary>
    Signature = 1,
    Text = 2,
    Date = 3,
    Checkbox = 4,
    Initials = 5,
    Dropdown = 6,
}

/// <summary>The search metadata a field's value fills when the envelope completes.</summary>
public enum FieldMapping
{
    None = 0,
    Amount = 1,
    TransactionDate = 2,
    Counterparty = 3,
}

/// <summary>A field the sender places on a draft's document, as the service read it (the envelope checks the rest).</summary>
[GenerateSerializer, Immutable]
public sealed record FieldSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] Guid DocumentId,
    [property: Id(2)] Guid? RecipientId,
    [property: Id(3)] string? RecipientLabel,
    [property: Id(4)] FieldKind Kind,
    [property: Id(5)] int Page,
    [property: Id(6)] double X,
    [property: Id(7)] double Y,
    [property: Id(8)] double Width,
    [property: Id(9)] double Height,
    [property: Id(10)] bool Required,
    [property: Id(11)] int MaxLength,
    [property: Id(12)] IReadOnlyList<string> Options,
    [property: Id(13)] string? Value,
    [property: Id(14)] bool ReadOnly,
    [property: Id(15)] string? DateFormat,
    [property: Id(16)] FieldMapping MapsTo,
    [property: Id(17)] string? Label);

/// <summary>A placed field with the value filled so far (the sender's, then the signer's once signed).</summary>
[GenerateSerializer, Immutable]
public sealed record FieldView(
    [property: Id(0)] string Name,
    [property: Id(1)] Guid DocumentId,
    [property: Id(2)] Guid RecipientId,
    [property: Id(3)] FieldKind Kind,
    [property: Id(4)] int Page,
    [property: Id(5)] double X,
    [property: Id(6)] double Y,
    [property: Id(7)] double Width,
    [property: Id(8)] double Height,
    [property: Id(9)] bool Required,
    [property: Id(10)] int MaxLength,
    [property: Id(11)] IReadOnlyList<string> Options,
    [property: Id(12)] string? Value,
    [property: Id(13)] bool ReadOnly,
    [property: Id(14)] string? DateFormat,
    [property: Id(15)] FieldMapping MapsTo,
    [property: Id(16)] string? Label,
    [property: Id(17)] DateTimeOffset? FilledAt);

/// <summary>A signer's value for one of their fields.</summary>
[GenerateSerializer, Immutable]
public sealed record FieldValueInput(
    [property: Id(0)] string Name,
    [property: Id(1)] string Value);
