using System.Diagnostics;

namespace Clustering.Storage.Tests;

/// <summary>
/// <see cref="LocalPaths.Resolve"/> against coreutils' `realpath -m` (the kernel's own resolution, with missing tails
/// kept) over links to files and folders, relative and absolute links, chains, `..` after a link, and missing tails;
/// and loops refused by name.
/// </summary>
public sealed class LocalPathsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("localpaths-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string At(string relative) => Path.Combine(_root, relative);

    private static string RealPath(string path)
    {
        var psi = new ProcessStartInfo("realpath", ["-m", "--", path]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd().TrimEnd('\n');
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output;
    }

    [Fact]
    public void Every_kind_of_link_resolves_as_realpath_resolves_it()
    {
        Directory.CreateDirectory(At("allowed/corpus"));
        Directory.CreateDirectory(At("outside/deep/er"));
        File.WriteAllText(At("outside/secret.jsonl"), "{}");
        File.CreateSymbolicLink(At("allowed/corpus/abs.jsonl"), At("outside/secret.jsonl"));
        File.CreateSymbolicLink(At("allowed/corpus/rel.jsonl"), "../../outside/secret.jsonl");
        Directory.CreateSymbolicLink(At("allowed/dirlink"), At("outside/deep"));
        Directory.CreateSymbolicLink(At("allowed/chain1"), "chain2");
        Directory.CreateSymbolicLink(At("allowed/chain2"), "dirlink/er");
        File.CreateSymbolicLink(At("allowed/dangling"), At("outside/nothing-here"));

        foreach (var path in new[]
                 {
                     "allowed/corpus/abs.jsonl", "allowed/corpus/rel.jsonl", "allowed/dirlink", "allowed/dirlink/er/new/file.parquet",
                     "allowed/dirlink/../secret.jsonl", "allowed/chain1", "allowed/chain1/x", "allowed/dangling", "allowed/corpus/../corpus/./abs.jsonl",
                     "allowed/not/there/yet", "allowed/corpus",
                 })
            Assert.Equal(RealPath(At(path)), LocalPaths.Resolve(At(path)));

        Assert.Equal(At("outside/secret.jsonl"), LocalPaths.Resolve(At("allowed/corpus/rel.jsonl")));
        Assert.False(LocalPaths.IsInside(LocalPaths.Resolve(At("allowed/dirlink/er")), [LocalPaths.Resolve(At("allowed"))]));
        Assert.True(LocalPaths.IsInside(LocalPaths.Resolve(At("allowed/corpus")), [LocalPaths.Resolve(At("allowed"))]));
        Assert.False(LocalPaths.IsInside(At("allowed-not"), [At("allowed")])); // a prefix of the name is not inside
    }

    [Fact]
    public void A_loop_of_links_is_refused_by_name()
    {
        File.CreateSymbolicLink(At("a"), At("b"));
        File.CreateSymbolicLink(At("b"), At("a"));
        var e = Assert.Throws<ClusteringException>(() => LocalPaths.Resolve(At("a/file.jsonl")));
        Assert.Equal($"'{At("a/file.jsonl")}': too many levels of symbolic links (a loop?)", e.Message);
    }
}
