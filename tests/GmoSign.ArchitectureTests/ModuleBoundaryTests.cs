using System.Reflection;
using GmoSign.Grains;
using NetArchTest.Rules;
using Xunit;

namespace GmoSign.ArchitectureTests;

/// <summary>Module boundaries (docs/architecture.md, decision 1): modules meet only through contracts; grains stay sealed and internal.</summary>
public sealed class ModuleBoundaryTests
{
    private static readonly string[] Modules = ["Accounts", "Reseller", "Signing", "Retention"];

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));

    private static string[] References(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    public static TheoryData<string, string> ModulePairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var a in Modules)
        {
            foreach (var b in Modules.Where(b => b != a))
            {
                data.Add(a, b);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ModulePairs))]
    public void A_module_does_not_reference_another_modules_implementation(string module, string other)
    {
        var references = References(Load($"GmoSign.{module}"));
        Assert.DoesNotContain($"GmoSign.{other}", references);
    }

    [Theory]
    [InlineData("Accounts")]
    [InlineData("Reseller")]
    [InlineData("Signing")]
    [InlineData("Retention")]
    public void Contracts_are_free_of_gRPC_Orleans_and_Npgsql(string module)
    {
        var references = References(Load($"GmoSign.{module}.Contracts"));
        Assert.DoesNotContain(references, r => r.StartsWith("Grpc", StringComparison.Ordinal)
            || r.StartsWith("Orleans", StringComparison.Ordinal) || r.StartsWith("Npgsql", StringComparison.Ordinal)
            || r.StartsWith("Google.Protobuf", StringComparison.Ordinal));
    }

    [Fact]
    public void Grain_abstractions_depend_only_on_Orleans_and_the_framework()
    {
        var references = References(typeof(IResellerGrain).Assembly);
        Assert.All(references, r => Assert.True(
            r.StartsWith("Orleans", StringComparison.Ordinal) || r.StartsWith("System", StringComparison.Ordinal)
            || r.StartsWith("Microsoft", StringComparison.Ordinal) || r == "netstandard", r));
    }

    [Fact]
    public void Grains_use_modules_only_through_contracts()
    {
        var references = References(Load("GmoSign.Grains"));
        Assert.DoesNotContain(references, r => Modules.Any(m => r == $"GmoSign.{m}"));
        Assert.DoesNotContain(references, r => r.StartsWith("Grpc", StringComparison.Ordinal) || r.StartsWith("Npgsql", StringComparison.Ordinal));
    }

    [Fact]
    public void Grain_classes_are_sealed_and_internal()
    {
        var result = Types.InAssembly(Load("GmoSign.Grains"))
            .That().Inherit(typeof(Grain))
            .Should().BeSealed().And().NotBePublic()
            .GetResult();
        Assert.True(result.IsSuccessful, string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void Proto_types_stop_at_the_module_edge()
    {
        var result = Types.InAssembly(Load("GmoSign.Grains"))
            .ShouldNot().HaveDependencyOnAny("Google.Protobuf", "GmoSign.Accounts.V1", "GmoSign.Reseller.V1", "GmoSign.Signing.V1", "GmoSign.Retention.V1")
            .GetResult();
        Assert.True(result.IsSuccessful, string.Join(", ", result.FailingTypeNames ?? []));
    }
}
