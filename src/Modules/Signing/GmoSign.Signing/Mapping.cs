using GmoSign.Grains;
using GmoSign.Platform.Validation;
using GmoSign.Grains.Ports;
using GmoSign.Signing.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using EnvelopeStatus = GmoSign.Grains.EnvelopeStatus;
using RecipientStatus = GmoSign.Grains.RecipientStatus;

namespace GmoSign.Signing;

/// <summary>Envelope views, upload sessions, audit entries and webhooks ⇄ the Signing service's messages.</summary>
internal static class Mapping
{
    /// <summary>
    /// An envelope for its tenant, or for a recipient (<paramref name="forRecipient"/>): recipients do not see who
    /// approves inside the sender's company.
    /// </summary>
    public static V1.Envelope ToProto(EnvelopeView s, bool forRecipient = false)
    {
        var e = new Envelope
        {
            EnvelopeId = s.EnvelopeId.ToString(),
            Title = s.Title,
            Message = s.Message,
            Status = (V1.EnvelopeStatus)s.Status,
            AllowReassign = s.AllowReassign,
            CreatedAt = s.CreatedAt.ToTimestamp(),
            SentAt = s.SentAt.ToTimestamp(),
            ExpiresAt = s.ExpiresAt.ToTimestamp(),
            CompletedAt = s.CompletedAt.ToTimestamp(),
            StatusReason = s.StatusReason ?? "",
            Version = s.Version,
            SenderUserId = s.SenderUserId?.ToString() ?? "",
            SenderName = s.SenderName,
            ExpiryDays = s.ExpiryDays,
            ReminderDaysBeforeExpiry = { s.ReminderDaysBeforeExpiry },
            ReminderEveryDays = s.ReminderEveryDays,
            Retention = new RetentionMetadata
            {
                DocumentType = s.Retention.DocumentType,
                TransactionDate = s.Retention.TransactionDate.ToCalendarDate(),
                Amount = s.Retention.Amount,
                Currency = s.Retention.Currency,
                Counterparty = s.Retention.Counterparty ?? "",
                Tags = { s.Retention.Tags },
            },
        };
        e.Steps.AddRange(s.AnyOneSteps.Select(step => new StepRule { Step = step, Completion = StepCompletion.Any }));
        e.Documents.AddRange(s.Documents.Select(ToProto));
        e.Recipients.AddRange(s.Recipients.Select(r => new Recipient
        {
            RecipientId = r.RecipientId.ToString(),
            Name = r.Name,
            Email = r.Email,
            Role = r.CarbonCopy ? RecipientRole.CarbonCopy : RecipientRole.Signer,
            Step = r.Step,
            SignatureType = r.CertificateType ? SignatureType.Certificate : SignatureType.Witness,
            Status = (V1.RecipientStatus)r.Status,
            HasAccessCode = r.HasAccessCode,
            UserId = r.UserId?.ToString() ?? "",
            NotifiedAt = r.NotifiedAt.ToTimestamp(),
            ViewedAt = r.ViewedAt.ToTimestamp(),
            SignedAt = r.SignedAt.ToTimestamp(),
            DeclineReason = r.DeclineReason ?? "",
            ReassignedTo = r.ReassignedTo?.ToString() ?? "",
            ReassignedFrom = r.ReassignedFrom?.ToString() ?? "",
            SignedByDelegate = r.SignedByDelegate ?? "",
            Label = r.Label ?? "",
        }));
        e.Fields.AddRange(s.Fields.Select(ToProto));
        e.TemplateId = s.TemplateId?.ToString() ?? "";
        e.TemplateVersion = s.TemplateVersion;
        if (!forRecipient)
        {
            e.ApproverUserIds.AddRange(s.ApproverUserIds.Select(a => a.ToString()));
            e.ApprovedBy.AddRange(s.ApprovedBy.Select(a => a.ToString()));
        }
        return e;
    }

    public static V1.Field ToProto(FieldView f) => new()
    {
        Name = f.Name,
        DocumentId = f.DocumentId.ToString(),
        RecipientId = f.RecipientId.ToString(),
        Type = (FieldType)f.Kind,
        Page = f.Page,
        Rect = new FieldRect { X = f.X, Y = f.Y, Width = f.Width, Height = f.Height },
        Required = f.Required,
        MaxLength = f.MaxLength,
        Options = { f.Options },
        Value = f.Value ?? "",
        ReadOnly = f.ReadOnly,
        DateFormat = f.DateFormat ?? "",
        MapsTo = (V1.FieldMapping)f.MapsTo,
        Label = f.Label ?? "",
        FilledAt = f.FilledAt.ToTimestamp(),
    };

    public static Document ToProto(DocumentView d) => new()
    {
        DocumentId = d.DocumentId.ToString(),
        FileName = d.FileName,
        SizeBytes = d.SizeBytes,
        OriginalSha256 = ByteString.CopyFrom(d.OriginalSha256),
        CurrentSha256 = ByteString.CopyFrom(d.Sha256),
        Signatures = d.Signatures,
        ArchivedDocumentId = d.ArchivedDocumentId?.ToString() ?? "",
    };

    public static Upload ToProto(UploadSession s) => new()
    {
        UploadId = s.UploadId.ToString(),
        EnvelopeId = s.EnvelopeId.ToString(),
        FileName = s.FileName,
        SizeBytes = s.SizeBytes,
        ReceivedBytes = s.ReceivedBytes,
        MaxChunkBytes = DocumentIntake.ChunkSize,
        DocumentId = s.DocumentId?.ToString() ?? "",
        ExpiresAt = s.ExpiresAt.ToTimestamp(),
    };

    public static AuditEntry ToProto(AuditRecord e) => new()
    {
        Sequence = e.Sequence,
        At = e.At.ToTimestamp(),
        Action = e.Action,
        Actor = e.Actor,
        Principal = e.Principal ?? "",
        RecipientId = e.RecipientId?.ToString() ?? "",
        IpAddress = e.IpAddress ?? "",
        UserAgent = e.UserAgent ?? "",
        Detail = e.Detail,
        PreviousHash = ByteString.CopyFrom(e.PreviousHash),
        Hash = ByteString.CopyFrom(e.Hash),
    };

    public static WebhookEndpoint ToProto(WebhookEndpointRecord e) => new()
    {
        EndpointId = e.EndpointId.ToString(), Url = e.Url, Events = { e.Events }, CreatedAt = e.CreatedAt.ToTimestamp(),
    };

    public static WebhookDelivery ToProto(WebhookDeliveryRecord d) => new()
    {
        DeliveryId = d.DeliveryId,
        EnvelopeId = d.EnvelopeId.ToString(),
        Sequence = d.Sequence,
        Event = d.Event,
        Attempts = d.Attempts,
        CreatedAt = d.CreatedAt.ToTimestamp(),
        DeliveredAt = d.DeliveredAt.ToTimestamp(),
        FailedAt = d.FailedAt.ToTimestamp(),
        LastStatus = d.LastStatus ?? 0,
        LastError = d.LastError ?? "",
        NextAttemptAt = d.NextAttemptAt.ToTimestamp(),
    };

    public static EnvelopeSummary ToProto(EnvelopeListRow row) => new()
    {
        EnvelopeId = row.EnvelopeId.ToString(),
        Title = row.Title,
        Status = (V1.EnvelopeStatus)row.Status,
        UpdatedAt = row.UpdatedAt.ToTimestamp(),
        ExpiresAt = row.ExpiresAt.ToTimestamp(),
    };
}
