namespace Clustering.Corpus.Tests;

public sealed class GlobPatternTests
{
    [Theory]
    [InlineData("*.jsonl", "a.jsonl", true)]
    [InlineData("*.jsonl", "sub/a.jsonl", false)]
    [InlineData("**/*.jsonl", "a.jsonl", true)]
    [InlineData("**/*.jsonl", "x/y/z/a.jsonl", true)]
    [InlineData("**/*.jsonl", "x/.git/a.jsonl", false)]
    [InlineData("**", "x/y", true)]
    [InlineData("x/**/a.jsonl", "x/a.jsonl", true)]
    [InlineData("x/**/a.jsonl", "y/a.jsonl", false)]
    [InlineData("*a*b*c", "aXbYc", true)]
    [InlineData("*a*b*c", "aXbYcZ", false)]
    [InlineData("a*", "a", true)]
    [InlineData("?.txt", "ab.txt", false)]
    [InlineData("[ab].txt", "b.txt", true)]
    [InlineData("[^ab].txt", "b.txt", false)]
    [InlineData("[a-c]*", "car", true)]
    [InlineData("[x", "[x", true)]
    [InlineData("*", ".hidden", false)]
    [InlineData(".*", ".hidden", true)]
    [InlineData("part-*.jsonl.gz", "part-00001.jsonl.gz", true)]
    public void MatchesLikeAShellGlobOverSlashSeparatedKeys(string pattern, string key, bool matches) =>
        Assert.Equal(matches, new GlobPattern(pattern).IsMatch(key));

    [Theory]
    [InlineData("a//b", "empty path segment")]
    [InlineData("a/x**/b", "'**' must be a whole path segment")]
    public void RefusesPatternsItCannotMean(string pattern, string message) =>
        Assert.Contains(message, Assert.Throws<ClusteringException>(() => new GlobPattern(pattern)).Message);
}
