using System.Diagnostics;
using System.Text;
using Clustering.Tokenizers.JsonLines;

namespace Clustering.Tokenizers.Tests;

/// <summary>`embedctl tokenize` logic in-process, and once as the built process end to end.</summary>
public class TokenizeJsonLinesTests
{
    private static (string Output, TokenizeJsonLinesResult Result) Run(byte[] input, bool special = true, int maxLength = 0)
    {
        var output = new MemoryStream();
        var result = new TokenizeJsonLines(TestPaths.Qwen3, special, maxLength).Run(new MemoryStream(input), output);
        return (Encoding.UTF8.GetString(output.ToArray()), result);
    }

    private static (string Output, TokenizeJsonLinesResult Result) Run(string input, bool special = true, int maxLength = 0) => Run(Encoding.UTF8.GetBytes(input), special, maxLength);

    [Fact]
    public void GoodLines_GiveIdsInOrder_WithTheIdCopiedAsItsJsonValue()
    {
        var (output, result) = Run("{\"id\":1,\"text\":\"Hello world\"}\n{\"id\":\"x\",\"text\":\" Hello world\"}\r\n{\"id\":null,\"text\":\"test\"}\n{\"text\":\"test again\",\"id\":{\"k\":[1,2.5]}}");
        Assert.Equal(
            "{\"id\":1,\"ids\":[9707,1879,151643]}\n{\"id\":\"x\",\"ids\":[21927,1879,151643]}\n{\"id\":null,\"ids\":[1944,151643]}\n{\"id\":{\"k\":[1,2.5]},\"ids\":[1944,1549,151643]}\n",
            output);
        Assert.Equal(new TokenizeJsonLinesResult(4, 0, 0), result);
    }

    [Fact]
    public void NoSpecialTokens_AndMaxLength_AreApplied()
    {
        Assert.Equal("{\"id\":1,\"ids\":[1944,1549]}\n", Run("{\"id\":1,\"text\":\"test again\"}\n", special: false).Output);
        // max length 2 keeps <|endoftext|> and one content token
        Assert.Equal("{\"id\":1,\"ids\":[1944,151643]}\n", Run("{\"id\":1,\"text\":\"test again\"}\n", maxLength: 2).Output);
    }

    [Fact]
    public void BadLines_GiveErrorLinesNamingTheLine_AndTheRunGoesOn()
    {
        var input = "{\"id\":1,\"text\":\"a\"}\n\n   \nnot json\n[1,2]\n{\"id\":7}\n{\"id\":\"q\",\"text\":5}\n{\"id\":2,\"text\":\"b\"}\n";
        var (output, result) = Run(input);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        Assert.Equal("{\"id\":1,\"ids\":[64,151643]}", lines[0]);
        Assert.StartsWith("{\"id\":null,\"line\":4,\"error\":\"not JSON", lines[1]);
        Assert.Equal("{\"id\":null,\"line\":5,\"error\":\"expected a JSON object, found Array\"}", lines[2]);
        Assert.Equal("{\"id\":7,\"line\":6,\"error\":\"no \\\"text\\\" field\"}", lines[3]);
        Assert.Equal("{\"id\":\"q\",\"line\":7,\"error\":\"\\\"text\\\" is Number, not a string\"}", lines[4]);
        Assert.Equal("{\"id\":2,\"ids\":[65,151643]}", lines[5]);
        Assert.Equal(new TokenizeJsonLinesResult(2, 4, 2), result);
    }

    [Fact]
    public void InvalidUtf8_IsAnErrorLineWithTheBytePosition()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"id\":1,\"text\":\"ok\"}\n{\"id\":2,\"text\":\"a").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\"}\n")).ToArray();
        var (output, result) = Run(bytes);
        Assert.Equal("{\"id\":1,\"ids\":[562,151643]}\n{\"id\":null,\"line\":2,\"error\":\"invalid UTF-8 at byte 18 of the line\"}\n", output);
        Assert.Equal(1, result.Errors);
    }

    [Fact]
    public void OverlongLine_IsAnError_AndTheNextLineStillWorks()
    {
        var output = new MemoryStream();
        var input = "{\"id\":1,\"text\":\"" + new string('a', 5000) + "\"}\n{\"id\":2,\"text\":\"b\"}\n";
        var result = new TokenizeJsonLines(TestPaths.Qwen3, true, 0) { MaxLineBytes = 1000 }.Run(new MemoryStream(Encoding.UTF8.GetBytes(input)), output);
        Assert.Equal("{\"id\":null,\"line\":1,\"error\":\"line is longer than 1000 bytes\"}\n{\"id\":2,\"ids\":[65,151643]}\n", Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal(new TokenizeJsonLinesResult(1, 1, 0), result);
    }

    [Fact]
    public void LastLineWithoutNewline_IsProcessed()
    {
        Assert.Equal("{\"id\":3,\"ids\":[1944,151643]}\n", Run("{\"id\":3,\"text\":\"test\"}").Output);
    }

    [Fact]
    public void BuiltEmbedctl_TokenizesEndToEnd()
    {
        // The Cli project is built with this test project (ProjectReference without assembly reference).
        string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        string dll = Path.Combine(TestPaths.RepoRoot, "clients", "Clustering.Cli", "bin", config, "net10.0", "embedctl.dll");
        Assert.True(File.Exists(dll), $"embedctl not built at {dll}");
        var psi = new ProcessStartInfo("dotnet", [dll, "tokenize", "--model", TestPaths.Qwen3Dir])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write("{\"id\":\"a\",\"text\":\"Hello world\"}\nbroken\n");
        p.StandardInput.Close();
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.StartsWith("{\"id\":\"a\",\"ids\":[9707,1879,151643]}\n{\"id\":null,\"line\":2,\"error\":\"not JSON", stdout);
        Assert.Contains("2 lines, 1 tokenized, 1 errors", stderr);
        Assert.Equal(1, p.ExitCode);
    }
}
