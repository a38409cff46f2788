using GmoSign.Grains;
using GmoSign.Platform.Validation;
using Google.Protobuf.WellKnownTypes;
using V1 = GmoSign.Reseller.V1;

namespace GmoSign.Reseller;

/// <summary>Domain ⇄ wire for the reseller and operator services.</summary>
internal static class Mapping
{
    public static V1.Reseller ToProto(ResellerSnapshot r) => new()
    {
        ResellerId = r.ResellerId.ToString(),
        Name = r.Name,
        ContactEmail = r.ContactEmail,
        Status = r.Status switch
        {
            Grains.ResellerStatus.Active => V1.ResellerStatus.Active,
            Grains.ResellerStatus.Suspended => V1.ResellerStatus.Suspended,
            _ => V1.ResellerStatus.Unspecified,
        },
        CreatedAt = r.CreatedAt.ToTimestamp(),
    };

    private static readonly Dictionary<string, V1.ScreeningFinding> FindingCodes = new(StringComparer.Ordinal)
    {
        [Screening.MinorWithoutGuardianConsent] = V1.ScreeningFinding.MinorWithoutGuardianConsent,
        [Screening.IdentityNotVerified] = V1.ScreeningFinding.IdentityNotVerified,
        [Screening.PriorDelinquency] = V1.ScreeningFinding.PriorDelinquency,
        [Screening.PriorTerminationForCause] = V1.ScreeningFinding.PriorTerminationForCause,
        [Screening.AntiSocialDeclarationMissing] = V1.ScreeningFinding.AntiSocialDeclarationMissing,
    };

    /// <summary>Stored rejection reason codes: the proto enum's names, stable across versions.</summary>
    public static string ReasonCode(V1.RejectionReason reason) => reason.ToString();

    public static V1.RejectionReason Reason(string code) =>
        System.Enum.TryParse<V1.RejectionReason>(code, out var reason) ? reason : V1.RejectionReason.Unspecified;

    public static V1.CustomerProfile ToProto(CustomerProfile c) => new()
    {
        Name = c.Name,
        Kind = c.Kind == CustomerKind.Consumer ? V1.CustomerKind.Consumer : V1.CustomerKind.Organization,
        CorporateNumber = c.CorporateNumber ?? "",
        RepresentativeName = c.RepresentativeName ?? "",
        ContactEmail = c.ContactEmail,
        Address = c.Address,
        Phone = c.Phone ?? "",
    };

    public static V1.Application ToProto(ApplicationRecord a)
    {
        var proto = new V1.Application
        {
            ApplicationId = a.ApplicationId.ToString(),
            ResellerId = a.ResellerId.ToString(),
            Status = a.State switch
            {
                ApplicationState.Approved => V1.ApplicationStatus.Approved,
                ApplicationState.Rejected => V1.ApplicationStatus.Rejected,
                _ => V1.ApplicationStatus.Pending,
            },
            Customer = ToProto(a.Data.Customer),
            Plan = a.Data.Plan,
            TermMonths = a.Data.TermMonths,
            Options = { a.Data.Options.Select(o => new V1.OptionGrant { Code = o.Key, Quantity = o.Value }) },
            AntiSocialForcesDeclared = a.Data.AntiSocialForcesDeclared,
            GuardianConsent = a.Data.GuardianConsent,
            AcceptedTermsVersion = a.Data.AcceptedTermsVersion,
            Findings = { a.Findings.Select(f => FindingCodes.GetValueOrDefault(f)) },
            RejectionReasons = { a.RejectionReasons.Select(Reason) },
            DecisionNote = a.DecisionNote ?? "",
            TenantId = a.TenantId?.ToString() ?? "",
            SubmittedAt = a.SubmittedAt.ToTimestamp(),
        };
        if (a.Data.Identity is { } identity)
        {
            proto.IdentityVerification = new V1.IdentityVerification
            {
                Method = identity.Method, Reference = identity.Reference, VerifiedOn = identity.VerifiedOn.ToCalendarDate(),
            };
        }
        if (a.Data.DateOfBirth is { } born)
        {
            proto.DateOfBirth = born.ToCalendarDate();
        }
        if (a.DecidedAt is { } decided && a.State is ApplicationState.Approved or ApplicationState.Rejected)
        {
            proto.DecidedAt = decided.ToTimestamp();
        }
        return proto;
    }

    public static V1.Tenant ToProto(TenantSnapshot t)
    {
        var proto = new V1.Tenant
        {
            TenantId = t.TenantId.ToString(),
            ResellerId = t.ResellerId.ToString(),
            Customer = ToProto(t.Customer),
            Plan = t.Plan,
            Options = { t.Options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => new V1.OptionGrant { Code = o.Key, Quantity = o.Value }) },
            Seats = t.Seats,
            Status = t.Status switch
            {
                TenantStatus.Active => V1.TenantStatus.Active,
                TenantStatus.Suspended => V1.TenantStatus.Suspended,
                TenantStatus.Terminated => V1.TenantStatus.Terminated,
                TenantStatus.Deleted => V1.TenantStatus.Deleted,
                _ => V1.TenantStatus.Unspecified,
            },
            StatusReason = t.StatusReason ?? "",
            TermStart = t.TermStart.ToTimestamp(),
            TermEnd = t.TermEnd.ToTimestamp(),
            TermMonths = t.TermMonths,
            NonRenewal = t.NonRenewal,
            Renewals = t.Renewals,
            TerminationKind = t.TerminationKind switch
            {
                TerminationKind.TermExpired => V1.TerminationKind.TermExpired,
                TerminationKind.ResellerNotice => V1.TerminationKind.ResellerNotice,
                TerminationKind.ForCause => V1.TerminationKind.ForCause,
                TerminationKind.AntiSocialForce => V1.TerminationKind.AntiSocialForce,
                _ => V1.TerminationKind.Unspecified,
            },
            AcceptedTermsVersion = t.AcceptedTermsVersion,
            CreatedAt = t.CreatedAt.ToTimestamp(),
        };
        if (t.TerminatedAt is { } terminated)
        {
            proto.TerminatedAt = terminated.ToTimestamp();
        }
        if (t.ExportUntil is { } exportUntil)
        {
            proto.ExportUntil = exportUntil.ToTimestamp();
        }
        if (t.ScheduledTerminationAt is { } scheduled)
        {
            proto.ScheduledTerminationAt = scheduled.ToTimestamp();
        }
        return proto;
    }

    public static V1.ChangeRequest ToProto(ChangeRequestRecord r)
    {
        var proto = new V1.ChangeRequest
        {
            ChangeRequestId = r.ChangeRequestId.ToString(),
            TenantId = r.TenantId.ToString(),
            Kind = (V1.ChangeKind)(int)r.Kind,
            Proposed = ToProto(r.Proposed),
            Current = ToProto(r.Current),
            Reason = r.Reason,
            Status = r.State switch
            {
                ChangeState.Confirmed => V1.ChangeRequestStatus.Confirmed,
                ChangeState.Rejected => V1.ChangeRequestStatus.Rejected,
                _ => V1.ChangeRequestStatus.Pending,
            },
            FiledBy = r.FiledBy,
            FiledAt = r.FiledAt.ToTimestamp(),
            DecisionNote = r.DecisionNote ?? "",
        };
        if (r.DecidedAt is { } decided && r.State is ChangeState.Confirmed or ChangeState.Rejected)
        {
            proto.DecidedAt = decided.ToTimestamp();
        }
        return proto;
    }

    public static V1.Notice ToProto(NoticeRecord n) => new()
    {
        NoticeId = n.NoticeId.ToString(),
        Kind = (V1.NoticeKind)n.Kind,
        TitleJa = n.TitleJa,
        TitleEn = n.TitleEn,
        BodyJa = n.BodyJa,
        BodyEn = n.BodyEn,
        EffectiveAt = n.EffectiveAt.ToTimestamp(),
        OptionCode = n.OptionCode ?? "",
        PublishedAt = n.PublishedAt.ToTimestamp(),
    };

    public static V1.MonthlyUsage ToProto(UsageMonth m)
    {
        var proto = new V1.MonthlyUsage
        {
            Month = m.Month.ToCalendarDate(),
            EnvelopesSent = m.EnvelopesSent,
            Signatures = m.Signatures,
            StorageBytes = m.StorageBytes,
            ActiveSeats = m.ActiveSeats,
        };
        if (m.FeePaidJpy is { } fee)
        {
            proto.FeePaidJpy = fee;
        }
        return proto;
    }
}
