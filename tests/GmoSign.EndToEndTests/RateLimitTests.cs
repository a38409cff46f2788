using GmoSign.Accounts.V1;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>Art. 12-1 (6): per-reseller / per-tenant call limits, announced in x-ratelimit-* metadata.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Calls_beyond_the_limit_are_refused_with_a_retry_hint_and_others_are_not_affected()
    {
        var db = await TestDatabase.CreateAsync();
        await using var host = await HostProcess.StartServingAsync(db.ConnectionString, settings: new Dictionary<string, string>
        {
            ["GmoSign__RateLimit__Limit"] = "5",
            ["GmoSign__RateLimit__Window"] = "00:05:00",
        });
        using var channel = host.GrpcChannel();
        var op = Calls.Bearer(await Calls.LoginOperatorAsync(channel));
        var resellers = new ResellerService.ResellerServiceClient(channel);
        var first = await resellers.RegisterResellerAsync(new RegisterResellerRequest { RequestId = "a", Name = "A", ContactEmail = "a@example.jp" }, op);
        var second = await resellers.RegisterResellerAsync(new RegisterResellerRequest { RequestId = "b", Name = "B", ContactEmail = "b@example.jp" }, op);
        var accounts = new AccountsService.AccountsServiceClient(channel);

        for (var i = 1; i <= 5; i++)
        {
            using var call = accounts.WhoAmIAsync(new WhoAmIRequest(), Calls.ApiKey(first.ApiKey));
            var headers = await call.ResponseHeadersAsync;
            await call.ResponseAsync;
            Assert.Equal("5", headers.GetValue("x-ratelimit-limit"));
            Assert.Equal((5 - i).ToString(), headers.GetValue("x-ratelimit-remaining"));
            Assert.True(long.Parse(headers.GetValue("x-ratelimit-reset")!) > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        }

        var refused = await Calls.FailsAsync(() => accounts.WhoAmIAsync(new WhoAmIRequest(), Calls.ApiKey(first.ApiKey)).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("RATE_LIMITED", Calls.ErrorInfo(refused).Reason);
        Assert.InRange(int.Parse(refused.Trailers.GetValue("retry-after")!), 1, 300);
        Assert.Equal("0", refused.Trailers.GetValue("x-ratelimit-remaining"));

        // Another reseller and the operator are counted separately (the operator not at all).
        await accounts.WhoAmIAsync(new WhoAmIRequest(), Calls.ApiKey(second.ApiKey));
        for (var i = 0; i < 10; i++)
        {
            await accounts.WhoAmIAsync(new WhoAmIRequest(), op);
        }
    }
}
