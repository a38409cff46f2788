namespace GmoSign.Accounts;

/// <summary>Configuration section <c>GmoSign:Accounts</c>.</summary>
public sealed class AccountsOptions
{
    public const string Section = "GmoSign:Accounts";

    /// <summary>How long a session token works after sign-in.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Wrong passwords in a row that lock an account.</summary>
    public int MaxFailedLogins { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The operator's first administrator, created at start-up when no operator with this login id exists
    /// (environment: <c>GmoSign__Accounts__BootstrapOperatorLoginId</c> / <c>..Password</c>). Never hard-coded.
    /// </summary>
    public string? BootstrapOperatorLoginId { get; set; }

    public string? BootstrapOperatorPassword { get; set; }

    /// <summary>Issuer shown in authenticator apps.</summary>
    public string TotpIssuer { get; set; } = "GmoSign";
}
