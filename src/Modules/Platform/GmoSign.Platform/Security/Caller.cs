using Grpc.Core;

namespace GmoSign.Platform.Security;

/// <summary>The kinds of identity a request can carry (docs/architecture.md, decision 5).</summary>
public enum CallerKind
{
    Anonymous = 0,
    Operator = 1,
    Reseller = 2,
    TenantUser = 3,
    Integration = 4,
    /// <summary>A recipient holding a signing link (one recipient of one envelope).</summary>
    Signer = 5,
}

/// <summary>
/// Who is calling: the one value every service method works from. Built once per call by
/// <see cref="AuthenticationInterceptor"/> from the credentials in the headers.
/// </summary>
public sealed record Caller(
    CallerKind Kind,
    Guid? UserId,
    Guid? TenantId,
    Guid? ResellerId,
    IReadOnlyList<string> Roles,
    string DisplayName,
    string? SessionId = null)
{
    public static readonly Caller Anonymous = new(CallerKind.Anonymous, null, null, null, [], "anonymous");

    /// <summary>The client's IP address as the server saw it (for audit trails and IP allow-lists).</summary>
    public string? IpAddress { get; init; }

    /// <summary>The client's user agent (for audit trails).</summary>
    public string? UserAgent { get; init; }

    /// <summary>
    /// The tenant requires two-factor sign-in and this user has not enrolled yet: the session may only enroll.
    /// </summary>
    public bool EnrollmentOnly { get; init; }

    /// <summary>For <see cref="CallerKind.Signer"/>: the envelope and recipient the signing link is for.</summary>
    public Guid? EnvelopeId { get; init; }

    /// <inheritdoc cref="EnvelopeId"/>
    public Guid? RecipientId { get; init; }

    /// <summary>
    /// For a tenant's users and integrations: the tenant's session epoch as read while resolving this call. It changes
    /// whenever something the hosts cache about the tenant's callers changed (a revoked session, a new IP allow-list), so
    /// a cache kept under an older epoch is read again.
    /// </summary>
    public Guid? TenantEpoch { get; init; }

    public bool HasRole(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <summary>The tenant of a tenant-scoped caller; a programming error to ask otherwise.</summary>
    public Guid RequireTenant() => TenantId ?? throw new InvalidOperationException("The caller is not tenant-scoped.");
}

public static class CallerContextExtensions
{
    internal const string Key = "gmosign.caller";

    /// <summary>The authenticated caller of this call (Anonymous for public RPCs without credentials).</summary>
    public static Caller GetCaller(this ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var value) && value is Caller caller ? caller : Caller.Anonymous;
}
