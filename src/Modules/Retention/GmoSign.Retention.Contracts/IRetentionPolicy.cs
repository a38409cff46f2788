namespace GmoSign.Retention.Contracts;

/// <summary>Retention's document types, for modules that collect metadata (Signing's envelopes).</summary>
public interface IRetentionPolicy
{
    bool IsKnownDocumentType(string code);
}
