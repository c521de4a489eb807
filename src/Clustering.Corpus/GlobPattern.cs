namespace Clustering.Corpus;

/// <summary>
/// A path glob over '/'-separated keys: <c>**</c> (a whole segment) matches zero or more folders, <c>*</c> any run
/// of characters within a segment, <c>?</c> one character, <c>[abc]</c> / <c>[a-z]</c> / <c>[!a]</c> one character of
/// a set. As in shells, a wildcard does not match a leading '.' of a segment (so <c>**</c> skips hidden folders)
/// unless the pattern segment itself starts with '.'. Braces (<c>{a,b}</c>) are not supported: give two inputs.
/// </summary>
public sealed class GlobPattern
{
    private readonly string[] _segments;

    public GlobPattern(string pattern)
    {
        Pattern = pattern;
        _segments = pattern.Split('/');
        if (_segments.Any(s => s.Length == 0))
            throw new ClusteringException($"glob '{pattern}': empty path segment");
        foreach (var segment in _segments)
            if (segment.Contains("**") && segment != "**")
                throw new ClusteringException($"glob '{pattern}': '**' must be a whole path segment");
    }

    public string Pattern { get; }

    /// <summary>Whether a character makes a segment a wildcard (where a glob's literal base ends).</summary>
    public static bool HasWildcard(ReadOnlySpan<char> text) => text.IndexOfAny("*?[") >= 0;

    public bool IsMatch(string key)
    {
        var parts = key.Split('/');
        return MatchFrom(0, parts, 0);
    }

    private bool MatchFrom(int p, string[] parts, int k)
    {
        while (p < _segments.Length)
        {
            if (_segments[p] == "**")
            {
                // '**' takes 0, 1, 2... segments; it never walks into a hidden (dot) folder.
                for (var skip = 0; k + skip <= parts.Length; skip++)
                {
                    if (MatchFrom(p + 1, parts, k + skip)) return true;
                    if (k + skip < parts.Length && parts[k + skip].StartsWith('.')) return false;
                }
                return false;
            }
            if (k >= parts.Length || !MatchSegment(_segments[p], parts[k])) return false;
            p++;
            k++;
        }
        return k == parts.Length;
    }

    /// <summary>Wildcard match of one segment: '*' backtracks to its last position (linear for one '*').</summary>
    internal static bool MatchSegment(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        if (name.Length > 0 && name[0] == '.' && (pattern.Length == 0 || pattern[0] != '.')) return false;
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starN = n;
                continue;
            }
            if (p < pattern.Length && MatchOne(pattern, ref p, name[n]))
            {
                n++;
                continue;
            }
            if (starP < 0) return false;
            p = starP + 1;
            n = ++starN;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>Matches one name character at pattern[p] ('?', a set, or a literal); advances p past it on success.</summary>
    private static bool MatchOne(ReadOnlySpan<char> pattern, ref int p, char c)
    {
        switch (pattern[p])
        {
            case '?':
                p++;
                return true;
            case '[':
                var close = pattern[(p + 1)..].IndexOf(']');
                // A '[' without a later ']' (or "[]") is a literal '['.
                if (close <= 0)
                {
                    if (c != '[') return false;
                    p++;
                    return true;
                }
                var set = pattern.Slice(p + 1, close);
                var negate = set.Length > 0 && set[0] is '!' or '^';
                if (negate) set = set[1..];
                var found = false;
                for (var i = 0; i < set.Length; i++)
                {
                    if (i + 2 < set.Length && set[i + 1] == '-')
                    {
                        if (c >= set[i] && c <= set[i + 2]) found = true;
                        i += 2;
                    }
                    else if (set[i] == c) found = true;
                }
                if (found == negate) return false;
                p += close + 2;
                return true;
            default:
                if (pattern[p] != c) return false;
                p++;
                return true;
        }
    }
}
