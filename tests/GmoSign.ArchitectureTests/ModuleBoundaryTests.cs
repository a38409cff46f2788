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
    [InlineData("Retention")]
    public void Contracts_are_free_of_gRPC_Orleans_and_Npgsql(string module)
    {
        var references = References(Load($"GmoSign.{module}.Contracts"));
        Assert.DoesNotContain(references, r => r.StartsWith("Grpc", StringComparison.Ordinal)
            || r.StartsWith("Orleans", StringComparison.Ordinal) || r.StartsWith("Npgsql", StringComparison.Ordinal)
            || r.StartsWith("Google.Protobuf", StringComparison.Ordinal));
    }

    private static bool IsFrameworkOrOrleans(string r) =>
        r.StartsWith("Orleans", StringComparison.Ordinal) || r.StartsWith("System", StringComparison.Ordinal)
        || r.StartsWith("Microsoft", StringComparison.Ordinal) || r == "netstandard";

    [Fact]
    public void Grain_abstractions_depend_only_on_the_shared_kernel_Orleans_and_the_framework()
    {
        var references = References(typeof(IResellerGrain).Assembly);
        Assert.All(references, r => Assert.True(IsFrameworkOrOrleans(r) || r == "GmoSign.SharedKernel", r));
    }

    [Fact]
    public void The_shared_kernel_references_nothing_of_ours_and_the_request_path_no_grains()
    {
        Assert.All(References(typeof(GmoSign.Errors.DomainException).Assembly), r => Assert.True(IsFrameworkOrOrleans(r), r));
        var platform = References(Load("GmoSign.Platform"));
        Assert.DoesNotContain(platform, r => r.StartsWith("GmoSign.Grains", StringComparison.Ordinal));
        Assert.DoesNotContain(platform, r => Modules.Any(m => r.StartsWith($"GmoSign.{m}", StringComparison.Ordinal)));
    }

    [Fact]
    public void Grains_use_modules_only_through_contracts()
    {
        var references = References(Load("GmoSign.Grains"));
        Assert.DoesNotContain(references, r => Modules.Any(m => r == $"GmoSign.{m}"));
        Assert.DoesNotContain(references, r => r.StartsWith("Grpc", StringComparison.Ordinal) || r.StartsWith("Npgsql", StringComparison.Ordinal));
    }

    /// <summary>
    /// What grains need from modules (stores, directories, the PDF signer, the archive) are ports in GmoSign.Grains.Ports,
    /// apart from the modules' contracts, which say what modules offer each other. Every port has its implementation in
    /// a module.
    /// </summary>
    [Fact]
    public void Every_grain_port_is_implemented_by_a_module()
    {
        var ports = typeof(IResellerGrain).Assembly.GetTypes()
            .Where(t => t.IsInterface && t.Namespace == "GmoSign.Grains.Ports").ToList();
        Assert.NotEmpty(ports);
        var implementations = Modules.SelectMany(m => Load($"GmoSign.{m}").GetTypes()).Where(t => t is { IsClass: true, IsAbstract: false }).ToList();
        Assert.All(ports, port => Assert.True(implementations.Any(port.IsAssignableFrom), $"{port.Name} has no implementation in a module"));
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
