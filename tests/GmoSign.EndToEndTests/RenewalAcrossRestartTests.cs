using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmoSign.EndToEndTests;

/// <summary>Renewal is driven by an Orleans reminder in PostgreSQL: it survives a stop of every host, and the ticks
/// missed while down are caught up exactly once each.</summary>
public sealed class RenewalAcrossRestartTests
{
    [Fact]
    public async Task Terms_that_ended_while_no_host_ran_are_renewed_once_each_after_the_restart()
    {
        var month = TimeSpan.FromSeconds(4);
        var settings = new Dictionary<string, string>
        {
            ["GmoSign__Lifecycle__CheckInterval"] = "00:00:02",
            ["GmoSign__Lifecycle__MonthLengthOverride"] = month.ToString("c"),
        };
        var db = await TestDatabase.CreateAsync();
        var ports = HostPorts.Free();
        string tenantId;
        DateTime createdAt;

        await using (var host = await HostProcess.StartServingAsync(db.ConnectionString, ports, settings))
        {
            using var channel = host.GrpcChannel();
            var operatorToken = await Calls.LoginOperatorAsync(channel);
            var op = new OperatorService.OperatorServiceClient(channel);
            await op.PublishTermsVersionAsync(new PublishTermsVersionRequest
            {
                Terms = new TermsVersion
                {
                    Version = "v1", EffectiveAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(1)),
                    SummaryJa = "初版", SummaryEn = "First", Url = "https://example.jp/terms",
                },
            }, Calls.Bearer(operatorToken));
            var reseller = await new ResellerService.ResellerServiceClient(channel).RegisterResellerAsync(new RegisterResellerRequest
            {
                RequestId = "r", Name = "代理店", ContactEmail = "r@example.jp",
            }, Calls.Bearer(operatorToken));
            var application = new SubmitApplicationRequest
            {
                RequestId = "a1",
                Customer = new CustomerProfile
                {
                    Name = "株式会社更新", Kind = CustomerKind.Organization, CorporateNumber = "7000012050002", RepresentativeName = "代表",
                    ContactEmail = "admin@renewal.example.jp", Address = "東京都",
                },
                Plan = "light", TermMonths = 1, AntiSocialForcesDeclared = true, AcceptedTermsVersion = "v1",
            };
            var submitted = await new ResellerService.ResellerServiceClient(channel).SubmitApplicationAsync(application, Calls.ApiKey(reseller.ApiKey));
            var approved = await op.ApproveApplicationAsync(new ApproveApplicationRequest { ApplicationId = submitted.Application.ApplicationId }, Calls.Bearer(operatorToken));
            tenantId = approved.Tenant.TenantId;
            createdAt = approved.Tenant.TermStart.ToDateTime();
            Assert.Equal(0, approved.Tenant.Renewals);
            Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM orleans_reminder WHERE reminder_name = 'lifecycle'"));
            Assert.Equal(0, await host.StopAsync());
        }

        // Several terms end while nothing runs.
        await Eventually.HoldsAsync(() => DateTime.UtcNow > createdAt + month * 3, "three terms ended", month * 3 + TimeSpan.FromSeconds(30));

        await using (var host = await HostProcess.StartServingAsync(db.ConnectionString, ports, settings))
        {
            // Without any call touching the tenant, its reminder catches the term up: the projection row shows it.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            DateTime projectedEnd;
            while ((projectedEnd = (await db.ScalarAsync<DateTime>("SELECT term_end FROM reseller.tenant WHERE tenant_id = $1", Guid.Parse(tenantId)))) < DateTime.UtcNow
                   && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
            Assert.True(projectedEnd > DateTime.UtcNow.AddSeconds(-3), $"term_end {projectedEnd:O} was not advanced by the reminder");

            using var channel = host.GrpcChannel();
            var operatorToken = await Calls.LoginOperatorAsync(channel);
            var tenant = (await new ResellerService.ResellerServiceClient(channel).GetTenantAsync(
                new GetTenantRequest { TenantId = tenantId }, Calls.Bearer(operatorToken))).Tenant;
            var now = DateTime.UtcNow;
            var elapsedTerms = (int)((now - createdAt).Ticks / month.Ticks);

            // Exactly the terms that ended are renewed: none skipped, none doubled, and the current term contains now.
            Assert.InRange(tenant.Renewals, Math.Max(3, elapsedTerms - 1), elapsedTerms);
            Assert.Equal(createdAt + month * tenant.Renewals, tenant.TermStart.ToDateTime());
            Assert.Equal(createdAt + month * (tenant.Renewals + 1), tenant.TermEnd.ToDateTime());
            Assert.True(tenant.TermEnd.ToDateTime() > now.AddSeconds(-1));

            // And the reminder keeps ticking after the restart (again seen in the projection, without calls).
            var firstEnd = tenant.TermEnd.ToDateTime();
            var laterEnd = firstEnd;
            await Eventually.HoldsAsync(async () =>
            {
                laterEnd = await db.ScalarAsync<DateTime>("SELECT term_end FROM reseller.tenant WHERE tenant_id = $1", Guid.Parse(tenantId));
                return laterEnd >= firstEnd + month * 2 - TimeSpan.FromMilliseconds(1);
            }, $"two more renewals after {firstEnd:O}", month * 2 + TimeSpan.FromSeconds(30));
            // Term ends stay on the contract's grid (PostgreSQL keeps microseconds, hence the tolerance).
            var terms = Math.Round((laterEnd - createdAt) / month);
            Assert.InRange(Math.Abs((laterEnd - createdAt - month * terms).TotalMilliseconds), 0, 1);
        }
    }
}
