using System.Globalization;
using GmoSign.Retention.Contracts;
using GmoSign.Grains.Ports;

namespace GmoSign.Grains.Envelopes;

/// <summary>
/// What a completed envelope leaves behind, made from its state: the data of the certificate of completion and the
/// record handed to Retention (documents with their search metadata, certificate and audit trail file).
/// </summary>
internal static class EnvelopeCompletion
{
    /// <summary>The certificate's content: documents with their hashes, each signer's outcome, and every audit entry.</summary>
    public static CompletionCertificate Certificate(EnvelopeState s, IReadOnlyList<AuditRecord> trail)
    {
        var documents = s.Documents.Select(d => new CertificateLine(d.FileName,
            $"original SHA-256 {Convert.ToHexString(d.OriginalSha256)}; signed SHA-256 {Convert.ToHexString(d.Sha256)}; {d.Signatures} signatures")).ToList();
        var signers = s.Recipients.Where(r => !r.CarbonCopy).Select(r => new CertificateLine($"{r.Name} <{r.Email}>", r.Status switch
        {
            RecipientStatus.Signed => $"signed {Time(r.SignedAt)} from {r.SignedFromIp ?? "-"}"
                + (r.SignedByDelegate is { } d ? $" by delegate {d}" : "") + (r.CertificateType ? " (certificate type)" : " (witness type)")
                + (r.ReassignedFrom is { } from ? $"; took over from {s.Recipients.First(x => x.RecipientId == from).Name}" : ""),
            RecipientStatus.Reassigned => $"reassigned to {s.Recipients.First(x => x.RecipientId == r.ReassignedTo).Name}",
            var other => other.ToString().ToLowerInvariant(),
        })).ToList();
        var fields = s.Fields.Where(f => f.Kind != FieldKind.Signature).Select(f => new CertificateLine(
            $"{f.Label ?? f.Name} ({s.Documents.First(d => d.DocumentId == f.DocumentId).FileName})",
            $"{(f.Kind == FieldKind.Checkbox ? Checkbox(f.Value) : f.Value ?? "-")} — {s.Recipients.First(r => r.RecipientId == f.RecipientId).Name}"
            + (f.FilledAt is { } at ? $", {Time(at)}" : ""))).ToList();
        var events = trail.Select(e => new CertificateLine(Time(e.At),
            $"{e.Action} - {e.Actor}" + (e.Principal is { } p ? $" for {p}" : "") + (e.IpAddress is { } ip ? $" [{ip}]" : ""))).ToList();
        return new CompletionCertificate(s.EnvelopeId, s.Title, s.CompletedAt!.Value, documents, signers, events) { Fields = fields };
    }

    /// <summary>
    /// The completed envelope as Retention keeps it. The counterparty is the sender's choice, else the first external
    /// signer, else the first signer; the transaction date is the sender's, else the day it was sent (Japan time). A field
/// mapped to the amount, the transaction date or the counterparty gives its signed value instead.
    /// </summary>
    public static ArchivedEnvelope Archive(EnvelopeState s)
    {
        var retention = FieldRules.Mapped(s.Retention, s.Fields);
        var counterparty = retention.Counterparty
            ?? s.Recipients.FirstOrDefault(r => !r.CarbonCopy && r.UserId is null && r.Status == RecipientStatus.Signed)?.Name
            ?? s.Recipients.First(r => !r.CarbonCopy).Name;
        var transactionDate = retention.TransactionDate ?? JapanTime.Today(s.SentAt!.Value);
        var parties = s.Recipients.Where(r => r.Status == RecipientStatus.Signed).Select(r => r.Name).Distinct().ToList();
        return new ArchivedEnvelope(s.TenantId, s.EnvelopeId, "completed", s.CompletedAt!.Value,
            new ArchiveMetadata(s.Title, retention.DocumentType, transactionDate, retention.Amount, retention.Currency, counterparty, parties, retention.Tags),
            s.Documents.Select(d => new ArchivedDocument(d.DocumentId, d.ContentId, d.FileName, d.SizeBytes, d.Sha256)).ToList(),
            s.CertificateContentId!.Value, s.AuditTrailContentId!.Value, s.Sender.Name);
    }

    /// <summary>
    /// A checkbox's state in words and in a box the embedded font has (IPA P Gothic has no ☑ or ☐: both would draw as
    /// the same missing-glyph box).
    /// </summary>
    private static string Checkbox(string? value) => value == "true" ? "■ チェックあり / checked" : "□ チェックなし / unchecked";

    private static string Time(DateTimeOffset? t) =>
        t is { } v ? v.ToOffset(JapanTime.Offset).ToString("yyyy-MM-dd HH:mm:ss 'JST'", CultureInfo.InvariantCulture) : "-";
}
