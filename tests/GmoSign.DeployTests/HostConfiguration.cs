using System.Collections;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using GmoSign.Host;

namespace GmoSign.DeployTests;

/// <summary>
/// The configuration keys the host really reads, derived from its compiled code rather than listed by hand:
/// <list type="bullet">
/// <item>every string literal of the host and the GmoSign assemblies it loads that is a whole key
/// (<c>GmoSign:…</c>, <c>ConnectionStrings:…</c>) — what <see cref="HostSettings"/>, Program and the modules read
/// directly, whether spelt out or built from constants (the compiler folds those into one literal);</item>
/// <item>for every options class (a <c>const string Section</c> that the code uses), each property the configuration
/// binder fills: writable leaves, indexed collections, nested objects;</item>
/// <item>Serilog's minimum levels, when the host reads Serilog's settings from configuration.</item>
/// </list>
/// A key that no code reads is absent, so a misspelt or removed setting in an artifact is caught.
/// </summary>
internal static partial class HostConfiguration
{
    /// <summary>Stands for a collection index (digits) in a pattern.</summary>
    private const string Index = "#";

    /// <summary>Stands for any one segment (a dictionary key, a Serilog namespace) in a pattern.</summary>
    private const string Any = "*";

    [GeneratedRegex(@"^(GmoSign|ConnectionStrings)(:[A-Za-z0-9]+)+$")]
    private static partial Regex KeyLiteral();

    private static readonly Lazy<Known> Keys = new(Derive);

    public static Assembly HostAssembly => typeof(HostSettings).Assembly;

    /// <summary>The host and every GmoSign assembly it references, directly or not.</summary>
    public static IReadOnlyList<Assembly> Assemblies => Keys.Value.Assemblies;

    /// <summary>Every string literal in <paramref name="assembly"/>'s code (the metadata's user-string heap).</summary>
    public static IEnumerable<string> Literals(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var literals = new List<string>();
        if (metadata.GetHeapSize(HeapIndex.UserString) <= 1)
        {
            return literals;
        }
        for (var handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = metadata.GetNextHandle(handle))
        {
            literals.Add(metadata.GetUserString(handle));
        }
        return literals;
    }

    /// <summary>Whether the host reads <paramref name="key"/> (':'-separated, case-insensitive like configuration).</summary>
    public static bool Reads(string key)
    {
        var segments = key.Split(':');
        return Keys.Value.Patterns.Any(p => Matches(p, segments));
    }

    /// <summary>The patterns, for messages and sanity checks (<c>#</c> an index, <c>*</c> any segment).</summary>
    public static IReadOnlyCollection<string> Patterns => Keys.Value.Patterns.Select(p => string.Join(':', p)).ToList();

    /// <summary>The options classes (type and section) the host binds.</summary>
    public static IReadOnlyList<(Type Type, string Section)> OptionsClasses => Keys.Value.Options;

    private static bool Matches(string[] pattern, string[] key) =>
        pattern.Length == key.Length && pattern.Zip(key).All(p =>
            p.First == Any || (p.First == Index ? p.Second.Length > 0 && p.Second.All(char.IsAsciiDigit)
                : string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase)));

    private sealed record Known(IReadOnlyList<Assembly> Assemblies, IReadOnlyList<string[]> Patterns, IReadOnlyList<(Type, string)> Options);

    private static Known Derive()
    {
        var assemblies = new List<Assembly> { HostAssembly };
        for (var i = 0; i < assemblies.Count; i++)
        {
            foreach (var reference in assemblies[i].GetReferencedAssemblies())
            {
                if (reference.Name!.StartsWith("GmoSign.", StringComparison.Ordinal) && assemblies.All(a => a.GetName().Name != reference.Name))
                {
                    assemblies.Add(Assembly.Load(reference));
                }
            }
        }

        var literals = assemblies.SelectMany(Literals).ToHashSet(StringComparer.Ordinal);
        var options = assemblies.SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .Select(x => (x.Type, Section: (string)x.Field!.GetRawConstantValue()!))
            .Where(x => literals.Contains(x.Section))
            .ToList();
        var sections = options.Select(o => o.Section).ToHashSet(StringComparer.OrdinalIgnoreCase);

        var patterns = new List<string[]>();
        // Whole keys the code spells out; a section's own name is not a setting.
        patterns.AddRange(literals.Where(l => KeyLiteral().IsMatch(l) && !sections.Contains(l)).Select(l => l.Split(':')));
        foreach (var (type, section) in options)
        {
            patterns.AddRange(Bound(type, section.Split(':'), depth: 0));
        }
        if (HostAssembly.GetReferencedAssemblies().Any(a => a.Name == "Serilog.Settings.Configuration"))
        {
            patterns.Add(["Serilog", "MinimumLevel"]);
            patterns.Add(["Serilog", "MinimumLevel", "Default"]);
            patterns.Add(["Serilog", "MinimumLevel", "Override", Any]);
        }
        patterns = patterns.DistinctBy(p => string.Join(':', p), StringComparer.OrdinalIgnoreCase).ToList();
        return new Known(assemblies, patterns, options);
    }

    /// <summary>The keys the configuration binder fills in an instance of <paramref name="type"/> under <paramref name="prefix"/>.</summary>
    private static IEnumerable<string[]> Bound(Type type, string[] prefix, int depth)
    {
        if (depth > 5)
        {
            yield break;
        }
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is not { IsPublic: true })
            {
                continue;
            }
            var writable = property.SetMethod is { IsPublic: true };
            var valueType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            string[] key = [.. prefix, property.Name];
            if (IsLeaf(valueType))
            {
                if (writable)
                {
                    yield return key;
                }
            }
            else if (typeof(IDictionary).IsAssignableFrom(valueType) || valueType.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>)))
            {
                yield return [.. key, Any];
            }
            else if (typeof(IEnumerable).IsAssignableFrom(valueType))
            {
                var element = valueType.IsArray ? valueType.GetElementType()! : valueType.GetGenericArguments().LastOrDefault() ?? typeof(object);
                if (IsLeaf(element))
                {
                    yield return [.. key, Index];
                }
                else
                {
                    foreach (var nested in Bound(element, [.. key, Index], depth + 1))
                    {
                        yield return nested;
                    }
                }
            }
            else
            {
                foreach (var nested in Bound(valueType, key, depth + 1))
                {
                    yield return nested;
                }
            }
        }
    }

    private static bool IsLeaf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri)
            || type == typeof(DateOnly) || type == typeof(TimeOnly);
    }
}
