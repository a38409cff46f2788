using System.Text.Json;
using System.Text.RegularExpressions;

namespace GmoSign.DeployTests;

/// <summary>A setting an artifact gives the host: an environment variable's name and value, and where it is written.</summary>
internal sealed record Setting(string Source, string Name, string Value)
{
    /// <summary>The configuration key the host sees (environment variables spell ':' as '__').</summary>
    public string Key => Name.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>Names that address the host's configuration; anything else (POD_IP, ASPNETCORE_…) is someone else's.</summary>
    public bool IsHostSetting =>
        Name.StartsWith("GmoSign", StringComparison.OrdinalIgnoreCase)
        || Name.StartsWith("ConnectionStrings", StringComparison.OrdinalIgnoreCase)
        || Name.StartsWith("Serilog", StringComparison.OrdinalIgnoreCase);
}

internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GmoSign.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root (GmoSign.sln) not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>One instruction of a Containerfile, continuation lines joined.</summary>
internal sealed record Instruction(string Keyword, string Arguments, int Line);

internal sealed record Stage(string Image, string? Name, IReadOnlyList<Instruction> Instructions)
{
    public IEnumerable<Instruction> All(string keyword) =>
        Instructions.Where(i => string.Equals(i.Keyword, keyword, StringComparison.OrdinalIgnoreCase));

    /// <summary>The last WORKDIR, or '/'.</summary>
    public string WorkDir => All("WORKDIR").LastOrDefault()?.Arguments.Trim() ?? "/";
}

/// <summary>A Containerfile (Dockerfile syntax) split into stages; enough of the syntax for the checks.</summary>
internal sealed partial class Containerfile
{
    public required string Source { get; init; }
    public required IReadOnlyList<Stage> Stages { get; init; }

    public Stage Final => Stages[^1];

    public static Containerfile Parse(string source, string text)
    {
        var stages = new List<Stage>();
        List<Instruction>? current = null;
        string? image = null, name = null;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var start = i + 1;
            var joined = line;
            while (joined.EndsWith('\\') && i + 1 < lines.Length)
            {
                var next = lines[++i].Trim();
                joined = joined[..^1].TrimEnd() + (next.StartsWith('#') ? "" : " " + next);
            }
            var space = joined.IndexOfAny([' ', '\t']);
            var keyword = space < 0 ? joined : joined[..space];
            var arguments = space < 0 ? "" : joined[(space + 1)..].Trim();
            if (string.Equals(keyword, "FROM", StringComparison.OrdinalIgnoreCase))
            {
                if (current is not null)
                {
                    stages.Add(new Stage(image!, name, current));
                }
                var words = Words(arguments).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
                image = words[0];
                name = words.Count >= 3 && string.Equals(words[1], "AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                current = [];
                continue;
            }
            (current ?? throw new FormatException($"{source}:{start}: {keyword} before FROM")).Add(new Instruction(keyword.ToUpperInvariant(), arguments, start));
        }
        if (current is not null)
        {
            stages.Add(new Stage(image!, name, current));
        }
        return new Containerfile { Source = source, Stages = stages };
    }

    /// <summary>ENV of a stage: <c>ENV a=1 b="two words"</c> or the old <c>ENV a 1</c>.</summary>
    public static IEnumerable<Setting> Environment(string source, Stage stage)
    {
        foreach (var env in stage.All("ENV"))
        {
            var words = Words(env.Arguments).ToList();
            if (words.Count > 0 && !words[0].Contains('=', StringComparison.Ordinal))
            {
                yield return new Setting($"{source}:{env.Line}", words[0], string.Join(' ', words.Skip(1)));
                continue;
            }
            foreach (var word in words)
            {
                var equals = word.IndexOf('=', StringComparison.Ordinal);
                yield return new Setting($"{source}:{env.Line}", word[..equals], word[(equals + 1)..]);
            }
        }
    }

    /// <summary>An exec-form (JSON array) argument list, e.g. of ENTRYPOINT.</summary>
    public static string[] ExecForm(Instruction instruction) =>
        JsonSerializer.Deserialize<string[]>(instruction.Arguments)
        ?? throw new FormatException($"line {instruction.Line}: {instruction.Keyword} is not a JSON array");

    /// <summary>Shell-like words: whitespace-separated, double or single quotes group and are removed.</summary>
    public static IEnumerable<string> Words(string text) =>
        WordPattern().Matches(text).Select(m => m.Value.Replace("\"", "", StringComparison.Ordinal).Replace("'", "", StringComparison.Ordinal));

    [GeneratedRegex("""(?:"[^"]*"|'[^']*'|[^\s"'])+""")]
    private static partial Regex WordPattern();
}

/// <summary>A systemd unit file: sections of <c>Key=value</c> lines.</summary>
internal sealed class UnitFile
{
    public required IReadOnlyList<(string Section, string Key, string Value)> Entries { get; init; }

    public IEnumerable<string> All(string section, string key) =>
        Entries.Where(e => e.Section == section && e.Key == key).Select(e => e.Value);

    public string? Single(string section, string key) => All(section, key).LastOrDefault();

    public static UnitFile Parse(string text)
    {
        var entries = new List<(string, string, string)>();
        var section = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';'))
            {
                continue;
            }
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1];
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                entries.Add((section, line[..equals].Trim(), line[(equals + 1)..].Trim()));
            }
        }
        return new UnitFile { Entries = entries };
    }
}

/// <summary>
/// An environment file (systemd's EnvironmentFile): <c>NAME=value</c> lines. Commented-out assignments
/// (<c>#NAME=value</c>) are read too, marked, because an operator may uncomment them.
/// </summary>
internal static partial class EnvironmentFile
{
    [GeneratedRegex(@"^\s*(?<comment>#\s*)?(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>.*)$")]
    private static partial Regex Assignment();

    public static IReadOnlyList<(Setting Setting, bool Commented)> Parse(string source, string text) =>
        text.Split('\n').Select((line, i) => (Match: Assignment().Match(line.TrimEnd('\r')), Line: i + 1))
            .Where(x => x.Match.Success)
            .Select(x => (new Setting($"{source}:{x.Line}", x.Match.Groups["name"].Value, x.Match.Groups["value"].Value.Trim().Trim('"')),
                x.Match.Groups["comment"].Success))
            .ToList();
}
