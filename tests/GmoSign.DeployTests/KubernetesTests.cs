using k8s.Models;
using Xunit;

namespace GmoSign.DeployTests;

/// <summary>deploy/kubernetes: the manifests parse and fit the host and the image they run.</summary>
public sealed class KubernetesTests
{
    private static IEnumerable<Setting> Image => DeployChecks.ImageEnvironment(DeployChecks.ReadContainerfile());

    [Fact]
    public void Every_manifest_parses_and_names_its_kind_and_itself()
    {
        var problems = new List<string>();
        var manifests = DeployChecks.ReadManifests(problems);

        Assert.Empty(problems);
        var kinds = manifests.Select(m => m.Scalar("kind")).ToHashSet();
        foreach (var kind in new[] { "Deployment", "Service", "PodDisruptionBudget", "ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding" })
        {
            Assert.Contains(kind, kinds);
        }
        // The example Secret is an example: placeholders only.
        var secrets = Manifests.OfType<V1Secret>(manifests).ToList();
        Assert.All(secrets, s => Assert.All(s.StringData, d => Assert.StartsWith("REPLACE-WITH-", d.Value)));
    }

    [Fact]
    public void The_deployment_fits_the_host_and_its_image()
    {
        var problems = new List<string>();
        var manifests = DeployChecks.ReadManifests(problems);
        problems.AddRange(DeployChecks.KubernetesProblems(manifests, Image));

        Assert.Empty(problems);
        Assert.Equal(3, Manifests.OfType<V1Deployment>(manifests).Single().Spec.Replicas);
    }

    /// <summary>Broken copies of deployment.yaml: each mistake is caught, and named.</summary>
    [Theory]
    [InlineData("path: /health/ready", "path: /health/readyz", "readiness probe asks /health/readyz")]
    [InlineData("""
              path: /health/live
              port: management
            periodSeconds: 10
""", """
              path: /health/live
              port: metrics
            periodSeconds: 10
""", "liveness probe's port metrics is not a port the container declares")]
    [InlineData("containerPort: 11111", "containerPort: 11112", "the host opens")]
    [InlineData("$(POSTGRES_PASSWORD)", "$(POSTGRES_PASSWORT)", "$(POSTGRES_PASSWORT) is not defined before it")]
    [InlineData("key: master-key", "key: master_key", "has no key master_key")]
    [InlineData("fieldPath: status.podIP", "fieldPath: status.hostIP", "POD_IP must come from the downward API's status.podIP")]
    [InlineData("readinessProbe:", "readinesProbe:", "not a valid Kubernetes object")]
    [InlineData("name: GmoSign__Retention__MasterKey", "name: GmoSign__Retention__Masterkey__", "GmoSign__Retention__Masterkey__ is not a setting the host reads")]
    [InlineData("terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 30", "leaves no margin")]
    [InlineData("serviceAccountName: gmosign", "serviceAccountName: default", "serviceAccountName default is not a ServiceAccount")]
    [InlineData("memory: 2Gi", "memory: 512Mi", "requests more memory than its limit")]
    public void A_broken_deployment_is_caught(string find, string replace, string expected)
    {
        var problems = new List<string>();
        var files = Manifests.FilesUnder(DeployChecks.KubernetesPath)
            .Select(f => f.Source.EndsWith("/deployment.yaml", StringComparison.Ordinal) ? (f.Source, Text: Replace(f.Text, find, replace)) : f)
            .ToList();
        var manifests = Manifests.Load(files, problems);
        if (problems.Count == 0)
        {
            problems.AddRange(DeployChecks.KubernetesProblems(manifests, Image));
            problems.AddRange(DeployChecks.UnknownKeys(ConfigurationKeyTests.KubernetesSettings(manifests)));
        }

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("rbac.yaml", "\"watch\", ", "", "may not watch pods")]
    [InlineData("configmap.yaml", "GmoSign__Orleans__Kubernetes: \"true\"", "GmoSign__Orleans__Kubernetes: \"false\"", "GmoSign__Orleans__Kubernetes is not true")]
    [InlineData("pdb.yaml", "maxUnavailable: 1", "maxUnavailable: 3", "must let one of 3 pods go")]
    [InlineData("services.yaml", "targetPort: grpc-web", "targetPort: management", "exposes management, not a public port")]
    [InlineData("services.yaml", "app.kubernetes.io/component: host", "app.kubernetes.io/component: web", "selects no Deployment's pods")]
    public void A_broken_companion_manifest_is_caught(string file, string find, string replace, string expected)
    {
        var problems = new List<string>();
        var files = Manifests.FilesUnder(DeployChecks.KubernetesPath)
            .Select(f => f.Source == $"{DeployChecks.KubernetesPath}/{file}" ? (f.Source, Text: Replace(f.Text, find, replace)) : f)
            .ToList();
        var manifests = Manifests.Load(files, problems);
        problems.AddRange(DeployChecks.KubernetesProblems(manifests, Image));

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    private static string Replace(string text, string find, string replace)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains(find, text);
        return text.Replace(find, replace, StringComparison.Ordinal);
    }
}
