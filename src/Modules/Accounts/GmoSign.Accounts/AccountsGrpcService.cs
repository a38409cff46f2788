using GmoSign.Accounts.V1;
using GmoSign.Errors;
using GmoSign.Platform.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

using GmoSign.Platform.Validation;

namespace GmoSign.Accounts;

internal sealed class AccountsGrpcService(
    SessionService sessions,
    TenantAdministration administration,
    AccountStore accounts,
    Passwords passwords,
    IpAllowList ipAllowList,
    Delegations delegations,
    GmoSign.Reseller.Contracts.ITenantContracts tenants,
    IOptions<AccountsOptions> options,
    TimeProvider clock) : AccountsService.AccountsServiceBase
{
    public override async Task<LoginResponse> Login(LoginRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var signedIn = await sessions.LoginAsync(request.LoginId, request.Password, request.TotpCode, caller.IpAddress, context.CancellationToken);
        return new LoginResponse
        {
            SessionToken = signedIn.Token,
            ExpiresAt = signedIn.ExpiresAt.ToTimestamp(),
            Identity = Describe(signedIn.Caller),
            TotpEnrollmentRequired = signedIn.Caller.EnrollmentOnly,
        };
    }

    public override async Task<LogoutResponse> Logout(LogoutRequest request, ServerCallContext context)
    {
        await sessions.LogoutAsync(context.GetCaller(), context.CancellationToken);
        return new LogoutResponse();
    }

    public override Task<WhoAmIResponse> WhoAmI(WhoAmIRequest request, ServerCallContext context) =>
        Task.FromResult(Describe(context.GetCaller()));

    public override async Task<CreateUserResponse> CreateUser(CreateUserRequest request, ServerCallContext context)
    {
        var role = request.Role switch
        {
            UserRole.Admin => TenantAdministration.AdminRole,
            UserRole.Member => TenantAdministration.MemberRole,
            _ => null,
        };
        var (user, password) = await administration.CreateUserAsync(context.GetCaller(), request.LoginId, request.DisplayName, role, context.CancellationToken);
        return new CreateUserResponse { User = ToProto(user), InitialPassword = password };
    }

    public override async Task<ListUsersResponse> ListUsers(ListUsersRequest request, ServerCallContext context)
    {
        var (users, seats) = await administration.ListUsersAsync(context.GetCaller(), context.CancellationToken);
        return new ListUsersResponse { Users = { users.Select(ToProto) }, Seats = seats, SeatsUsed = users.Count(u => u.Active) };
    }

    public override async Task<DeactivateUserResponse> DeactivateUser(DeactivateUserRequest request, ServerCallContext context)
    {
        await administration.DeactivateUserAsync(context.GetCaller(), request.UserId, context.CancellationToken);
        return new DeactivateUserResponse();
    }

    public override async Task<ChangePasswordResponse> ChangePassword(ChangePasswordRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (string.IsNullOrEmpty(request.CurrentPassword))
        {
            throw DomainException.Required("current_password");
        }
        if (string.IsNullOrEmpty(request.NewPassword))
        {
            throw DomainException.Required("new_password");
        }
        Passwords.EnforcePolicy(request.NewPassword, "new_password");
        var user = await accounts.FindByIdAsync(caller.UserId!.Value, context.CancellationToken)
            ?? throw DomainException.NotFound("User", "ユーザー");
        if (!await passwords.VerifyAsync(user.PasswordHash, request.CurrentPassword, context.CancellationToken))
        {
            throw DomainException.Invalid("current_password", "is wrong", "現在のパスワードが正しくありません");
        }
        var hash = await passwords.HashAsync(request.NewPassword, context.CancellationToken);
        var keep = Guid.TryParse(caller.SessionId, out var current) ? current : (Guid?)null;
        // Not cancelled half-way: once the other sessions are revoked, every host must hear of it.
        await accounts.SetPasswordAsync(user.UserId, hash, keep, clock.GetUtcNow(), CancellationToken.None);
        if (caller.TenantId is { } tenantId)
        {
            await tenants.ForgetSessionsAsync(tenantId, CancellationToken.None);
        }
        return new ChangePasswordResponse();
    }

    public override async Task<BeginTotpEnrollmentResponse> BeginTotpEnrollment(BeginTotpEnrollmentRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var user = await accounts.FindByIdAsync(caller.UserId!.Value, context.CancellationToken)
            ?? throw DomainException.NotFound("User", "ユーザー");
        if (user.TotpSecret is not null)
        {
            throw DomainException.Precondition("TOTP_ALREADY_ENROLLED", "Two-factor sign-in is already set up.", "二要素認証は既に設定されています。");
        }
        var secret = Totp.NewSecret();
        await accounts.SetPendingTotpAsync(user.UserId, secret, context.CancellationToken);
        return new BeginTotpEnrollmentResponse
        {
            SecretBase32 = Totp.Base32(secret),
            OtpauthUri = Totp.Uri(options.Value.TotpIssuer, user.LoginId, secret),
        };
    }

    public override async Task<ConfirmTotpEnrollmentResponse> ConfirmTotpEnrollment(ConfirmTotpEnrollmentRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (string.IsNullOrEmpty(request.Code))
        {
            throw DomainException.Required("code");
        }
        var user = await accounts.FindByIdAsync(caller.UserId!.Value, context.CancellationToken)
            ?? throw DomainException.NotFound("User", "ユーザー");
        if (user.TotpPendingSecret is not { } pending)
        {
            throw DomainException.Precondition("TOTP_NOT_STARTED", "Call BeginTotpEnrollment first.", "先に BeginTotpEnrollment を呼び出してください。");
        }
        var step = Totp.Verify(pending, request.Code, clock.GetUtcNow(), null)
            ?? throw DomainException.Invalid("code", "is not the current code of the authenticator", "認証アプリの現在のコードと一致しません");
        await accounts.ConfirmTotpAsync(user.UserId, step, CancellationToken.None);
        if (user.TenantId is { } tenantId)
        {
            await tenants.ForgetSessionsAsync(tenantId, CancellationToken.None); // its enrollment-only sessions are lifted
        }
        return new ConfirmTotpEnrollmentResponse();
    }

    public override async Task<SetTwoFactorPolicyResponse> SetTwoFactorPolicy(SetTwoFactorPolicyRequest request, ServerCallContext context)
    {
        await administration.SetTwoFactorPolicyAsync(context.GetCaller(), request.Required, context.CancellationToken);
        return new SetTwoFactorPolicyResponse();
    }

    public override async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        var (key, secret) = await administration.CreateApiKeyAsync(context.GetCaller(), request.Name, context.CancellationToken);
        return new CreateApiKeyResponse { ApiKey = ToProto(key), Secret = secret };
    }

    public override async Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context) =>
        new() { ApiKeys = { (await administration.ListApiKeysAsync(context.GetCaller(), context.CancellationToken)).Select(ToProto) } };

    public override async Task<RevokeApiKeyResponse> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        await administration.RevokeApiKeyAsync(context.GetCaller(), request.KeyId, context.CancellationToken);
        return new RevokeApiKeyResponse();
    }

    public override async Task<SetIpAllowListResponse> SetIpAllowList(SetIpAllowListRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var networks = IpAllowList.Parse(request.Cidrs, "cidrs");
        var tenant = await tenants.GetAsync(caller.RequireTenant(), context.CancellationToken) ?? throw DomainException.NotFound("Tenant", "テナント");
        if (networks.Length > 0 && !tenant.Holds(GmoSign.Reseller.Contracts.OptionCodes.IpRestriction))
        {
            throw DomainException.Precondition("OPTION_REQUIRED",
                "An IP allow-list needs the IP restriction option; ask your reseller to add it.",
                "IPアドレス制限の設定にはIPアドレス制限オプションが必要です。販売代理店にご依頼ください。");
        }
        if (networks.Length > 0 && !networks.Any(n => caller.IpAddress is { } ip && n.Contains(System.Net.IPAddress.Parse(ip))))
        {
            // Refuse a list that would lock the admin out at once.
            throw DomainException.Invalid("cidrs", $"must include the address you call from ({caller.IpAddress})",
                $"現在の接続元アドレス（{caller.IpAddress}）を含めてください");
        }
        await ipAllowList.SetAsync(tenant.TenantId, networks, caller.UserId!.Value, context.CancellationToken);
        return new SetIpAllowListResponse { Cidrs = { networks.Select(n => n.ToString()) } };
    }

    public override async Task<GetSecuritySettingsResponse> GetSecuritySettings(GetSecuritySettingsRequest request, ServerCallContext context)
    {
        var tenantId = context.GetCaller().RequireTenant();
        var tenant = await tenants.GetAsync(tenantId, context.CancellationToken) ?? throw DomainException.NotFound("Tenant", "テナント");
        return new GetSecuritySettingsResponse
        {
            TotpRequired = await accounts.TotpRequiredAsync(tenantId, context.CancellationToken),
            IpAllowList = { await ipAllowList.GetAsync(tenantId, context.CancellationToken) },
            IpRestrictionAvailable = tenant.Holds(GmoSign.Reseller.Contracts.OptionCodes.IpRestriction),
        };
    }

    public override async Task<GrantDelegationResponse> GrantDelegation(GrantDelegationRequest request, ServerCallContext context)
    {
        var scope = request.Scope switch
        {
            DelegationScope.All => Delegations.ScopeAll,
            DelegationScope.Tag => Delegations.ScopeTag,
            _ => (short)0,
        };
        var granted = await delegations.GrantAsync(context.GetCaller(), request.DelegateUserId, scope, request.Tag,
            WireTime.Optional(request.ValidFrom), WireTime.Optional(request.ValidUntil), context.CancellationToken);
        return new GrantDelegationResponse { Delegation = ToProto(granted) };
    }

    public override async Task<ListDelegationsResponse> ListDelegations(ListDelegationsRequest request, ServerCallContext context) =>
        new() { Delegations = { (await delegations.ListAsync(context.GetCaller(), request.IncludeInactive, context.CancellationToken)).Select(ToProto) } };

    public override async Task<RevokeDelegationResponse> RevokeDelegation(RevokeDelegationRequest request, ServerCallContext context)
    {
        await delegations.RevokeAsync(context.GetCaller(), request.DelegationId, context.CancellationToken);
        return new RevokeDelegationResponse();
    }

    public override async Task<ListDelegationEventsResponse> ListDelegationEvents(ListDelegationEventsRequest request, ServerCallContext context) =>
        new()
        {
            Events =
            {
                (await delegations.EventsAsync(context.GetCaller().RequireTenant(), context.CancellationToken)).Select(e => new DelegationEvent
                {
                    DelegationId = e.DelegationId.ToString(),
                    Action = e.Action,
                    ActorUserId = e.ActorUserId.ToString(),
                    At = e.At.ToTimestamp(),
                    IpAddress = e.IpAddress ?? "",
                }),
            },
        };

    private static Delegation ToProto(DelegationRecord d)
    {
        var proto = new Delegation
        {
            DelegationId = d.DelegationId.ToString(),
            PrincipalUserId = d.PrincipalUserId.ToString(),
            DelegateUserId = d.DelegateUserId.ToString(),
            Scope = d.Scope == Delegations.ScopeTag ? DelegationScope.Tag : DelegationScope.All,
            Tag = d.Tag ?? "",
            ValidFrom = d.ValidFrom.ToTimestamp(),
            ValidUntil = d.ValidUntil.ToTimestamp(),
            CreatedAt = d.CreatedAt.ToTimestamp(),
        };
        if (d.RevokedAt is { } revoked)
        {
            proto.RevokedAt = revoked.ToTimestamp();
        }
        return proto;
    }

    internal static WhoAmIResponse Describe(Caller caller) => new()
    {
        Kind = caller.Kind switch
        {
            CallerKind.Operator => IdentityKind.Operator,
            CallerKind.Reseller => IdentityKind.Reseller,
            CallerKind.TenantUser => IdentityKind.TenantUser,
            CallerKind.Integration => IdentityKind.Integration,
            _ => IdentityKind.Unspecified,
        },
        UserId = caller.UserId?.ToString() ?? "",
        TenantId = caller.TenantId?.ToString() ?? "",
        ResellerId = caller.ResellerId?.ToString() ?? "",
        Roles = { caller.Roles },
        DisplayName = caller.DisplayName,
    };

    private static User ToProto(UserAccount u) => new()
    {
        UserId = u.UserId.ToString(),
        LoginId = u.LoginId,
        DisplayName = u.DisplayName,
        Role = u.IsAdmin ? UserRole.Admin : UserRole.Member,
        Active = u.Active,
        TotpEnrolled = u.TotpSecret is not null,
        CreatedAt = u.CreatedAt.ToTimestamp(),
    };

    private static ApiKey ToProto(ApiKeyRecord k)
    {
        var proto = new ApiKey
        {
            KeyId = k.KeyId.ToString(),
            Name = k.Name,
            Prefix = k.Prefix,
            CreatedAt = k.CreatedAt.ToTimestamp(),
        };
        if (k.LastUsedAt is { } used)
        {
            proto.LastUsedAt = used.ToTimestamp();
        }
        if (k.RevokedAt is { } revoked)
        {
            proto.RevokedAt = revoked.ToTimestamp();
        }
        return proto;
    }
}
