using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using GmoSign.Client;
using GmoSign.Common.V1;
using GmoSign.Reseller.V1;
using GmoSign.Retention.V1;
using GmoSign.Signing.Pdf;
using Spectre.Console;

// gmosign — GmoSign from the command line, for operators, resellers and tenant administrators.
var api = new Option<string?>("--api")
{
    Description = "The service's gRPC address (its HTTP/2 port). Default: the address of the last login, else $GMOSIGN_API, else http://127.0.0.1:5080.",
    Recursive = true,
};
var apiKey = new Option<string?>("--api-key")
{
    Description = "Call with a reseller's or an integration's API key instead of the saved session. Default: $GMOSIGN_API_KEY.",
    Recursive = true,
};
var configDir = new Option<DirectoryInfo?>("--config-dir")
{
    Description = "Where the session from `login` is kept (owner-only). Default: $GMOSIGN_CONFIG_DIR, else ~/.config/gmosign.",
    Recursive = true,
};

var root = new RootCommand("""
    gmosign — GmoSign, the electronic-contract service, from the command line.

    Operators and resellers list tenants and read usage for billing; a tenant's administrator exports the tenant's
    retained documents; anyone verifies a signed PDF offline. Sign in once with `gmosign login`; the session is kept
    in the config folder until it expires. Resellers may pass their API key instead (--api-key or $GMOSIGN_API_KEY).

    Exit status: 0 on success, 1 when the service refused (the reason is printed), 2 for wrong usage.
    """);
root.Options.Add(api);
root.Options.Add(apiKey);
root.Options.Add(configDir);

// ------------------------------------------------------------------ login
var loginId = new Option<string>("--login") { Description = "Login id (an e-mail address).", Required = true };
var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input instead of prompting." };
var totp = new Option<string?>("--totp") { Description = "The 6-digit code of the authenticator app, for accounts with two-step sign-in." };
var login = new Command("login", """
    Signs in and keeps the session for the commands that follow.

    The password is prompted for (not echoed), or read from standard input with --password-stdin. The session token
    and the API address are written to <config-dir>/session.json, readable by the owner only.

    Example: gmosign login --api http://127.0.0.1:5080 --login operator@gmosign.local
    """) { loginId, passwordStdin, totp };
login.SetAction(async (result, ct) => await Cli.RunAsync(async () =>
{
    var password = result.GetValue(passwordStdin)
        ? (Console.In.ReadLine() ?? "")
        : AnsiConsole.Prompt(new TextPrompt<string>("Password / パスワード:").Secret());
    var address = Cli.Address(result, api, configDir);
    using var client = new GmoSignClient(new GmoSignClientOptions { Address = address });
    var response = await client.LoginAsync(result.GetValue(loginId)!, password, result.GetValue(totp), ct);
    Cli.SaveSession(result, configDir, address, response.SessionToken);
    AnsiConsole.MarkupLineInterpolated($"Signed in as [bold]{response.Identity.DisplayName}[/] until {response.ExpiresAt.ToDateTimeOffset():yyyy-MM-dd HH:mm} UTC.");
}));
root.Subcommands.Add(login);

// ------------------------------------------------------------------ tenants
var resellerId = new Option<string?>("--reseller") { Description = "Operators: only this reseller's tenants." };
var tenantsList = new Command("list", """
    Lists the tenants you may see: a reseller's own customers, or every tenant for the operator.

    Example: gmosign tenants list --api-key gsr_…
    """) { resellerId };
tenantsList.SetAction(async (result, ct) => await Cli.RunAsync(async () =>
{
    using var client = Cli.Connect(result, api, apiKey, configDir);
    string[] columns = ["tenant", "name", "plan", "status", "seats", "term end"];
    var rows = new List<string[]>();
    var request = new ListTenantsRequest { ResellerId = result.GetValue(resellerId) ?? "", PageSize = 500 };
    do
    {
        var page = await client.Resellers.ListTenantsAsync(request, cancellationToken: ct);
        rows.AddRange(page.Tenants.Select(t => new[]
        {
            t.TenantId, t.Customer.Name, t.Plan, t.Status.ToString(), t.Seats.ToString(CultureInfo.InvariantCulture),
            t.TermEnd?.ToDateTimeOffset().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
        }));
        request.PageToken = page.NextPageToken;
    }
    while (request.PageToken.Length > 0);
    Cli.WriteRows(columns, rows);
}));
root.Subcommands.Add(new Command("tenants", "Tenants (customers) of a reseller, or of the whole service for the operator.") { tenantsList });

// ------------------------------------------------------------------ usage
var tenant = new Option<string>("--tenant") { Description = "The tenant's id.", Required = true };
var from = new Option<string>("--from") { Description = "First month, YYYY-MM.", Required = true };
var to = new Option<string?>("--to") { Description = "Last month, YYYY-MM (default: the first)." };
var csvOutput = new Option<FileInfo?>("--output", "-o") { Description = "Write the CSV to this file instead of standard output." };
var usage = new Command("usage", """
    A tenant's usage per month as CSV (UTF-8, one header line): month, envelopes sent, signatures, storage bytes, active
    seats, and the fee paid when reported — what a reseller bills its customer by.

    Example: gmosign usage --tenant 0190… --from 2026-01 --to 2026-12 -o usage.csv
    """) { tenant, from, to, csvOutput };
usage.SetAction(async (result, ct) => await Cli.RunAsync(async () =>
{
    using var client = Cli.Connect(result, api, apiKey, configDir);
    var first = Cli.Month(result.GetValue(from)!, "--from");
    var last = result.GetValue(to) is { } end ? Cli.Month(end, "--to") : first;
    var response = await client.Resellers.GetUsageAsync(new GetUsageRequest { TenantId = result.GetValue(tenant)!, FromMonth = first, ToMonth = last },
        cancellationToken: ct);
    var csv = new StringBuilder("month,envelopes_sent,signatures,storage_bytes,active_seats,fee_paid_jpy\n");
    foreach (var m in response.Months)
    {
        csv.Append(CultureInfo.InvariantCulture, $"{m.Month.Year:D4}-{m.Month.Month:D2},{m.EnvelopesSent},{m.Signatures},{m.StorageBytes},{m.ActiveSeats},")
            .Append(m.HasFeePaidJpy ? m.FeePaidJpy.ToString(CultureInfo.InvariantCulture) : "").Append('\n');
    }
    if (result.GetValue(csvOutput) is { } file)
    {
        await File.WriteAllTextAsync(file.FullName, csv.ToString(), ct);
        AnsiConsole.MarkupLineInterpolated($"{response.Months.Count} months written to {file.FullName}");
    }
    else
    {
        Console.Out.Write(csv.ToString());
    }
}));
root.Subcommands.Add(usage);

// ------------------------------------------------------------------ export
var archive = new Option<FileInfo>("--output", "-o") { Description = "The ZIP file to write.", Required = true };
var stopAfter = new Option<long?>("--stop-after") { Description = "Stop after receiving this many bytes (a run that is cut short); run again to continue.", Hidden = true };
var export = new Command("export", """
    Exports the tenant's retained documents, their search data, certificates of completion and audit trails as one
    ZIP (terms Art. 21), with a progress bar. Run by a tenant administrator.

    An interrupted export continues where it stopped: what has arrived is kept in <output>.part with the export's id
    in <output>.part.json, and the same command picks it up and asks the service for the rest of the same snapshot.

    Example: gmosign export -o tenant-archive.zip
    """) { archive, stopAfter };
export.SetAction(async (result, ct) => await Cli.RunAsync(async () =>
{
    using var client = Cli.Connect(result, api, apiKey, configDir);
    var output = result.GetValue(archive)!;
    var part = output.FullName + ".part";
    var statePath = part + ".json";
    var exportId = File.Exists(statePath) && File.Exists(part) ? JsonSerializer.Deserialize<ExportState>(await File.ReadAllTextAsync(statePath, ct))?.ExportId : null;
    await using var file = new FileStream(part, exportId is null ? FileMode.Create : FileMode.Append, FileAccess.Write);
    var resumedAt = file.Length;
    var limit = result.GetValue(stopAfter);
    var finished = false;
    if (resumedAt > 0)
    {
        AnsiConsole.MarkupLineInterpolated($"Export {exportId}: resumed at {resumedAt:N0} bytes.");
    }
    await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn())
        .StartAsync(async progress =>
        {
            var task = progress.AddTask("export", maxValue: 1);
            using var call = client.Retention.ExportDocuments(new ExportDocumentsRequest { ExportId = exportId ?? "", ResumeOffset = resumedAt }, cancellationToken: ct);
            long received = 0;
            while (await call.ResponseStream.MoveNext(ct))
            {
                var message = call.ResponseStream.Current;
                if (message.Progress is { } p)
                {
                    if (exportId != p.ExportId)
                    {
                        exportId = p.ExportId;
                        await File.WriteAllTextAsync(statePath, JsonSerializer.Serialize(new ExportState(exportId)), ct);
                    }
                    if (p.TotalBytes > 0)
                    {
                        task.MaxValue = p.TotalBytes;
                    }
                }
                else if (message.Chunk is { } chunk)
                {
                    if (chunk.Offset != file.Length)
                    {
                        throw new InvalidOperationException($"The export sent bytes at {chunk.Offset}, expected {file.Length}.");
                    }
                    chunk.Data.WriteTo(file);
                    received += chunk.Data.Length;
                    task.Value = file.Length;
                    if (limit is { } stop && received >= stop)
                    {
                        await file.FlushAsync(ct);
                        return;
                    }
                }
            }
            finished = true;
            task.Value = task.MaxValue;
        });
    await file.DisposeAsync();
    if (!finished)
    {
        AnsiConsole.MarkupLineInterpolated($"Stopped at {new FileInfo(part).Length:N0} bytes; run the same command again to continue.");
        return 3;
    }
    File.Move(part, output.FullName, overwrite: true);
    File.Delete(statePath);
    AnsiConsole.MarkupLineInterpolated($"Exported to {output.FullName} ({output.Length:N0} bytes).");
    return 0;
}));
root.Subcommands.Add(export);

// ------------------------------------------------------------------ verify
var pdfFile = new Argument<FileInfo>("pdf") { Description = "The signed PDF." };
var trust = new Option<FileInfo[]>("--trust") { Description = "PEM or DER certificates of the roots to trust (repeatable), e.g. the service's /pki/root.crt.", Required = true };
var verify = new Command("verify", """
    Verifies every signature and timestamp of a PDF offline, without calling the service: each signature's digest over
    its byte ranges, the CMS signature, the signer's chain to the roots you trust, the RFC 3161 timestamps, and whether
    the last revision covers the whole file. Exit status 0 only when everything holds.

    Example: gmosign verify signed.pdf --trust root.crt
    """) { pdfFile, trust };
verify.SetAction(async (result, ct) => await Cli.RunAsync(async () =>
{
    var anchors = new X509Certificate2Collection();
    foreach (var file in result.GetValue(trust)!)
    {
        var bytes = await File.ReadAllBytesAsync(file.FullName, ct);
        if (Encoding.ASCII.GetString(bytes).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            anchors.ImportFromPem(Encoding.ASCII.GetString(bytes));
        }
        else
        {
            anchors.Add(X509CertificateLoader.LoadCertificate(bytes));
        }
    }
    var signatures = PdfSignatureVerifier.Verify(await File.ReadAllBytesAsync(result.GetValue(pdfFile)!.FullName, ct), anchors);
    var table = new Table().AddColumns("field", "kind", "signer", "signature", "certificate", "timestamp", "covers file");
    foreach (var s in signatures)
    {
        table.AddRow(Markup.Escape(s.FieldName), Markup.Escape(s.SubFilter), Markup.Escape(s.Signer), s.SignatureValid ? "valid" : "[red]INVALID[/]",
            s.CertificateTrusted ? "trusted" : $"[red]{Markup.Escape(s.CertificateStatus)}[/]",
            s.HasTimestamp ? (s.TimestampValid ? $"{s.TimestampTime:yyyy-MM-dd HH:mm:ss}Z" : "[red]invalid[/]") : "-", s.CoversWholeDocument ? "yes" : "no");
    }
    AnsiConsole.Write(table);
    var valid = signatures.Count > 0 && signatures.All(s => s.SignatureValid && s.CertificateTrusted && (!s.HasTimestamp || s.TimestampValid))
        && signatures[^1].CoversWholeDocument;
    AnsiConsole.MarkupLine(valid ? "All signatures valid and trusted." : "[red]Not every signature holds.[/]");
    return valid ? 0 : 1;
}));
root.Subcommands.Add(verify);

return await root.Parse(args).InvokeAsync();

internal sealed record ExportState(string ExportId);

internal sealed record SavedSession(string Api, string Token);

internal static class Cli
{
    /// <summary>Runs a command: a refusal prints its reason and message (Japanese, then English) and exits 1.</summary>
    public static async Task<int> RunAsync(Func<Task> body) => await RunAsync(async () =>
    {
        await body();
        return 0;
    });

    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            try
            {
                return await body();
            }
            catch (Grpc.Core.RpcException streamed)
            {
                throw GmoSignException.From(streamed); // streaming calls are not wrapped by the client's interceptor
            }
        }
        catch (GmoSignException error)
        {
            Console.Error.WriteLine($"refused: {error.StatusCode} {error.Reason}{(error.Field is { } f ? $" ({f})" : "")}");
            Console.Error.WriteLine($"  {error.MessageJapanese}");
            Console.Error.WriteLine($"  {error.MessageEnglish}");
            return 1;
        }
        catch (Exception error) when (error is UsageException or IOException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            Console.Error.WriteLine(error.Message);
            return error is UsageException ? 2 : 1;
        }
    }

    private static string Folder(ParseResult result, Option<DirectoryInfo?> configDir) =>
        result.GetValue(configDir)?.FullName
        ?? Environment.GetEnvironmentVariable("GMOSIGN_CONFIG_DIR")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "gmosign");

    private static SavedSession? Saved(ParseResult result, Option<DirectoryInfo?> configDir)
    {
        var path = Path.Combine(Folder(result, configDir), "session.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<SavedSession>(File.ReadAllText(path)) : null;
    }

    public static Uri Address(ParseResult result, Option<string?> api, Option<DirectoryInfo?> configDir) =>
        (result.GetValue(api) is { } given ? Uri.TryCreate(given, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
            : throw new UsageException($"--api must be an http(s) address such as http://127.0.0.1:5080, not '{given}'.") : null)
        ?? (Environment.GetEnvironmentVariable("GMOSIGN_API") is { Length: > 0 } env ? new Uri(env) : null)
        ?? (Saved(result, configDir) is { } saved ? new Uri(saved.Api) : new Uri("http://127.0.0.1:5080"));

    public static void SaveSession(ParseResult result, Option<DirectoryInfo?> configDir, Uri address, string token)
    {
        var folder = Folder(result, configDir);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "session.json");
        File.WriteAllText(path, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.WriteAllText(path, JsonSerializer.Serialize(new SavedSession(address.ToString(), token)));
    }

    /// <summary>A table on a terminal; tab-separated lines with a header when the output goes to a pipe or a file.</summary>
    public static void WriteRows(string[] columns, IEnumerable<string[]> rows)
    {
        if (Console.IsOutputRedirected)
        {
            Console.Out.WriteLine(string.Join('\t', columns));
            foreach (var row in rows)
            {
                Console.Out.WriteLine(string.Join('\t', row.Select(v => v.Replace('\t', ' ').Replace('\n', ' '))));
            }
            return;
        }
        var table = new Table().AddColumns(columns);
        foreach (var row in rows)
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }
        AnsiConsole.Write(table);
    }

    /// <summary>A client with the API key given, else the saved session.</summary>
    public static GmoSignClient Connect(ParseResult result, Option<string?> api, Option<string?> apiKey, Option<DirectoryInfo?> configDir)
    {
        var key = result.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("GMOSIGN_API_KEY");
        var credentials = key is { Length: > 0 } ? GmoSignCredentials.ApiKey(key)
            : Saved(result, configDir) is { } saved ? GmoSignCredentials.Session(saved.Token)
            : throw new UsageException("Not signed in: run `gmosign login` first, or pass --api-key.");
        return new GmoSignClient(new GmoSignClientOptions { Address = Address(result, api, configDir), Credentials = credentials });
    }

    public static CalendarDate Month(string value, string option) =>
        DateTime.TryParseExact(value, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)
            ? new CalendarDate { Year = month.Year, Month = month.Month, Day = 1 }
            : throw new UsageException($"{option} must be a month written YYYY-MM, not '{value}'.");
}

internal sealed class UsageException(string message) : Exception(message);
