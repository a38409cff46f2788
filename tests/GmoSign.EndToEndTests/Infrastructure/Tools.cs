using System.Diagnostics;

namespace GmoSign.EndToEndTests.Infrastructure;

/// <summary>Runs a command-line tool (pdfsig, qpdf, openssl, …) and returns its exit code and output.</summary>
public static class Tools
{
    public static Task<(int ExitCode, string Output)> RunAsync(string tool, string? workingDirectory, params string[] arguments) =>
        RunAsync(tool, workingDirectory, new Dictionary<string, string>(), arguments);

    public static async Task<(int ExitCode, string Output)> RunAsync(string tool, string? workingDirectory, IDictionary<string, string> environment,
        params string[] arguments)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }
        using var process = Process.Start(start)!;
        // Both streams are read while the tool runs, so a chatty tool cannot block on a full pipe.
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }
}
