using GmoSign.Accounts.V1;
using GmoSign.Common.V1;
using GmoSign.EndToEndTests.Infrastructure;
using GmoSign.Reseller.V1;
using Grpc.Core;

namespace GmoSign.EndToEndTests;

/// <summary>The customer's path from application to termination (terms Art. 2, 4-2, 7, 12, 19, 20), over gRPC.</summary>
[Collection(PlatformCollection.Name)]
public sealed class LifecycleTests(PlatformFixture platform)
{
    [Fact]
    public async Task Screening_flags_what_it_can_and_the_operator_rejects_with_reasons()
    {
        var application = platform.OrganizationApplication();
        application.Customer.Kind = CustomerKind.Consumer;
        application.Customer.CorporateNumber = "";
        application.Customer.Name = "未成年 花子";
        application.DateOfBirth = new CalendarDate { Year = DateTime.UtcNow.Year - 16, Month = 1, Day = 1 };
        application.IdentityVerification = null;
        application.AntiSocialForcesDeclared = false;

        var submitted = (await platform.Resellers.SubmitApplicationAsync(application, platform.AsReseller)).Application;
        Assert.Equal(
            [ScreeningFinding.MinorWithoutGuardianConsent, ScreeningFinding.IdentityNotVerified, ScreeningFinding.AntiSocialDeclarationMissing],
            submitted.Findings);
        Assert.Equal(ApplicationStatus.Pending, submitted.Status);

        // A retry with the same request id returns the same application, not a second one.
        var replay = (await platform.Resellers.SubmitApplicationAsync(application, platform.AsReseller)).Application;
        Assert.Equal(submitted.ApplicationId, replay.ApplicationId);

        var rejected = (await platform.Operator.RejectApplicationAsync(new RejectApplicationRequest
        {
            ApplicationId = submitted.ApplicationId,
            Reasons = { RejectionReason.NoLegalCapacity, RejectionReason.IdentityUnverifiable },
            Note = "保護者の同意書を添えて再申込してください",
        }, platform.AsOperator)).Application;
        Assert.Equal(ApplicationStatus.Rejected, rejected.Status);

        var seenByReseller = (await platform.Resellers.GetApplicationAsync(
            new GetApplicationRequest { ApplicationId = submitted.ApplicationId }, platform.AsReseller)).Application;
        Assert.Equal([RejectionReason.NoLegalCapacity, RejectionReason.IdentityUnverifiable], seenByReseller.RejectionReasons);
        Assert.Equal("", seenByReseller.TenantId);

        var approveLate = await Calls.FailsAsync(() => platform.Operator.ApproveApplicationAsync(
            new ApproveApplicationRequest { ApplicationId = submitted.ApplicationId }, platform.AsOperator).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, approveLate.StatusCode);
        Assert.Equal("APPLICATION_DECIDED", Calls.ErrorInfo(approveLate).Reason);
    }

    [Fact]
    public async Task An_approval_claimed_by_another_operator_is_not_taken_over()
    {
        var submitted = (await platform.Resellers.SubmitApplicationAsync(platform.OrganizationApplication(), platform.AsReseller)).Application;
        var id = Guid.Parse(submitted.ApplicationId);
        // Another operator's approval stopped half-way (its claim is in the database).
        await platform.Database.ExecuteAsync("UPDATE reseller.application SET status = 4, decided_by = $2 WHERE application_id = $1", id, Guid.NewGuid());

        var ex = await Calls.FailsAsync(() => platform.Operator.ApproveApplicationAsync(
            new ApproveApplicationRequest { ApplicationId = submitted.ApplicationId }, platform.AsOperator).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal("APPLICATION_BEING_APPROVED", Calls.ErrorInfo(ex).Reason);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM reseller.tenant WHERE tenant_id = $1", id));
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>("SELECT count(*) FROM accounts.user_account WHERE tenant_id = $1", id));
    }

    [Fact]
    public async Task Approval_creates_the_tenant_whose_admin_signs_in_and_fills_its_seats()
    {
        var tenant = await platform.NewTenantAsync("light", 12,
            new OptionGrant { Code = "extra_seats", Quantity = 1 }, new OptionGrant { Code = "api_access", Quantity = 1 });

        var contract = await platform.GetTenantAsync(tenant.TenantId);
        Assert.Equal(TenantStatus.Active, contract.Status);
        Assert.Equal(2, contract.Seats); // light plan (1) + 1 extra seat
        Assert.Equal(platform.ResellerId, contract.ResellerId);

        var adminToken = await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword);
        var me = await platform.Accounts.WhoAmIAsync(new WhoAmIRequest(), Calls.Bearer(adminToken));
        Assert.Equal(IdentityKind.TenantUser, me.Kind);
        Assert.Equal(tenant.TenantId, me.TenantId);
        Assert.Contains("admin", me.Roles);

        var member = await platform.Accounts.CreateUserAsync(new CreateUserRequest
        {
            LoginId = $"member-{Guid.NewGuid():N}@customer.example.jp", DisplayName = "佐藤 次郎", Role = UserRole.Member,
        }, Calls.Bearer(adminToken));
        Assert.Equal(UserRole.Member, member.User.Role);
        await Calls.LoginAsync(platform.Channel, member.User.LoginId, member.InitialPassword);

        // Both seats are taken: the next user is refused and nothing is written.
        var full = await Calls.FailsAsync(() => platform.Accounts.CreateUserAsync(new CreateUserRequest
        {
            LoginId = $"third-{Guid.NewGuid():N}@customer.example.jp", DisplayName = "三人目", Role = UserRole.Member,
        }, Calls.Bearer(adminToken)).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, full.StatusCode);
        Assert.Equal("NO_SEAT_AVAILABLE", Calls.ErrorInfo(full).Reason);
        Assert.Equal(2L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accounts.user_account WHERE tenant_id = $1", Guid.Parse(tenant.TenantId)));

        // A seat freed by deactivation can be used again; the deactivated user's session stops working.
        var memberToken = await Calls.LoginAsync(platform.Channel, member.User.LoginId, member.InitialPassword);
        await platform.Accounts.WhoAmIAsync(new WhoAmIRequest(), Calls.Bearer(memberToken)); // the host now knows the session
        await platform.Accounts.DeactivateUserAsync(new DeactivateUserRequest { UserId = member.User.UserId }, Calls.Bearer(adminToken));
        var revoked = await Calls.FailsAsync(() => platform.Accounts.WhoAmIAsync(new WhoAmIRequest(), Calls.Bearer(memberToken)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, revoked.StatusCode);
        var users = await platform.Accounts.ListUsersAsync(new ListUsersRequest(), Calls.Bearer(adminToken));
        Assert.Equal(1, users.SeatsUsed);

        // The reseller sees the month's seats for billing.
        var now = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9));
        var usage = await platform.Resellers.GetUsageAsync(new GetUsageRequest
        {
            TenantId = tenant.TenantId,
            FromMonth = new CalendarDate { Year = now.Year, Month = now.Month, Day = 1 },
            ToMonth = new CalendarDate { Year = now.Year, Month = now.Month, Day = 1 },
        }, platform.AsReseller);
        Assert.Equal(2, Assert.Single(usage.Months).ActiveSeats);
    }

    [Fact]
    public async Task Api_keys_need_the_option_are_shown_once_and_can_be_revoked()
    {
        var without = await platform.NewTenantAsync();
        var withoutToken = await Calls.LoginAsync(platform.Channel, without.AdminLogin, without.AdminPassword);
        var refused = await Calls.FailsAsync(() => platform.Accounts.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "連携" }, Calls.Bearer(withoutToken)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal("OPTION_REQUIRED", Calls.ErrorInfo(refused).Reason);

        // The reseller adds the option; now the key can be created and used.
        await platform.Resellers.SetTenantOptionAsync(new SetTenantOptionRequest
        {
            TenantId = without.TenantId, Option = new OptionGrant { Code = "api_access", Quantity = 1 },
        }, platform.AsReseller);
        var created = await platform.Accounts.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "基幹システム" }, Calls.Bearer(withoutToken));
        Assert.StartsWith("gsk_", created.Secret);
        var me = await platform.Accounts.WhoAmIAsync(new WhoAmIRequest(), Calls.ApiKey(created.Secret));
        Assert.Equal(IdentityKind.Integration, me.Kind);
        Assert.Equal(without.TenantId, me.TenantId);

        var listed = Assert.Single((await platform.Accounts.ListApiKeysAsync(new ListApiKeysRequest(), Calls.Bearer(withoutToken))).ApiKeys);
        Assert.NotNull(listed.LastUsedAt);
        Assert.DoesNotContain(created.Secret, listed.ToString());
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accounts.api_key WHERE encode(key_hash, 'escape') LIKE '%' || $1 || '%'", created.Secret));

        // Removing the option stops the key; revoking it too.
        await platform.Resellers.SetTenantOptionAsync(new SetTenantOptionRequest
        {
            TenantId = without.TenantId, Option = new OptionGrant { Code = "api_access", Quantity = 0 },
        }, platform.AsReseller);
        Assert.Equal(StatusCode.Unauthenticated, (await Calls.FailsAsync(() =>
            platform.Accounts.WhoAmIAsync(new WhoAmIRequest(), Calls.ApiKey(created.Secret)).ResponseAsync)).StatusCode);
        await platform.Resellers.SetTenantOptionAsync(new SetTenantOptionRequest
        {
            TenantId = without.TenantId, Option = new OptionGrant { Code = "api_access", Quantity = 1 },
        }, platform.AsReseller);
        await platform.Accounts.WhoAmIAsync(new WhoAmIRequest(), Calls.ApiKey(created.Secret));
        await platform.Accounts.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = created.ApiKey.KeyId }, Calls.Bearer(withoutToken));
        Assert.Equal(StatusCode.Unauthenticated, (await Calls.FailsAsync(() =>
            platform.Accounts.WhoAmIAsync(new WhoAmIRequest(), Calls.ApiKey(created.Secret)).ResponseAsync)).StatusCode);
    }

    [Fact]
    public async Task Mandatory_two_factor_makes_users_enroll_and_then_sign_in_with_a_code()
    {
        var tenant = await platform.NewTenantAsync("standard");
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var member = await platform.Accounts.CreateUserAsync(new CreateUserRequest
        {
            LoginId = $"totp-{Guid.NewGuid():N}@customer.example.jp", DisplayName = "二要素 太郎", Role = UserRole.Member,
        }, admin);
        await platform.Accounts.SetTwoFactorPolicyAsync(new SetTwoFactorPolicyRequest { Required = true }, admin);

        var first = await platform.Accounts.LoginAsync(new LoginRequest { LoginId = member.User.LoginId, Password = member.InitialPassword });
        Assert.True(first.TotpEnrollmentRequired);
        var session = Calls.Bearer(first.SessionToken);
        var blocked = await Calls.FailsAsync(() => platform.Resellers.GetTenantAsync(new GetTenantRequest { TenantId = tenant.TenantId }, session).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, blocked.StatusCode);
        Assert.Equal("TOTP_ENROLLMENT_REQUIRED", Calls.ErrorInfo(blocked).Reason);

        var enrollment = await platform.Accounts.BeginTotpEnrollmentAsync(new BeginTotpEnrollmentRequest(), session);
        Assert.StartsWith("otpauth://totp/", enrollment.OtpauthUri);
        var key = TotpCodes.FromBase32(enrollment.SecretBase32);
        var wrong = await Calls.FailsAsync(() => platform.Accounts.ConfirmTotpEnrollmentAsync(new ConfirmTotpEnrollmentRequest { Code = "000000" == TotpCodes.At(key, DateTimeOffset.UtcNow) ? "111111" : "000000" }, session).ResponseAsync);
        Assert.Equal("code", Calls.ErrorInfo(wrong).Field);
        await platform.Accounts.ConfirmTotpEnrollmentAsync(new ConfirmTotpEnrollmentRequest { Code = TotpCodes.At(key, DateTimeOffset.UtcNow) }, session);
        // The enrolled session is a full session now.
        await platform.Resellers.GetTenantAsync(new GetTenantRequest { TenantId = tenant.TenantId }, session);

        var noCode = await Calls.FailsAsync(() => platform.Accounts.LoginAsync(new LoginRequest { LoginId = member.User.LoginId, Password = member.InitialPassword }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, noCode.StatusCode);
        Assert.Equal(("TOTP_REQUIRED", "totp_code"), Calls.ErrorInfo(noCode));

        // The enrollment used the current step, so the next valid code comes from the next 30-second step.
        var next = DateTimeOffset.UtcNow.AddSeconds(30);
        var withCode = await platform.Accounts.LoginAsync(new LoginRequest
        {
            LoginId = member.User.LoginId, Password = member.InitialPassword, TotpCode = TotpCodes.At(key, next),
        });
        Assert.False(withCode.TotpEnrollmentRequired);
        var replay = await Calls.FailsAsync(() => platform.Accounts.LoginAsync(new LoginRequest
        {
            LoginId = member.User.LoginId, Password = member.InitialPassword, TotpCode = TotpCodes.At(key, next),
        }).ResponseAsync);
        Assert.Equal("TOTP_INVALID", Calls.ErrorInfo(replay).Reason);
    }

    [Fact]
    public async Task Suspension_keeps_sign_in_and_reading_and_is_lifted_by_resume()
    {
        var tenant = await platform.NewTenantAsync();
        var suspended = (await platform.Operator.SuspendTenantAsync(new SuspendTenantRequest
        {
            TenantId = tenant.TenantId, Reason = "第12条第1項第6号（過大な負荷）",
        }, platform.AsOperator)).Tenant;
        Assert.Equal(TenantStatus.Suspended, suspended.Status);
        Assert.Equal("第12条第1項第6号（過大な負荷）", suspended.StatusReason);

        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        var read = await platform.Resellers.GetTenantAsync(new GetTenantRequest { TenantId = tenant.TenantId }, admin);
        Assert.Equal(TenantStatus.Suspended, read.Tenant.Status);
        await platform.Accounts.ListUsersAsync(new ListUsersRequest(), admin);

        var resumed = (await platform.Operator.ResumeTenantAsync(new ResumeTenantRequest { TenantId = tenant.TenantId }, platform.AsOperator)).Tenant;
        Assert.Equal(TenantStatus.Active, resumed.Status);
        var twice = await Calls.FailsAsync(() => platform.Operator.ResumeTenantAsync(new ResumeTenantRequest { TenantId = tenant.TenantId }, platform.AsOperator).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, twice.StatusCode);
    }

    [Fact]
    public async Task The_term_renews_by_reminder_and_non_renewal_ends_it_read_only()
    {
        var tenant = await platform.NewTenantAsync(termMonths: 1);
        var start = await platform.GetTenantAsync(tenant.TenantId);

        var renewed = await platform.WaitForTenantAsync(tenant.TenantId, t => t.Renewals >= 1, PlatformFixture.MonthLength * 3);
        Assert.Equal(TenantStatus.Active, renewed.Status);
        // Each new term starts where the previous one ended: nothing skipped, nothing doubled.
        Assert.Equal(start.TermEnd.ToDateTime() + PlatformFixture.MonthLength * (renewed.Renewals - 1), renewed.TermStart.ToDateTime());
        Assert.Equal(PlatformFixture.MonthLength, renewed.TermEnd.ToDateTime() - renewed.TermStart.ToDateTime());

        var noticed = (await platform.Resellers.SetNonRenewalAsync(new SetNonRenewalRequest { TenantId = tenant.TenantId, NonRenewal = true }, platform.AsReseller)).Tenant;
        Assert.True(noticed.NonRenewal);

        var ended = await platform.WaitForTenantAsync(tenant.TenantId, t => t.Status == TenantStatus.Terminated, PlatformFixture.MonthLength * 3);
        Assert.Equal(TerminationKind.TermExpired, ended.TerminationKind);
        Assert.Equal(noticed.TermEnd, ended.TerminatedAt);
        Assert.True(ended.ExportUntil.ToDateTime() > ended.TerminatedAt.ToDateTime());

        // Read-only: the admin signs in and reads (export window), but administration is refused.
        var admin = Calls.Bearer(await Calls.LoginAsync(platform.Channel, tenant.AdminLogin, tenant.AdminPassword));
        await platform.Resellers.GetTenantAsync(new GetTenantRequest { TenantId = tenant.TenantId }, admin);
        var refused = await Calls.FailsAsync(() => platform.Accounts.CreateUserAsync(new CreateUserRequest
        {
            LoginId = $"late-{Guid.NewGuid():N}@customer.example.jp", DisplayName = "遅い", Role = UserRole.Member,
        }, admin).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal("TENANT_TERMINATED", Calls.ErrorInfo(refused).Reason);
        var noChange = await Calls.FailsAsync(() => platform.Resellers.SetTenantOptionAsync(new SetTenantOptionRequest
        {
            TenantId = tenant.TenantId, Option = new OptionGrant { Code = "bulk_send", Quantity = 1 },
        }, platform.AsReseller).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, noChange.StatusCode);
    }

    [Fact]
    public async Task Reseller_notice_and_operator_cause_terminate_and_screening_remembers_the_cause()
    {
        var byNotice = await platform.NewTenantAsync();
        var scheduled = (await platform.Resellers.TerminateTenantAsync(new TerminateTenantRequest
        {
            TenantId = byNotice.TenantId, Notice = "解約通知（第20条第1項）",
            EffectiveAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(3)),
        }, platform.AsReseller)).Tenant;
        Assert.Equal(TenantStatus.Active, scheduled.Status);
        Assert.NotNull(scheduled.ScheduledTerminationAt);
        var ended = await platform.WaitForTenantAsync(byNotice.TenantId, t => t.Status == TenantStatus.Terminated, TimeSpan.FromSeconds(30));
        Assert.Equal(TerminationKind.ResellerNotice, ended.TerminationKind);
        Assert.Equal(scheduled.ScheduledTerminationAt, ended.TerminatedAt);

        var forCause = await platform.NewTenantAsync();
        var terminated = (await platform.Operator.TerminateTenantForCauseAsync(new TerminateTenantForCauseRequest
        {
            TenantId = forCause.TenantId, Kind = TerminationKind.ForCause, Clause = "20-2(3)", Reason = "支払停止",
        }, platform.AsOperator)).Tenant;
        Assert.Equal(TenantStatus.Terminated, terminated.Status);

        // The same organization applies again: screening shows the earlier termination for cause.
        var again = platform.OrganizationApplication();
        again.Customer.CorporateNumber = forCause.Application.Customer.CorporateNumber;
        var screened = (await platform.Resellers.SubmitApplicationAsync(again, platform.AsReseller)).Application;
        Assert.Equal([ScreeningFinding.PriorTerminationForCause], screened.Findings);

        var delinquent = platform.OrganizationApplication();
        await platform.Operator.RecordDelinquencyAsync(new RecordDelinquencyRequest
        {
            CorporateNumber = delinquent.Customer.CorporateNumber, Note = "2026年9月分 未払い",
        }, platform.AsOperator);
        var flagged = (await platform.Resellers.SubmitApplicationAsync(delinquent, platform.AsReseller)).Application;
        Assert.Equal([ScreeningFinding.PriorDelinquency], flagged.Findings);
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_even_against_the_right_password()
    {
        var tenant = await platform.NewTenantAsync();
        RpcException? last = null;
        for (var i = 0; i < 5; i++)
        {
            last = await Calls.FailsAsync(() => platform.Accounts.LoginAsync(new LoginRequest { LoginId = tenant.AdminLogin, Password = "Wrong-Password-1" }).ResponseAsync);
        }
        Assert.Equal(StatusCode.FailedPrecondition, last!.StatusCode);
        Assert.Equal("ACCOUNT_LOCKED", Calls.ErrorInfo(last).Reason);

        var locked = await Calls.FailsAsync(() => platform.Accounts.LoginAsync(new LoginRequest { LoginId = tenant.AdminLogin, Password = tenant.AdminPassword }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, locked.StatusCode);
        Assert.Equal("ACCOUNT_LOCKED", Calls.ErrorInfo(locked).Reason);
        Assert.Equal(0L, await platform.Database.ScalarAsync<long>(
            "SELECT count(*) FROM accounts.session s JOIN accounts.user_account u USING (user_id) WHERE u.login_id = $1", tenant.AdminLogin));
    }

    [Fact]
    public async Task Fees_reported_by_the_reseller_give_the_liability_cap_of_the_month_before_the_damage()
    {
        var tenant = await platform.NewTenantAsync();
        var report = await platform.Resellers.ReportFeeAsync(new ReportFeeRequest
        {
            TenantId = tenant.TenantId, Month = new CalendarDate { Year = 2026, Month = 10, Day = 1 }, FeePaidJpy = 11_000,
        }, platform.AsReseller);
        Assert.Equal(11_000, report.Usage.FeePaidJpy);

        var cap = await platform.Resellers.GetLiabilityCapAsync(new GetLiabilityCapRequest
        {
            TenantId = tenant.TenantId, DamageDate = new CalendarDate { Year = 2026, Month = 11, Day = 20 },
        }, platform.AsOperator);
        Assert.Equal(11_000, cap.CapJpy);
        Assert.True(cap.FeeReported);
        Assert.Equal(new CalendarDate { Year = 2026, Month = 10, Day = 1 }, cap.BasisMonth);

        var none = await platform.Resellers.GetLiabilityCapAsync(new GetLiabilityCapRequest
        {
            TenantId = tenant.TenantId, DamageDate = new CalendarDate { Year = 2026, Month = 10, Day = 5 },
        }, platform.AsReseller);
        Assert.False(none.FeeReported);
        Assert.Equal(0, none.CapJpy);
    }

    [Fact]
    public async Task The_catalogue_lists_plans_and_options_for_resellers()
    {
        var catalog = await platform.Resellers.ListCatalogAsync(new ListCatalogRequest(), platform.AsReseller);
        Assert.Equal(["light", "standard", "business"], catalog.Plans.Select(p => p.Code));
        Assert.Equal(["api_access", "bulk_send", "certificate_signing", "extra_seats", "ip_restriction"], catalog.Options.Select(o => o.Code));
        Assert.Equal(10000, catalog.Options.Single(o => o.Code == "extra_seats").MaxQuantity);
    }

    [Fact]
    public async Task Scheduled_maintenance_starts_at_its_time()
    {
        var startsAt = DateTimeOffset.UtcNow.AddSeconds(4);
        var announced = (await platform.Operator.StartMaintenanceAsync(new StartMaintenanceRequest
        {
            NoticeJa = "予定メンテナンス", NoticeEn = "Planned maintenance",
            StartsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(startsAt),
            EndsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(startsAt.AddMinutes(2)),
        }, platform.AsOperator)).Maintenance;
        try
        {
            Assert.False(announced.Active);
            // Announced, not yet in effect: customers are served and can read the announcement.
            var seen = await platform.Operator.GetMaintenanceAsync(new GetMaintenanceRequest(), platform.AsReseller);
            Assert.Equal("Planned maintenance", seen.Maintenance.NoticeEn);
            await platform.Resellers.ListTenantsAsync(new ListTenantsRequest(), platform.AsReseller);

            RpcException? refused = null;
            await Eventually.HoldsAsync(async () =>
            {
                try
                {
                    await platform.Resellers.ListTenantsAsync(new ListTenantsRequest(), platform.AsReseller);
                    return false;
                }
                catch (RpcException ex)
                {
                    refused = ex;
                    return true;
                }
            }, "the maintenance window started at its time");
            Assert.True(DateTimeOffset.UtcNow >= startsAt, "maintenance began before its time");
            Assert.Equal(StatusCode.Unavailable, refused!.StatusCode);
            Assert.Equal("MAINTENANCE", Calls.ErrorInfo(refused).Reason);
        }
        finally
        {
            await platform.Operator.EndMaintenanceAsync(new EndMaintenanceRequest(), platform.AsOperator);
        }
    }

    [Fact]
    public async Task Maintenance_answers_unavailable_with_a_retry_hint_to_customers_but_not_to_the_operator()
    {
        await platform.Operator.StartMaintenanceAsync(new StartMaintenanceRequest
        {
            NoticeJa = "定期メンテナンス中です", NoticeEn = "Scheduled maintenance",
            EndsAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(5)),
        }, platform.AsOperator);
        try
        {
            var call = platform.Resellers.ListTenantsAsync(new ListTenantsRequest(), platform.AsReseller);
            var unavailable = await Calls.FailsAsync(() => call.ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, unavailable.StatusCode);
            Assert.Equal("Scheduled maintenance", unavailable.Status.Detail);
            var retryAfter = int.Parse(unavailable.Trailers.GetValue("retry-after")!);
            Assert.InRange(retryAfter, 200, 300);

            var japanese = await Calls.FailsAsync(() => platform.Resellers.ListTenantsAsync(new ListTenantsRequest(),
                new Metadata { { "x-api-key", platform.ResellerKey }, { "accept-language", "ja-JP" } }).ResponseAsync);
            Assert.Equal("定期メンテナンス中です", japanese.Status.Detail);

            // The operator keeps working, and health stays SERVING: the service is up.
            await platform.Resellers.ListTenantsAsync(new ListTenantsRequest(), platform.AsOperator);
            var health = await new Grpc.Health.V1.Health.HealthClient(platform.Channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
            Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        }
        finally
        {
            await platform.Operator.EndMaintenanceAsync(new EndMaintenanceRequest(), platform.AsOperator);
        }
        await platform.Resellers.ListTenantsAsync(new ListTenantsRequest(), platform.AsReseller);
    }
}
