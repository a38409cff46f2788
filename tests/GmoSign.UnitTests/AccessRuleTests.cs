using System.Reflection;
using GmoSign.Accounts;
using GmoSign.Platform.Security;
using GmoSign.Reseller;
using GmoSign.Retention;
using GmoSign.Signing;
using Google.Protobuf.Reflection;

namespace GmoSign.UnitTests;

public sealed class AccessRuleTests
{
    private static readonly RpcAccessTable Table = new(
        AccountsModule.AccessRules
            .Concat(ResellerModule.AccessRules)
            .Concat(SigningModule.AccessRules)
            .Concat(RetentionModule.AccessRules));

    /// <summary>Every RPC of every GmoSign proto service, found from the generated descriptors.</summary>
    public static TheoryData<string> AllRpcs() => new(RpcPaths());

    private static List<string> RpcPaths()
    {
        var data = new List<string>();
        var assemblies = new[] { typeof(AccountsModule), typeof(ResellerModule), typeof(SigningModule), typeof(RetentionModule) }
            .Select(t => t.Assembly);
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            var property = type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static);
            if (property?.PropertyType != typeof(FileDescriptor) || !type.Name.EndsWith("Reflection", StringComparison.Ordinal))
            {
                continue;
            }
            var file = (FileDescriptor)property.GetValue(null)!;
            foreach (var method in file.Services.SelectMany(s => s.Methods))
            {
                data.Add($"/{method.Service.FullName}/{method.Name}");
            }
        }
        return data;
    }

    [Fact]
    public void The_services_have_rpcs_to_check() => Assert.True(RpcPaths().Count >= 5);

    [Theory]
    [MemberData(nameof(AllRpcs))]
    public void Every_rpc_has_an_access_rule(string method) => Assert.NotNull(Table.Find(method));

    [Fact]
    public void Every_rule_names_an_existing_rpc()
    {
        var methods = RpcPaths().ToHashSet();
        Assert.All(Table.Rules, rule => Assert.Contains(rule.Method, methods));
    }

    [Fact]
    public void Anonymous_callers_reach_only_public_rpcs()
    {
        var open = Table.Rules.Where(r => r.Admits(Caller.Anonymous)).Select(r => r.Method).ToArray();
        Assert.Equal(["/gmosign.accounts.v1.AccountsService/Login"], open);
    }

    [Fact]
    public void Roles_are_enforced()
    {
        var rule = Table.Find("/gmosign.reseller.v1.ResellerService/RegisterReseller")!;
        var admin = new Caller(CallerKind.Operator, Guid.NewGuid(), null, null, ["admin"], "op");
        var staff = admin with { Roles = [] };
        var reseller = new Caller(CallerKind.Reseller, null, null, Guid.NewGuid(), [], "r");
        Assert.True(rule.Admits(admin));
        Assert.False(rule.Admits(staff));
        Assert.False(rule.Admits(reseller));
    }

    [Fact]
    public void Duplicate_rules_are_refused()
    {
        var rule = new RpcAccess("/x.Y/Z", [CallerKind.Operator]);
        Assert.Throws<InvalidOperationException>(() => new RpcAccessTable([rule, rule]));
    }
}
