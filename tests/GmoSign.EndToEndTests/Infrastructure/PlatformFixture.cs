using GmoSign.Accounts.V1;
using GmoSign.Common.V1;
using GmoSign.Reseller.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>
/// One running host on its own database with the things most tests need: the operator signed in, a published
/// terms version and a registered reseller. The lifecycle clock runs fast: a contract "month" lasts
/// <see cref="MonthLength"/>, and each tenant's reminder ticks every two seconds.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public static readonly TimeSpan MonthLength = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, string> _settings;
    private int _sequence;

    public PlatformFixture() : this(null)
    {
    }

    /// <summary>A platform with extra host settings (tests that need their own clocks start one themselves).</summary>
    public static PlatformFixture With(IDictionary<string, string> extraSettings) => new(extraSettings);

    private PlatformFixture(IDictionary<string, string>? extraSettings)
    {
        _settings = FastClock;
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string>())
        {
            _settings[key] = value;
        }
    }

    public TestDatabase Database { get; private set; } = null!;

    /// <summary>The host's settings (environment variables), for more hosts of the same cluster.</summary>
    public Dictionary<string, string> HostSettings => new(_settings);

    /// <summary>The SMTP server the host delivers notifications to.</summary>
    public SmtpTestServer Mail { get; } = new();
    public HostProcess Host { get; private set; } = null!;
    public GrpcChannel Channel { get; private set; } = null!;
    public string OperatorToken { get; private set; } = null!;
    public string ResellerKey { get; private set; } = null!;
    public string ResellerId { get; private set; } = null!;
    public const string TermsVersion = "2026-11";

    public static Dictionary<string, string> FastClock => new()
    {
        ["GmoSign__Lifecycle__CheckInterval"] = "00:00:02",
        ["GmoSign__Lifecycle__MonthLengthOverride"] = MonthLength.ToString("c"),
        ["GmoSign__Retention__MaxDocumentBytes"] = (2 * 1024 * 1024).ToString(),
        ["GmoSign__Signing__MaxDocumentBytes"] = (2 * 1024 * 1024).ToString(),
    };

    public AccountsService.AccountsServiceClient Accounts => new(Channel);
    public ResellerService.ResellerServiceClient Resellers => new(Channel);
    public OperatorService.OperatorServiceClient Operator => new(Channel);
    public Metadata AsOperator => Calls.Bearer(OperatorToken);
    public Metadata AsReseller => Calls.ApiKey(ResellerKey);

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        _settings["GmoSign__Notifications__SmtpHost"] = "127.0.0.1";
        _settings["GmoSign__Notifications__SmtpPort"] = Mail.Port.ToString();
        _settings["GmoSign__Notifications__SmtpSecurity"] = "None";
        _settings["GmoSign__Notifications__PollInterval"] = "00:00:00.200";
        _settings["GmoSign__Notifications__RetryBase"] = "00:00:01";
        _settings["GmoSign__Webhooks__AllowInsecureHttp"] = "true";
        // The tests' webhook receivers listen on loopback; a fixture may say "false" to see loopback refused.
        _settings.TryAdd("GmoSign__Webhooks__AllowLoopbackForDevelopment", "true");
        _settings["GmoSign__Webhooks__PollInterval"] = "00:00:00.200";
        _settings["GmoSign__Webhooks__RetryBase"] = "00:00:01";
        // Bulk sends at a pace a test can watch (and kill the host in the middle of).
        _settings["GmoSign__BulkSend__RowsPerSecond"] = "5";
        _settings["GmoSign__BulkSend__PollInterval"] = "00:00:00.200";
        Host = await HostProcess.StartServingAsync(Database.ConnectionString, settings: _settings);
        Channel = Host.GrpcChannel();
        OperatorToken = await Calls.LoginOperatorAsync(Channel);
        await Operator.PublishTermsVersionAsync(new PublishTermsVersionRequest
        {
            Terms = new TermsVersion
            {
                Version = TermsVersion,
                EffectiveAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(5)),
                SummaryJa = "初版", SummaryEn = "First edition", Url = "https://example.jp/terms/2026-11",
            },
        }, AsOperator);
        (ResellerId, ResellerKey) = await RegisterResellerAsync("株式会社代理店A");
    }

    public async Task<(string Id, string Key)> RegisterResellerAsync(string name)
    {
        var reply = await Resellers.RegisterResellerAsync(new RegisterResellerRequest
        {
            RequestId = "reseller-" + Guid.NewGuid().ToString("N"), Name = name, ContactEmail = $"contact-{Next()}@reseller.example.jp",
        }, AsOperator);
        return (reply.Reseller.ResellerId, reply.ApiKey);
    }

    public int Next() => Interlocked.Increment(ref _sequence);

    /// <summary>A valid 13-digit corporate number (check digit computed), unique per call.</summary>
    public string CorporateNumber()
    {
        var body = (100_000_000_000L + Next() * 7919L + Random.Shared.Next(1000)).ToString("D12");
        var sum = 0;
        for (var n = 1; n <= 12; n++)
        {
            sum += (body[12 - n] - '0') * (n % 2 == 1 ? 1 : 2);
        }
        return (9 - sum % 9) + body;
    }

    public SubmitApplicationRequest OrganizationApplication(string plan = "light", int termMonths = 12, params OptionGrant[] options)
    {
        var n = Next();
        return new SubmitApplicationRequest
        {
            RequestId = $"app-{Guid.NewGuid():N}",
            Customer = new CustomerProfile
            {
                Name = $"株式会社テスト{n}",
                Kind = CustomerKind.Organization,
                CorporateNumber = CorporateNumber(),
                RepresentativeName = "山田 太郎",
                ContactEmail = $"admin{n}-{Guid.NewGuid():N}@customer.example.jp",
                Address = "東京都渋谷区桜丘町26-1",
                Phone = "03-1234-5678",
            },
            Plan = plan,
            TermMonths = termMonths,
            Options = { options },
            IdentityVerification = new IdentityVerification
            {
                Method = "certificate_of_registration", Reference = $"REG-{n}", VerifiedOn = new CalendarDate { Year = 2026, Month = 11, Day = 1 },
            },
            AntiSocialForcesDeclared = true,
            AcceptedTermsVersion = TermsVersion,
        };
    }

    public sealed record ApprovedTenant(string TenantId, string AdminLogin, string AdminPassword, SubmitApplicationRequest Application);

    public async Task<ApprovedTenant> ApproveAsync(SubmitApplicationRequest application, Metadata? asReseller = null)
    {
        var submitted = await Resellers.SubmitApplicationAsync(application, asReseller ?? AsReseller);
        var approved = await Operator.ApproveApplicationAsync(new ApproveApplicationRequest { ApplicationId = submitted.Application.ApplicationId }, AsOperator);
        return new ApprovedTenant(approved.Tenant.TenantId, approved.AdminLoginId, approved.AdminInitialPassword, application);
    }

    public Task<ApprovedTenant> NewTenantAsync(string plan = "light", int termMonths = 12, params OptionGrant[] options) =>
        ApproveAsync(OrganizationApplication(plan, termMonths, options));

    public async Task<Tenant> GetTenantAsync(string tenantId) =>
        (await Resellers.GetTenantAsync(new GetTenantRequest { TenantId = tenantId }, AsOperator)).Tenant;

    /// <summary>Polls the tenant until the condition holds (the lifecycle runs on a reminder).</summary>
    public async Task<Tenant> WaitForTenantAsync(string tenantId, Func<Tenant, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var tenant = await GetTenantAsync(tenantId);
            if (condition(tenant))
            {
                return tenant;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Tenant never reached the expected state; last: {tenant}");
            }
            await Task.Delay(500);
        }
    }

    /// <summary>Stops the host gracefully; <see cref="StartAgainAsync"/> brings it back on the same database and ports.</summary>
    public async Task StopAsync()
    {
        Channel.Dispose();
        Assert.Equal(0, await Host.StopAsync());
        await Host.DisposeAsync();
    }

    /// <summary>Ends the host at once (SIGKILL, as a crash), with no chance to finish anything.</summary>
    public async Task KillAsync()
    {
        Channel.Dispose();
        await Host.DisposeAsync();
    }

    public async Task StartAgainAsync(IDictionary<string, string>? changedSettings = null)
    {
        foreach (var (key, value) in changedSettings ?? new Dictionary<string, string>())
        {
            _settings[key] = value;
        }
        Host = await HostProcess.StartServingAsync(Database.ConnectionString, Host.Ports, _settings);
        Channel = Host.GrpcChannel();
        OperatorToken = await Calls.LoginOperatorAsync(Channel);
    }

    public async Task DisposeAsync()
    {
        await Mail.DisposeAsync();
        Channel.Dispose();
        await Host.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}
