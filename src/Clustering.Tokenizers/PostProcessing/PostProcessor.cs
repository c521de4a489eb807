namespace Clustering.Tokenizers.PostProcessing;

/// <summary>
/// A Hugging Face post-processor, for single sequences: wraps the content ids with the template's special tokens.
/// <see cref="AddedTokens"/> is how many it adds (truncation keeps room for them).
/// </summary>
internal abstract class PostProcessor
{
    public abstract int AddedTokens { get; }
    /// <summary>Writes the final ids for <paramref name="content"/> into <paramref name="output"/> (cleared first).</summary>
    public abstract void Process(List<int> content, bool addSpecialTokens, List<int> output);
}

/// <summary>One element of a template: a sequence ($A) or the ids of a special token.</summary>
internal readonly record struct TemplateItem(bool IsSequence, int[] SpecialIds);

/// <summary>TemplateProcessing (the "single" template): e.g. "$A &lt;|endoftext|&gt;".</summary>
internal sealed class TemplatePostProcessor(IReadOnlyList<TemplateItem> single) : PostProcessor
{
    public override int AddedTokens { get; } = single.Where(i => !i.IsSequence).Sum(i => i.SpecialIds.Length);

    public override void Process(List<int> content, bool addSpecialTokens, List<int> output)
    {
        output.Clear();
        foreach (var item in single)
        {
            if (item.IsSequence) output.AddRange(content);
            else if (addSpecialTokens) output.AddRange(item.SpecialIds);
        }
    }
}

/// <summary>BertProcessing / RobertaProcessing on one sequence: [cls] A [sep].</summary>
internal sealed class WrapPostProcessor(int clsId, int sepId) : PostProcessor
{
    public override int AddedTokens => 2;

    public override void Process(List<int> content, bool addSpecialTokens, List<int> output)
    {
        output.Clear();
        if (addSpecialTokens) output.Add(clsId);
        output.AddRange(content);
        if (addSpecialTokens) output.Add(sepId);
    }
}

/// <summary>ByteLevel post-processor: it only trims offsets, so ids pass through.</summary>
internal sealed class IdentityPostProcessor : PostProcessor
{
    public override int AddedTokens => 0;
    public override void Process(List<int> content, bool addSpecialTokens, List<int> output)
    {
        output.Clear();
        output.AddRange(content);
    }
}

internal sealed class SequencePostProcessor(IReadOnlyList<PostProcessor> steps) : PostProcessor
{
    public override int AddedTokens { get; } = steps.Sum(s => s.AddedTokens);

    // One list per thread and per instance (a nested sequence has its own), reused across texts.
    private readonly ThreadLocal<List<int>> _current = new(() => new List<int>(1024));

    public override void Process(List<int> content, bool addSpecialTokens, List<int> output)
    {
        var current = _current.Value!;
        current.Clear();
        current.AddRange(content);
        foreach (var step in steps)
        {
            step.Process(current, addSpecialTokens, output);
            current.Clear();
            current.AddRange(output);
        }
        output.Clear();
        output.AddRange(current);
    }
}
