namespace GmoSign.Accounts.Contracts;

/// <summary>Creates a new tenant's first administrator (used when the operator approves an application).</summary>
public interface ITenantUserProvisioning
{
    /// <summary>True when the login id is free, or already belongs to this tenant's admin (a retried approval).</summary>
    Task<bool> IsLoginAvailableAsync(string loginId, Guid tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates the admin (or, for a retried approval, resets the not-yet-delivered password of the admin created
    /// before) and returns the initial password, which is stored only hashed.
    /// </summary>
    Task<string> ProvisionAdminAsync(Guid tenantId, string loginId, string displayName, CancellationToken cancellationToken);
}
