using YamlDotNet.RepresentationModel;

namespace Clustering.Integration.Tests.Deploy;

/// <summary>Reading deploy/'s YAML as nodes: documents with merge keys (&lt;&lt;: *anchor) resolved, children by path.</summary>
internal static class Yaml
{
    /// <summary>Every document of the text (a Kubernetes file holds several, separated by ---).</summary>
    public static IReadOnlyList<YamlMappingNode> Documents(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var roots = stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
        foreach (var root in roots) ResolveMerges(root);
        return roots;
    }

    /// <summary>
    /// YAML's merge key: a mapping's own keys win over those it merges (YamlDotNet's MergingParser would repeat them
    /// instead, and loading then fails on the duplicate).
    /// </summary>
    private static void ResolveMerges(YamlNode node)
    {
        if (node is YamlSequenceNode seq)
        {
            foreach (var item in seq.Children) ResolveMerges(item);
            return;
        }
        if (node is not YamlMappingNode map) return;
        var mergeKey = new YamlScalarNode("<<");
        if (map.Children.Remove(mergeKey, out var merged))
        {
            var sources = merged is YamlSequenceNode many ? many.Children : [merged];
            foreach (var source in sources.OfType<YamlMappingNode>())
            {
                ResolveMerges(source);
                foreach (var (key, value) in source.Children) map.Children.TryAdd(key, value);
            }
        }
        foreach (var child in map.Children.Values) ResolveMerges(child);
    }

    /// <summary>The node at a path of mapping keys, or null where any step is missing.</summary>
    public static YamlNode? At(this YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node)) return null;
        }
        return node;
    }

    public static string? Text(this YamlNode? node, params string[] path) => (node.At(path) as YamlScalarNode)?.Value;

    public static IReadOnlyList<YamlNode> Items(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlSequenceNode seq ? [.. seq.Children] : [];

    public static IReadOnlyList<string> Strings(this YamlNode? node, params string[] path) =>
        [.. node.Items(path).OfType<YamlScalarNode>().Select(s => s.Value ?? "")];

    /// <summary>A mapping's entries as (key, node) pairs; empty when the node is not a mapping.</summary>
    public static IEnumerable<(string Key, YamlNode Value)> Entries(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlMappingNode map ? map.Children.Select(c => (((YamlScalarNode)c.Key).Value ?? "", c.Value)) : [];
}
