using System.Security.Cryptography;
using GmoSign.Accounts.Contracts;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using GmoSign.Platform.Validation;
using GmoSign.Reseller.Contracts;

namespace GmoSign.Accounts;

/// <summary>What a tenant admin does with users, API keys and the two-factor policy; and first-admin provisioning.</summary>
internal sealed class TenantAdministration(
    TenantUserStore users,
    AccountStore accounts,
    Passwords passwords,
    ITenantContracts tenants,
    IUsageRecorder usage,
    TimeProvider clock) : ITenantUserProvisioning
{
    public const string AdminRole = "admin";
    public const string MemberRole = "member";

    public async Task<(UserAccount User, string InitialPassword)> CreateUserAsync(Caller caller, string? loginIdInput, string? displayNameInput, string? role, CancellationToken cancellationToken)
    {
        var loginId = Check.Email(loginIdInput, "login_id").ToLowerInvariant();
        var displayName = Check.Required(displayNameInput, "display_name", 100);
        if (role is not (AdminRole or MemberRole))
        {
            throw DomainException.Invalid("role", "must be ADMIN or MEMBER", "ADMIN または MEMBER を指定してください");
        }
        var tenant = await AdministrableTenantAsync(caller, cancellationToken);
        var password = InitialPassword();
        var now = clock.GetUtcNow();
        var userId = Guid.CreateVersion7();
        var (outcome, active) = await users.CreateUserAsync(tenant.TenantId, userId, loginId, displayName, await passwords.HashAsync(password, cancellationToken), role,
            tenant.Seats, now, cancellationToken);
        switch (outcome)
        {
            case TenantUserStore.CreateOutcome.NoSeat:
                throw new DomainException(ErrorKind.ResourceExhausted, "NO_SEAT_AVAILABLE",
                    $"All {tenant.Seats} seats are in use; deactivate a user or ask your reseller for extra seats.",
                    $"{tenant.Seats}席すべてが使用中です。ユーザーを無効にするか、販売代理店に追加ユーザーをご依頼ください。")
                {
                    Metadata = { ["seats"] = tenant.Seats.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                };
            case TenantUserStore.CreateOutcome.LoginTaken:
                throw new DomainException(ErrorKind.AlreadyExists, "LOGIN_ID_TAKEN", "login_id: is already in use.",
                    "login_id: 既に使用されています。", "login_id");
        }
        await usage.RecordActiveSeatsAsync(tenant.TenantId, now, active, cancellationToken);
        var user = await accounts.FindByIdAsync(userId, cancellationToken);
        return (user!, password);
    }

    public async Task<(List<UserAccount> Users, int Seats)> ListUsersAsync(Caller caller, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(caller.RequireTenant(), cancellationToken)
            ?? throw DomainException.NotFound("Tenant", "テナント");
        return (await users.ListUsersAsync(tenant.TenantId, cancellationToken), tenant.Seats);
    }

    public async Task DeactivateUserAsync(Caller caller, string? userIdText, CancellationToken cancellationToken)
    {
        var userId = Check.Id(userIdText, "user_id");
        if (userId == caller.UserId)
        {
            throw DomainException.Precondition("CANNOT_DEACTIVATE_SELF", "You cannot deactivate yourself.", "自分自身を無効にすることはできません。");
        }
        var tenant = await AdministrableTenantAsync(caller, cancellationToken);
        var deactivated = await users.DeactivateAsync(tenant.TenantId, userId, clock.GetUtcNow(), CancellationToken.None);
        // Its sessions were revoked with it: every host reads them again. Also when the user was already inactive, so
        // that a retry after a failed bump still brings it.
        await tenants.ForgetSessionsAsync(tenant.TenantId, CancellationToken.None);
        if (!deactivated)
        {
            throw DomainException.NotFound("User", "ユーザー", "user_id");
        }
    }

    public async Task SetTwoFactorPolicyAsync(Caller caller, bool required, CancellationToken cancellationToken)
    {
        var tenant = await AdministrableTenantAsync(caller, cancellationToken);
        await accounts.SetTotpRequiredAsync(tenant.TenantId, required, caller.UserId!.Value, clock.GetUtcNow(), cancellationToken);
    }

    public async Task<(ApiKeyRecord Key, string Secret)> CreateApiKeyAsync(Caller caller, string? nameInput, CancellationToken cancellationToken)
    {
        var name = Check.Required(nameInput, "name", 100);
        var tenant = await AdministrableTenantAsync(caller, cancellationToken);
        if (!tenant.Holds(OptionCodes.ApiAccess))
        {
            throw DomainException.Precondition("OPTION_REQUIRED",
                "API keys need the API access option; ask your reseller to add it.",
                "APIキーの発行にはAPI連携オプションが必要です。販売代理店にご依頼ください。");
        }
        var secret = SecretTokens.Create(SessionService.ApiKeyPrefix);
        var key = new ApiKeyRecord(Guid.CreateVersion7(), tenant.TenantId, name, secret[..10], clock.GetUtcNow(), null, null);
        await users.CreateApiKeyAsync(key, SecretTokens.Hash(secret), caller.UserId!.Value, cancellationToken);
        return (key, secret);
    }

    public Task<List<ApiKeyRecord>> ListApiKeysAsync(Caller caller, CancellationToken cancellationToken) =>
        users.ListApiKeysAsync(caller.RequireTenant(), cancellationToken);

    public async Task RevokeApiKeyAsync(Caller caller, string? keyIdText, CancellationToken cancellationToken)
    {
        var keyId = Check.Id(keyIdText, "key_id");
        if (!await users.RevokeApiKeyAsync(caller.RequireTenant(), keyId, clock.GetUtcNow(), cancellationToken))
        {
            throw DomainException.NotFound("API key", "APIキー", "key_id");
        }
    }

    public Task<bool> IsLoginAvailableAsync(string loginId, Guid tenantId, CancellationToken cancellationToken) =>
        users.IsLoginAvailableAsync(loginId.ToLowerInvariant(), tenantId, cancellationToken);

    public async Task<string> ProvisionAdminAsync(Guid tenantId, string loginId, string displayName, CancellationToken cancellationToken)
    {
        var password = InitialPassword();
        var now = clock.GetUtcNow();
        if (!await users.UpsertFirstAdminAsync(tenantId, loginId.ToLowerInvariant(), displayName, await passwords.HashAsync(password, cancellationToken), now, cancellationToken))
        {
            throw new DomainException(ErrorKind.AlreadyExists, "LOGIN_ID_TAKEN", $"{loginId} is already a login id of another account.",
                $"{loginId} は別のアカウントのログインIDとして使われています。");
        }
        await usage.RecordActiveSeatsAsync(tenantId, now, 1, cancellationToken);
        return password;
    }

    /// <summary>The caller's tenant, which must still be in contract (not ended) for administration.</summary>
    private async Task<TenantView> AdministrableTenantAsync(Caller caller, CancellationToken cancellationToken)
    {
        var tenant = await tenants.GetAsync(caller.RequireTenant(), cancellationToken)
            ?? throw DomainException.NotFound("Tenant", "テナント");
        if (!tenant.CanAdminister)
        {
            throw DomainException.Precondition("TENANT_TERMINATED",
                "The contract has ended: the tenant is read-only until its data is deleted.",
                "契約が終了しているため、データ削除まで閲覧・エクスポートのみ可能です。");
        }
        return tenant;
    }

    /// <summary>16 characters from all four classes, from a CSPRNG; satisfies the password policy.</summary>
    internal static string InitialPassword()
    {
        const string lower = "abcdefghijkmnopqrstuvwxyz", upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", digits = "23456789", symbols = "-_.!#%+";
        const string all = lower + upper + digits + symbols;
        var chars = new char[16];
        chars[0] = lower[RandomNumberGenerator.GetInt32(lower.Length)];
        chars[1] = upper[RandomNumberGenerator.GetInt32(upper.Length)];
        chars[2] = digits[RandomNumberGenerator.GetInt32(digits.Length)];
        chars[3] = symbols[RandomNumberGenerator.GetInt32(symbols.Length)];
        for (var i = 4; i < chars.Length; i++)
        {
            chars[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        }
        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }
}
