using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using GmoSign.Host;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting.Kubernetes;

namespace GmoSign.DeployTests;

/// <summary>
/// The checks, each a list of problems (empty: fine), so that the tests can run them on the real artifacts and on
/// broken copies alike.
/// </summary>
internal static partial class DeployChecks
{
    public const string ContainerfilePath = "deploy/container/Containerfile";
    public const string KubernetesPath = "deploy/kubernetes";
    public const string UnitPath = "deploy/systemd/gmosign.service";
    public const string UnitEnvironmentPath = "deploy/systemd/gmosign.env.example";
    public const string IgnorePath = ".dockerignore";

    /// <summary>The file the published host starts from (the host project's assembly).</summary>
    public static string HostDll => HostConfiguration.HostAssembly.GetName().Name + ".dll";

    /// <summary>How long the host takes at most to stop gracefully after SIGTERM (the .NET host's shutdown timeout).</summary>
    public static TimeSpan ShutdownTimeout => new HostOptions().ShutdownTimeout;

    /// <summary>"10.0" for a host built for net10.0: the tag of the .NET images.</summary>
    public static string DotNetVersion =>
        HostConfiguration.HostAssembly.GetCustomAttributes(typeof(TargetFrameworkAttribute), false).Cast<TargetFrameworkAttribute>().Single()
            .FrameworkName.Split("Version=v")[1];

    // ---- settings -------------------------------------------------------------------------------------------------

    /// <summary>Settings addressed to the host (GmoSign…, ConnectionStrings…, Serilog…) that it does not read.</summary>
    public static IEnumerable<string> UnknownKeys(IEnumerable<Setting> settings) =>
        settings.Where(s => s.IsHostSetting && !HostConfiguration.Reads(s.Key))
            .Select(s => $"{s.Source}: {s.Name} is not a setting the host reads");

    /// <summary>
    /// The host's view of an environment: <see cref="HostSettings.From"/> must accept it, and every options class
    /// must bind its section (a value of the wrong type fails here as it would at start-up).
    /// </summary>
    public static HostSettings? Settings(IReadOnlyDictionary<string, string> environment, string where, List<string> problems)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(environment.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)))
            .Build();
        foreach (var (type, section) in HostConfiguration.OptionsClasses)
        {
            try
            {
                configuration.GetSection(section).Get(type);
            }
            catch (InvalidOperationException ex)
            {
                problems.Add($"{where}: {section} does not bind to {type.Name}: {ex.GetBaseException().Message}");
            }
        }
        try
        {
            return HostSettings.From(configuration);
        }
        catch (ConfigurationException ex)
        {
            problems.Add($"{where}: the host would stop: {ex.Message}");
            return null;
        }
    }

    private static int[] Ports(HostSettings s) => [s.GrpcPort, s.GrpcWebPort, s.ManagementPort, s.SiloPort, s.GatewayPort];

    /// <summary>Stands in for the database, which only the deployment knows, when the host's ports are all that matter.</summary>
    private static readonly KeyValuePair<string, string> SomeDatabase = new("ConnectionStrings__Postgres", "Host=db;Username=gmosign");

    // ---- container ------------------------------------------------------------------------------------------------

    public static Containerfile ReadContainerfile() => Containerfile.Parse(ContainerfilePath, Repository.Read(ContainerfilePath));

    public static IEnumerable<Setting> ImageEnvironment(Containerfile file) => Containerfile.Environment(file.Source, file.Final);

    public static List<string> ContainerProblems(Containerfile file)
    {
        var problems = new List<string>();
        var version = DotNetVersion;
        var final = file.Final;
        if (final.Image != $"mcr.microsoft.com/dotnet/aspnet:{version}")
        {
            problems.Add($"{file.Source}: the runtime stage starts from {final.Image}, not mcr.microsoft.com/dotnet/aspnet:{version} (the host targets .NET {version})");
        }
        var build = file.Stages.FirstOrDefault(s => s.All("RUN").Any(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal)));
        if (build is null)
        {
            problems.Add($"{file.Source}: no stage runs dotnet publish");
            return problems;
        }
        if (build.Image != $"mcr.microsoft.com/dotnet/sdk:{version}")
        {
            problems.Add($"{file.Source}: the publish stage starts from {build.Image}, not mcr.microsoft.com/dotnet/sdk:{version}");
        }

        // dotnet publish <project> -o <output>: the project is the host's, copied into the stage.
        var publish = build.All("RUN").First(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        var words = Containerfile.Words(publish.Arguments[(publish.Arguments.IndexOf("dotnet publish", StringComparison.Ordinal) + "dotnet publish".Length)..])
            .TakeWhile(w => w is not ("&&" or ";" or "|")).ToList();
        string? project = null, output = null;
        for (var i = 0; i < words.Count; i++)
        {
            if (words[i] is "-o" or "--output")
            {
                output = words.ElementAtOrDefault(++i);
            }
            else if (words[i] is "-c" or "--configuration" or "-r" or "--runtime" or "-f" or "--framework" or "-v" or "--verbosity")
            {
                i++;
            }
            else if (!words[i].StartsWith('-') && project is null)
            {
                project = words[i];
            }
        }
        if (project is null || output is null)
        {
            problems.Add($"{file.Source}:{publish.Line}: dotnet publish needs the project and -o <folder>");
            return problems;
        }
        var projectFile = Repository.PathOf(project.TrimStart('.', '/'));
        if (Directory.Exists(projectFile))
        {
            projectFile = Directory.EnumerateFiles(projectFile, "*.csproj").SingleOrDefault() ?? projectFile;
        }
        if (!File.Exists(projectFile))
        {
            problems.Add($"{file.Source}:{publish.Line}: {project} is not a project of this repository");
        }
        else
        {
            var assembly = XDocument.Load(projectFile).Descendants("AssemblyName").FirstOrDefault()?.Value ?? Path.GetFileNameWithoutExtension(projectFile);
            if (assembly + ".dll" != HostDll)
            {
                problems.Add($"{file.Source}:{publish.Line}: {project} builds {assembly}.dll, not the host ({HostDll})");
            }
            if (!build.All("COPY").Any(c => Copy(c) is { From: null } copy && copy.Sources.Any(s => project.TrimStart('.', '/').StartsWith(s.TrimEnd('/') + "/", StringComparison.Ordinal))))
            {
                problems.Add($"{file.Source}: the publish stage does not copy {project} from the build context");
            }
        }

        // The runtime stage takes the publish output and starts the host's dll from it.
        var published = final.All("COPY").Select(Copy).FirstOrDefault(c => c.From == build.Name && Folder(c.Sources.Single()) == Folder(output));
        if (published is null)
        {
            problems.Add($"{file.Source}: the runtime stage does not COPY --from={build.Name} {output}");
        }
        var entry = final.All("ENTRYPOINT").LastOrDefault();
        if (entry is null)
        {
            problems.Add($"{file.Source}: the runtime stage has no ENTRYPOINT");
        }
        else
        {
            var command = Containerfile.ExecForm(entry);
            if (command.Length < 2 || command[0] != "dotnet" || Path.GetFileName(command[1]) != HostDll)
            {
                problems.Add($"{file.Source}:{entry.Line}: ENTRYPOINT {entry.Arguments} does not run dotnet {HostDll}");
            }
            else if (published is not null && Folder(Absolute(Path.GetDirectoryName(command[1])!, final.WorkDir)) != Folder(Absolute(published.Destination, final.WorkDir)))
            {
                problems.Add($"{file.Source}:{entry.Line}: ENTRYPOINT runs {command[1]}, but the host is copied to {published.Destination}");
            }
        }

        // The pages: built in a stage of their own (npm ci, npm run build), copied where GmoSign:Web:Root says.
        var environment = ImageEnvironment(file).ToList();
        var pages = final.All("COPY").Select(Copy).FirstOrDefault(c => c.From is not null && Folder(c.Sources.Single()).EndsWith("/web/dist", StringComparison.Ordinal));
        if (pages is null)
        {
            problems.Add($"{file.Source}: the runtime stage does not copy the built pages (web/dist)");
        }
        else
        {
            var web = file.Stages.FirstOrDefault(s => s.Name == pages.From);
            if (web is null || !web.All("RUN").Any(r => r.Arguments.Contains("npm ci", StringComparison.Ordinal)) || !web.All("RUN").Any(r => r.Arguments.Contains("npm run", StringComparison.Ordinal) && r.Arguments.Contains("build", StringComparison.Ordinal)))
            {
                problems.Add($"{file.Source}: stage {pages.From} does not build the pages (npm ci, npm run build)");
            }
            var root = environment.LastOrDefault(s => s.Key.Equals("GmoSign:Web:Root", StringComparison.OrdinalIgnoreCase));
            if (root is not null && Folder(root.Value) != Folder(Absolute(pages.Destination, final.WorkDir)))
            {
                problems.Add($"{root.Source}: GmoSign__Web__Root is {root.Value}, but the pages are copied to {pages.Destination}");
            }
        }
        if (!final.All("RUN").Any(r => r.Arguments.Contains("fonts-ipafont-gothic", StringComparison.Ordinal)))
        {
            problems.Add($"{file.Source}: the runtime stage does not install fonts-ipafont-gothic (the font of stamps and certificates)");
        }
        var user = final.All("USER").LastOrDefault()?.Arguments.Trim();
        if (user is null or "root" or "0" or "0:0")
        {
            problems.Add($"{file.Source}: the runtime stage runs as root (USER {user ?? "missing"})");
        }

        // Every port the host opens, and no other, is exposed.
        problems.AddRange(UnknownKeys(environment));
        var settings = Settings(environment.Select(s => KeyValuePair.Create(s.Name, s.Value)).Append(SomeDatabase).ToDictionary(), file.Source, problems);
        var exposed = final.All("EXPOSE").SelectMany(e => Containerfile.Words(e.Arguments)).Select(p => int.Parse(p.Split('/')[0])).Order().ToArray();
        if (settings is not null && !exposed.SequenceEqual(Ports(settings).Order()))
        {
            problems.Add($"{file.Source}: EXPOSE {string.Join(' ', exposed)}, but the host opens {string.Join(' ', Ports(settings).Order())}");
        }

        // The build context keeps what the stages copy.
        var ignored = IgnorePatterns();
        foreach (var copy in file.Stages.SelectMany(s => s.All("COPY")).Select(Copy).Where(c => c.From is null))
        {
            foreach (var source in copy.Sources.Where(s => ignored.Any(p => p.IsMatch(s.TrimEnd('/')))))
            {
                problems.Add($"{IgnorePath}: excludes {source}, which {file.Source} copies");
            }
        }
        return problems;
    }

    private sealed record CopyInstruction(string? From, IReadOnlyList<string> Sources, string Destination);

    private static CopyInstruction Copy(Instruction copy)
    {
        var words = Containerfile.Words(copy.Arguments).ToList();
        var from = words.FirstOrDefault(w => w.StartsWith("--from=", StringComparison.Ordinal))?["--from=".Length..];
        var paths = words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
        return new CopyInstruction(from, paths.SkipLast(1).ToList(), paths[^1]);
    }

    private static string Folder(string path) => "/" + path.Trim('/');

    private static string Absolute(string path, string workDir) => path.StartsWith('/') ? path : workDir.TrimEnd('/') + "/" + path;

    /// <summary>.dockerignore's patterns as expressions over paths relative to the context (no '!' exceptions are used).</summary>
    private static List<Regex> IgnorePatterns() =>
        File.ReadAllLines(Repository.PathOf(IgnorePath)).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(p => new Regex("^" + Regex.Escape(p.Trim('/')).Replace(@"\*\*/", "(.*/)?", StringComparison.Ordinal)
                .Replace(@"\*", "[^/]*", StringComparison.Ordinal).Replace(@"\?", "[^/]", StringComparison.Ordinal) + "(/.*)?$"))
            .ToList();

    // ---- Kubernetes -----------------------------------------------------------------------------------------------

    public static IReadOnlyList<Manifest> ReadManifests(List<string> problems) => Manifests.Load(Manifests.FilesUnder(KubernetesPath), problems);

    /// <summary>What the Orleans Kubernetes hosting calls on pods: reads and labels its own, lists and watches the cluster's.</summary>
    private static readonly string[] PodVerbs = ["get", "list", "watch", "patch"];

    public static List<string> KubernetesProblems(IReadOnlyList<Manifest> manifests, IEnumerable<Setting> image)
    {
        var problems = new List<string>();
        var deployments = Manifests.OfType<V1Deployment>(manifests).ToList();
        if (deployments.Count == 0)
        {
            problems.Add($"{KubernetesPath}: no Deployment");
        }
        foreach (var deployment in deployments)
        {
            var name = $"Deployment {deployment.Metadata.Name}";
            var template = deployment.Spec.Template;
            var pod = template.Spec;
            var labels = template.Metadata?.Labels ?? new Dictionary<string, string>();
            if (!Manifests.Selects(deployment.Spec.Selector?.MatchLabels, labels))
            {
                problems.Add($"{name}: its selector does not match its pod template's labels");
            }
            foreach (var container in pod.Containers)
            {
                var where = $"{name}, container {container.Name}";
                // Orleans' Kubernetes hosting: the pod's name, namespace and IP from the downward API.
                foreach (var (variable, path) in new[]
                {
                    (KubernetesHostingOptions.PodNameEnvironmentVariable, "metadata.name"),
                    (KubernetesHostingOptions.PodNamespaceEnvironmentVariable, "metadata.namespace"),
                    (KubernetesHostingOptions.PodIPEnvironmentVariable, "status.podIP"),
                })
                {
                    if (container.Env?.FirstOrDefault(e => e.Name == variable)?.ValueFrom?.FieldRef?.FieldPath != path)
                    {
                        problems.Add($"{where}: {variable} must come from the downward API's {path}");
                    }
                }
                var environment = Manifests.Environment(template, container, manifests, image, problems);
                var host = Settings(environment, where, problems);
                if (host is null)
                {
                    continue;
                }
                if (!host.Kubernetes)
                {
                    problems.Add($"{where}: GmoSign__Orleans__Kubernetes is not true");
                }

                // The pods are labelled with the cluster's ids, which are the ids the host uses.
                foreach (var (label, value) in new[] { (KubernetesHostingOptions.ServiceIdLabel, host.ServiceId), (KubernetesHostingOptions.ClusterIdLabel, host.ClusterId) })
                {
                    if (!labels.TryGetValue(label, out var given) || given != value)
                    {
                        problems.Add($"{where}: the pod label {label} is '{given}', but the host's id is '{value}'");
                    }
                }

                // Ports: the container declares exactly the ones the host opens; the probes use the management port's
                // health endpoints, which the host maps.
                var declared = (container.Ports ?? []).Select(p => p.ContainerPort).Order().ToArray();
                if (!declared.SequenceEqual(Ports(host).Order()))
                {
                    problems.Add($"{where}: declares ports {string.Join(' ', declared)}, but the host opens {string.Join(' ', Ports(host).Order())}");
                }
                var healthPaths = HostConfiguration.Literals(HostConfiguration.HostAssembly).Where(l => l.StartsWith("/health/", StringComparison.Ordinal)).ToHashSet();
                foreach (var (kind, probe, path) in new[]
                {
                    ("liveness", container.LivenessProbe, "/health/live"),
                    ("readiness", container.ReadinessProbe, "/health/ready"),
                    ("startup", container.StartupProbe, "/health/live"),
                })
                {
                    if (probe?.HttpGet is not { } get)
                    {
                        problems.Add($"{where}: no {kind} probe (httpGet)");
                        continue;
                    }
                    var port = Manifests.Port(container, get.Port?.Value);
                    if (port is null)
                    {
                        problems.Add($"{where}: the {kind} probe's port {get.Port?.Value} is not a port the container declares");
                    }
                    else if (port.ContainerPort != host.ManagementPort)
                    {
                        problems.Add($"{where}: the {kind} probe asks port {port.ContainerPort}, but health answers on the management port {host.ManagementPort}");
                    }
                    if (get.Path != path || !healthPaths.Contains(get.Path))
                    {
                        problems.Add($"{where}: the {kind} probe asks {get.Path}, not {path} (the host maps {string.Join(", ", healthPaths)})");
                    }
                }

                // Resources, and time for the graceful stop.
                foreach (var (kind, values) in new[] { ("requests", container.Resources?.Requests), ("limits", container.Resources?.Limits) })
                {
                    foreach (var resource in new[] { "cpu", "memory" })
                    {
                        if (values is null || !values.ContainsKey(resource))
                        {
                            problems.Add($"{where}: resources.{kind}.{resource} is not set");
                        }
                    }
                }
                if (container.Resources?.Requests is { } requests && container.Resources.Limits is { } limits)
                {
                    foreach (var resource in requests.Keys.Intersect(limits.Keys))
                    {
                        if (requests[resource].ToDecimal() > limits[resource].ToDecimal())
                        {
                            problems.Add($"{where}: requests more {resource} than its limit");
                        }
                    }
                }
                var pause = container.Lifecycle?.PreStop?.Sleep?.Seconds ?? 0;
                var grace = pod.TerminationGracePeriodSeconds ?? 30;
                if (TimeSpan.FromSeconds(grace) <= ShutdownTimeout + TimeSpan.FromSeconds(pause))
                {
                    problems.Add($"{name}: terminationGracePeriodSeconds {grace} leaves no margin over the preStop pause ({pause} s) and the host's shutdown timeout ({ShutdownTimeout.TotalSeconds} s)");
                }
            }

            // The service account may do what the Kubernetes hosting does.
            var account = pod.ServiceAccountName;
            if (account is null || !Manifests.OfType<V1ServiceAccount>(manifests).Any(a => a.Metadata.Name == account))
            {
                problems.Add($"{name}: serviceAccountName {account ?? "(none)"} is not a ServiceAccount of the manifests");
            }
            else
            {
                var granted = Manifests.OfType<V1RoleBinding>(manifests)
                    .Where(b => b.Subjects?.Any(s => s.Kind == "ServiceAccount" && s.Name == account) == true && b.RoleRef.Kind == "Role")
                    .SelectMany(b => Manifests.OfType<V1Role>(manifests).Where(r => r.Metadata.Name == b.RoleRef.Name))
                    .SelectMany(r => r.Rules ?? [])
                    .Where(r => r.ApiGroups?.Contains("") == true && r.Resources?.Contains("pods") == true)
                    .SelectMany(r => r.Verbs ?? []).ToHashSet();
                foreach (var verb in PodVerbs.Where(v => !granted.Contains(v)))
                {
                    problems.Add($"{name}: service account {account} may not {verb} pods (Orleans' Kubernetes hosting does)");
                }
            }
            if (pod.AutomountServiceAccountToken == false)
            {
                problems.Add($"{name}: the service account token is not mounted; the Kubernetes hosting needs it");
            }
        }

        // Services and the disruption budget select the pods, and Services reach the public ports.
        foreach (var service in Manifests.OfType<V1Service>(manifests))
        {
            var target = deployments.FirstOrDefault(d => Manifests.Selects(service.Spec.Selector, d.Spec.Template.Metadata?.Labels));
            if (target is null)
            {
                problems.Add($"Service {service.Metadata.Name}: selects no Deployment's pods");
                continue;
            }
            foreach (var port in service.Spec.Ports)
            {
                var container = target.Spec.Template.Spec.Containers.Select(c => Manifests.Port(c, port.TargetPort?.Value ?? port.Port.ToString())).FirstOrDefault(p => p is not null);
                if (container is null)
                {
                    problems.Add($"Service {service.Metadata.Name}: port {port.Name} targets {port.TargetPort?.Value}, which the container does not declare");
                }
                else if (container.Name is not ("grpc" or "grpc-web"))
                {
                    problems.Add($"Service {service.Metadata.Name}: port {port.Name} exposes {container.Name}, not a public port");
                }
            }
        }
        var budgets = Manifests.OfType<V1PodDisruptionBudget>(manifests).ToList();
        foreach (var deployment in deployments)
        {
            var budget = budgets.FirstOrDefault(b => Manifests.Selects(b.Spec.Selector?.MatchLabels, deployment.Spec.Template.Metadata?.Labels));
            var replicas = deployment.Spec.Replicas ?? 1;
            if (budget is null)
            {
                problems.Add($"Deployment {deployment.Metadata.Name}: no PodDisruptionBudget selects its pods");
            }
            else if (budget.Spec.MaxUnavailable?.Value is { } max ? !int.TryParse(max, out var m) || m < 1 || m >= replicas
                     : budget.Spec.MinAvailable?.Value is not { } min || !int.TryParse(min, out var n) || n >= replicas)
            {
                problems.Add($"PodDisruptionBudget {budget.Metadata.Name}: must let one of {replicas} pods go at a time, and keep the others");
            }
        }
        return problems;
    }

    // ---- systemd --------------------------------------------------------------------------------------------------

    public static List<string> SystemdProblems(UnitFile unit, string environmentSource, string environmentText)
    {
        var problems = new List<string>();
        var exec = Containerfile.Words(unit.Single("Service", "ExecStart") ?? "").ToList();
        if (exec.Count < 2 || !exec[0].StartsWith('/') || Path.GetFileName(exec[0]) != "dotnet" || Path.GetFileName(exec[1]) != HostDll)
        {
            problems.Add($"{UnitPath}: ExecStart does not run /…/dotnet …/{HostDll}");
        }
        foreach (var (key, expected) in new[]
        {
            ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("Restart", "on-failure"), ("KillSignal", "SIGTERM"),
        })
        {
            if (unit.Single("Service", key) != expected)
            {
                problems.Add($"{UnitPath}: {key} is not {expected}");
            }
        }
        if (unit.Single("Service", "User") is null or "root" or "0")
        {
            problems.Add($"{UnitPath}: the host runs as root");
        }
        var stop = unit.Single("Service", "TimeoutStopSec");
        if (stop is null || !int.TryParse(stop.TrimEnd('s'), out var seconds) || TimeSpan.FromSeconds(seconds) <= ShutdownTimeout)
        {
            problems.Add($"{UnitPath}: TimeoutStopSec {stop ?? "(default)"} must exceed the host's shutdown timeout ({ShutdownTimeout.TotalSeconds} s)");
        }
        var file = unit.Single("Service", "EnvironmentFile")?.TrimStart('-');
        if (file is null || Path.GetFileName(file) + ".example" != Path.GetFileName(environmentSource))
        {
            problems.Add($"{UnitPath}: EnvironmentFile {file} is not where {environmentSource} is installed");
        }

        // Every setting, commented-out ones too, is one the host reads; the live ones make a host that starts.
        var assignments = EnvironmentFile.Parse(environmentSource, environmentText);
        problems.AddRange(UnknownKeys(assignments.Select(a => a.Setting)));
        Settings(assignments.Where(a => !a.Commented).ToDictionary(a => a.Setting.Name, a => a.Setting.Value), environmentSource, problems);

        // A folder the host writes to lies where the sandbox lets it write.
        var writable = unit.All("Service", "ReadWritePaths").SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Concat(unit.All("Service", "StateDirectory").SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(d => "/var/lib/" + d))
            .Select(p => p.TrimStart('-').TrimEnd('/')).ToList();
        foreach (var (setting, _) in assignments.Where(a => a.Setting.Name.EndsWith("Directory", StringComparison.Ordinal)))
        {
            if (!writable.Any(w => setting.Value == w || setting.Value.StartsWith(w + "/", StringComparison.Ordinal)))
            {
                problems.Add($"{setting.Source}: {setting.Name}={setting.Value} is outside ReadWritePaths/StateDirectory (ProtectSystem=strict)");
            }
        }
        return problems;
    }
}
