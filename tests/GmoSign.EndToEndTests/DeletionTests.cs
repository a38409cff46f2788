using GmoSign.Accounts.V1;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using GmoSign.Retention.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmoSign.EndToEndTests;

/// <summary>Art. 21: after the export window a terminated tenant's data is destroyed — across a restart, and only its own.</summary>
public sealed class DeletionTests
{
    [Fact]
    public async Task A_terminated_tenants_data_is_shredded_after_its_export_window_and_no_one_elses()
    {
        var settings = new Dictionary<string, string>
        {
            ["GmoSign__Lifecycle__CheckInterval"] = "00:00:02",
            ["GmoSign__Lifecycle__ExportWindow"] = "00:00:08",
        };
        var db = await TestDatabase.CreateAsync();
        var ports = HostPorts.Free();
        string leaving, staying, stayingDocument, memberId;
        DateTimeOffset exportUntil;
        byte[] stayingContent = Documents.Pdf("stays " + Guid.NewGuid());

        await using (var host = await HostProcess.StartServingAsync(db.ConnectionString, ports, settings))
        {
            using var channel = host.GrpcChannel();
            var op = Calls.Bearer(await Calls.LoginOperatorAsync(channel));
            var operatorService = new OperatorService.OperatorServiceClient(channel);
            var resellers = new ResellerService.ResellerServiceClient(channel);
            await operatorService.PublishTermsVersionAsync(new PublishTermsVersionRequest
            {
                Terms = new TermsVersion { Version = "v1", EffectiveAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(1)), SummaryJa = "初版", SummaryEn = "First", Url = "https://example.jp/t" },
            }, op);
            var reseller = await resellers.RegisterResellerAsync(new RegisterResellerRequest { RequestId = "r", Name = "代理店", ContactEmail = "r@example.jp" }, op);

            async Task<(string TenantId, Grpc.Core.Metadata Admin)> Tenant(string number, string email)
            {
                var submitted = await resellers.SubmitApplicationAsync(new SubmitApplicationRequest
                {
                    RequestId = email, Plan = "standard", TermMonths = 12, AntiSocialForcesDeclared = true, AcceptedTermsVersion = "v1",
                    Customer = new CustomerProfile { Name = email, Kind = CustomerKind.Organization, CorporateNumber = number, RepresentativeName = "代表", ContactEmail = email, Address = "東京都" },
                    Options = { new OptionGrant { Code = "api_access", Quantity = 1 }, new OptionGrant { Code = "ip_restriction", Quantity = 1 } },
                }, Calls.ApiKey(reseller.ApiKey));
                var approved = await operatorService.ApproveApplicationAsync(new ApproveApplicationRequest { ApplicationId = submitted.Application.ApplicationId }, op);
                return (approved.Tenant.TenantId, Calls.Bearer(await Calls.LoginAsync(channel, approved.AdminLoginId, approved.AdminInitialPassword)));
            }

            var (leavingId, leavingAdmin) = await Tenant("7000012050002", "leaving@example.jp");
            var (stayingId, stayingAdmin) = await Tenant("2000012010019", "staying@example.jp");
            leaving = leavingId;
            staying = stayingId;
            for (var i = 0; i < 3; i++)
            {
                await Documents.UploadAsync(channel, leavingAdmin, Documents.Metadata($"解約前 {i}", "取引先", new DateOnly(2026, 1, 1), i), Documents.Pdf($"leaving {i} {Guid.NewGuid()}"));
            }
            stayingDocument = (await Documents.UploadAsync(channel, stayingAdmin, Documents.Metadata("継続", "取引先", new DateOnly(2026, 1, 1), 1), stayingContent)).DocumentId;
            // A signed envelope of the leaving tenant (archived in Retention) and an open one of the staying tenant.
            var signedEnvelope = await Envelopes.SendAsync(channel, leavingAdmin, Envelopes.Draft("解約前の契約", Envelopes.Signer("相手方", 1)));
            await Envelopes.OpenAndSignAsync(channel, await Envelopes.LinkAsync(channel, leavingAdmin, signedEnvelope, "相手方"));
            await Envelopes.WaitForHandOversAsync(db, signedEnvelope.EnvelopeId);
            await Envelopes.SendAsync(channel, stayingAdmin, Envelopes.Draft("継続中の契約", Envelopes.Signer("相手方", 1)));
            // The leaving tenant's people: a second user signed in, a delegation between the two, an API key, a security setting.
            var accounts = new AccountsService.AccountsServiceClient(channel);
            var member = await accounts.CreateUserAsync(new CreateUserRequest { LoginId = "member@leaving.example.jp", DisplayName = "担当者", Role = UserRole.Member }, leavingAdmin);
            await Calls.LoginAsync(channel, "member@leaving.example.jp", member.InitialPassword);
            memberId = member.User.UserId;
            await accounts.GrantDelegationAsync(new GrantDelegationRequest
            {
                DelegateUserId = member.User.UserId, Scope = DelegationScope.All, ValidUntil = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)),
            }, leavingAdmin);
            await accounts.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "連携" }, leavingAdmin);
            await accounts.SetIpAllowListAsync(new SetIpAllowListRequest { Cidrs = { "127.0.0.0/8", "::1/128" } }, leavingAdmin);
            await accounts.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "継続" }, stayingAdmin);

            var terminated = (await resellers.TerminateTenantAsync(new TerminateTenantRequest { TenantId = leaving, Notice = "解約" }, Calls.ApiKey(reseller.ApiKey))).Tenant;
            exportUntil = terminated.ExportUntil.ToDateTimeOffset();
            Assert.Equal(TenantStatus.Terminated, terminated.Status);
            // Inside the export window the tenant can still export everything.
            var export = await Documents.ExportAsync(channel, leavingAdmin);
            Assert.Equal(4, export.Progress[^1].DocumentsTotal); // three uploads and the signed envelope's document
            Assert.Equal(0, await host.StopAsync());
        }

        // The window closes while no host runs.
        await Eventually.HoldsAsync(() => DateTimeOffset.UtcNow > exportUntil, "the export window of the terminated tenant closed");

        await using (var host = await HostProcess.StartServingAsync(db.ConnectionString, ports, settings))
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await db.ScalarAsync<short>("SELECT status FROM reseller.tenant WHERE tenant_id = $1", Guid.Parse(leaving)) != 4 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
            var id = Guid.Parse(leaving);
            Assert.Equal(4, await db.ScalarAsync<short>("SELECT status FROM reseller.tenant WHERE tenant_id = $1", id));
            Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM retention.document WHERE tenant_id = $1", id));
            Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM retention.blob WHERE tenant_id = $1", id));
            Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM retention.tenant_key WHERE tenant_id = $1", id));
            Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM retention.access_log WHERE tenant_id = $1", id));
            Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM retention.envelope_record WHERE tenant_id = $1", id));
            foreach (var table in new[] { "signing.envelope", "signing.audit_event", "signing.outbox" })
            {
                Assert.Equal(0L, await db.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE tenant_id = $1", id));
            }
            Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM signing.envelope WHERE tenant_id = $1", Guid.Parse(staying)));
            // Its people too: users (and with them their sessions), delegations and their history, API keys, security settings.
            foreach (var table in new[] { "accounts.user_account", "accounts.delegation", "accounts.delegation_event", "accounts.api_key", "accounts.tenant_security" })
            {
                Assert.Equal(0L, await db.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE tenant_id = $1", id));
            }
            Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM accounts.session WHERE user_id = $1", Guid.Parse(memberId)));
            Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM accounts.api_key WHERE tenant_id = $1", Guid.Parse(staying)));
            // The contract record stays (status deleted), for the reseller's and the operator's books.
            Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM reseller.tenant WHERE tenant_id = $1", id));
            // The other tenant's trail and notifications stay (deletion finds rows through the leaving tenant's envelopes).
            Assert.True(await db.ScalarAsync<long>("SELECT count(*) FROM signing.audit_event WHERE tenant_id = $1", Guid.Parse(staying)) > 0);
            Assert.True(await db.ScalarAsync<long>("SELECT count(*) FROM signing.outbox WHERE tenant_id = $1", Guid.Parse(staying)) > 0);

            using var channel = host.GrpcChannel();
            var records = await new RetentionService.RetentionServiceClient(channel).ListDeletionRecordsAsync(new ListDeletionRecordsRequest(),
                Calls.Bearer(await Calls.LoginOperatorAsync(channel)));
            var record = Assert.Single(records.Records);
            Assert.Equal(leaving, record.TenantId);
            Assert.Equal(4, record.Documents);
            Assert.True(record.KeyDestroyed);
            Assert.Equal(64, record.ContentDigest.Length);

            // The other tenant is untouched and its document still decrypts.
            var login = await db.ScalarAsync<string>("SELECT login_id FROM accounts.user_account WHERE tenant_id = $1", Guid.Parse(staying));
            Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM retention.document WHERE tenant_id = $1", Guid.Parse(staying)));
            Assert.NotNull(login);
        }

        // A host given another master key refuses to start, naming the setting.
        await using var wrongKey = HostProcess.Start(db.ConnectionString, HostPorts.Free(), new Dictionary<string, string>
        {
            ["GmoSign__Retention__MasterKey"] = Convert.ToBase64String(new byte[32]),
        });
        Assert.Equal(2, await wrongKey.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var fatal = Assert.Single(wrongKey.OutputLines, l => l.Contains(" FTL ", StringComparison.Ordinal));
        Assert.Contains("GmoSign:Retention:MasterKey", fatal);
        Assert.Contains("not the key", fatal);
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM retention.document WHERE document_id = $1", Guid.Parse(stayingDocument)));
        Assert.NotEmpty(stayingContent);
    }
}
