using GmoSign.EndToEndTests.Infrastructure;

namespace GmoSign.EndToEndTests;

/// <summary>
/// The C# sample a partner starts from (samples/dotnet/Onboarding), built against the GmoSign.Client package as
/// `dotnet pack` makes it, run against the real host: onboarding to a verified signed PDF, over gRPC and gRPC-Web.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ClientSampleTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_onboarding_sample_takes_a_new_reseller_to_a_verified_signed_PDF_with_the_packed_client()
    {
        var root = Repository.Root;
        var packages = Path.Combine(root, ".data", "packages");
        var pack = await Tools.RunAsync("dotnet", root, "pack", "clients/dotnet/GmoSign.Client", "-c", "Release", "--no-build", "-o", packages, "-nologo");
        Assert.True(pack.ExitCode == 0, pack.Output);
        // NuGet keeps a package version it restored once: drop it, so the sample gets the package just packed.
        var cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "gmosign.client");
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true);
        }

        var native = await Tools.RunAsync("dotnet", root, "run", "--project", "samples/dotnet/Onboarding", "-c", "Release", "--",
            $"http://127.0.0.1:{platform.Host.Ports.Grpc}", HostProcess.OperatorLogin, HostProcess.OperatorPassword);
        Assert.True(native.ExitCode == 0, native.Output);
        Assert.Contains("signed: Completed", native.Output);
        // The signer's signature and the archive timestamp, both valid.
        Assert.Contains("2 signatures, all valid: True", native.Output);
        Assert.Matches(@"upload: \d+/\d+ bytes", native.Output);

        var web = await Tools.RunAsync("dotnet", root, "run", "--project", "samples/dotnet/Onboarding", "-c", "Release", "--no-build", "--",
            $"http://127.0.0.1:{platform.Host.Ports.GrpcWeb}", HostProcess.OperatorLogin, HostProcess.OperatorPassword, "--grpc-web");
        Assert.True(web.ExitCode == 0, web.Output);
        Assert.Contains("all valid: True", web.Output);
    }

    [Fact]
    public async Task The_Python_sample_with_stubs_from_Debians_protoc_does_the_same()
    {
        var root = Repository.Root;
        var stubs = Directory.CreateTempSubdirectory("gmosign-python-stubs-");
        try
        {
            var generated = await Tools.RunAsync("bash", root, "samples/python/generate.sh", stubs.FullName);
            Assert.True(generated.ExitCode == 0, generated.Output);
            // Debian's interpreter, which has python3-grpcio and python3-protobuf (another python3 on the PATH may not).
            var run = await Tools.RunAsync("/usr/bin/python3", root, "samples/python/onboarding.py", "--api", $"127.0.0.1:{platform.Host.Ports.Grpc}",
                "--operator-login", HostProcess.OperatorLogin, "--operator-password", HostProcess.OperatorPassword, "--stubs", stubs.FullName);
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Contains("signed: ENVELOPE_STATUS_COMPLETED", run.Output);
            Assert.Contains("2 signatures, all valid: True", run.Output);
        }
        finally
        {
            stubs.Delete(recursive: true);
        }
    }
}
