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

    [Fact]
    public async Task Logins_signing_links_and_verification_have_budgets_of_their_own()
    {
        var platform = PlatformFixture.With(new Dictionary<string, string>
        {
            ["GmoSign__RateLimit__Window"] = "00:00:05",
            ["GmoSign__RateLimit__LoginPerLoginId"] = "3",
            ["GmoSign__RateLimit__SignerPerLink"] = "4",
            ["GmoSign__RateLimit__VerifyPerCaller"] = "2",
        });
        await platform.InitializeAsync();
        try
        {
            var accounts = new AccountsService.AccountsServiceClient(platform.Channel);
            var tenant = await platform.NewTenantAsync("standard");

            // A login id that keeps failing waits one window, then two: the wait grows while the overruns go on.
            async Task<StatusCode> WrongLogin() =>
                (await Calls.FailsAsync(() => accounts.LoginAsync(new LoginRequest { LoginId = "victim@example.jp", Password = "wrong-password-1" }).ResponseAsync)).StatusCode;
            Assert.Equal([StatusCode.Unauthenticated, StatusCode.Unauthenticated, StatusCode.Unauthenticated], [await WrongLogin(), await WrongLogin(), await WrongLogin()]);
            var first = await Calls.FailsAsync(() => accounts.LoginAsync(new LoginRequest { LoginId = "VICTIM@example.jp", Password = "x" }).ResponseAsync);
            Assert.Equal((StatusCode.ResourceExhausted, "RATE_LIMITED"), (first.StatusCode, Calls.ErrorInfo(first).Reason));
            var firstWait = int.Parse(first.Trailers.GetValue("retry-after")!);
            Assert.InRange(firstWait, 1, 5);
            // Another login id from the same address is not held up.
            Assert.NotEmpty(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));

            await Task.Delay(TimeSpan.FromSeconds(firstWait) + TimeSpan.FromMilliseconds(300));
            Assert.Equal(StatusCode.Unauthenticated, await WrongLogin());
            await WrongLogin();
            await WrongLogin();
            var second = await Calls.FailsAsync(() => accounts.LoginAsync(new LoginRequest { LoginId = "victim@example.jp", Password = "x" }).ResponseAsync);
            Assert.Equal(StatusCode.ResourceExhausted, second.StatusCode);
            Assert.InRange(int.Parse(second.Trailers.GetValue("retry-after")!), 6, 10); // two windows

            // One signing link: four calls, then refused; another link of the same envelope still answers.
            var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
            var envelope = await Envelopes.SendAsync(platform.Channel, admin, Envelopes.Draft("上限", Envelopes.Signer("甲", 1), Envelopes.Signer("乙", 1)));
            var link = await Envelopes.LinkAsync(platform.Channel, admin, envelope, "甲");
            var otherLink = await Envelopes.LinkAsync(platform.Channel, admin, envelope, "乙");
            var signing = new Signing.V1.SigningService.SigningServiceClient(platform.Channel);

            // The budget's headers reach a caller whose call then fails (they leave with its status), and a client that
            // streams its request gets them before it writes anything.
            using (var missing = signing.GetEnvelopeAsync(new Signing.V1.GetEnvelopeRequest { EnvelopeId = Guid.NewGuid().ToString() }, admin))
            {
                Assert.NotNull((await missing.ResponseHeadersAsync).GetValue("x-ratelimit-remaining"));
                Assert.Equal(StatusCode.NotFound, (await Calls.FailsAsync(() => missing.ResponseAsync)).StatusCode);
            }
            using (var upload = signing.UploadDocument(admin, deadline: DateTime.UtcNow.AddSeconds(20)))
            {
                var headers = await upload.ResponseHeadersAsync;
                Assert.NotNull(headers.GetValue("x-ratelimit-limit"));
                Assert.NotNull(headers.GetValue("x-ratelimit-remaining"));
            }

            for (var i = 0; i < 4; i++)
            {
                await signing.OpenEnvelopeAsync(new Signing.V1.OpenEnvelopeRequest(), link);
            }
            var flooded = await Calls.FailsAsync(() => signing.OpenEnvelopeAsync(new Signing.V1.OpenEnvelopeRequest(), link).ResponseAsync);
            Assert.Equal(StatusCode.ResourceExhausted, flooded.StatusCode);
            await signing.OpenEnvelopeAsync(new Signing.V1.OpenEnvelopeRequest(), otherLink);

            // A signing link has one spelling: the same bytes spelt with other unused trailing bits are not a link.
            var token = otherLink.GetValue("authorization")!["Bearer ".Length..];
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            var twin = token[..^1] + alphabet[alphabet.IndexOf(token[^1]) ^ 1];
            var respelt = await Calls.FailsAsync(() => signing.OpenEnvelopeAsync(new Signing.V1.OpenEnvelopeRequest(), Calls.Bearer(twin)).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, respelt.StatusCode);

            // VerifyDocument: two per caller per window.
            var pdf = Documents.Pdf("verify budget");
            await Envelopes.VerifyAsync(platform.Channel, admin, pdf);
            await Envelopes.VerifyAsync(platform.Channel, admin, pdf);
            var verify = await Calls.FailsAsync(() => Envelopes.VerifyAsync(platform.Channel, admin, pdf));
            Assert.Equal(StatusCode.ResourceExhausted, verify.StatusCode);
        }
        finally
        {
            await platform.DisposeAsync();
        }
    }
}
