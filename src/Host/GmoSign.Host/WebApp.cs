using Microsoft.Extensions.Primitives;

namespace GmoSign.Host;

/// <summary>
/// Serves the built web front ends (<c>web/dist</c>, built by <c>npm run build</c> in <c>web/</c>) next to gRPC-Web:
/// the signer page at <c>/s/{token}</c>, the sender console at <c>/app</c>, the operator console at <c>/ops</c>, and
/// their content-hashed assets under <c>/assets/</c>.
/// <para>
/// Pages carry a strict Content-Security-Policy (scripts only from this origin, no inline script or style),
/// <c>Referrer-Policy: no-referrer</c> (a signing link in the address bar never leaks to another site), and are not
/// cached (the address may hold a token). Assets are immutable (their names change with their content) and are served
/// gzip-compressed when the build wrote a <c>.gz</c> beside them and the browser accepts it.
/// </para>
/// </summary>
internal static class WebApp
{
    public const string Section = "GmoSign:Web";

    // pdf.js compiles its image decoders to WebAssembly ('wasm-unsafe-eval' allows compiling, not eval of strings);
    // pages render PDFs into canvases and blob: URLs for downloads.
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; base-uri 'none'; " +
        "form-action 'self'; frame-ancestors 'none'";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".map"] = "application/json; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".wasm"] = "application/wasm",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".bcmap"] = "application/octet-stream",
        [".pfb"] = "application/octet-stream",
        [".ttf"] = "font/ttf",
        [".icc"] = "application/vnd.iccprofile",
    };

    /// <summary>The folder holding the built pages: <c>GmoSign:Web:Root</c>, else <c>web/dist</c> found upwards.</summary>
    public static string? FindRoot(IConfiguration configuration)
    {
        if (configuration[$"{Section}:Root"] is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "web", "dist");
                if (File.Exists(Path.Combine(candidate, "signer.html")))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    public static void MapWebApp(this WebApplication app, string? root)
    {
        app.MapGet("/", () => Results.Redirect("/app/"));
        app.MapGet("/s/{**token}", (HttpContext http) => Page(http, root, "signer.html"));
        app.MapGet("/app/{**path}", (HttpContext http) => Page(http, root, "app.html"));
        app.MapGet("/ops/{**path}", (HttpContext http) => Page(http, root, "ops.html"));
        app.MapGet("/assets/{**path}", (HttpContext http, string path) => Asset(http, root, path));
    }

    private static async Task Page(HttpContext http, string? root, string file)
    {
        SecurityHeaders(http.Response);
        http.Response.Headers.CacheControl = "no-store";
        if (root is null || !File.Exists(Path.Combine(root, file)))
        {
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync(
                "画面が未ビルドです。web/ で npm ci && npm run build を実行してください。\n" +
                "The web pages are not built: run npm ci && npm run build in web/.\n");
            return;
        }
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.SendFileAsync(Path.Combine(root, file));
    }

    private static async Task Asset(HttpContext http, string? root, string path)
    {
        SecurityHeaders(http.Response);
        var full = root is null ? null : Path.GetFullPath(Path.Combine(root, "assets", path));
        var assets = root is null ? null : Path.GetFullPath(Path.Combine(root, "assets")) + Path.DirectorySeparatorChar;
        if (full is null || !full.StartsWith(assets!, StringComparison.Ordinal) || !File.Exists(full)
            || !ContentTypes.TryGetValue(Path.GetExtension(full), out var contentType))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        http.Response.ContentType = contentType;
        http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        http.Response.Headers.Vary = "Accept-Encoding";
        if (AcceptsGzip(http.Request.Headers.AcceptEncoding) && File.Exists(full + ".gz"))
        {
            http.Response.Headers.ContentEncoding = "gzip";
            full += ".gz";
        }
        http.Response.ContentLength = new FileInfo(full).Length;
        await http.Response.SendFileAsync(full);
    }

    private static bool AcceptsGzip(StringValues acceptEncoding) =>
        acceptEncoding.SelectMany(v => (v ?? "").Split(',')).Any(coding =>
        {
            var parts = coding.Split(';', StringSplitOptions.TrimEntries);
            if (!parts[0].Equals("gzip", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            var q = parts.Skip(1).FirstOrDefault(p => p.StartsWith("q=", StringComparison.OrdinalIgnoreCase));
            return q is null || (double.TryParse(q[2..], System.Globalization.CultureInfo.InvariantCulture, out var weight) && weight > 0);
        });

    private static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
        response.Headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
    }
}
