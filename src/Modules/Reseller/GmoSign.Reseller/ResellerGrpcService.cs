using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Reseller.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GmoSign.Reseller;

internal sealed class ResellerGrpcService(
    IGrainFactory grains,
    ApplicationStore applications,
    TenantDirectory tenants,
    TenantLookup lookup,
    Catalog catalog,
    TermsStore terms,
    UsageStore usage,
    TimeProvider clock) : ResellerService.ResellerServiceBase
{
    public override async Task<RegisterResellerResponse> RegisterReseller(RegisterResellerRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var requestId = Check.RequestId(request.RequestId);
        var name = Check.Required(request.Name, "name", 200);
        var email = Check.Email(request.ContactEmail, "contact_email");

        // The id follows from (caller, request id): a retry reaches the same grain and gets the first result.
        var resellerId = IdempotentId(caller.UserId!.Value, "RegisterReseller", requestId);
        var apiKey = SecretTokens.Create(ResellerDirectory.ApiKeyPrefix);
        var result = await grains.Reference<IResellerGrain>(resellerId)
            .RegisterAsync(new RegisterReseller(name, email, SecretTokens.Hash(apiKey), caller.UserId.Value));

        if (!result.Created && (result.Reseller.Name != name || result.Reseller.ContactEmail != email))
        {
            throw RequestIdReused();
        }
        return new RegisterResellerResponse { Reseller = Mapping.ToProto(result.Reseller), ApiKey = result.Created ? apiKey : "" };
    }

    public override async Task<GetResellerResponse> GetReseller(GetResellerRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var resellerId = Check.Id(request.ResellerId, "reseller_id");
        // A reseller sees only itself; for any other id it learns nothing, not even whether it exists.
        var visible = caller.Kind == CallerKind.Operator || caller.ResellerId == resellerId;
        var reseller = visible ? await grains.Reference<IResellerGrain>(resellerId).GetAsync() : null;
        return reseller is null
            ? throw DomainException.NotFound("Reseller", "販売代理店", "reseller_id")
            : new GetResellerResponse { Reseller = Mapping.ToProto(reseller) };
    }

    public override async Task<SubmitApplicationResponse> SubmitApplication(SubmitApplicationRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var resellerId = caller.ResellerId!.Value;
        var requestId = Check.RequestId(request.RequestId);
        var now = clock.GetUtcNow();
        var data = await ApplicationRules.ValidateAsync(request, catalog, terms, JapanTime.Today(now), context.CancellationToken);

        var records = data.Customer.CorporateNumber is { } number
            ? await applications.OrganizationRecordsAsync(number, context.CancellationToken)
            : [];
        var findings = Screening.Findings(data, JapanTime.Today(now), records);
        var stored = await applications.InsertAsync(
            new ApplicationRecord(Guid.CreateVersion7(), resellerId, requestId, ApplicationState.Pending, data, findings, [], null, null, null, now),
            data.Customer.CorporateNumber, context.CancellationToken);
        if (!SameData(stored.Data, data))
        {
            throw RequestIdReused();
        }
        return new SubmitApplicationResponse { Application = Mapping.ToProto(stored) };
    }

    public override async Task<GetApplicationResponse> GetApplication(GetApplicationRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var id = Check.Id(request.ApplicationId, "application_id");
        var application = await applications.GetAsync(id, context.CancellationToken);
        if (application is null || (caller.Kind == CallerKind.Reseller && application.ResellerId != caller.ResellerId))
        {
            throw DomainException.NotFound("Application", "申込", "application_id");
        }
        return new GetApplicationResponse { Application = Mapping.ToProto(application) };
    }

    public override async Task<ListApplicationsResponse> ListApplications(ListApplicationsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var size = Paging.Size(request.PageSize);
        var after = Paging.Parse(request.PageToken);
        ApplicationState? state = request.Status switch
        {
            ApplicationStatus.Unspecified => null,
            ApplicationStatus.Pending => ApplicationState.Pending,
            ApplicationStatus.Approved => ApplicationState.Approved,
            ApplicationStatus.Rejected => ApplicationState.Rejected,
            _ => throw DomainException.Invalid("status", "is not a known status", "不明なステータスです"),
        };
        var resellerScope = caller.Kind == CallerKind.Reseller ? caller.ResellerId : null;
        var page = await applications.ListAsync(resellerScope, state, after, size + 1, context.CancellationToken);
        var reply = new ListApplicationsResponse { Applications = { page.Take(size).Select(Mapping.ToProto) } };
        if (page.Count > size)
        {
            var last = page[size - 1];
            reply.NextPageToken = Paging.Token(last.SubmittedAt, last.ApplicationId);
        }
        return reply;
    }

    public override async Task<ListTenantsResponse> ListTenants(ListTenantsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var size = Paging.Size(request.PageSize);
        var after = Paging.Parse(request.PageToken);
        Guid? resellerScope;
        if (caller.Kind == CallerKind.Reseller)
        {
            if (!string.IsNullOrEmpty(request.ResellerId) && Check.Id(request.ResellerId, "reseller_id") != caller.ResellerId)
            {
                throw DomainException.NotFound("Reseller", "販売代理店", "reseller_id");
            }
            resellerScope = caller.ResellerId;
        }
        else
        {
            resellerScope = string.IsNullOrEmpty(request.ResellerId) ? null : Check.Id(request.ResellerId, "reseller_id");
        }
        var ids = await tenants.ListAsync(resellerScope, after, size + 1, context.CancellationToken);
        var snapshots = await Task.WhenAll(ids.Take(size).Select(id => grains.Reference<ITenantGrain>(id).GetAsync()));
        var reply = new ListTenantsResponse { Tenants = { snapshots.OfType<TenantSnapshot>().Select(Mapping.ToProto) } };
        if (ids.Count > size && snapshots[^1] is { } last)
        {
            reply.NextPageToken = Paging.Token(last.CreatedAt, last.TenantId);
        }
        return reply;
    }

    public override async Task<GetTenantResponse> GetTenant(GetTenantRequest request, ServerCallContext context)
    {
        var (_, tenant) = await lookup.FindAsync(context.GetCaller(), request.TenantId);
        return new GetTenantResponse { Tenant = Mapping.ToProto(tenant) };
    }

    public override async Task<SetTenantOptionResponse> SetTenantOption(SetTenantOptionRequest request, ServerCallContext context)
    {
        var (grain, _) = await lookup.FindAsync(context.GetCaller(), request.TenantId);
        var (code, quantity) = await ApplicationRules.OptionAsync(request.Option, "option", catalog, allowZero: true, context.CancellationToken);
        return new SetTenantOptionResponse { Tenant = Mapping.ToProto(await grain.SetOptionAsync(code, quantity)) };
    }

    public override async Task<SetNonRenewalResponse> SetNonRenewal(SetNonRenewalRequest request, ServerCallContext context)
    {
        var (grain, _) = await lookup.FindAsync(context.GetCaller(), request.TenantId);
        return new SetNonRenewalResponse { Tenant = Mapping.ToProto(await grain.SetNonRenewalAsync(request.NonRenewal)) };
    }

    public override async Task<TerminateTenantResponse> TerminateTenant(TerminateTenantRequest request, ServerCallContext context)
    {
        var (grain, _) = await lookup.FindAsync(context.GetCaller(), request.TenantId);
        var notice = Check.Required(request.Notice, "notice", 1000);
        var effectiveAt = WireTime.Optional(request.EffectiveAt) ?? clock.GetUtcNow();
        return new TerminateTenantResponse { Tenant = Mapping.ToProto(await grain.TerminateByNoticeAsync(effectiveAt, notice)) };
    }

    public override async Task<GetUsageResponse> GetUsage(GetUsageRequest request, ServerCallContext context)
    {
        var (_, tenant) = await lookup.FindAsync(context.GetCaller(), request.TenantId);
        var from = Dates.Month(request.FromMonth, "from_month");
        var to = Dates.Month(request.ToMonth, "to_month");
        if (to < from || from.AddMonths(24) < to)
        {
            throw DomainException.Invalid("to_month", "must be within 24 months after from_month", "from_month から24か月以内で指定してください");
        }
        var months = await usage.GetAsync(tenant.TenantId, from, to, context.CancellationToken);
        return new GetUsageResponse { Months = { months.Select(Mapping.ToProto) } };
    }

    public override async Task<ReportFeeResponse> ReportFee(ReportFeeRequest request, ServerCallContext context)
    {
        var (_, tenant) = await lookup.FindAsync(context.GetCaller(), request.TenantId);
        var month = Dates.Month(request.Month, "month");
        if (request.FeePaidJpy is < 0 or > 100_000_000)
        {
            throw DomainException.Invalid("fee_paid_jpy", "must be between 0 and 100,000,000", "0〜100,000,000の範囲で指定してください");
        }
        if (month > UsageStore.MonthOf(clock.GetUtcNow()))
        {
            throw DomainException.Invalid("month", "is in the future", "未来の月は指定できません");
        }
        var updated = await usage.ReportFeeAsync(tenant.TenantId, month, request.FeePaidJpy, context.CancellationToken);
        return new ReportFeeResponse { Usage = Mapping.ToProto(updated) };
    }

    public override async Task<GetLiabilityCapResponse> GetLiabilityCap(GetLiabilityCapRequest request, ServerCallContext context)
    {
        var (_, tenant) = await lookup.FindAsync(context.GetCaller(), request.TenantId);
        var damage = Dates.Required(request.DamageDate, "damage_date");
        if (damage < new DateOnly(1, 2, 1))
        {
            // The cap is the fee of the month before the damage; January of year 1 has none.
            throw DomainException.Invalid("damage_date", "must be 0001-02-01 or later (the cap is the previous month's fee)",
                "0001-02-01 以降の日付を指定してください（上限額は前月の利用料金です）");
        }
        var basis = new DateOnly(damage.Year, damage.Month, 1).AddMonths(-1);
        var month = (await usage.GetAsync(tenant.TenantId, basis, basis, context.CancellationToken)).Single();
        return new GetLiabilityCapResponse
        {
            CapJpy = month.FeePaidJpy ?? 0,
            BasisMonth = basis.ToCalendarDate(),
            FeeReported = month.FeePaidJpy is not null,
        };
    }

    public override async Task<ListCatalogResponse> ListCatalog(ListCatalogRequest request, ServerCallContext context)
    {
        var (plans, options) = await catalog.ListAsync(context.CancellationToken);
        return new ListCatalogResponse
        {
            Plans = { plans.Select(p => new CatalogPlan { Code = p.Code, NameJa = p.NameJa, NameEn = p.NameEn, Seats = p.Seats }) },
            Options = { options.Select(o => new CatalogOption { Code = o.Code, NameJa = o.NameJa, NameEn = o.NameEn, MaxQuantity = o.MaxQuantity }) },
        };
    }

    private static bool SameData(ApplicationData a, ApplicationData b) =>
        JsonSerializer.Serialize(a) == JsonSerializer.Serialize(b);

    private static DomainException RequestIdReused() => new(ErrorKind.AlreadyExists, "REQUEST_ID_REUSED",
        "request_id was already used for a different request.", "request_id は別のリクエストで既に使用されています。", "request_id");

    internal static Guid IdempotentId(Guid caller, string operation, string requestId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{caller:N}/{operation}/{requestId}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8 (custom), RFC 9562
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
