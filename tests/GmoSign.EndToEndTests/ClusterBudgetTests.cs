using GmoSign.Accounts.V1;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using GmoSign.Signing.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace GmoSign.EndToEndTests;

/// <summary>Three hosts with small budgets: ten calls per tenant or reseller in five minutes, three wrong passwords per login id.</summary>
public sealed class BudgetCluster() : HostCluster(new Dictionary<string, string>
{
    ["GmoSign__RateLimit__Limit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ["GmoSign__RateLimit__Window"] = "00:05:00",
    ["GmoSign__RateLimit__LoginPerLoginId"] = "3",
})
{
    public const int Limit = 10;
}

/// <summary>
/// What a caller sees of the cluster does not depend on the host it calls (issue #12): a tenant's budget is one budget
/// with one count, window and x-ratelimit-* metadata across the hosts, and so is a login id's; a logout, a revoked API
/// key, a suspended tenant or reseller is refused on every other host by the very next call. Each test uses a reseller
/// and tenants of its own, so that the small budgets of one never meet another's.
/// </summary>
[Collection(ThreeHostCollection.Name)]
public sealed class ClusterBudgetTests(BudgetCluster cluster) : IClassFixture<BudgetCluster>
{
    private static AccountsService.AccountsServiceClient Accounts(GrpcChannel channel) => new(channel);

    private OperatorService.OperatorServiceClient Operator(int host) => new(cluster.Channel(host));

    private async Task<(string ResellerId, Metadata Reseller, PlatformFixture.ApprovedTenant Tenant)> NewTenantAsync(params OptionGrant[] options)
    {
        var (resellerId, key) = await cluster.Platform.RegisterResellerAsync($"株式会社代理店{cluster.Platform.Next()}");
        var reseller = Calls.ApiKey(key);
        var tenant = await cluster.Platform.ApproveAsync(cluster.Platform.OrganizationApplication("standard", 12, options), reseller);
        return (resellerId, reseller, tenant);
    }

    [Fact]
    public async Task A_tenants_and_a_login_ids_budget_are_one_budget_whichever_host_serves_the_call()
    {
        await cluster.EnsureAllServingAsync();
        var (_, reseller, tenant) = await NewTenantAsync();
        var admin = Calls.Bearer(await Calls.LoginAsync(cluster.Channel(1), tenant.AdminLogin, tenant.AdminPassword));

        // Ten calls, host after host: one count, one window.
        var resets = new HashSet<string>();
        for (var call = 1; call <= BudgetCluster.Limit; call++)
        {
            using var whoAmI = Accounts(cluster.Channel(call % HostCluster.Size)).WhoAmIAsync(new WhoAmIRequest(), admin);
            var headers = await whoAmI.ResponseHeadersAsync;
            await whoAmI.ResponseAsync;
            Assert.Equal(BudgetCluster.Limit.ToString(), headers.GetValue("x-ratelimit-limit"));
            Assert.Equal((BudgetCluster.Limit - call).ToString(), headers.GetValue("x-ratelimit-remaining"));
            resets.Add(headers.GetValue("x-ratelimit-reset")!);
        }
        Assert.Single(resets);
        Assert.True(long.Parse(resets.Single()) > DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        // The eleventh call is refused on every host, with the same metadata and a retry hint.
        for (var host = 0; host < HostCluster.Size; host++)
        {
            var refused = await Calls.FailsAsync(() => Accounts(cluster.Channel(host)).WhoAmIAsync(new WhoAmIRequest(), admin).ResponseAsync);
            Assert.Equal((StatusCode.ResourceExhausted, "RATE_LIMITED"), (refused.StatusCode, Calls.ErrorInfo(refused).Reason));
            Assert.InRange(int.Parse(refused.Trailers.GetValue("retry-after")!), 1, 300);
            Assert.Equal("0", refused.Trailers.GetValue("x-ratelimit-remaining"));
            Assert.Equal(resets.Single(), refused.Trailers.GetValue("x-ratelimit-reset"));
            var info = refused.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>();
            Assert.Equal(refused.Trailers.GetValue("retry-after"), info.Metadata["retry_after"]);
        }

        // The tenant's reseller has a budget of its own (it spent one call, the application).
        using (var resellerCall = Accounts(cluster.Channel(2)).WhoAmIAsync(new WhoAmIRequest(), reseller))
        {
            Assert.Equal((BudgetCluster.Limit - 2).ToString(), (await resellerCall.ResponseHeadersAsync).GetValue("x-ratelimit-remaining"));
            await resellerCall.ResponseAsync;
        }

        // Three wrong passwords for one login id, one per host: the fourth attempt waits, on any host.
        var loginId = $"nobody-{Guid.NewGuid():N}@example.jp";
        for (var host = 0; host < HostCluster.Size; host++)
        {
            var wrong = await Calls.FailsAsync(() => Accounts(cluster.Channel(host)).LoginAsync(new LoginRequest { LoginId = loginId, Password = "wrong-password-1" }).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        }
        for (var host = 0; host < HostCluster.Size; host++)
        {
            var waiting = await Calls.FailsAsync(() => Accounts(cluster.Channel(host)).LoginAsync(new LoginRequest { LoginId = loginId, Password = "wrong-password-1" }).ResponseAsync);
            Assert.Equal((StatusCode.ResourceExhausted, "RATE_LIMITED"), (waiting.StatusCode, Calls.ErrorInfo(waiting).Reason));
            Assert.InRange(int.Parse(waiting.Trailers.GetValue("retry-after")!), 1, 300);
        }
    }

    [Fact]
    public async Task A_password_change_through_one_host_ends_the_users_other_sessions_on_every_host_at_once()
    {
        await cluster.EnsureAllServingAsync();
        var (_, _, tenant) = await NewTenantAsync();
        // Two sessions of one user (two devices); the other one is known to every host.
        var changing = Calls.Bearer(await Calls.LoginAsync(cluster.Channel(0), tenant.AdminLogin, tenant.AdminPassword));
        var other = Calls.Bearer(await Calls.LoginAsync(cluster.Channel(1), tenant.AdminLogin, tenant.AdminPassword));
        for (var host = 0; host < HostCluster.Size; host++)
        {
            await Accounts(cluster.Channel(host)).WhoAmIAsync(new WhoAmIRequest(), other);
        }
        const string newPassword = "Changed-Password-42!";
        await Accounts(cluster.Channel(2)).ChangePasswordAsync(new ChangePasswordRequest { CurrentPassword = tenant.AdminPassword, NewPassword = newPassword }, changing);
        foreach (var host in new[] { 0, 1, 2 })
        {
            var refused = await Calls.FailsAsync(() => Accounts(cluster.Channel(host)).WhoAmIAsync(new WhoAmIRequest(), other).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }
        // The session that made the change goes on, and only the new password signs in.
        Assert.Equal(tenant.TenantId, (await Accounts(cluster.Channel(1)).WhoAmIAsync(new WhoAmIRequest(), changing)).TenantId);
        var oldPassword = await Calls.FailsAsync(() => Calls.LoginAsync(cluster.Channel(0), tenant.AdminLogin, tenant.AdminPassword));
        Assert.Equal(StatusCode.Unauthenticated, oldPassword.StatusCode);
        Assert.NotEmpty(await Calls.LoginAsync(cluster.Channel(2), tenant.AdminLogin, newPassword));
    }

    [Fact]
    public async Task An_IP_allow_list_set_through_one_host_refuses_other_addresses_on_every_host_at_once()
    {
        await cluster.EnsureAllServingAsync();
        var (_, _, tenant) = await NewTenantAsync(new OptionGrant { Code = "ip_restriction", Quantity = 1 });
        var admin = Calls.Bearer(await Calls.LoginAsync(cluster.Channel(0), tenant.AdminLogin, tenant.AdminPassword));
        // Calls from 127.0.0.2 pass on every host, which so learn that the tenant has no list.
        var elsewhere = Enumerable.Range(0, HostCluster.Size).Select(host => Calls.ChannelFrom(System.Net.IPAddress.Parse("127.0.0.2"), cluster.Host(host).Ports.Grpc)).ToArray();
        try
        {
            foreach (var channel in elsewhere)
            {
                Assert.Equal(tenant.TenantId, (await Accounts(channel).WhoAmIAsync(new WhoAmIRequest(), admin)).TenantId);
            }
            // The admin allows only 127.0.0.1 through host 0 …
            await Accounts(cluster.Channel(0)).SetIpAllowListAsync(new SetIpAllowListRequest { Cidrs = { "127.0.0.1/32" } }, admin);
            // … and the very next call from 127.0.0.2 is refused on every host, not after a cache expires.
            foreach (var channel in elsewhere)
            {
                var refused = await Calls.FailsAsync(() => Accounts(channel).WhoAmIAsync(new WhoAmIRequest(), admin).ResponseAsync);
                Assert.Equal((StatusCode.PermissionDenied, "IP_NOT_ALLOWED"), (refused.StatusCode, Calls.ErrorInfo(refused).Reason));
            }
            Assert.Equal(tenant.TenantId, (await Accounts(cluster.Channel(1)).WhoAmIAsync(new WhoAmIRequest(), admin)).TenantId);
        }
        finally
        {
            foreach (var channel in elsewhere)
            {
                channel.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_logout_a_revoked_key_and_a_suspension_through_one_host_are_refused_on_the_others_at_once()
    {
        await cluster.EnsureAllServingAsync();
        var (resellerId, reseller, tenant) = await NewTenantAsync(new OptionGrant { Code = "api_access", Quantity = 1 });

        // A session logged out through host 0: the very next call with it is refused on hosts 1, 2 and 0.
        var session = Calls.Bearer(await Calls.LoginAsync(cluster.Channel(0), tenant.AdminLogin, tenant.AdminPassword));
        for (var host = 0; host < HostCluster.Size; host++)
        {
            await Accounts(cluster.Channel(host)).WhoAmIAsync(new WhoAmIRequest(), session);
        }
        await Accounts(cluster.Channel(0)).LogoutAsync(new LogoutRequest(), session);
        foreach (var host in new[] { 1, 2, 0 })
        {
            var refused = await Calls.FailsAsync(() => Accounts(cluster.Channel(host)).WhoAmIAsync(new WhoAmIRequest(), session).ResponseAsync);
            Assert.Equal((StatusCode.Unauthenticated, "UNAUTHENTICATED"), (refused.StatusCode, Calls.ErrorInfo(refused).Reason));
        }

        // A user disabled through host 1 (another tenant: each has ten calls here): its session, known to every host, is
        // refused on hosts 0, 2 and 1 by the next call; the administrator's own session goes on everywhere.
        var (_, _, third) = await NewTenantAsync();
        var thirdAdmin = Calls.Bearer(await Calls.LoginAsync(cluster.Channel(2), third.AdminLogin, third.AdminPassword));
        var member = await Accounts(cluster.Channel(2)).CreateUserAsync(new CreateUserRequest
        {
            LoginId = $"member-{Guid.NewGuid():N}@customer.example.jp", DisplayName = "無効化される人", Role = UserRole.Member,
        }, thirdAdmin);
        var memberSession = Calls.Bearer(await Calls.LoginAsync(cluster.Channel(0), member.User.LoginId, member.InitialPassword));
        for (var host = 0; host < HostCluster.Size; host++)
        {
            await Accounts(cluster.Channel(host)).WhoAmIAsync(new WhoAmIRequest(), memberSession);
        }
        await Accounts(cluster.Channel(1)).DeactivateUserAsync(new DeactivateUserRequest { UserId = member.User.UserId }, thirdAdmin);
        foreach (var host in new[] { 0, 2, 1 })
        {
            var refused = await Calls.FailsAsync(() => Accounts(cluster.Channel(host)).WhoAmIAsync(new WhoAmIRequest(), memberSession).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
            Assert.Equal(third.TenantId, (await Accounts(cluster.Channel(host)).WhoAmIAsync(new WhoAmIRequest(), thirdAdmin)).TenantId);
        }

        var admin = Calls.Bearer(await Calls.LoginAsync(cluster.Channel(2), tenant.AdminLogin, tenant.AdminPassword));
        // An API key revoked through host 1: refused on hosts 0 and 2 by the next call.
        var created = await Accounts(cluster.Channel(2)).CreateApiKeyAsync(new CreateApiKeyRequest { Name = "基幹システム連携" }, admin);
        var key = Calls.ApiKey(created.Secret);
        Assert.Equal(tenant.TenantId, (await Accounts(cluster.Channel(0)).WhoAmIAsync(new WhoAmIRequest(), key)).TenantId);
        await Accounts(cluster.Channel(1)).RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = created.ApiKey.KeyId }, admin);
        foreach (var host in new[] { 0, 2 })
        {
            var refused = await Calls.FailsAsync(() => Accounts(cluster.Channel(host)).WhoAmIAsync(new WhoAmIRequest(), key).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }

        // A tenant suspended through host 2: sending (host 0) and signing (host 1) are refused at once; resumed through
        // host 0, both work again on the others.
        var (_, _, other) = await NewTenantAsync();
        var sender = Calls.Bearer(await Calls.LoginAsync(cluster.Channel(0), other.AdminLogin, other.AdminPassword));
        var sent = await Envelopes.SendAsync(cluster.Channel(0), sender, Envelopes.Draft("停止前に送信", Envelopes.Signer("署名者", 1)));
        var link = await Envelopes.LinkAsync(cluster.Channel(0), sender, sent, "署名者");
        await new SigningService.SigningServiceClient(cluster.Channel(1)).OpenEnvelopeAsync(new OpenEnvelopeRequest(), link);
        var draft = (await new SigningService.SigningServiceClient(cluster.Channel(1)).CreateEnvelopeAsync(
            Envelopes.Draft("停止中に送信", Envelopes.Signer("署名者", 1)), sender)).Envelope;
        await Envelopes.UploadAsync(cluster.Channel(1), sender, draft.EnvelopeId, "contract.pdf", Documents.Pdf("停止中に送信"));
        await Operator(2).SuspendTenantAsync(new SuspendTenantRequest { TenantId = other.TenantId, Reason = "利用料金の未払い" }, cluster.Platform.AsOperator);
        var send = new SendEnvelopeRequest { EnvelopeId = draft.EnvelopeId, RequestId = "send-" + draft.EnvelopeId };
        var refusedSend = await Calls.FailsAsync(() => new SigningService.SigningServiceClient(cluster.Channel(0)).SendEnvelopeAsync(send, sender).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "TENANT_SUSPENDED"), (refusedSend.StatusCode, Calls.ErrorInfo(refusedSend).Reason));
        var sign = new SignEnvelopeRequest { RequestId = "sign-" + sent.EnvelopeId };
        var refusedSign = await Calls.FailsAsync(() => new SigningService.SigningServiceClient(cluster.Channel(1)).SignEnvelopeAsync(sign, link).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "TENANT_SUSPENDED"), (refusedSign.StatusCode, Calls.ErrorInfo(refusedSign).Reason));
        await Operator(0).ResumeTenantAsync(new ResumeTenantRequest { TenantId = other.TenantId }, cluster.Platform.AsOperator);
        await new SigningService.SigningServiceClient(cluster.Channel(1)).SendEnvelopeAsync(send, sender);
        var signed = await new SigningService.SigningServiceClient(cluster.Channel(2)).SignEnvelopeAsync(sign, link);
        Assert.Equal(EnvelopeStatus.Completed, signed.Envelope.Status);

        // A reseller suspended through host 0: its key is refused, with the reason, on hosts 1 and 2 by the next call.
        await Accounts(cluster.Channel(1)).WhoAmIAsync(new WhoAmIRequest(), reseller);
        await Operator(0).SuspendResellerAsync(new SuspendResellerRequest { ResellerId = resellerId, Reason = "契約違反の調査中" }, cluster.Platform.AsOperator);
        foreach (var host in new[] { 1, 2 })
        {
            var refused = await Calls.FailsAsync(() => Accounts(cluster.Channel(host)).WhoAmIAsync(new WhoAmIRequest(), reseller).ResponseAsync);
            Assert.Equal((StatusCode.PermissionDenied, "RESELLER_SUSPENDED"), (refused.StatusCode, Calls.ErrorInfo(refused).Reason));
        }
        await Operator(2).ReinstateResellerAsync(new ReinstateResellerRequest { ResellerId = resellerId }, cluster.Platform.AsOperator);
        await Accounts(cluster.Channel(0)).WhoAmIAsync(new WhoAmIRequest(), reseller);
    }
}
