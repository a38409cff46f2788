using System.Diagnostics;
using System.Security.Cryptography;
using GmoSign.Signing.Pdf;

// Measures the signing operation at three depths on this machine, single-threaded and on all cores:
// the raw ECDSA P-256 signature (the floor), a CAdES CMS with an RFC 3161 timestamp (two signatures),
// and a whole PAdES B-T signature appended to a one-page PDF (parse + write + CMS + timestamp).
var seconds = args.Length > 0 && double.TryParse(args[0], out var s) ? s : 3.0;
using var pki = DevelopmentPki.Create();
var tsa = new LocalTimestampAuthority(pki.Timestamping, TimeProvider.System);
var signer = new PdfSigner(tsa, TimeProvider.System);
var pdf = OnePagePdf();
var digest = SHA256.HashData(pdf);

Console.WriteLine($"GmoSign signing benchmark — {Environment.ProcessorCount} cores, {seconds:0.#} s per case");
Console.WriteLine($"{"case",-38} {"threads",7} {"ops/s",10} {"µs/op",9}");
foreach (var threads in new[] { 1, Environment.ProcessorCount })
{
    await Report("ECDSA P-256 sign (raw floor)", threads, () => { pki.PlatformSigner.Key.SignHash(digest); return ValueTask.CompletedTask; });
    await Report("CAdES CMS + RFC 3161 timestamp", threads, async () => await CadesSignature.CreateAsync(digest, pki.PlatformSigner, tsa, CancellationToken.None));
    await Report("PAdES B-T on a 1-page PDF", threads, async () => await signer.SignAsync(pdf, pki.PlatformSigner, "GmoSign-1", "Bench", null, null, CancellationToken.None));
}

async Task Report(string name, int threads, Func<ValueTask> operation)
{
    for (var i = 0; i < 50; i++)
    {
        await operation(); // warm-up
    }
    long count = 0;
    var stopwatch = Stopwatch.StartNew();
    var until = TimeSpan.FromSeconds(seconds);
    await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Run(async () =>
    {
        while (stopwatch.Elapsed < until)
        {
            await operation();
            Interlocked.Increment(ref count);
        }
    })));
    var elapsed = stopwatch.Elapsed.TotalSeconds;
    Console.WriteLine($"{name,-38} {threads,7} {count / elapsed,10:N0} {elapsed * 1e6 * threads / count,9:N1}");
}

static byte[] OnePagePdf() => GmoSign.Testing.MinimalPdf.Create("Service Agreement");
