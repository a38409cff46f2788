using GmoSign.Errors;
using GmoSign.Grains;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Reseller.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GmoSign.Reseller;

internal sealed class ContractGrpcService(
    TenantLookup lookup,
    ContractStore contracts,
    TermsCatalog terms,
    TimeProvider clock) : ContractService.ContractServiceBase
{
    public override async Task<FileChangeRequestResponse> FileChangeRequest(FileChangeRequestRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var (_, tenant) = await lookup.FindAsync(caller, request.TenantId);
        var kind = request.Kind switch
        {
            V1.ChangeKind.RegisteredData => ChangeKind.RegisteredData,
            V1.ChangeKind.Inheritance => ChangeKind.Inheritance,
            V1.ChangeKind.Merger => ChangeKind.Merger,
            V1.ChangeKind.Transfer => ChangeKind.Transfer,
            _ => throw DomainException.Invalid("kind", "must be REGISTERED_DATA, INHERITANCE, MERGER or TRANSFER",
                "REGISTERED_DATA、INHERITANCE、MERGER、TRANSFER のいずれかを指定してください"),
        };
        var proposed = ApplicationRules.Customer(request.Proposed, "proposed");
        var reason = Check.Required(request.Reason, "reason", 2000);
        var current = tenant.Customer;
        switch (kind)
        {
            case ChangeKind.RegisteredData when proposed.Kind != current.Kind || proposed.CorporateNumber != current.CorporateNumber:
                throw DomainException.Invalid("proposed.corporate_number",
                    "a change of registered data keeps the same party; use MERGER, INHERITANCE or TRANSFER to change it",
                    "登録事項の変更では契約当事者は変わりません。当事者が変わる場合は MERGER・INHERITANCE・TRANSFER を使用してください");
            case ChangeKind.Inheritance when current.Kind != Grains.CustomerKind.Consumer || proposed.Kind != Grains.CustomerKind.Consumer:
                throw DomainException.Invalid("kind", "inheritance applies to individual customers and heirs", "相続は個人のお客さまとその相続人に適用されます");
            case ChangeKind.Merger when current.Kind != Grains.CustomerKind.Organization || proposed.Kind != Grains.CustomerKind.Organization:
                throw DomainException.Invalid("kind", "a merger applies to organizations", "合併は法人に適用されます");
        }
        if (tenant.Status is Grains.TenantStatus.Terminated or Grains.TenantStatus.Deleted)
        {
            throw DomainException.Precondition("TENANT_TERMINATED", "The contract has ended; it can no longer be changed.", "契約は終了しているため、変更できません。");
        }

        var filedBy = caller.Kind == CallerKind.Reseller ? $"reseller:{caller.ResellerId}" : $"tenant_user:{caller.UserId}";
        var record = new ChangeRequestRecord(Guid.CreateVersion7(), tenant.TenantId, tenant.ResellerId, kind, proposed, current, reason,
            ChangeState.Pending, filedBy, clock.GetUtcNow(), null, null);
        if (!await contracts.FileAsync(record, context.CancellationToken))
        {
            throw DomainException.Precondition("CHANGE_REQUEST_OPEN",
                "A change request for this tenant is already waiting for the operator.", "このテナントの変更届は既に審査待ちです。");
        }
        return new FileChangeRequestResponse { ChangeRequest = Mapping.ToProto(record) };
    }

    public override async Task<ListChangeRequestsResponse> ListChangeRequests(ListChangeRequestsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        Guid? tenantId = null;
        if (caller.Kind == CallerKind.TenantUser)
        {
            tenantId = caller.TenantId;
        }
        else if (!string.IsNullOrEmpty(request.TenantId))
        {
            tenantId = (await lookup.FindAsync(caller, request.TenantId)).Tenant.TenantId;
        }
        ChangeState? state = request.Status switch
        {
            ChangeRequestStatus.Unspecified => null,
            ChangeRequestStatus.Pending => ChangeState.Pending,
            ChangeRequestStatus.Confirmed => ChangeState.Confirmed,
            ChangeRequestStatus.Rejected => ChangeState.Rejected,
            _ => throw DomainException.Invalid("status", "is not a known status", "不明なステータスです"),
        };
        var resellerId = caller.Kind == CallerKind.Reseller ? caller.ResellerId : null;
        var list = await contracts.ListAsync(tenantId, resellerId, state, context.CancellationToken);
        return new ListChangeRequestsResponse { ChangeRequests = { list.Select(Mapping.ToProto) } };
    }

    public override async Task<ListNoticesResponse> ListNotices(ListNoticesRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        string[]? options = null;
        if (caller.TenantId is { } tenantId)
        {
            var (_, tenant) = await lookup.FindAsync(caller, tenantId.ToString());
            options = tenant.Options.Where(o => o.Value > 0).Select(o => o.Key).ToArray();
        }
        var notices = await contracts.NoticesAsync(options, context.CancellationToken);
        return new ListNoticesResponse { Notices = { notices.Select(Mapping.ToProto) } };
    }

    public override async Task<AcceptTermsVersionResponse> AcceptTermsVersion(AcceptTermsVersionRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var version = Check.Required(request.Version, "version", 40);
        var terms1 = await terms.FindAsync(version, context.CancellationToken)
            ?? throw DomainException.Invalid("version", $"'{version}' is not a published terms version", $"「{version}」は公開されている規約バージョンではありません");
        var (grain, _) = await lookup.FindAsync(caller, caller.TenantId.ToString());
        await contracts.RecordConsentAsync(caller.TenantId!.Value, version, "explicit", caller.UserId, clock.GetUtcNow(), context.CancellationToken);
        return new AcceptTermsVersionResponse { Tenant = Mapping.ToProto(await grain.RecordTermsConsentAsync(version, terms1.EffectiveAt)) };
    }
}
