using System.Text;

namespace Clustering.Integration.Tests;

/// <summary>Short, distinct documents (a handful of tokens each) so the tiny model embeds thousands per second.</summary>
public static class TestCorpus
{
    private static readonly string[] Words =
        ["river", "stone", "cloud", "lamp", "orbit", "maple", "signal", "harbor", "violet", "engine", "quartz", "meadow"];

    public static string Id(int i) => $"d{i:D6}";

    public static string Text(int i) => $"{Words[i % 12]} {Words[i / 12 % 12]} {Words[i / 144 % 12]} no. {i}";

    /// <summary>Writes documents [first, first + count) as JSON lines.</summary>
    public static void Write(string path, int first, int count)
    {
        var text = new StringBuilder();
        for (var i = first; i < first + count; i++)
            text.Append("{\"id\":\"").Append(Id(i)).Append("\",\"text\":\"").Append(Text(i)).Append("\"}\n");
        File.WriteAllText(path, text.ToString());
    }
}
