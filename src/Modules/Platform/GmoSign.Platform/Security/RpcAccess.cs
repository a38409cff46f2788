namespace GmoSign.Platform.Security;

/// <summary>
/// Who may call one RPC: the caller kinds admitted and, optionally, the roles one of which the caller must hold.
/// <see cref="Public"/> RPCs also admit callers without credentials. Every module registers one rule per RPC it
/// serves; an RPC without a rule is refused (fail closed), and a test enumerates every RPC of every proto service
/// to prove that none is missing.
/// </summary>
public sealed record RpcAccess(string Method, IReadOnlyList<CallerKind> Kinds, IReadOnlyList<string>? Roles = null, bool Public = false)
{
    /// <summary>Also admits sessions that may only enroll a second factor (WhoAmI, Logout, TOTP enrollment).</summary>
    public bool DuringEnrollment { get; init; }

    /// <summary>The full method path as gRPC names it: <c>/package.Service/Method</c>.</summary>
    public static string PathOf(Google.Protobuf.Reflection.ServiceDescriptor service, string method) =>
        $"/{service.FullName}/{method}";

    public static RpcAccess PublicMethod(Google.Protobuf.Reflection.ServiceDescriptor service, string method) =>
        new(PathOf(service, method), [], null, Public: true);

    public static RpcAccess For(Google.Protobuf.Reflection.ServiceDescriptor service, string method, params CallerKind[] kinds) =>
        new(PathOf(service, method), kinds);

    public static RpcAccess ForRoles(Google.Protobuf.Reflection.ServiceDescriptor service, string method, CallerKind kind, params string[] roles) =>
        new(PathOf(service, method), [kind], roles);

    public bool Admits(Caller caller)
    {
        if (caller.Kind == CallerKind.Anonymous)
        {
            return Public;
        }
        if (Public && Kinds.Count == 0)
        {
            return true;
        }
        if (!Kinds.Contains(caller.Kind))
        {
            return false;
        }
        // Roles belong to people (operator staff, tenant users); resellers and integrations are admitted by kind.
        return Roles is null || Roles.Count == 0 || caller.Kind is CallerKind.Reseller or CallerKind.Integration
            || Roles.Any(caller.HasRole);
    }
}

/// <summary>The rules of all modules, by method path.</summary>
public sealed class RpcAccessTable
{
    private readonly Dictionary<string, RpcAccess> _rules;

    public RpcAccessTable(IEnumerable<RpcAccess> rules)
    {
        _rules = new Dictionary<string, RpcAccess>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (!_rules.TryAdd(rule.Method, rule))
            {
                throw new InvalidOperationException($"Two access rules for {rule.Method}.");
            }
        }
    }

    public IReadOnlyCollection<RpcAccess> Rules => _rules.Values;

    public RpcAccess? Find(string method) => _rules.GetValueOrDefault(method);
}

public static class RpcAccessRegistration
{
    /// <summary>Registers a module's access rules; the host builds one <see cref="RpcAccessTable"/> from all of them.</summary>
    public static Microsoft.Extensions.DependencyInjection.IServiceCollection AddRpcAccessRules(
        this Microsoft.Extensions.DependencyInjection.IServiceCollection services, IEnumerable<RpcAccess> rules)
    {
        foreach (var rule in rules)
        {
            Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(services, rule);
        }
        return services;
    }
}
