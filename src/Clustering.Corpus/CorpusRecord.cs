namespace Clustering.Corpus;

/// <summary>What a shard reader yields for each input line (or whole-file document): a document or an error.</summary>
public abstract record CorpusRecord(string Source, long Line);

/// <summary>
/// A document to embed. <see cref="Source"/> is the input's name and <see cref="Line"/> its 1-based line in the whole
/// file (1 for a whole-file text document). <see cref="KeptFields"/> holds the <c>--keep-fields</c> values in their
/// order: strings as they are, other JSON values as their JSON text, null when absent or JSON null.
/// </summary>
public sealed record Document(string Id, string Text, string?[] KeptFields, string Source, long Line) : CorpusRecord(Source, Line)
{
    /// <summary>For an input of an OpenAI batch request: which request and which of its inputs; null for plain documents.</summary>
    public OpenAiBatchItem? Batch { get; init; }
}

/// <summary>
/// Input <see cref="Index"/> of <see cref="Count"/> of the request <see cref="CustomId"/>; <see cref="Model"/>,
/// <see cref="Dimensions"/> and <see cref="Base64"/> are what its body asked, for the result line.
/// </summary>
public sealed record OpenAiBatchItem(string CustomId, int Index, int Count, string? Model, int? Dimensions, bool Base64);

/// <summary>A line that is not a document, and why. It never fails the shard; it goes to the job's errors file.</summary>
public sealed record DocumentError(string Source, long Line, string Reason) : CorpusRecord(Source, Line)
{
    public override string ToString() => $"{Source}:{Line}: {Reason}";
}
