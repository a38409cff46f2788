using GmoSign.Accounts.Contracts;
using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Reseller.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GmoSign.Reseller;

internal sealed class OperatorGrpcService(
    IGrainFactory grains,
    ApplicationStore applications,
    TenantLookup lookup,
    Catalog catalog,
    TermsStore terms,
    TermsCatalog termsCatalog,
    ContractStore contracts,
    MaintenanceSchedule maintenance,
    ITenantUserProvisioning provisioning,
    TimeProvider clock) : OperatorService.OperatorServiceBase
{
    public override async Task<ApproveApplicationResponse> ApproveApplication(ApproveApplicationRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var id = Check.Id(request.ApplicationId, "application_id");
        var note = Check.Optional(request.Note, "note", 1000);
        var ct = context.CancellationToken;
        var application = await applications.GetAsync(id, ct) ?? throw DomainException.NotFound("Application", "申込", "application_id");
        EnsureUndecided(application, ApplicationState.Pending, ApplicationState.Approving);

        var data = application.Data;
        var plan = await catalog.FindPlanAsync(data.Plan, ct)
            ?? throw DomainException.Precondition("PLAN_WITHDRAWN", $"Plan '{data.Plan}' is no longer offered.", $"プラン「{data.Plan}」は提供されていません。");
        var tenantId = application.ApplicationId;
        if (!await provisioning.IsLoginAvailableAsync(data.Customer.ContactEmail, tenantId, ct))
        {
            throw DomainException.Precondition("LOGIN_ID_TAKEN",
                $"The contact e-mail {data.Customer.ContactEmail} is already a login id; the application needs another contact address.",
                $"連絡先メールアドレス {data.Customer.ContactEmail} は既にログインIDとして使われています。別のアドレスで申し込んでください。");
        }

        // Claim the decision first; each following step is idempotent, so a retry after a crash finishes the job.
        var claimed = await applications.TransitionAsync(id, [ApplicationState.Pending, ApplicationState.Approving], ApplicationState.Approving,
            caller.UserId!.Value, clock.GetUtcNow(), null, note, tenantId, ct);
        if (claimed is null)
        {
            EnsureUndecided(await applications.GetAsync(id, ct) ?? application, ApplicationState.Pending);
        }
        var tenant = await grains.Reference<ITenantGrain>(tenantId).CreateAsync(new CreateTenant(
            application.ResellerId, data.Customer, plan.Code, plan.Seats, data.TermMonths, data.Options, data.AcceptedTermsVersion));
        var password = await provisioning.ProvisionAdminAsync(tenantId, data.Customer.ContactEmail,
            data.Customer.RepresentativeName ?? data.Customer.Name, ct);
        // Consent to the exact terms version given with the application (Art. 2-2, 28).
        await contracts.RecordConsentAsync(tenantId, data.AcceptedTermsVersion, "application", null, application.SubmittedAt, ct);
        if (await termsCatalog.FindAsync(data.AcceptedTermsVersion, ct) is { } accepted)
        {
            tenant = await grains.Reference<ITenantGrain>(tenantId).RecordTermsConsentAsync(accepted.Version, accepted.EffectiveAt);
        }
        var approved = await applications.TransitionAsync(id, [ApplicationState.Approving], ApplicationState.Approved,
            caller.UserId.Value, clock.GetUtcNow(), null, note, tenantId, ct)
            ?? throw DomainException.Precondition("APPLICATION_DECIDED", "The application was decided concurrently.", "申込は同時に別の判断がされました。");

        return new ApproveApplicationResponse
        {
            Application = Mapping.ToProto(approved),
            Tenant = Mapping.ToProto(tenant),
            AdminLoginId = data.Customer.ContactEmail,
            AdminInitialPassword = password,
        };
    }

    public override async Task<RejectApplicationResponse> RejectApplication(RejectApplicationRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var id = Check.Id(request.ApplicationId, "application_id");
        if (request.Reasons.Count == 0)
        {
            throw DomainException.Invalid("reasons", "needs at least one Art. 2-3 reason", "第2条3項の理由を1つ以上指定してください");
        }
        for (var i = 0; i < request.Reasons.Count; i++)
        {
            if (request.Reasons[i] == RejectionReason.Unspecified || !System.Enum.IsDefined(request.Reasons[i]))
            {
                throw DomainException.Invalid($"reasons[{i}]", "is not a reason of Art. 2-3", "第2条3項の理由ではありません");
            }
        }
        var note = Check.Optional(request.Note, "note", 1000);
        var reasons = request.Reasons.Distinct().Select(Mapping.ReasonCode).ToArray();
        var rejected = await applications.TransitionAsync(id, [ApplicationState.Pending], ApplicationState.Rejected,
            caller.UserId!.Value, clock.GetUtcNow(), reasons, note, null, context.CancellationToken);
        if (rejected is null)
        {
            var current = await applications.GetAsync(id, context.CancellationToken) ?? throw DomainException.NotFound("Application", "申込", "application_id");
            EnsureUndecided(current, ApplicationState.Pending);
        }
        return new RejectApplicationResponse { Application = Mapping.ToProto(rejected!) };
    }

    public override async Task<SuspendResellerResponse> SuspendReseller(SuspendResellerRequest request, ServerCallContext context)
    {
        var id = Check.Id(request.ResellerId, "reseller_id");
        var reason = Check.Required(request.Reason, "reason", 1000);
        return new SuspendResellerResponse { Reseller = Mapping.ToProto(await SetResellerStatusAsync(id, Grains.ResellerStatus.Suspended, reason, context)) };
    }

    public override async Task<ReinstateResellerResponse> ReinstateReseller(ReinstateResellerRequest request, ServerCallContext context)
    {
        var id = Check.Id(request.ResellerId, "reseller_id");
        var reason = Check.Optional(request.Reason, "reason", 1000);
        return new ReinstateResellerResponse { Reseller = Mapping.ToProto(await SetResellerStatusAsync(id, Grains.ResellerStatus.Active, reason, context)) };
    }

    private async Task<ResellerSnapshot> SetResellerStatusAsync(Guid resellerId, Grains.ResellerStatus status, string? reason, ServerCallContext context) =>
        await grains.Reference<IResellerGrain>(resellerId).SetStatusAsync(status, reason, context.GetCaller().UserId!.Value)
        ?? throw DomainException.NotFound("Reseller", "販売代理店", "reseller_id");

    public override async Task<SuspendTenantResponse> SuspendTenant(SuspendTenantRequest request, ServerCallContext context)
    {
        var (grain, _) = await lookup.FindAsync(context.GetCaller(), request.TenantId);
        var reason = Check.Required(request.Reason, "reason", 1000);
        return new SuspendTenantResponse { Tenant = Mapping.ToProto(await grain.SuspendAsync(reason)) };
    }

    public override async Task<ResumeTenantResponse> ResumeTenant(ResumeTenantRequest request, ServerCallContext context)
    {
        var (grain, _) = await lookup.FindAsync(context.GetCaller(), request.TenantId);
        return new ResumeTenantResponse { Tenant = Mapping.ToProto(await grain.ResumeAsync()) };
    }

    public override async Task<TerminateTenantForCauseResponse> TerminateTenantForCause(TerminateTenantForCauseRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var (grain, tenant) = await lookup.FindAsync(caller, request.TenantId);
        var kind = request.Kind switch
        {
            V1.TerminationKind.ForCause => Grains.TerminationKind.ForCause,
            V1.TerminationKind.AntiSocialForce => Grains.TerminationKind.AntiSocialForce,
            _ => throw DomainException.Invalid("kind", "must be FOR_CAUSE or ANTI_SOCIAL_FORCE", "FOR_CAUSE または ANTI_SOCIAL_FORCE を指定してください"),
        };
        var clause = Check.Required(request.Clause, "clause", 20);
        var reason = Check.Required(request.Reason, "reason", 1000);
        var terminated = await grain.TerminateForCauseAsync(kind, $"{clause}: {reason}");
        if (tenant.Customer.CorporateNumber is { } number)
        {
            // Screening of later applications by the same organization finds this (Art. 2-3 (1)/(7)).
            await applications.AddOrganizationRecordAsync(number, "terminated_for_cause", $"{clause}: {reason}", caller.UserId,
                clock.GetUtcNow(), context.CancellationToken);
        }
        return new TerminateTenantForCauseResponse { Tenant = Mapping.ToProto(terminated) };
    }

    public override async Task<RecordDelinquencyResponse> RecordDelinquency(RecordDelinquencyRequest request, ServerCallContext context)
    {
        var number = Screening.RequireCorporateNumber(request.CorporateNumber, "corporate_number");
        var note = Check.Required(request.Note, "note", 1000);
        await applications.AddOrganizationRecordAsync(number, "delinquency", note, context.GetCaller().UserId, clock.GetUtcNow(), context.CancellationToken);
        return new RecordDelinquencyResponse();
    }

    public override async Task<StartMaintenanceResponse> StartMaintenance(StartMaintenanceRequest request, ServerCallContext context)
    {
        var now = clock.GetUtcNow();
        var ja = Check.Required(request.NoticeJa, "notice_ja", 1000);
        var en = Check.Required(request.NoticeEn, "notice_en", 1000);
        var startsAt = WireTime.Optional(request.StartsAt) ?? now;
        var endsAt = WireTime.Required(request.EndsAt, "ends_at");
        if (endsAt <= startsAt || endsAt <= now)
        {
            throw DomainException.Invalid("ends_at", "must be after starts_at and in the future", "starts_at より後の未来の日時を指定してください");
        }
        var notice = new MaintenanceNotice(ja, en, startsAt, endsAt);
        await maintenance.SetAsync(notice, context.GetCaller().UserId!.Value, context.CancellationToken);
        await contracts.PublishNoticeAsync(new NoticeRecord(Guid.CreateVersion7(), (short)NoticeKind.Maintenance,
            "メンテナンスのお知らせ", "Maintenance notice", ja, en, startsAt, null, now), context.GetCaller().UserId!.Value, context.CancellationToken);
        return new StartMaintenanceResponse { Maintenance = ToProto(notice, now) };
    }

    public override async Task<EndMaintenanceResponse> EndMaintenance(EndMaintenanceRequest request, ServerCallContext context)
    {
        await maintenance.ClearAsync(context.CancellationToken);
        return new EndMaintenanceResponse();
    }

    public override Task<GetMaintenanceResponse> GetMaintenance(GetMaintenanceRequest request, ServerCallContext context)
    {
        var now = clock.GetUtcNow();
        var reply = new GetMaintenanceResponse();
        if (maintenance.Current is { } notice && notice.EndsAt > now)
        {
            reply.Maintenance = ToProto(notice, now);
        }
        return Task.FromResult(reply);
    }

    public override async Task<PublishTermsVersionResponse> PublishTermsVersion(PublishTermsVersionRequest request, ServerCallContext context)
    {
        var now = clock.GetUtcNow();
        var t = request.Terms ?? throw DomainException.Required("terms");
        var version = Check.Required(t.Version, "terms.version", 40);
        if (!version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            throw DomainException.Invalid("terms.version", "may contain only letters, digits, '.', '-' and '_'", "英数字・.・-・_ のみ使用できます");
        }
        var effectiveAt = WireTime.Required(t.EffectiveAt, "terms.effective_at");
        if (effectiveAt < now.AddMinutes(-1))
        {
            throw DomainException.Invalid("terms.effective_at", "must not be in the past (terms are published ahead, Art. 28)",
                "過去の日時は指定できません（規約は事前に公表します。第28条）");
        }
        var url = Check.Required(t.Url, "terms.url", 500);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            throw DomainException.Invalid("terms.url", "must be an http(s) URL", "http(s) のURLを指定してください");
        }
        var record = new TermsVersionRecord(version, effectiveAt, Check.Required(t.SummaryJa, "terms.summary_ja", 2000),
            Check.Required(t.SummaryEn, "terms.summary_en", 2000), url, now);
        if (!await terms.PublishAsync(record, context.GetCaller().UserId!.Value, context.CancellationToken))
        {
            throw new DomainException(ErrorKind.AlreadyExists, "TERMS_VERSION_EXISTS", $"Terms version {version} is already published.",
                $"規約バージョン {version} は既に公開されています。", "terms.version");
        }
        termsCatalog.Invalidate();
        // Every tenant is notified (Art. 28-2); use after the effective date counts as consent (Art. 28-3).
        await contracts.PublishNoticeAsync(new NoticeRecord(Guid.CreateVersion7(), (short)NoticeKind.TermsChange,
            $"利用規約の変更（{version}）", $"Terms of use changed ({version})",
            $"{record.SummaryJa}\n全文: {url}\n効力発生日以降のご利用により、変更後の規約に同意いただいたものとみなします。",
            $"{record.SummaryEn}\nFull text: {url}\nUsing the service after the effective date counts as consent to the new terms.",
            effectiveAt, null, now), context.GetCaller().UserId!.Value, context.CancellationToken);
        return new PublishTermsVersionResponse { Terms = ToProto(record) };
    }

    public override async Task<ListTermsVersionsResponse> ListTermsVersions(ListTermsVersionsRequest request, ServerCallContext context)
    {
        var response = new ListTermsVersionsResponse { Versions = { (await terms.ListAsync(context.CancellationToken)).Select(ToProto) } };
        if (context.GetCaller().TenantId is { } tenantId && await grains.Reference<ITenantGrain>(tenantId).GetAsync() is { } tenant)
        {
            response.AcceptedVersion = tenant.AcceptedTermsVersion;
        }
        return response;
    }

    public override async Task<DecideChangeRequestResponse> DecideChangeRequest(DecideChangeRequestRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var id = Check.Id(request.ChangeRequestId, "change_request_id");
        var note = Check.Optional(request.Note, "note", 1000);
        var ct = context.CancellationToken;
        var existing = await contracts.GetAsync(id, ct) ?? throw DomainException.NotFound("Change request", "変更届", "change_request_id");
        var grain = grains.Reference<ITenantGrain>(existing.TenantId);
        var now = clock.GetUtcNow();
        ChangeRequestRecord decided;
        if (request.Confirm)
        {
            // Claim, apply (idempotent), then mark confirmed: a retry after a crash completes the confirmation.
            var claimed = await contracts.TransitionAsync(id, [ChangeState.Pending, ChangeState.Confirming], ChangeState.Confirming, caller.UserId!.Value, now, note, ct)
                ?? throw ChangeDecided(existing);
            await grain.ApplyProfileChangeAsync(claimed.Proposed);
            decided = await contracts.TransitionAsync(id, [ChangeState.Confirming], ChangeState.Confirmed, caller.UserId.Value, now, note, ct)
                ?? throw ChangeDecided(existing);
        }
        else
        {
            decided = await contracts.TransitionAsync(id, [ChangeState.Pending], ChangeState.Rejected, caller.UserId!.Value, now, note, ct)
                ?? throw ChangeDecided(existing);
        }
        var tenant = await grain.GetAsync();
        return new DecideChangeRequestResponse { ChangeRequest = Mapping.ToProto(decided), Tenant = Mapping.ToProto(tenant!) };
    }

    public override async Task<PublishNoticeResponse> PublishNotice(PublishNoticeRequest request, ServerCallContext context)
    {
        var now = clock.GetUtcNow();
        if (request.Kind == NoticeKind.Unspecified || !System.Enum.IsDefined(request.Kind))
        {
            throw DomainException.Invalid("kind", "is required", "必須項目です");
        }
        var effectiveAt = WireTime.Required(request.EffectiveAt, "effective_at");
        if (request.Kind == NoticeKind.Discontinuation && effectiveAt <= now)
        {
            throw DomainException.Invalid("effective_at", "a discontinuation is announced ahead: the date must be in the future",
                "提供の廃止は事前に通知します。未来の日時を指定してください");
        }
        string? option = null;
        if (!string.IsNullOrEmpty(request.OptionCode))
        {
            option = Check.Required(request.OptionCode, "option_code", 40);
            if (await catalog.FindOptionAsync(option, context.CancellationToken) is null)
            {
                throw DomainException.Invalid("option_code", $"'{option}' is not an option of the catalogue", $"「{option}」はオプションとして存在しません");
            }
        }
        var notice = new NoticeRecord(Guid.CreateVersion7(), (short)request.Kind,
            Check.Required(request.TitleJa, "title_ja", 200), Check.Required(request.TitleEn, "title_en", 200),
            Check.Required(request.BodyJa, "body_ja", 5000), Check.Required(request.BodyEn, "body_en", 5000),
            effectiveAt, option, now);
        await contracts.PublishNoticeAsync(notice, context.GetCaller().UserId!.Value, context.CancellationToken);
        return new PublishNoticeResponse { Notice = Mapping.ToProto(notice) };
    }

    private static DomainException ChangeDecided(ChangeRequestRecord r) => DomainException.Precondition("CHANGE_REQUEST_DECIDED",
        "The change request was already decided.", "変更届は既に処理されています。");

    private static void EnsureUndecided(ApplicationRecord application, params ApplicationState[] allowed)
    {
        if (allowed.Contains(application.State))
        {
            return;
        }
        throw application.State switch
        {
            ApplicationState.Approving => DomainException.Precondition("APPLICATION_BEING_APPROVED",
                "Another operator is approving this application.", "この申込は別のオペレーターが承認処理中です。"),
            ApplicationState.Rejected => DomainException.Precondition("APPLICATION_DECIDED",
                "The application is already rejected.", "申込は既に却下されています。"),
            _ => DomainException.Precondition("APPLICATION_DECIDED", "The application is already approved.", "申込は既に承認されています。"),
        };
    }

    private static Maintenance ToProto(MaintenanceNotice n, DateTimeOffset now) => new()
    {
        NoticeJa = n.NoticeJa,
        NoticeEn = n.NoticeEn,
        StartsAt = n.StartsAt.ToTimestamp(),
        EndsAt = n.EndsAt.ToTimestamp(),
        Active = n.StartsAt <= now && now < n.EndsAt,
    };

    private static TermsVersion ToProto(TermsVersionRecord t) => new()
    {
        Version = t.Version,
        EffectiveAt = t.EffectiveAt.ToTimestamp(),
        SummaryJa = t.SummaryJa,
        SummaryEn = t.SummaryEn,
        Url = t.Url,
        PublishedAt = t.PublishedAt.ToTimestamp(),
    };
}
