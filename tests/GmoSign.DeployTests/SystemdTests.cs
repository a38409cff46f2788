using Xunit;

namespace GmoSign.DeployTests;

/// <summary>deploy/systemd: the unit runs the published host, sandboxed, with an environment the host accepts.</summary>
public sealed class SystemdTests
{
    private static string UnitText => Repository.Read(DeployChecks.UnitPath);
    private static string EnvironmentText => Repository.Read(DeployChecks.UnitEnvironmentPath);

    [Fact]
    public void The_unit_runs_the_published_host_with_a_valid_environment()
    {
        var problems = DeployChecks.SystemdProblems(UnitFile.Parse(UnitText), DeployChecks.UnitEnvironmentPath, EnvironmentText);

        Assert.Empty(problems);
        Assert.EndsWith("/" + DeployChecks.HostDll, UnitFile.Parse(UnitText).Single("Service", "ExecStart"));
    }

    [Theory]
    [InlineData("/opt/gmosign/GmoSign.Host.dll", "/opt/gmosign/GmoSign.dll", "ExecStart does not run")]
    [InlineData("TimeoutStopSec=45", "TimeoutStopSec=10", "must exceed the host's shutdown timeout")]
    [InlineData("ProtectSystem=strict", "ProtectSystem=full", "ProtectSystem is not strict")]
    [InlineData("User=gmosign", "User=root", "runs as root")]
    [InlineData("EnvironmentFile=/etc/gmosign/gmosign.env", "EnvironmentFile=/etc/gmosign/host.env", "is not where")]
    public void A_broken_unit_is_caught(string find, string replace, string expected)
    {
        Assert.Contains(find, UnitText);
        var problems = DeployChecks.SystemdProblems(UnitFile.Parse(UnitText.Replace(find, replace, StringComparison.Ordinal)),
            DeployChecks.UnitEnvironmentPath, EnvironmentText);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_state_directory_is_writable_without_read_write_paths()
    {
        var withoutPaths = UnitText.Replace("ReadWritePaths=/var/lib/gmosign", "ReadWritePaths=/var/lib/other", StringComparison.Ordinal);
        Assert.Empty(DeployChecks.SystemdProblems(UnitFile.Parse(withoutPaths), DeployChecks.UnitEnvironmentPath, EnvironmentText));

        var withNeither = withoutPaths.Replace("StateDirectory=gmosign", "StateDirectory=other", StringComparison.Ordinal);
        Assert.Contains(DeployChecks.SystemdProblems(UnitFile.Parse(withNeither), DeployChecks.UnitEnvironmentPath, EnvironmentText),
            p => p.Contains("GmoSign__Signing__PkiDirectory=/var/lib/gmosign/pki is outside", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("#GmoSign__Signing__PkiDirectory=/var/lib/gmosign/pki", "#GmoSign__Signing__PkiDirectory=/srv/pki", "is outside ReadWritePaths")]
    [InlineData("GmoSign__Orleans__AdvertisedIp=192.0.2.10", "GmoSign__Orleans__AdvertisedIp=vm-1", "the host would stop: Configuration GmoSign:Orleans:AdvertisedIp")]
    [InlineData("GmoSign__Notifications__SmtpPort=587", "GmoSign__Notifications__SmtpPort=submission", "GmoSign:Notifications does not bind")]
    [InlineData("GmoSign__Notifications__SmtpPort=587", "GmoSign__Notification__SmtpPort=587", "GmoSign__Notification__SmtpPort is not a setting")]
    [InlineData("ConnectionStrings__Postgres=", "ConnectionStrings__Postgre=", "ConnectionStrings:Postgres is not set")]
    public void A_broken_environment_is_caught(string find, string replace, string expected)
    {
        Assert.Contains(find, EnvironmentText);
        var problems = DeployChecks.SystemdProblems(UnitFile.Parse(UnitText), DeployChecks.UnitEnvironmentPath,
            EnvironmentText.Replace(find, replace, StringComparison.Ordinal));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }
}
