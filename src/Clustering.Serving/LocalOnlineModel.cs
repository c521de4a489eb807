using Clustering.Inference;

namespace Clustering.Serving;

/// <summary>
/// A model loaded in this process, served online: turns a request's inputs into token sequences (the request's
/// prompt, the model's special tokens; token ids as given), checks them against the model's limits, queues them on
/// the model's <see cref="OnlineBatcher"/>, and cuts and normalizes the pooled vectors to the requested dimensions
/// exactly as <c>embedctl encode</c> does (<see cref="EmbeddingHead"/>).
/// </summary>
public sealed class LocalOnlineModel : IOnlineModel, IDisposable
{
    private readonly ServingLimits _limits;
    private readonly ServingMetrics _metrics;

    public LocalOnlineModel(string name, EmbeddingModel model, ServingLimits limits, ServingMetrics metrics)
    {
        if (model.Tokenizer is null) throw new ClusteringException($"{model.ModelPath} has no tokenizer (tokenizer.json or vocab.json + merges.txt); give one with --tokenizer");
        Name = name;
        Model = model;
        _limits = limits;
        _metrics = metrics;
        Batcher = new OnlineBatcher(model, limits, metrics);
    }

    public string Name { get; }
    public EmbeddingModel Model { get; }
    public OnlineBatcher Batcher { get; }

    public QueueSnapshot Queue()
    {
        var (requests, tokens, rejected) = Batcher.Depth();
        return new QueueSnapshot(Name, Model.Device, requests, tokens, rejected, Model.Gate.Snapshot());
    }

    public async Task<EmbeddingsResult> EmbedAsync(EmbeddingsRequest request, CancellationToken cancellationToken)
    {
        var hidden = Model.Config.HiddenSize;
        var dimensions = request.Dimensions ?? hidden;
        if (dimensions > hidden)
            throw Refuse($"'dimensions' {dimensions} is more than {Name} has ({hidden}).", "dimensions");
        var sequences = Sequences(request);
        long tokens = 0;
        foreach (var s in sequences) tokens += s.Length;
        if (tokens > _limits.MaxRequestTokens)
            throw Refuse($"The inputs have {tokens} tokens together; at most {_limits.MaxRequestTokens} are allowed per request.", "input");

        var pooled = await Batcher.EmbedAsync(sequences, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
        var vectors = new float[sequences.Length * dimensions];
        for (var i = 0; i < sequences.Length; i++)
            EmbeddingHead.Apply(pooled.AsSpan(i * hidden, hidden), Model.Normalize, vectors.AsSpan(i * dimensions, dimensions));
        _metrics.Embedded(sequences.Length, tokens);
        return new EmbeddingsResult(vectors, sequences.Length, dimensions, tokens);
    }

    private int[][] Sequences(EmbeddingsRequest request)
    {
        string prompt;
        try
        {
            prompt = Model.PromptFor(request.Instruction, request.PromptName);
        }
        catch (ClusteringException e)
        {
            throw Refuse(e.Message, request.PromptName is not null ? "prompt_name" : "instruction");
        }
        var truncate = request.Truncate ?? _limits.Truncate;
        var inputs = request.Inputs;
        var sequences = new int[inputs.Count][];
        var errors = new OpenAiErrorException?[inputs.Count];
        // A long list is tokenized on several cores; single queries stay on the request's thread.
        if (inputs.Count >= 32)
            Parallel.For(0, inputs.Count, i => errors[i] = TryEncode(inputs, i, prompt, truncate, sequences));
        else
            for (var i = 0; i < inputs.Count; i++) errors[i] = TryEncode(inputs, i, prompt, truncate, sequences);
        foreach (var error in errors)
            if (error is not null) throw error; // the first bad input, by index
        return sequences;
    }

    private OpenAiErrorException? TryEncode(IReadOnlyList<EmbeddingInput> inputs, int index, string prompt, bool truncate, int[][] sequences)
    {
        var input = inputs[index];
        var where = inputs.Count == 1 ? "input" : $"input[{index}]";
        var max = Model.MaxLength;
        int[] ids;
        if (input.Text is { } text)
        {
            ids = Model.Tokenize(text, prompt, truncate ? max : null).Ids;
            if (ids.Length == 0) return Refuse($"'{where}' encodes to no tokens.", "input");
        }
        else
        {
            ids = input.Ids!;
            var vocabulary = Model.Config.VocabSize;
            for (var j = 0; j < ids.Length; j++)
                if (ids[j] >= vocabulary)
                    return Refuse($"'{where}[{j}]' is token id {ids[j]}; {Name}'s vocabulary has ids 0..{vocabulary - 1}.", "input");
            if (truncate && ids.Length > max) ids = ids[..max];
        }
        if (ids.Length > max)
            return new OpenAiErrorException(OpenAiError.Invalid(
                $"This model's maximum context length is {max} tokens, however '{where}' has {ids.Length} tokens. Shorten it, or send \"truncate\": true to cut it to {max}.",
                "input", "context_length_exceeded"));
        sequences[index] = ids;
        return null;
    }

    private static OpenAiErrorException Refuse(string message, string? param) => new(OpenAiError.Invalid(message, param));

    public void Dispose() => Batcher.Dispose();
}
