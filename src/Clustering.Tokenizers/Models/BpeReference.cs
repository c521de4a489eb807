namespace Clustering.Tokenizers.Models;

/// <summary>
/// The plain specification of BPE merging that <see cref="BpeModel"/> must equal: symbols as strings, merge ranks looked
/// up by the concatenated pair, the lowest rank merged first, leftmost among equals. Slow; used by the parity test only.
/// </summary>
internal static class BpeReference
{
    public static List<string> Merge(List<string> symbols, Dictionary<(string, string), int> ranks, string? continuingSubwordPrefix)
    {
        var s = new List<string>(symbols);
        int prefixLength = continuingSubwordPrefix?.Length ?? 0;
        while (true)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < s.Count; i++)
                if (ranks.TryGetValue((s[i], s[i + 1]), out int r) && r < bestRank) { bestRank = r; best = i; }
            if (best < 0) return s;
            s[best] = s[best] + s[best + 1][Math.Min(prefixLength, s[best + 1].Length)..];
            s.RemoveAt(best + 1);
        }
    }
}
