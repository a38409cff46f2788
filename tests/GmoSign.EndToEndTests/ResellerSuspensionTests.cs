using GmoSign.Accounts.V1;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>
/// The operator suspends and reinstates a reseller (its sales contract, terms Art. 3): the reseller's keys are refused
/// with a clear status and the reason, its tenants keep working, and both changes are kept in the history.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ResellerSuspensionTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_suspended_resellers_keys_are_refused_with_the_reason_and_its_tenants_keep_working()
    {
        var (resellerId, key) = await platform.RegisterResellerAsync("株式会社停止予定代理店");
        var tenant = await platform.ApproveAsync(platform.OrganizationApplication(), Calls.ApiKey(key));
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        await platform.Resellers.ListTenantsAsync(new ListTenantsRequest(), Calls.ApiKey(key));

        var bad = await Calls.FailsAsync(() => platform.Operator.SuspendResellerAsync(new SuspendResellerRequest { ResellerId = resellerId }, platform.AsOperator).ResponseAsync);
        Assert.Equal("reason", Calls.ErrorInfo(bad).Field);
        var unknown = await Calls.FailsAsync(() => platform.Operator.SuspendResellerAsync(
            new SuspendResellerRequest { ResellerId = Guid.NewGuid().ToString(), Reason = "x" }, platform.AsOperator).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        var suspended = await platform.Operator.SuspendResellerAsync(new SuspendResellerRequest { ResellerId = resellerId, Reason = "販売契約違反の調査中" }, platform.AsOperator);
        Assert.Equal(ResellerStatus.Suspended, suspended.Reseller.Status);
        // Repeating it changes nothing.
        await platform.Operator.SuspendResellerAsync(new SuspendResellerRequest { ResellerId = resellerId, Reason = "販売契約違反の調査中" }, platform.AsOperator);

        var refused = await Calls.FailsAsync(() => platform.Resellers.ListTenantsAsync(new ListTenantsRequest(), Calls.ApiKey(key)).ResponseAsync);
        Assert.Equal((StatusCode.PermissionDenied, "RESELLER_SUSPENDED"), (refused.StatusCode, Calls.ErrorInfo(refused).Reason));
        Assert.Contains("販売契約違反の調査中", refused.Status.Detail);
        // The reseller's tenant has its contract with the operator: it keeps working.
        await platform.Accounts.ListUsersAsync(new ListUsersRequest(), admin);
        Assert.Equal(ResellerStatus.Suspended, (await platform.Resellers.GetResellerAsync(new GetResellerRequest { ResellerId = resellerId }, platform.AsOperator)).Reseller.Status);

        var reinstated = await platform.Operator.ReinstateResellerAsync(new ReinstateResellerRequest { ResellerId = resellerId, Reason = "調査完了" }, platform.AsOperator);
        Assert.Equal(ResellerStatus.Active, reinstated.Reseller.Status);
        await platform.Resellers.ListTenantsAsync(new ListTenantsRequest(), Calls.ApiKey(key));

        var history = await platform.Database.ScalarAsync<short[]>(
            "SELECT array_agg(status ORDER BY at) FROM reseller.reseller_event WHERE reseller_id = $1", Guid.Parse(resellerId));
        Assert.Equal(new short[] { 2, 1 }, history); // suspended once (the repeat added nothing), then reinstated
        Assert.Equal("調査完了", await platform.Database.ScalarAsync<string>(
            "SELECT reason FROM reseller.reseller_event WHERE reseller_id = $1 AND status = 1", Guid.Parse(resellerId)));
    }
}
