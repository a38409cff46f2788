using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace GmoSign.DeployTests;

/// <summary>One YAML document of a manifest file: its generic tree and the Kubernetes object it describes.</summary>
internal sealed record Manifest(string Source, YamlMappingNode Tree, object Object)
{
    public string? Scalar(params string[] path)
    {
        YamlNode node = Tree;
        foreach (var step in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(step), out var child))
            {
                return null;
            }
            node = child;
        }
        return (node as YamlScalarNode)?.Value;
    }
}

/// <summary>Reads manifests: YamlDotNet for the documents, the Kubernetes client's strict reader for the objects.</summary>
internal static partial class Manifests
{
    /// <summary>
    /// Every document of every <c>.yaml</c>/<c>.yml</c> file under <paramref name="folder"/> (examples included).
    /// A document that is not YAML, lacks apiVersion, kind or metadata.name, or has a field the Kubernetes API does not
    /// know (the strict reader refuses unknown fields), becomes a problem instead.
    /// </summary>
    public static IReadOnlyList<Manifest> Load(IEnumerable<(string Source, string Text)> files, List<string> problems)
    {
        var manifests = new List<Manifest>();
        foreach (var (source, text) in files)
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (YamlDotNet.Core.YamlException ex)
            {
                problems.Add($"{source}: not YAML: {ex.Message}");
                continue;
            }
            var documents = stream.Documents.Where(d => d.RootNode is not YamlScalarNode { Value: null or "" }).ToList();
            List<object> objects;
            try
            {
                objects = KubernetesYaml.LoadAllFromString(text, typeMap: null, strict: true);
            }
            catch (Exception ex)
            {
                problems.Add($"{source}: not a valid Kubernetes object: {ex.GetBaseException().Message}");
                continue;
            }
            if (objects.Count != documents.Count)
            {
                problems.Add($"{source}: {documents.Count} YAML documents but {objects.Count} Kubernetes objects");
                continue;
            }
            for (var i = 0; i < documents.Count; i++)
            {
                if (documents[i].RootNode is not YamlMappingNode tree)
                {
                    problems.Add($"{source}: document {i + 1} is not a mapping");
                    continue;
                }
                var manifest = new Manifest($"{source}#{i + 1}", tree, objects[i]);
                foreach (var required in new[] { ["apiVersion"], ["kind"], new[] { "metadata", "name" } })
                {
                    if (string.IsNullOrWhiteSpace(manifest.Scalar(required)))
                    {
                        problems.Add($"{manifest.Source}: {string.Join('.', required)} is missing");
                    }
                }
                manifests.Add(manifest);
            }
        }
        return manifests;
    }

    public static IReadOnlyList<(string Source, string Text)> FilesUnder(string relativeFolder) =>
        Directory.EnumerateFiles(Repository.PathOf(relativeFolder), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(Repository.Root, f).Replace('\\', '/'), File.ReadAllText(f)))
            .ToList();

    public static IEnumerable<T> OfType<T>(IEnumerable<Manifest> manifests) => manifests.Select(m => m.Object).OfType<T>();

    /// <summary>What the kubelet gives a container as environment: the image's ENV, then envFrom, then env in order.</summary>
    public static Dictionary<string, string> Environment(
        V1PodTemplateSpec template, V1Container container, IReadOnlyList<Manifest> manifests, IEnumerable<Setting> image,
        List<string> problems)
    {
        var where = $"container {container.Name}";
        var env = image.ToDictionary(s => s.Name, s => s.Value, StringComparer.Ordinal);
        // The kubelet's own: the API server's address, in every container.
        env["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
        env["KUBERNETES_SERVICE_PORT"] = "443";
        var configMaps = OfType<V1ConfigMap>(manifests).ToDictionary(c => c.Metadata.Name, c => new Dictionary<string, string>(c.Data ?? new Dictionary<string, string>()));
        var secrets = OfType<V1Secret>(manifests).ToDictionary(s => s.Metadata.Name, s =>
            (s.StringData ?? new Dictionary<string, string>()).Concat((s.Data ?? new Dictionary<string, byte[]>()).Select(d =>
                KeyValuePair.Create(d.Key, System.Text.Encoding.UTF8.GetString(d.Value)))).ToDictionary());
        foreach (var from in container.EnvFrom ?? [])
        {
            var (kind, name, optional, source) = from.ConfigMapRef is { } c ? ("ConfigMap", c.Name, c.Optional == true, configMaps)
                : ("Secret", from.SecretRef!.Name, from.SecretRef.Optional == true, secrets);
            if (!source.TryGetValue(name, out var data))
            {
                if (!optional)
                {
                    problems.Add($"{where}: envFrom names {kind} {name}, which no manifest defines");
                }
                continue;
            }
            foreach (var (key, value) in data)
            {
                env[(from.Prefix ?? "") + key] = value;
            }
        }
        foreach (var variable in container.Env ?? [])
        {
            string? value = null;
            if (variable.ValueFrom is null)
            {
                value = Expand(variable.Value ?? "", env, $"{where}: {variable.Name}", problems);
            }
            else if (variable.ValueFrom.FieldRef is { } field)
            {
                value = Field(field.FieldPath, template, $"{where}: {variable.Name}", problems);
            }
            else if (variable.ValueFrom.SecretKeyRef is { } secretKey)
            {
                value = Lookup(secrets, "Secret", secretKey.Name, secretKey.Key, secretKey.Optional == true, $"{where}: {variable.Name}", problems);
            }
            else if (variable.ValueFrom.ConfigMapKeyRef is { } mapKey)
            {
                value = Lookup(configMaps, "ConfigMap", mapKey.Name, mapKey.Key, mapKey.Optional == true, $"{where}: {variable.Name}", problems);
            }
            if (value is not null)
            {
                env[variable.Name] = value;
            }
        }
        return env;
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();

    /// <summary>The kubelet's <c>$(NAME)</c> expansion; it leaves an undefined reference as it is, silently — here it is a problem.</summary>
    private static string Expand(string value, Dictionary<string, string> env, string where, List<string> problems) =>
        Reference().Replace(value, m =>
        {
            if (m.Index > 0 && value[m.Index - 1] == '$')
            {
                return m.Value;
            }
            if (env.TryGetValue(m.Groups[1].Value, out var defined))
            {
                return defined;
            }
            problems.Add($"{where}: $({m.Groups[1].Value}) is not defined before it (the kubelet would pass it on literally)");
            return m.Value;
        });

    [GeneratedRegex(@"^metadata\.(labels|annotations)\['(?<key>[^']+)'\]$")]
    private static partial Regex LabelPath();

    /// <summary>The downward API, with stand-in values for what only a running pod knows.</summary>
    private static string? Field(string path, V1PodTemplateSpec template, string where, List<string> problems)
    {
        switch (path)
        {
            case "metadata.name":
                return "gmosign-5d8c7b9f4-x2k7q";
            case "metadata.namespace":
                return "gmosign";
            case "status.podIP":
                return "10.244.1.17";
            case "status.hostIP":
                return "192.168.10.21";
            case "spec.nodeName":
                return "node-2";
            case "spec.serviceAccountName":
                return template.Spec.ServiceAccountName ?? "default";
        }
        var label = LabelPath().Match(path);
        if (label.Success)
        {
            var source = path.StartsWith("metadata.labels", StringComparison.Ordinal) ? template.Metadata?.Labels : template.Metadata?.Annotations;
            if (source is not null && source.TryGetValue(label.Groups["key"].Value, out var value))
            {
                return value;
            }
            problems.Add($"{where}: {path} is not set on the pod template");
            return null;
        }
        problems.Add($"{where}: fieldRef {path} is not one these checks know");
        return null;
    }

    private static string? Lookup(Dictionary<string, Dictionary<string, string>> objects, string kind, string name, string key, bool optional,
        string where, List<string> problems)
    {
        if (objects.TryGetValue(name, out var data) && data.TryGetValue(key, out var value))
        {
            return value;
        }
        if (!optional)
        {
            problems.Add($"{where}: {kind} {name} has no key {key} in any manifest or example");
        }
        return null;
    }

    /// <summary>A port given by number or by name, as the container declares it.</summary>
    public static V1ContainerPort? Port(V1Container container, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        return int.TryParse(text, out var number)
            ? container.Ports?.FirstOrDefault(p => p.ContainerPort == number)
            : container.Ports?.FirstOrDefault(p => p.Name == text);
    }

    public static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);
}
