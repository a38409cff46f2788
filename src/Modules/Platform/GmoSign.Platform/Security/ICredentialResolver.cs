namespace GmoSign.Platform.Security;

/// <summary>How a request presented itself.</summary>
public enum CredentialType
{
    /// <summary><c>authorization: Bearer &lt;session token&gt;</c></summary>
    Bearer,
    /// <summary><c>x-api-key: &lt;key&gt;</c> (reseller or tenant integration key)</summary>
    ApiKey,
}

/// <summary>
/// Turns a credential into a caller. Each module that issues credentials provides one; the authentication
/// interceptor asks them in turn. A resolver returns null for credentials it does not recognise and throws
/// <see cref="GmoSign.Errors.DomainException"/> (UNAUTHENTICATED) for ones it recognises but rejects.
/// </summary>
public interface ICredentialResolver
{
    ValueTask<Caller?> ResolveAsync(CredentialType type, string credential, CancellationToken cancellationToken);
}
