using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace GmoSign.Signing.Tests;

/// <summary>Runs the independent verifiers and reads a signed PDF's signatures without our own code.</summary>
public static partial class Tools
{
    public static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public sealed record Signature(long[] ByteRange, byte[] Contents, bool IsDocumentTimestamp)
    {
        public byte[] SignedBytes(byte[] pdf) =>
            [.. pdf.AsSpan(0, (int)ByteRange[1]), .. pdf.AsSpan((int)ByteRange[2], (int)ByteRange[3])];
    }

    [GeneratedRegex(@"/Type\s*/(Sig|DocTimeStamp)[^>]*?/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]\s*/Contents\s*<([0-9A-Fa-f]+)>", RegexOptions.Singleline)]
    private static partial Regex SignaturePattern();

    /// <summary>Every signature dictionary in file order, read with a regular expression over the raw bytes.</summary>
    public static List<Signature> Signatures(byte[] pdf)
    {
        var text = Encoding.Latin1.GetString(pdf);
        return SignaturePattern().Matches(text).Select(m =>
        {
            var contents = Convert.FromHexString(m.Groups[6].Value);
            // Strip the zero padding after the DER value.
            var length = DerLength(contents);
            return new Signature([long.Parse(m.Groups[2].Value), long.Parse(m.Groups[3].Value), long.Parse(m.Groups[4].Value), long.Parse(m.Groups[5].Value)],
                contents[..length], m.Groups[1].Value == "DocTimeStamp");
        }).ToList();
    }

    private static int DerLength(byte[] der)
    {
        if ((der[1] & 0x80) == 0)
        {
            return der[1] + 2;
        }
        var count = der[1] & 0x7F;
        var length = 0;
        for (var i = 0; i < count; i++)
        {
            length = (length << 8) | der[2 + i];
        }
        return length + 2 + count;
    }
}
