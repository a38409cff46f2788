using Xunit;

namespace GmoSign.DeployTests;

/// <summary>
/// deploy/container/Containerfile: the base images cannot be pulled on the machines this project is built on, so the
/// image is not built here; what can be checked without building it is.
/// </summary>
public sealed class ContainerTests
{
    [Fact]
    public void The_image_runs_the_published_host_with_its_pages_ports_and_settings()
    {
        var file = DeployChecks.ReadContainerfile();

        Assert.Empty(DeployChecks.ContainerProblems(file));
        Assert.Equal(3, file.Stages.Count);
        Assert.Equal($"[\"dotnet\", \"/app/{DeployChecks.HostDll}\"]", file.Final.All("ENTRYPOINT").Single().Arguments);
    }

    /// <summary>Broken copies of the Containerfile: each mistake is caught, and named.</summary>
    [Theory]
    [InlineData("\"/app/GmoSign.Host.dll\"", "\"/app/GmoSign.Hosts.dll\"", "does not run dotnet GmoSign.Host.dll")]
    [InlineData("\"/app/GmoSign.Host.dll\"", "\"/srv/GmoSign.Host.dll\"", "but the host is copied to /app/")]
    [InlineData("src/Host/GmoSign.Host/GmoSign.Host.csproj", "src/Modules/Signing/GmoSign.Signing/GmoSign.Signing.csproj", "builds GmoSign.Signing.dll, not the host")]
    [InlineData("-o /app/publish", "-o /out", "does not COPY --from=build /out")]
    [InlineData("EXPOSE 5080 5081 5082 11111 30000", "EXPOSE 5080 5081 11111 30000", "but the host opens 5080 5081 5082 11111 30000")]
    [InlineData("GmoSign__Management__ListenAddress=0.0.0.0 \\", "GmoSign__Management__Port=9090 \\", "but the host opens 5080 5081 9090 11111 30000")]
    [InlineData("aspnet:10.0", "aspnet:9.0", "not mcr.microsoft.com/dotnet/aspnet:10.0")]
    [InlineData("GmoSign__Web__Root=/app/web/dist", "GmoSign__Web__Root=/srv/web", "GmoSign__Web__Root is /srv/web")]
    [InlineData("GmoSign__Logging__Json=true", "GmoSign__Logging__Jsn=true", "GmoSign__Logging__Jsn is not a setting the host reads")]
    [InlineData("GmoSign__Http__ListenAddress=0.0.0.0", "GmoSign__Http__ListenAddress=any", "the host would stop")]
    [InlineData("USER $APP_UID", "USER root", "runs as root")]
    [InlineData(" fonts-ipafont-gothic", " fonts-noto-cjk", "does not install fonts-ipafont-gothic")]
    [InlineData("RUN npm ci", "RUN npm install", "does not build the pages")]
    public void A_broken_containerfile_is_caught(string find, string replace, string expected)
    {
        var text = Repository.Read(DeployChecks.ContainerfilePath);
        Assert.Contains(find, text);
        var file = Containerfile.Parse(DeployChecks.ContainerfilePath, text.Replace(find, replace, StringComparison.Ordinal));

        Assert.Contains(DeployChecks.ContainerProblems(file), p => p.Contains(expected, StringComparison.Ordinal));
    }
}
