using System.Net;
using GmoSign.Accounts.V1;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace GmoSign.EndToEndTests;

/// <summary>Changes to the contract (Art. 13, 14), notices (Art. 23, 28), IP restriction and delegation (Art. 8).</summary>
[Collection(PlatformCollection.Name)]
public sealed class ContractTests(PlatformFixture platform)
{
    private ContractService.ContractServiceClient Contracts => new(platform.Channel);

    [Fact]
    public async Task Registered_data_changes_only_when_the_operator_confirms()
    {
        var tenant = await platform.NewTenantAsync();
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var before = await platform.GetTenantAsync(tenant.TenantId);
        var proposed = before.Customer.Clone();
        proposed.Address = "大阪府大阪市北区梅田1-1-1";
        proposed.RepresentativeName = "鈴木 一郎";

        var filed = (await Contracts.FileChangeRequestAsync(new FileChangeRequestRequest
        {
            TenantId = tenant.TenantId, Kind = ChangeKind.RegisteredData, Proposed = proposed, Reason = "本店移転（登記事項証明書 2026-11-01）",
        }, admin)).ChangeRequest;
        Assert.Equal(ChangeRequestStatus.Pending, filed.Status);
        Assert.Equal(before.Customer, filed.Current);

        // The old data stays in force until the operator confirms; a second request waits for the first.
        Assert.Equal(before.Customer, (await platform.GetTenantAsync(tenant.TenantId)).Customer);
        var second = await Calls.FailsAsync(() => Contracts.FileChangeRequestAsync(new FileChangeRequestRequest
        {
            TenantId = tenant.TenantId, Kind = ChangeKind.RegisteredData, Proposed = proposed, Reason = "再送",
        }, platform.AsReseller).ResponseAsync);
        Assert.Equal("CHANGE_REQUEST_OPEN", Calls.ErrorInfo(second).Reason);

        // Changing the party itself is not a change of registered data.
        var other = proposed.Clone();
        other.CorporateNumber = platform.CorporateNumber();
        var wrongKind = await Calls.FailsAsync(() => Contracts.FileChangeRequestAsync(new FileChangeRequestRequest
        {
            TenantId = tenant.TenantId, Kind = ChangeKind.RegisteredData, Proposed = other, Reason = "x",
        }, admin).ResponseAsync);
        Assert.Equal("proposed.corporate_number", Calls.ErrorInfo(wrongKind).Field);

        var decided = await platform.Operator.DecideChangeRequestAsync(new DecideChangeRequestRequest
        {
            ChangeRequestId = filed.ChangeRequestId, Confirm = true, Note = "登記事項証明書で確認",
        }, platform.AsOperator);
        Assert.Equal(ChangeRequestStatus.Confirmed, decided.ChangeRequest.Status);
        Assert.Equal("大阪府大阪市北区梅田1-1-1", decided.Tenant.Customer.Address);
        Assert.Equal("大阪府大阪市北区梅田1-1-1", (await platform.GetTenantAsync(tenant.TenantId)).Customer.Address);

        var twice = await Calls.FailsAsync(() => platform.Operator.DecideChangeRequestAsync(new DecideChangeRequestRequest
        {
            ChangeRequestId = filed.ChangeRequestId, Confirm = false,
        }, platform.AsOperator).ResponseAsync);
        Assert.Equal("CHANGE_REQUEST_DECIDED", Calls.ErrorInfo(twice).Reason);

        var listed = await Contracts.ListChangeRequestsAsync(new ListChangeRequestsRequest(), admin);
        Assert.Equal(filed.ChangeRequestId, Assert.Single(listed.ChangeRequests).ChangeRequestId);
    }

    [Fact]
    public async Task A_merger_filed_by_the_successor_can_be_rejected_and_a_transfer_confirmed()
    {
        var tenant = await platform.NewTenantAsync();
        var before = await platform.GetTenantAsync(tenant.TenantId);
        var successor = before.Customer.Clone();
        successor.Name = "株式会社存続会社";
        successor.CorporateNumber = platform.CorporateNumber();

        var merger = (await Contracts.FileChangeRequestAsync(new FileChangeRequestRequest
        {
            TenantId = tenant.TenantId, Kind = ChangeKind.Merger, Proposed = successor, Reason = "吸収合併（効力発生日 2026-12-01）",
        }, platform.AsReseller)).ChangeRequest;
        Assert.Equal($"reseller:{platform.ResellerId}", merger.FiledBy);
        var rejected = await platform.Operator.DecideChangeRequestAsync(new DecideChangeRequestRequest
        {
            ChangeRequestId = merger.ChangeRequestId, Confirm = false, Note = "合併契約書の提出が必要です",
        }, platform.AsOperator);
        Assert.Equal(ChangeRequestStatus.Rejected, rejected.ChangeRequest.Status);
        Assert.Equal(before.Customer, rejected.Tenant.Customer);

        var transfer = (await Contracts.FileChangeRequestAsync(new FileChangeRequestRequest
        {
            TenantId = tenant.TenantId, Kind = ChangeKind.Transfer, Proposed = successor, Reason = "事業譲渡に伴う契約上の地位の移転",
        }, platform.AsReseller)).ChangeRequest;
        var confirmed = await platform.Operator.DecideChangeRequestAsync(new DecideChangeRequestRequest
        {
            ChangeRequestId = transfer.ChangeRequestId, Confirm = true,
        }, platform.AsOperator);
        Assert.Equal(successor.CorporateNumber, confirmed.Tenant.Customer.CorporateNumber);
        Assert.Equal(successor.CorporateNumber, await platform.Database.ScalarAsync<string>(
            "SELECT corporate_number FROM reseller.tenant WHERE tenant_id = $1", Guid.Parse(tenant.TenantId)));
    }

    [Fact]
    public async Task Notices_reach_the_tenants_they_concern()
    {
        var withOption = await platform.NewTenantAsync("light", 12, new OptionGrant { Code = "bulk_send", Quantity = 1 });
        var without = await platform.NewTenantAsync();
        var published = (await platform.Operator.PublishNoticeAsync(new PublishNoticeRequest
        {
            Kind = NoticeKind.Discontinuation, OptionCode = "bulk_send",
            TitleJa = "一括送信オプション提供終了のお知らせ", TitleEn = "Bulk send option will be discontinued",
            BodyJa = "2027年3月31日をもって提供を終了します。", BodyEn = "The option ends on 31 March 2027.",
            EffectiveAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2027, 3, 31, 15, 0, 0, TimeSpan.Zero)),
        }, platform.AsOperator)).Notice;

        var seen = await Contracts.ListNoticesAsync(new ListNoticesRequest(),
            Calls.Bearer(await Calls.LoginAsync(platform.Channel, withOption.AdminLogin, withOption.AdminPassword)));
        Assert.Contains(seen.Notices, n => n.NoticeId == published.NoticeId);
        Assert.Contains(seen.Notices, n => n.Kind == NoticeKind.TermsChange); // every tenant is told of new terms

        var notSeen = await Contracts.ListNoticesAsync(new ListNoticesRequest(),
            Calls.Bearer(await Calls.LoginAsync(platform.Channel, without.AdminLogin, without.AdminPassword)));
        Assert.DoesNotContain(notSeen.Notices, n => n.NoticeId == published.NoticeId);

        var late = await Calls.FailsAsync(() => platform.Operator.PublishNoticeAsync(new PublishNoticeRequest
        {
            Kind = NoticeKind.Discontinuation, TitleJa = "x", TitleEn = "x", BodyJa = "x", BodyEn = "x",
            EffectiveAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)),
        }, platform.AsOperator).ResponseAsync);
        Assert.Equal("effective_at", Calls.ErrorInfo(late).Field);
    }

    [Fact]
    public async Task Using_the_service_after_new_terms_take_effect_records_deemed_consent()
    {
        var tenant = await platform.NewTenantAsync();
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var id = Guid.Parse(tenant.TenantId);
        Assert.Equal("application", await platform.Database.ScalarAsync<string>(
            "SELECT kind FROM reseller.terms_consent WHERE tenant_id = $1 AND version = $2", id, PlatformFixture.TermsVersion));

        var version = "2027-" + platform.Next();
        await platform.Operator.PublishTermsVersionAsync(new PublishTermsVersionRequest
        {
            Terms = new TermsVersion
            {
                Version = version, EffectiveAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(3)),
                SummaryJa = "第17条の改定", SummaryEn = "Article 17 revised", Url = "https://example.jp/terms/" + version,
            },
        }, platform.AsOperator);

        // Before the effective date, use is not consent.
        await platform.Accounts.ListUsersAsync(new ListUsersRequest(), admin);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM reseller.terms_consent WHERE tenant_id = $1 AND version = $2", id, version));

        // From the effective date on, the next use is consent.
        await Eventually.HoldsAsync(async () =>
        {
            await platform.Accounts.ListUsersAsync(new ListUsersRequest(), admin);
            return await platform.Database.ScalarAsync<string>(
                "SELECT kind FROM reseller.terms_consent WHERE tenant_id = $1 AND version = $2", id, version) == "deemed";
        }, "use after the effective date is recorded as deemed consent");
        Assert.Equal(version, (await platform.GetTenantAsync(tenant.TenantId)).AcceptedTermsVersion);
    }

    [Fact]
    public async Task The_ip_allow_list_refuses_other_addresses_while_the_option_is_held()
    {
        var tenant = await platform.NewTenantAsync();
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var noOption = await Calls.FailsAsync(() => platform.Accounts.SetIpAllowListAsync(new SetIpAllowListRequest { Cidrs = { "127.0.0.1/32" } }, admin).ResponseAsync);
        Assert.Equal("OPTION_REQUIRED", Calls.ErrorInfo(noOption).Reason);

        await platform.Resellers.SetTenantOptionAsync(new SetTenantOptionRequest
        {
            TenantId = tenant.TenantId, Option = new OptionGrant { Code = "ip_restriction", Quantity = 1 },
        }, platform.AsReseller);
        var lockout = await Calls.FailsAsync(() => platform.Accounts.SetIpAllowListAsync(new SetIpAllowListRequest { Cidrs = { "192.0.2.0/24" } }, admin).ResponseAsync);
        Assert.Equal("cidrs", Calls.ErrorInfo(lockout).Field);
        var badCidr = await Calls.FailsAsync(() => platform.Accounts.SetIpAllowListAsync(new SetIpAllowListRequest { Cidrs = { "127.0.0.1/32", "300.1.2.3/8" } }, admin).ResponseAsync);
        Assert.Equal("cidrs[1]", Calls.ErrorInfo(badCidr).Field);

        var set = await platform.Accounts.SetIpAllowListAsync(new SetIpAllowListRequest { Cidrs = { "127.0.0.1", "2001:db8::/32" } }, admin);
        Assert.Equal(["127.0.0.1/32", "2001:db8::/32"], set.Cidrs);

        // From 127.0.0.2 (another loopback address) sign-in and calls are refused; from 127.0.0.1 they work.
        using var elsewhere = Calls.ChannelFrom(IPAddress.Parse("127.0.0.2"), platform.Host.Ports.Grpc);
        var login = await Calls.FailsAsync(() => new AccountsService.AccountsServiceClient(elsewhere)
            .LoginAsync(new LoginRequest { LoginId = tenant.AdminLogin, Password = tenant.AdminPassword }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, login.StatusCode);
        Assert.Equal("IP_NOT_ALLOWED", Calls.ErrorInfo(login).Reason);
        var call = await Calls.FailsAsync(() => new AccountsService.AccountsServiceClient(elsewhere).WhoAmIAsync(new WhoAmIRequest(), admin).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, call.StatusCode);
        await platform.Accounts.WhoAmIAsync(new WhoAmIRequest(), admin);

        // Without the option the list no longer applies.
        await platform.Resellers.SetTenantOptionAsync(new SetTenantOptionRequest
        {
            TenantId = tenant.TenantId, Option = new OptionGrant { Code = "ip_restriction", Quantity = 0 },
        }, platform.AsReseller);
        await new AccountsService.AccountsServiceClient(elsewhere).WhoAmIAsync(new WhoAmIRequest(), admin);
        var settings = await platform.Accounts.GetSecuritySettingsAsync(new GetSecuritySettingsRequest(), admin);
        Assert.False(settings.IpRestrictionAvailable);
        Assert.Equal(2, settings.IpAllowList.Count);
    }

    [Fact]
    public async Task A_user_delegates_signing_authority_for_a_period_and_revokes_it_with_an_audit_trail()
    {
        var tenant = await platform.NewTenantAsync("standard");
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var principal = await platform.Accounts.CreateUserAsync(new CreateUserRequest { LoginId = $"p-{Guid.NewGuid():N}@d.example.jp", DisplayName = "本人", Role = UserRole.Member }, admin);
        var deputy = await platform.Accounts.CreateUserAsync(new CreateUserRequest { LoginId = $"d-{Guid.NewGuid():N}@d.example.jp", DisplayName = "代理人", Role = UserRole.Member }, admin);
        var bystander = await platform.Accounts.CreateUserAsync(new CreateUserRequest { LoginId = $"b-{Guid.NewGuid():N}@d.example.jp", DisplayName = "第三者", Role = UserRole.Member }, admin);
        var asPrincipal = Calls.Bearer(await Calls.LoginAsync(platform.Channel, principal.User.LoginId, principal.InitialPassword));
        var asDeputy = Calls.Bearer(await Calls.LoginAsync(platform.Channel, deputy.User.LoginId, deputy.InitialPassword));
        var asBystander = Calls.Bearer(await Calls.LoginAsync(platform.Channel, bystander.User.LoginId, bystander.InitialPassword));
        var until = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30));

        var tooLong = await Calls.FailsAsync(() => platform.Accounts.GrantDelegationAsync(new GrantDelegationRequest
        {
            DelegateUserId = deputy.User.UserId, Scope = DelegationScope.All, ValidUntil = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddYears(2)),
        }, asPrincipal).ResponseAsync);
        Assert.Equal("valid_until", Calls.ErrorInfo(tooLong).Field);
        var self = await Calls.FailsAsync(() => platform.Accounts.GrantDelegationAsync(new GrantDelegationRequest
        {
            DelegateUserId = principal.User.UserId, Scope = DelegationScope.All, ValidUntil = until,
        }, asPrincipal).ResponseAsync);
        Assert.Equal("delegate_user_id", Calls.ErrorInfo(self).Field);
        var noTag = await Calls.FailsAsync(() => platform.Accounts.GrantDelegationAsync(new GrantDelegationRequest
        {
            DelegateUserId = deputy.User.UserId, Scope = DelegationScope.Tag, ValidUntil = until,
        }, asPrincipal).ResponseAsync);
        Assert.Equal("tag", Calls.ErrorInfo(noTag).Field);

        var granted = (await platform.Accounts.GrantDelegationAsync(new GrantDelegationRequest
        {
            DelegateUserId = deputy.User.UserId, Scope = DelegationScope.Tag, Tag = "営業契約", ValidUntil = until,
        }, asPrincipal)).Delegation;
        Assert.Equal(principal.User.UserId, granted.PrincipalUserId);

        var seenByDeputy = await platform.Accounts.ListDelegationsAsync(new ListDelegationsRequest(), asDeputy);
        Assert.Equal(granted.DelegationId, Assert.Single(seenByDeputy.Delegations).DelegationId);
        Assert.Empty((await platform.Accounts.ListDelegationsAsync(new ListDelegationsRequest(), asBystander)).Delegations);

        var notYours = await Calls.FailsAsync(() => platform.Accounts.RevokeDelegationAsync(new RevokeDelegationRequest { DelegationId = granted.DelegationId }, asBystander).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notYours.StatusCode);
        await platform.Accounts.RevokeDelegationAsync(new RevokeDelegationRequest { DelegationId = granted.DelegationId }, asPrincipal);
        Assert.Empty((await platform.Accounts.ListDelegationsAsync(new ListDelegationsRequest(), asDeputy)).Delegations);
        var all = await platform.Accounts.ListDelegationsAsync(new ListDelegationsRequest { IncludeInactive = true }, admin);
        Assert.NotNull(Assert.Single(all.Delegations).RevokedAt);

        var events = await platform.Accounts.ListDelegationEventsAsync(new ListDelegationEventsRequest(), admin);
        Assert.Equal(["revoked", "granted"], events.Events.Select(e => e.Action));
        Assert.All(events.Events, e => Assert.Equal("127.0.0.1", e.IpAddress));
        Assert.All(events.Events, e => Assert.Equal(principal.User.UserId, e.ActorUserId));
    }
}
