using GmoSign.Accounts.V1;
using GmoSign.Common.V1;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>Missing, malformed and oversized fields answer INVALID_ARGUMENT naming the field, and nothing is written.</summary>
[Collection(PlatformCollection.Name)]
public sealed class BadInputTests(PlatformFixture platform)
{
    private static readonly string Long = new('あ', 1001);

    public static TheoryData<string, string> ApplicationMistakes() => new()
    {
        { "request_id", "missing request id" },
        { "customer", "no customer" },
        { "customer.name", "empty name" },
        { "customer.kind", "no kind" },
        { "customer.corporate_number", "bad check digit" },
        { "customer.representative_name", "no representative" },
        { "customer.contact_email", "bad email" },
        { "customer.address", "address too long" },
        { "customer.phone", "letters in phone" },
        { "plan", "unknown plan" },
        { "term_months", "zero months" },
        { "options[0].code", "unknown option" },
        { "options[1].code", "duplicate option" },
        { "options[0].quantity", "too many seats" },
        { "identity_verification.verified_on", "impossible date" },
        { "date_of_birth", "consumer without birth date" },
        { "accepted_terms_version", "unpublished terms" },
    };

    [Theory]
    [MemberData(nameof(ApplicationMistakes))]
    public async Task SubmitApplication_names_the_bad_field_and_writes_nothing(string field, string mistake)
    {
        var request = platform.OrganizationApplication();
        switch (mistake)
        {
            case "missing request id": request.RequestId = ""; break;
            case "no customer": request.Customer = null; break;
            case "empty name": request.Customer.Name = "  "; break;
            case "no kind": request.Customer.Kind = CustomerKind.Unspecified; break;
            case "bad check digit": request.Customer.CorporateNumber = ((request.Customer.CorporateNumber[0] - '0' + 1) % 10) + request.Customer.CorporateNumber[1..]; break;
            case "no representative": request.Customer.RepresentativeName = ""; break;
            case "bad email": request.Customer.ContactEmail = "not-an-email"; break;
            case "address too long": request.Customer.Address = new string('東', 301); break;
            case "letters in phone": request.Customer.Phone = "03-ABCD"; break;
            case "unknown plan": request.Plan = "platinum"; break;
            case "zero months": request.TermMonths = 0; break;
            case "unknown option": request.Options.Add(new OptionGrant { Code = "teleport", Quantity = 1 }); break;
            case "duplicate option":
                request.Options.Add(new OptionGrant { Code = "api_access", Quantity = 1 });
                request.Options.Add(new OptionGrant { Code = "api_access", Quantity = 1 });
                break;
            case "too many seats": request.Options.Add(new OptionGrant { Code = "extra_seats", Quantity = 10001 }); break;
            case "impossible date": request.IdentityVerification.VerifiedOn = new CalendarDate { Year = 2026, Month = 2, Day = 30 }; break;
            case "consumer without birth date":
                request.Customer.Kind = CustomerKind.Consumer;
                request.Customer.CorporateNumber = "";
                break;
            case "unpublished terms": request.AcceptedTermsVersion = "1999-01"; break;
        }
        var before = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM reseller.application");

        var ex = await Calls.FailsAsync(() => platform.Resellers.SubmitApplicationAsync(request, platform.AsReseller).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(field, Calls.ErrorInfo(ex).Field);
        Assert.Contains(field, ex.Status.Detail);
        Assert.Equal(before, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM reseller.application"));
    }

    [Fact]
    public async Task Errors_come_in_Japanese_when_asked()
    {
        var request = platform.OrganizationApplication();
        request.Customer.ContactEmail = "x";
        var ex = await Calls.FailsAsync(() => platform.Resellers.SubmitApplicationAsync(request,
            new Metadata { { "x-api-key", platform.ResellerKey }, { "accept-language", "ja" } }).ResponseAsync);
        Assert.Equal("customer.contact_email: メールアドレスの形式が正しくありません", ex.Status.Detail);
    }

    [Fact]
    public async Task Other_rpcs_name_their_bad_fields_and_write_nothing()
    {
        var tenant = await platform.NewTenantAsync("standard");
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var users = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.user_account");
        var resellersBefore = await platform.Database.ScalarAsync<long>("SELECT count(*) FROM reseller.reseller");
        var month = new CalendarDate { Year = 2026, Month = 10, Day = 1 };

        var cases = new (string Field, Func<Task> Call)[]
        {
            ("login_id", () => platform.Accounts.LoginAsync(new LoginRequest { Password = "x" }).ResponseAsync),
            ("password", () => platform.Accounts.LoginAsync(new LoginRequest { LoginId = "a@example.jp" }).ResponseAsync),
            ("password", () => platform.Accounts.LoginAsync(new LoginRequest { LoginId = "a@example.jp", Password = new string('x', 257) }).ResponseAsync),
            ("login_id", () => platform.Accounts.CreateUserAsync(new CreateUserRequest { LoginId = "nope", DisplayName = "x", Role = UserRole.Member }, admin).ResponseAsync),
            ("display_name", () => platform.Accounts.CreateUserAsync(new CreateUserRequest { LoginId = "ok@example.jp", DisplayName = new string('x', 101), Role = UserRole.Member }, admin).ResponseAsync),
            ("role", () => platform.Accounts.CreateUserAsync(new CreateUserRequest { LoginId = "ok2@example.jp", DisplayName = "x" }, admin).ResponseAsync),
            ("user_id", () => platform.Accounts.DeactivateUserAsync(new DeactivateUserRequest { UserId = "12" }, admin).ResponseAsync),
            ("new_password", () => platform.Accounts.ChangePasswordAsync(new ChangePasswordRequest { CurrentPassword = tenant.AdminPassword, NewPassword = "short" }, admin).ResponseAsync),
            ("current_password", () => platform.Accounts.ChangePasswordAsync(new ChangePasswordRequest { CurrentPassword = "Wrong-Password-9", NewPassword = "Another-Good-Pw-1" }, admin).ResponseAsync),
            ("key_id", () => platform.Accounts.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = "" }, admin).ResponseAsync),
            ("name", () => platform.Accounts.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "" }, admin).ResponseAsync),
            ("name", () => platform.Resellers.RegisterResellerAsync(new RegisterResellerRequest { RequestId = "bad-1", Name = new string('x', 201), ContactEmail = "a@example.jp" }, platform.AsOperator).ResponseAsync),
            ("contact_email", () => platform.Resellers.RegisterResellerAsync(new RegisterResellerRequest { RequestId = "bad-2", Name = "x", ContactEmail = "a@b" }, platform.AsOperator).ResponseAsync),
            ("request_id", () => platform.Resellers.RegisterResellerAsync(new RegisterResellerRequest { RequestId = "has space", Name = "x", ContactEmail = "a@example.jp" }, platform.AsOperator).ResponseAsync),
            ("tenant_id", () => platform.Resellers.GetTenantAsync(new GetTenantRequest { TenantId = "not-a-uuid" }, platform.AsReseller).ResponseAsync),
            ("option.code", () => platform.Resellers.SetTenantOptionAsync(new SetTenantOptionRequest { TenantId = tenant.TenantId, Option = new OptionGrant { Code = "x", Quantity = 1 } }, platform.AsReseller).ResponseAsync),
            ("option.quantity", () => platform.Resellers.SetTenantOptionAsync(new SetTenantOptionRequest { TenantId = tenant.TenantId, Option = new OptionGrant { Code = "api_access", Quantity = 2 } }, platform.AsReseller).ResponseAsync),
            ("notice", () => platform.Resellers.TerminateTenantAsync(new TerminateTenantRequest { TenantId = tenant.TenantId, Notice = Long }, platform.AsReseller).ResponseAsync),
            ("to_month", () => platform.Resellers.GetUsageAsync(new GetUsageRequest { TenantId = tenant.TenantId, FromMonth = month, ToMonth = new CalendarDate { Year = 2029, Month = 1 } }, platform.AsReseller).ResponseAsync),
            ("fee_paid_jpy", () => platform.Resellers.ReportFeeAsync(new ReportFeeRequest { TenantId = tenant.TenantId, Month = month, FeePaidJpy = -1 }, platform.AsReseller).ResponseAsync),
            ("month", () => platform.Resellers.ReportFeeAsync(new ReportFeeRequest { TenantId = tenant.TenantId, Month = new CalendarDate { Year = 2030, Month = 1 }, FeePaidJpy = 1 }, platform.AsReseller).ResponseAsync),
            ("damage_date", () => platform.Resellers.GetLiabilityCapAsync(new GetLiabilityCapRequest { TenantId = tenant.TenantId }, platform.AsReseller).ResponseAsync),
            ("page_token", () => platform.Resellers.ListTenantsAsync(new ListTenantsRequest { PageToken = "garbage" }, platform.AsReseller).ResponseAsync),
            ("page_size", () => platform.Resellers.ListApplicationsAsync(new ListApplicationsRequest { PageSize = 501 }, platform.AsReseller).ResponseAsync),
            ("reasons", () => platform.Operator.RejectApplicationAsync(new RejectApplicationRequest { ApplicationId = Guid.NewGuid().ToString() }, platform.AsOperator).ResponseAsync),
            ("reason", () => platform.Operator.SuspendTenantAsync(new SuspendTenantRequest { TenantId = tenant.TenantId }, platform.AsOperator).ResponseAsync),
            ("kind", () => platform.Operator.TerminateTenantForCauseAsync(new TerminateTenantForCauseRequest { TenantId = tenant.TenantId, Clause = "20-2(1)", Reason = "x" }, platform.AsOperator).ResponseAsync),
            ("corporate_number", () => platform.Operator.RecordDelinquencyAsync(new RecordDelinquencyRequest { CorporateNumber = "1234567890123", Note = "x" }, platform.AsOperator).ResponseAsync),
            ("ends_at", () => platform.Operator.StartMaintenanceAsync(new StartMaintenanceRequest { NoticeJa = "x", NoticeEn = "x", EndsAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)) }, platform.AsOperator).ResponseAsync),
            ("terms.effective_at", () => platform.Operator.PublishTermsVersionAsync(new PublishTermsVersionRequest { Terms = new TermsVersion { Version = "old", EffectiveAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)), SummaryJa = "x", SummaryEn = "x", Url = "https://example.jp" } }, platform.AsOperator).ResponseAsync),
            ("terms.url", () => platform.Operator.PublishTermsVersionAsync(new PublishTermsVersionRequest { Terms = new TermsVersion { Version = "v9", EffectiveAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)), SummaryJa = "x", SummaryEn = "x", Url = "ftp://x" } }, platform.AsOperator).ResponseAsync),
        };
        var contracts = new ContractService.ContractServiceClient(platform.Channel);
        var profile = (await platform.GetTenantAsync(tenant.TenantId)).Customer;
        var more = new (string Field, Func<Task> Call)[]
        {
            ("kind", () => contracts.FileChangeRequestAsync(new FileChangeRequestRequest { TenantId = tenant.TenantId, Proposed = profile, Reason = "x" }, admin).ResponseAsync),
            ("proposed", () => contracts.FileChangeRequestAsync(new FileChangeRequestRequest { TenantId = tenant.TenantId, Kind = ChangeKind.RegisteredData, Reason = "x" }, admin).ResponseAsync),
            ("reason", () => contracts.FileChangeRequestAsync(new FileChangeRequestRequest { TenantId = tenant.TenantId, Kind = ChangeKind.RegisteredData, Proposed = profile }, admin).ResponseAsync),
            ("version", () => contracts.AcceptTermsVersionAsync(new AcceptTermsVersionRequest { Version = "never-published" }, admin).ResponseAsync),
            ("change_request_id", () => platform.Operator.DecideChangeRequestAsync(new DecideChangeRequestRequest { ChangeRequestId = "x" }, platform.AsOperator).ResponseAsync),
            ("title_ja", () => platform.Operator.PublishNoticeAsync(new PublishNoticeRequest { Kind = NoticeKind.General, TitleEn = "x", BodyJa = "x", BodyEn = "x", EffectiveAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)) }, platform.AsOperator).ResponseAsync),
            ("option_code", () => platform.Operator.PublishNoticeAsync(new PublishNoticeRequest { Kind = NoticeKind.General, TitleJa = "x", TitleEn = "x", BodyJa = "x", BodyEn = "x", OptionCode = "nope", EffectiveAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)) }, platform.AsOperator).ResponseAsync),
            ("cidrs", () => platform.Accounts.SetIpAllowListAsync(new SetIpAllowListRequest { Cidrs = { Enumerable.Range(0, 101).Select(i => $"10.0.{i}.0/24") } }, admin).ResponseAsync),
            ("delegate_user_id", () => platform.Accounts.GrantDelegationAsync(new GrantDelegationRequest { DelegateUserId = "x", Scope = DelegationScope.All, ValidUntil = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)) }, admin).ResponseAsync),
            ("delegation_id", () => platform.Accounts.RevokeDelegationAsync(new RevokeDelegationRequest { DelegationId = "" }, admin).ResponseAsync),
        };
        foreach (var (field, call) in cases.Concat(more))
        {
            var ex = await Calls.FailsAsync(call);
            Assert.True(ex.StatusCode == StatusCode.InvalidArgument, $"{field}: {ex.StatusCode} {ex.Status.Detail}");
            Assert.Equal(field, Calls.ErrorInfo(ex).Field);
        }

        Assert.Equal(users, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.user_account"));
        Assert.Equal(resellersBefore, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM reseller.reseller"));
        var unchanged = await platform.GetTenantAsync(tenant.TenantId);
        Assert.Equal(TenantStatus.Active, unchanged.Status);
        Assert.Empty(unchanged.Options);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM reseller.terms_version WHERE version IN ('old', 'v9')"));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM reseller.organization_record WHERE corporate_number = '1234567890123'"));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM reseller.usage_month WHERE fee_paid_jpy IS NOT NULL AND tenant_id = $1", Guid.Parse(tenant.TenantId)));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM reseller.change_request WHERE tenant_id = $1", Guid.Parse(tenant.TenantId)));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.delegation WHERE tenant_id = $1", Guid.Parse(tenant.TenantId)));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM reseller.notice WHERE title_en = 'x'"));
    }
}
