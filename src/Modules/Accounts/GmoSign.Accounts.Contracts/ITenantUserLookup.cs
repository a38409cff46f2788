namespace GmoSign.Accounts.Contracts;

/// <summary>A tenant user as other modules see them (e-mail = login id).</summary>
public sealed record TenantUserInfo(Guid UserId, Guid TenantId, string DisplayName, string Email, bool Active, IReadOnlyList<string> Roles);

/// <summary>Used by Signing to name approvers and internal recipients.</summary>
public interface ITenantUserLookup
{
    /// <summary>The user when they belong to <paramref name="tenantId"/>, else null.</summary>
    Task<TenantUserInfo?> FindAsync(Guid tenantId, Guid userId, CancellationToken cancellationToken);
}
