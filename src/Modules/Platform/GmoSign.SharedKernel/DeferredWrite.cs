namespace GmoSign;

/// <summary>
/// A write that the module owning a table prepares for another module's transaction: SQL text with positional
/// parameters (<c>$1</c>, <c>$2</c>, …). The envelope store sends a signature's new document revisions this way, in
/// the same database round trip and the same transaction as the change that references them, without knowing the
/// table they go to.
/// </summary>
public sealed record DeferredWrite(string Sql, IReadOnlyList<object> Parameters);
