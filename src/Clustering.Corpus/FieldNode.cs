using System.Text;

namespace Clustering.Corpus;

/// <summary>
/// The requested fields (<c>--id-field</c>, <c>--text-field</c>, <c>--keep-fields</c>) as a tree of property names, so
/// one pass over a JSON object finds them all: a node is a property name; its targets say which requested fields end
/// there; its children are the names looked for inside it when its value is an object.
/// </summary>
internal sealed class FieldNode(string name)
{
    public const int IdTarget = -1;
    public const int TextTarget = -2;

    public string Name { get; } = name;
    public byte[] Utf8Name { get; } = Encoding.UTF8.GetBytes(name);
    public FieldNode[] Children { get; private set; } = [];
    public int[] Targets { get; private set; } = [];

    /// <summary>The root of the tree for these options (its own name is unused).</summary>
    public static FieldNode Build(CorpusOptions options)
    {
        var root = new FieldNode("");
        root.Add(options.IdField, IdTarget);
        root.Add(options.TextField, TextTarget);
        for (var i = 0; i < options.KeepFields.Count; i++) root.Add(options.KeepFields[i], i);
        return root;
    }

    private void Add(string path, int target)
    {
        var node = this;
        foreach (var part in path.Split('.'))
        {
            var child = Array.Find(node.Children, c => c.Name == part);
            if (child is null)
            {
                child = new FieldNode(part);
                node.Children = [.. node.Children, child];
            }
            node = child;
        }
        node.Targets = [.. node.Targets, target];
    }
}
