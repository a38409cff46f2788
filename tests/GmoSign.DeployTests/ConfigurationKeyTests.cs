using k8s.Models;
using Xunit;

namespace GmoSign.DeployTests;

/// <summary>Every setting an artifact gives the host is one the host reads (HostConfiguration derives them from its code).</summary>
public sealed class ConfigurationKeyTests
{
    [Theory]
    [InlineData("ConnectionStrings:Postgres")] // HostSettings
    [InlineData("GmoSign:Orleans:Kubernetes")]
    [InlineData("GmoSign:Orleans:ProbeTimeout")] // read in Program
    [InlineData("GmoSign:Management:Dashboard")] // a key built from a constant section
    [InlineData("GmoSign:Web:Root")]
    [InlineData("GmoSign:Retention:MasterKey")] // options classes' properties
    [InlineData("gmosign:signing:fontpath")] // configuration keys ignore case
    [InlineData("GmoSign:Signing:DefaultReminderDaysBeforeExpiry:2")] // an element of a list
    [InlineData("GmoSign:Notifications:SmtpPassword")]
    [InlineData("GmoSign:BulkSend:RowsPerSecond")]
    [InlineData("Serilog:MinimumLevel:Override:Orleans")]
    public void The_host_reads(string key) =>
        Assert.True(HostConfiguration.Reads(key), $"{key} not among {string.Join(", ", HostConfiguration.Patterns.Order())}");

    [Theory]
    [InlineData("GmoSign:Orleans:Kubernetis")]
    [InlineData("GmoSign:Signing")] // a section, not a setting
    [InlineData("GmoSign:Signing:Day")] // computed, not bound
    [InlineData("GmoSign:Signing:DefaultReminderDaysBeforeExpiry:first")]
    [InlineData("GmoSign:Retention:MasterKey:Extra")]
    [InlineData("GmoSign:Http:ListenAdress")]
    [InlineData("ConnectionStrings:Postgress")]
    public void The_host_does_not_read(string key) => Assert.False(HostConfiguration.Reads(key), key);

    [Fact]
    public void Every_options_class_of_the_host_is_found()
    {
        var sections = HostConfiguration.OptionsClasses.Select(o => o.Section).ToHashSet();
        foreach (var section in new[] { "GmoSign:Accounts", "GmoSign:Retention", "GmoSign:Signing", "GmoSign:Lifecycle", "GmoSign:Notifications",
                     "GmoSign:Webhooks", "GmoSign:BulkSend", "GmoSign:HandOver", "GmoSign:ContentSweep", "GmoSign:RateLimit" })
        {
            Assert.Contains(section, sections);
        }
    }

    /// <summary>Every key of the artifacts: the image's ENV, the ConfigMaps, Secrets and containers' env, the systemd environment.</summary>
    internal static List<Setting> AllSettings(IReadOnlyList<Manifest> manifests, Containerfile image, string unitEnvironment)
    {
        var settings = new List<Setting>();
        settings.AddRange(image.Stages.SelectMany(s => Containerfile.Environment(image.Source, s)));
        settings.AddRange(KubernetesSettings(manifests));
        settings.AddRange(EnvironmentFile.Parse(DeployChecks.UnitEnvironmentPath, unitEnvironment).Select(a => a.Setting));
        return settings;
    }

    internal static IEnumerable<Setting> KubernetesSettings(IEnumerable<Manifest> manifests) =>
        manifests.SelectMany(m => m.Object switch
        {
            V1ConfigMap map => (map.Data ?? new Dictionary<string, string>()).Select(d => new Setting(m.Source, d.Key, d.Value)),
            V1Secret secret => (secret.StringData ?? new Dictionary<string, string>()).Keys.Concat((secret.Data ?? new Dictionary<string, byte[]>()).Keys)
                .Select(k => new Setting(m.Source, k, "")),
            V1Deployment deployment => deployment.Spec.Template.Spec.Containers.SelectMany(c => c.Env ?? [])
                .Select(e => new Setting($"{m.Source} env", e.Name, e.Value ?? "")),
            _ => [],
        });

    [Fact]
    public void Every_setting_in_the_artifacts_is_one_the_host_reads()
    {
        var problems = new List<string>();
        var manifests = DeployChecks.ReadManifests(problems);
        var settings = AllSettings(manifests, DeployChecks.ReadContainerfile(), Repository.Read(DeployChecks.UnitEnvironmentPath));
        Assert.Empty(problems);

        // Each artifact contributes: the check is not vacuous.
        var hostSettings = settings.Where(s => s.IsHostSetting).ToList();
        Assert.Contains(hostSettings, s => s.Source.StartsWith(DeployChecks.ContainerfilePath, StringComparison.Ordinal));
        Assert.Contains(hostSettings, s => s.Source.StartsWith("deploy/kubernetes/configmap.yaml", StringComparison.Ordinal));
        Assert.Contains(hostSettings, s => s.Source.StartsWith("deploy/kubernetes/deployment.yaml", StringComparison.Ordinal));
        Assert.Contains(hostSettings, s => s.Source.StartsWith(DeployChecks.UnitEnvironmentPath, StringComparison.Ordinal));
        Assert.True(hostSettings.Count > 40, $"only {hostSettings.Count} settings found");

        Assert.Empty(DeployChecks.UnknownKeys(settings));
    }

    [Fact]
    public void A_made_up_key_in_any_artifact_fails()
    {
        var problems = new List<string>();
        var manifests = Manifests.Load([("test/configmap.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: test
            data:
              GmoSign__Orleans__Kubernetes: "true"
              GmoSign__Orleans__Kubernetis: "true"
              POSTGRES_CONNECTION: "Host=db"
            """)], problems);
        Assert.Empty(problems);
        var image = Containerfile.Parse("test/Containerfile", """
            FROM mcr.microsoft.com/dotnet/aspnet:10.0
            ENV GmoSign__Web__Root=/app/web/dist \
                GmoSign__Web__Rooot=/app/web/dist
            ENV Serilog__MinimumLevel__Default Warning
            """);
        const string environment = """
            GmoSign__Retention__MasterKey=x
            GmoSign__Retention__MasterKee=x
            #GmoSign__Signing__PkiDirectry=/var/lib/gmosign/pki
            GMOSIGN_SIGNING_FONTPATH=/usr/share/fonts/x.ttf
            # GmoSign notes are prose, not settings.
            """;

        var unknown = DeployChecks.UnknownKeys(AllSettings(manifests, image, environment)).ToList();

        Assert.Equal(5, unknown.Count);
        Assert.Contains(unknown, u => u.Contains("GmoSign__Orleans__Kubernetis", StringComparison.Ordinal) && u.StartsWith("test/configmap.yaml", StringComparison.Ordinal));
        Assert.Contains(unknown, u => u.Contains("GmoSign__Web__Rooot", StringComparison.Ordinal) && u.StartsWith("test/Containerfile:2", StringComparison.Ordinal));
        Assert.Contains(unknown, u => u.Contains("GmoSign__Retention__MasterKee", StringComparison.Ordinal));
        Assert.Contains(unknown, u => u.Contains("GmoSign__Signing__PkiDirectry", StringComparison.Ordinal));
        Assert.Contains(unknown, u => u.Contains("GMOSIGN_SIGNING_FONTPATH", StringComparison.Ordinal));
    }
}
