using System.Text.RegularExpressions;

namespace GmoSign.UnitTests;

/// <summary>The README publishes every error reason the code can send, so that partners may rely on the list.</summary>
public sealed partial class ErrorReasonTests
{
    [GeneratedRegex("""(?:DomainException\(ErrorKind\.\w+, |new\(ErrorKind\.\w+, |Precondition\(|Content\()"(?<reason>[A-Z][A-Z_]+)"|Precondition\([^;]*?\? "(?<alt1>[A-Z][A-Z_]+)" : "(?<alt2>[A-Z][A-Z_]+)"|Reason = "(?<info>[A-Z][A-Z_]+)"|^\s+"(?<own>TENANT_[A-Z_]+)",""",
        RegexOptions.Multiline)]
    private static partial Regex ReasonLiteral();

    [Fact]
    public void Every_reason_in_the_code_is_in_the_readme()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "GmoSign.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("repository root not found");
        }
        var readme = File.ReadAllText(Path.Combine(root.FullName, "README.md"));
        var reasons = Directory.EnumerateFiles(Path.Combine(root.FullName, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => ReasonLiteral().Matches(File.ReadAllText(f)))
            .SelectMany(m => new[] { "reason", "alt1", "alt2", "info", "own" }.Select(g => m.Groups[g]).Where(g => g.Success).Select(g => g.Value))
            .Concat(["INVALID_FIELD", "NOT_FOUND", "PERMISSION_DENIED", "UNAUTHENTICATED"]) // DomainException's own factories
            .Distinct().Order().ToList();
        Assert.True(reasons.Count > 40, $"only {reasons.Count} reasons found: the pattern no longer matches the code");
        var missing = reasons.Where(r => !readme.Contains($"`{r}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "README's error reasons lack: " + string.Join(", ", missing));
    }
}
