namespace GmoSign.Grains;

/// <summary>Names shared by grains and hosts.</summary>
public static class GrainStorage
{
    /// <summary>The grain storage provider that holds all GmoSign grain state (PostgreSQL in the host).</summary>
    public const string Name = "postgres";
}

public enum ResellerStatus
{
    Active = 1,
    Suspended = 2,
}

/// <summary>A reseller as others see it.</summary>
[GenerateSerializer, Immutable]
public sealed record ResellerSnapshot(
    [property: Id(0)] Guid ResellerId,
    [property: Id(1)] string Name,
    [property: Id(2)] string ContactEmail,
    [property: Id(3)] ResellerStatus Status,
    [property: Id(4)] DateTimeOffset CreatedAt);

/// <summary>Register command; the API key arrives already hashed (the grain never sees the secret).</summary>
[GenerateSerializer, Immutable]
public sealed record RegisterReseller(
    [property: Id(0)] string Name,
    [property: Id(1)] string ContactEmail,
    [property: Id(2)] byte[] ApiKeyHash,
    [property: Id(3)] Guid RegisteredBy);

/// <summary>Result of a registration: <see cref="Created"/> is false when the grain already existed (a replay).</summary>
[GenerateSerializer, Immutable]
public sealed record ResellerRegistration(
    [property: Id(0)] ResellerSnapshot Reseller,
    [property: Id(1)] bool Created);

/// <summary>One reseller's agreement with the operator; key = reseller id.</summary>
public interface IResellerGrain : IGrainWithGuidKey
{
    /// <summary>Registers the reseller once; later calls return the existing one with Created = false.</summary>
    Task<ResellerRegistration> RegisterAsync(RegisterReseller command);

    /// <summary>The reseller, or null when no reseller has this id.</summary>
    Task<ResellerSnapshot?> GetAsync();

    /// <summary>Suspends or reinstates the reseller (operator); null when no reseller has this id. Repeating the current status changes nothing.</summary>
    Task<ResellerSnapshot?> SetStatusAsync(ResellerStatus status, string? reason, Guid by);
}
