using GmoSign.Retention.Contracts;

namespace GmoSign.Retention;

/// <summary>Retention's document types, for the modules that collect an envelope's search metadata.</summary>
internal sealed class DocumentTypePolicy : IRetentionPolicy
{
    public bool IsKnownDocumentType(string code) => RetentionDefaults.All.Any(d => d.Type == code);
}
