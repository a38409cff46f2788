using GmoSign.Accounts.V1;
using GmoSign.Common.V1;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>
/// A caller of another reseller or tenant gets no data and changes nothing (terms Art. 5): every RPC of the
/// Accounts, Reseller and Operator services is either probed here with a foreign caller or listed as acting
/// only on the caller's own identity.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class IsolationTests(PlatformFixture platform)
{
    /// <summary>RPCs that take no id of anything: they act on the caller itself (or are public sign-in).</summary>
    private static readonly string[] SelfScoped =
    [
        "AccountsService/Login", "AccountsService/Logout", "AccountsService/WhoAmI", "AccountsService/ChangePassword",
        "AccountsService/BeginTotpEnrollment", "AccountsService/ConfirmTotpEnrollment", "AccountsService/SetTwoFactorPolicy",
        "AccountsService/CreateUser", "AccountsService/CreateApiKey", "ResellerService/SubmitApplication",
        "OperatorService/GetMaintenance", "OperatorService/ListTermsVersions", "AccountsService/SetIpAllowList",
        "AccountsService/GetSecuritySettings", "ContractService/ListNotices", "ContractService/AcceptTermsVersion", "ResellerService/ListCatalog",
    ];

    [Fact]
    public async Task Foreign_resellers_and_tenants_get_nothing_from_any_rpc()
    {
        var a = await platform.NewTenantAsync("standard", 12, new OptionGrant { Code = "api_access", Quantity = 1 });
        var adminA = Calls.Bearer(await Calls.LoginAsync(platform.Channel, a.AdminLogin, a.AdminPassword));
        var memberA = await platform.Accounts.CreateUserAsync(new CreateUserRequest
        {
            LoginId = $"iso-{Guid.NewGuid():N}@a.example.jp", DisplayName = "A member", Role = UserRole.Member,
        }, adminA);
        var memberToken = Calls.Bearer(await Calls.LoginAsync(platform.Channel, memberA.User.LoginId, memberA.InitialPassword));
        var keyA = await platform.Accounts.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "A" }, adminA);
        var integrationA = Calls.ApiKey(keyA.Secret);
        var applicationA = (await platform.Resellers.ListApplicationsAsync(new ListApplicationsRequest { PageSize = 1 }, platform.AsReseller)).Applications[0];

        var (otherResellerId, otherKey) = await platform.RegisterResellerAsync("株式会社他社代理店");
        var resellerB = Calls.ApiKey(otherKey);
        var b = await platform.ApproveAsync(platform.OrganizationApplication(), resellerB);
        var adminB = Calls.Bearer(await Calls.LoginAsync(platform.Channel, b.AdminLogin, b.AdminPassword));

        var accounts = platform.Accounts;
        var resellers = platform.Resellers;
        var op = platform.Operator;
        var month = new CalendarDate { Year = 2026, Month = 10, Day = 1 };
        var probed = new List<string>();

        async Task Denied(string rpc, StatusCode expected, Func<Task> call)
        {
            probed.Add(rpc);
            var ex = await Calls.FailsAsync(call);
            Assert.True(expected == ex.StatusCode, $"{rpc}: expected {expected}, got {ex.StatusCode} ({ex.Status.Detail})");
        }

        // Another reseller.
        await Denied("ResellerService/GetReseller", StatusCode.NotFound, () => resellers.GetResellerAsync(new GetResellerRequest { ResellerId = platform.ResellerId }, resellerB).ResponseAsync);
        await Denied("ResellerService/GetApplication", StatusCode.NotFound, () => resellers.GetApplicationAsync(new GetApplicationRequest { ApplicationId = applicationA.ApplicationId }, resellerB).ResponseAsync);
        await Denied("ResellerService/GetTenant", StatusCode.NotFound, () => resellers.GetTenantAsync(new GetTenantRequest { TenantId = a.TenantId }, resellerB).ResponseAsync);
        await Denied("ResellerService/SetTenantOption", StatusCode.NotFound, () => resellers.SetTenantOptionAsync(new SetTenantOptionRequest { TenantId = a.TenantId, Option = new OptionGrant { Code = "extra_seats", Quantity = 50 } }, resellerB).ResponseAsync);
        await Denied("ResellerService/SetNonRenewal", StatusCode.NotFound, () => resellers.SetNonRenewalAsync(new SetNonRenewalRequest { TenantId = a.TenantId, NonRenewal = true }, resellerB).ResponseAsync);
        await Denied("ResellerService/TerminateTenant", StatusCode.NotFound, () => resellers.TerminateTenantAsync(new TerminateTenantRequest { TenantId = a.TenantId, Notice = "x" }, resellerB).ResponseAsync);
        await Denied("ResellerService/GetUsage", StatusCode.NotFound, () => resellers.GetUsageAsync(new GetUsageRequest { TenantId = a.TenantId, FromMonth = month, ToMonth = month }, resellerB).ResponseAsync);
        await Denied("ResellerService/ReportFee", StatusCode.NotFound, () => resellers.ReportFeeAsync(new ReportFeeRequest { TenantId = a.TenantId, Month = month, FeePaidJpy = 1 }, resellerB).ResponseAsync);
        await Denied("ResellerService/GetLiabilityCap", StatusCode.NotFound, () => resellers.GetLiabilityCapAsync(new GetLiabilityCapRequest { TenantId = a.TenantId, DamageDate = month }, resellerB).ResponseAsync);
        await Denied("ResellerService/RegisterReseller", StatusCode.PermissionDenied, () => resellers.RegisterResellerAsync(new RegisterResellerRequest { RequestId = "x", Name = "x", ContactEmail = "x@example.jp" }, resellerB).ResponseAsync);
        await Denied("ResellerService/ListTenants", StatusCode.NotFound, () => resellers.ListTenantsAsync(new ListTenantsRequest { ResellerId = platform.ResellerId }, resellerB).ResponseAsync);
        var ownTenants = await resellers.ListTenantsAsync(new ListTenantsRequest(), resellerB);
        Assert.Equal([b.TenantId], ownTenants.Tenants.Select(t => t.TenantId));
        probed.Add("ResellerService/ListApplications");
        var ownApplications = await resellers.ListApplicationsAsync(new ListApplicationsRequest(), resellerB);
        Assert.All(ownApplications.Applications, app => Assert.Equal(otherResellerId, app.ResellerId));

        // Operator RPCs refuse resellers and tenant users alike.
        foreach (var caller in new[] { resellerB, adminB })
        {
            await Denied("OperatorService/ApproveApplication", StatusCode.PermissionDenied, () => op.ApproveApplicationAsync(new ApproveApplicationRequest { ApplicationId = applicationA.ApplicationId }, caller).ResponseAsync);
            await Denied("OperatorService/RejectApplication", StatusCode.PermissionDenied, () => op.RejectApplicationAsync(new RejectApplicationRequest { ApplicationId = applicationA.ApplicationId, Reasons = { RejectionReason.OperationalHindrance } }, caller).ResponseAsync);
            await Denied("OperatorService/SuspendReseller", StatusCode.PermissionDenied, () => op.SuspendResellerAsync(new SuspendResellerRequest { ResellerId = platform.ResellerId, Reason = "x" }, caller).ResponseAsync);
            await Denied("OperatorService/ReinstateReseller", StatusCode.PermissionDenied, () => op.ReinstateResellerAsync(new ReinstateResellerRequest { ResellerId = platform.ResellerId }, caller).ResponseAsync);
            await Denied("OperatorService/SuspendTenant", StatusCode.PermissionDenied, () => op.SuspendTenantAsync(new SuspendTenantRequest { TenantId = a.TenantId, Reason = "x" }, caller).ResponseAsync);
            await Denied("OperatorService/ResumeTenant", StatusCode.PermissionDenied, () => op.ResumeTenantAsync(new ResumeTenantRequest { TenantId = a.TenantId }, caller).ResponseAsync);
            await Denied("OperatorService/TerminateTenantForCause", StatusCode.PermissionDenied, () => op.TerminateTenantForCauseAsync(new TerminateTenantForCauseRequest { TenantId = a.TenantId, Kind = TerminationKind.ForCause, Clause = "x", Reason = "x" }, caller).ResponseAsync);
            await Denied("OperatorService/RecordDelinquency", StatusCode.PermissionDenied, () => op.RecordDelinquencyAsync(new RecordDelinquencyRequest { CorporateNumber = a.Application.Customer.CorporateNumber, Note = "x" }, caller).ResponseAsync);
            await Denied("OperatorService/StartMaintenance", StatusCode.PermissionDenied, () => op.StartMaintenanceAsync(new StartMaintenanceRequest { NoticeJa = "x", NoticeEn = "x", EndsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(1)) }, caller).ResponseAsync);
            await Denied("OperatorService/EndMaintenance", StatusCode.PermissionDenied, () => op.EndMaintenanceAsync(new EndMaintenanceRequest(), caller).ResponseAsync);
            await Denied("OperatorService/PublishTermsVersion", StatusCode.PermissionDenied, () => op.PublishTermsVersionAsync(new PublishTermsVersionRequest { Terms = new TermsVersion { Version = "evil" } }, caller).ResponseAsync);
        }

        var contracts = new ContractService.ContractServiceClient(platform.Channel);
        var profile = (await platform.GetTenantAsync(a.TenantId)).Customer;
        await Denied("ContractService/FileChangeRequest", StatusCode.NotFound, () => contracts.FileChangeRequestAsync(new FileChangeRequestRequest { TenantId = a.TenantId, Kind = ChangeKind.RegisteredData, Proposed = profile, Reason = "x" }, resellerB).ResponseAsync);
        await Denied("ContractService/FileChangeRequest", StatusCode.NotFound, () => contracts.FileChangeRequestAsync(new FileChangeRequestRequest { TenantId = a.TenantId, Kind = ChangeKind.RegisteredData, Proposed = profile, Reason = "x" }, adminB).ResponseAsync);
        await Denied("ContractService/ListChangeRequests", StatusCode.NotFound, () => contracts.ListChangeRequestsAsync(new ListChangeRequestsRequest { TenantId = a.TenantId }, resellerB).ResponseAsync);
        var filedA = (await contracts.FileChangeRequestAsync(new FileChangeRequestRequest { TenantId = a.TenantId, Kind = ChangeKind.RegisteredData, Proposed = profile, Reason = "isolation" }, adminA)).ChangeRequest;
        Assert.DoesNotContain((await contracts.ListChangeRequestsAsync(new ListChangeRequestsRequest(), adminB)).ChangeRequests, r => r.TenantId == a.TenantId);
        Assert.DoesNotContain((await contracts.ListChangeRequestsAsync(new ListChangeRequestsRequest(), resellerB)).ChangeRequests, r => r.TenantId == a.TenantId);
        foreach (var caller in new[] { resellerB, adminB })
        {
            await Denied("OperatorService/DecideChangeRequest", StatusCode.PermissionDenied, () => op.DecideChangeRequestAsync(new DecideChangeRequestRequest { ChangeRequestId = filedA.ChangeRequestId, Confirm = true }, caller).ResponseAsync);
            await Denied("OperatorService/PublishNotice", StatusCode.PermissionDenied, () => op.PublishNoticeAsync(new PublishNoticeRequest { Kind = NoticeKind.General, TitleJa = "x", TitleEn = "x", BodyJa = "x", BodyEn = "x", EffectiveAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)) }, caller).ResponseAsync);
        }

        // Delegations never cross tenants.
        var delegationA = (await accounts.GrantDelegationAsync(new GrantDelegationRequest { DelegateUserId = memberA.User.UserId, Scope = DelegationScope.All, ValidUntil = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(7)) }, adminA)).Delegation;
        await Denied("AccountsService/GrantDelegation", StatusCode.NotFound, () => accounts.GrantDelegationAsync(new GrantDelegationRequest { DelegateUserId = memberA.User.UserId, Scope = DelegationScope.All, ValidUntil = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(7)) }, adminB).ResponseAsync);
        await Denied("AccountsService/RevokeDelegation", StatusCode.NotFound, () => accounts.RevokeDelegationAsync(new RevokeDelegationRequest { DelegationId = delegationA.DelegationId }, adminB).ResponseAsync);
        probed.Add("AccountsService/ListDelegations");
        Assert.Empty((await accounts.ListDelegationsAsync(new ListDelegationsRequest { IncludeInactive = true }, adminB)).Delegations);
        probed.Add("AccountsService/ListDelegationEvents");
        Assert.Empty((await accounts.ListDelegationEventsAsync(new ListDelegationEventsRequest(), adminB)).Events);
        Assert.Single((await accounts.ListDelegationsAsync(new ListDelegationsRequest(), adminA)).Delegations);

        // Another tenant's admin.
        await Denied("ResellerService/GetTenant", StatusCode.NotFound, () => resellers.GetTenantAsync(new GetTenantRequest { TenantId = a.TenantId }, adminB).ResponseAsync);
        await Denied("AccountsService/DeactivateUser", StatusCode.NotFound, () => accounts.DeactivateUserAsync(new DeactivateUserRequest { UserId = memberA.User.UserId }, adminB).ResponseAsync);
        await Denied("AccountsService/RevokeApiKey", StatusCode.NotFound, () => accounts.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = keyA.ApiKey.KeyId }, adminB).ResponseAsync);
        probed.Add("AccountsService/ListUsers");
        var usersB = await accounts.ListUsersAsync(new ListUsersRequest(), adminB);
        Assert.Equal([b.AdminLogin], usersB.Users.Select(u => u.LoginId));
        probed.Add("AccountsService/ListApiKeys");
        Assert.Empty((await accounts.ListApiKeysAsync(new ListApiKeysRequest(), adminB)).ApiKeys);

        // Inside tenant A: members and integrations cannot administer.
        await Denied("AccountsService/ListUsers", StatusCode.PermissionDenied, () => accounts.ListUsersAsync(new ListUsersRequest(), memberToken).ResponseAsync);
        await Denied("AccountsService/CreateApiKey", StatusCode.PermissionDenied, () => accounts.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "x" }, integrationA).ResponseAsync);
        await Denied("ResellerService/SetTenantOption", StatusCode.PermissionDenied, () => resellers.SetTenantOptionAsync(new SetTenantOptionRequest { TenantId = a.TenantId, Option = new OptionGrant { Code = "extra_seats", Quantity = 9 } }, adminA).ResponseAsync);

        // Nothing of A changed.
        var pendingA = Assert.Single((await contracts.ListChangeRequestsAsync(new ListChangeRequestsRequest(), adminA)).ChangeRequests);
        Assert.Equal(ChangeRequestStatus.Pending, pendingA.Status);
        var stillA = await platform.GetTenantAsync(a.TenantId);
        Assert.Equal(TenantStatus.Active, stillA.Status);
        Assert.False(stillA.NonRenewal);
        Assert.DoesNotContain(stillA.Options, o => o.Code == "extra_seats");
        Assert.Contains((await accounts.ListUsersAsync(new ListUsersRequest(), adminA)).Users, u => u.UserId == memberA.User.UserId && u.Active);
        await accounts.WhoAmIAsync(new WhoAmIRequest(), integrationA);

        // Every RPC is either probed or acts only on the caller itself.
        var all = new[] { AccountsService.Descriptor, ResellerService.Descriptor, OperatorService.Descriptor, ContractService.Descriptor }
            .SelectMany(s => s.Methods.Select(m => $"{s.Name}/{m.Name}"));
        var uncovered = all.Except(probed).Except(SelfScoped).ToArray();
        Assert.True(uncovered.Length == 0, "RPCs without an isolation probe: " + string.Join(", ", uncovered));
    }
}
