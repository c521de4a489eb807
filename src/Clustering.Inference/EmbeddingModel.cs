using Clustering.Models;

namespace Clustering.Inference;

/// <summary>
/// A loaded embedding model: an engine (our Qwen3 graph on a backend, or ONNX Runtime), its pooling, MRL and normalization, its prompt and
/// max length. Its passes are cut by <see cref="BatchPlanner"/>: <see cref="EmbedByLength"/> (windows of documents) runs
/// them shortest first, <see cref="Embed"/> in the order given; each pass holds the model's <see cref="Gate"/> while it
/// runs, so a batch job's device loop and online requests may call from their own threads and share the device, online first.
/// </summary>
public sealed partial class EmbeddingModel : IDisposable
{
    private readonly IEmbeddingEngine _engine;
    private readonly SentenceTransformersConfig _sentenceTransformers;
    private readonly TokenBatch _batch;
    private readonly float[] _pooled; // (sequence capacity, hidden)

    public string ModelId { get; }
    public string ModelPath { get; }
    public string Device => _engine.Device;
    /// <summary>The engine that runs the model (Qwen3 graph, ONNX Runtime).</summary>
    public IEmbeddingEngine Engine => _engine;
    public ModelShape Config { get; }
    public PoolingMode Pooling => _sentenceTransformers.Pooling;
    public bool Normalize => _sentenceTransformers.Normalize;

    /// <summary>Length of every output vector (the MRL dimensions, or the hidden size).</summary>
    public int Dimensions { get; }

    /// <summary>The most tokens one input may have (prompt and special tokens included).</summary>
    public int MaxLength { get; }

    /// <summary>Tokens per forward pass.</summary>
    public int BatchTokens { get; }

    /// <summary>The text prefixed to every input ("" when none).</summary>
    public string Prompt { get; }

    /// <summary>The device's gate: one forward pass at a time, online passes before batch passes.</summary>
    public DeviceGate Gate { get; }

    /// <summary>The prompt for an instruction or a prompt name of this model (neither: the model's default prompt, or "").</summary>
    public string PromptFor(string? instruction, string? promptName) =>
        PromptTemplate.Resolve(new EmbeddingOptions { Instruction = instruction, PromptName = promptName }, _sentenceTransformers, ModelPath);

    /// <summary>The buffers a model of this shape needs for <paramref name="options"/>: (tokens, sequences) per batch.</summary>
    public static (int Tokens, int Sequences) Capacity(ModelShape shape, EmbeddingOptions options)
    {
        var maxLength = options.MaxLengthFor(shape.MaxPositionEmbeddings);
        var tokens = Math.Max(options.BatchTokens, maxLength);
        return (tokens, Math.Min(tokens, 4096));
    }

    /// <summary>
    /// The options' rules that need the model's shape: dimensions within the hidden size, a max length the positions
    /// allow. Planning calls it from the config alone, so a job is refused with the words a loading worker would use.
    /// </summary>
    public static void CheckAgainst(EmbeddingOptions options, ModelShape shape, string path)
    {
        if (options.Dimensions is int d && (d < 1 || d > shape.HiddenSize))
            throw new ClusteringException($"--dimensions {d} is outside 1..{shape.HiddenSize} (the hidden size of {path})");
        if (options.MaxLengthFor(shape.MaxPositionEmbeddings) is var max && (max < 1 || max > shape.MaxPositionEmbeddings))
            throw new ClusteringException($"--max-length {max} is outside 1..{shape.MaxPositionEmbeddings} (the most positions {path} has)");
    }

    /// <summary>
    /// A model from its parts: where it is, its shape and sentence-transformers files, and the engine that runs it
    /// (which the model then owns). Options are checked against the shape before the engine is made.
    /// </summary>
    public EmbeddingModel(string path, string modelId, ModelShape shape, SentenceTransformersConfig sentenceTransformers, EmbeddingOptions options,
        Func<IEmbeddingEngine> engine, DeviceGate? gate = null)
    {
        Gate = gate ?? new DeviceGate();
        options.Validate(); // the rules every entry point applies; what follows needs the model
        CheckAgainst(options, shape, path);
        Dimensions = options.Dimensions ?? shape.HiddenSize;
        MaxLength = options.MaxLengthFor(shape.MaxPositionEmbeddings);
        BatchTokens = options.BatchTokens;
        EffectiveBatchTokens = BatchTokens;

        Prompt = PromptTemplate.Resolve(options, sentenceTransformers, path);
        if (sentenceTransformers.Pooling == PoolingMode.Mean && !sentenceTransformers.IncludePrompt && Prompt.Length > 0)
            throw new ClusteringException($"{path}: mean pooling that excludes the prompt (include_prompt false) is not supported with a prompt");

        ModelPath = path;
        ModelId = modelId;
        Config = shape;
        _sentenceTransformers = sentenceTransformers;
        var (tokenCapacity, sequenceCapacity) = Capacity(shape, options);
        _batch = new TokenBatch(tokenCapacity, sequenceCapacity);
        _pooled = new float[sequenceCapacity * shape.HiddenSize];
        _engine = engine();
    }

    /// <summary>
    /// Opens a Qwen3 safetensors directory and loads its weights into <paramref name="ops"/> (which the model then owns). The
    /// tokenizer loads on another thread meanwhile: Qwen3's takes ~0.5 s to parse, as long as the 0.6B's weights take
    /// to reach a GPU, and both stand before the first batch of a job.
    /// </summary>
    /// <param name="gate">The gate of the device <paramref name="ops"/> runs on, when other models share it (a
    /// worker's job model and its online models); null: a gate of the model's own.</param>
    /// <param name="tokenizerPath">A tokenizer (tokenizer.json or its directory) to use instead of the model directory's
    /// own (`encode`/`serve --tokenizer`; not a job option: a job's model folder is checked whole).</param>
    public static EmbeddingModel Load(string modelDirectory, EmbeddingOptions options, IOps ops, DeviceGate? gate = null, string? tokenizerPath = null)
    {
        ModelDirectory? directory = null;
        var engineMade = false; // from then on the engine owns the directory and the ops
        try
        {
            directory = ModelDirectory.Open(modelDirectory);
            var config = directory.Config;
            var shape = new ModelShape(config.HiddenSize, config.VocabSize, config.MaxPositionEmbeddings, config.NumHiddenLayers);
            var opened = directory;
            return WithTokenizer(tokenizerPath ?? directory.TokenizerPath, () =>
                new EmbeddingModel(opened.Path, opened.ModelId, shape, opened.SentenceTransformers, options, () =>
                {
                    var (tokens, sequences) = Capacity(shape, options);
                    var engine = new Qwen3Engine(opened, ops, tokens, sequences);
                    engineMade = true;
                    return engine;
                }, gate));
        }
        catch when (!engineMade)
        {
            directory?.Dispose();
            ops.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds the model while its tokenizer (if any) loads on another thread, then gives it the tokenizer. A model error
    /// is reported first, as when the two loaded one after the other; the tokenizer's own failure, if any, is observed
    /// so that it is not rethrown later by the finalizer thread.
    /// </summary>
    public static EmbeddingModel WithTokenizer(string? tokenizerPath, Func<EmbeddingModel> build)
    {
        Task<Tokenizers.Tokenizer>? tokenizer = tokenizerPath is null ? null : Task.Run(() => Tokenizers.Tokenizer.Load(tokenizerPath));
        EmbeddingModel? model = null;
        try
        {
            model = build();
            if (tokenizer is not null) model.UseTokenizer(tokenizer.GetAwaiter().GetResult());
            return model;
        }
        catch
        {
            tokenizer?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            model?.Dispose();
            throw;
        }
    }

    /// <summary>Tokens per batch now: <see cref="BatchTokens"/>, or less once the device has run out of memory.</summary>
    public int EffectiveBatchTokens { get; private set; }

    /// <summary>Batches that ran out of device memory and were retried in halves.</summary>
    public int OutOfMemorySplits { get; private set; }

    /// <summary>The most sequences one forward pass holds (the batch buffers' capacity).</summary>
    public int MaxSequencesPerPass => _batch.SequenceCapacity;

    /// <summary>Embeds token sequences in passes cut in the order given: output (sequences.Count, <see cref="Dimensions"/>) row-major.</summary>
    public void Embed(IReadOnlyList<int[]> sequences, Span<float> output, DevicePriority priority = DevicePriority.Batch) =>
        Embed(sequences, order: null, output, priority, pooledOnly: false);

    /// <summary>
    /// Embeds a window of token sequences shortest first (<see cref="BatchPlanner.LengthOrder"/>), so each pass holds
    /// sequences of similar length; the vectors land in the order given: output (sequences.Count, <see cref="Dimensions"/>).
    /// </summary>
    public void EmbedByLength(IReadOnlyList<int[]> sequences, Span<float> output, DevicePriority priority = DevicePriority.Batch)
    {
        var lengths = new int[sequences.Count];
        for (var i = 0; i < lengths.Length; i++) lengths[i] = sequences[i].Length;
        Embed(sequences, BatchPlanner.LengthOrder(lengths), output, priority, pooledOnly: false);
    }

    /// <summary>
    /// The pooled hidden states before MRL and normalization: output (sequences.Count, hidden size) row-major. Online
    /// requests choose their own dimensions, so they apply <see cref="EmbeddingHead"/> themselves.
    /// </summary>
    public void EmbedPooled(IReadOnlyList<int[]> sequences, Span<float> output, DevicePriority priority = DevicePriority.Online) =>
        Embed(sequences, order: null, output, priority, pooledOnly: true);

    /// <summary>
    /// Runs the sequences in passes: pass position k holds sequences[order[k]] (order null: k) and its vector goes to
    /// that row of <paramref name="output"/>. The budget is looked at before each pass: it shrinks beside online work
    /// and after the device ran out of memory.
    /// </summary>
    private void Embed(IReadOnlyList<int[]> sequences, int[]? order, Span<float> output, DevicePriority priority, bool pooledOnly)
    {
        var width = pooledOnly ? Config.HiddenSize : Dimensions;
        if (output.Length < (long)sequences.Count * width)
            throw new ArgumentException($"output holds {output.Length} floats; {sequences.Count} × {width} needed", nameof(output));
        var ordered = new int[sequences.Count]; // (sequences) lengths in pass order
        for (var i = 0; i < sequences.Count; i++)
        {
            if (sequences[i].Length == 0) throw new ArgumentException($"sequence {i} is empty", nameof(sequences));
            if (sequences[i].Length > MaxLength) throw new ArgumentException($"sequence {i} has {sequences[i].Length} tokens; the max length is {MaxLength}", nameof(sequences));
            ordered[i] = sequences[order?[i] ?? i].Length;
        }
        var next = 0;
        while (next < sequences.Count)
        {
            using var pass = Gate.Enter(priority); // the batch buffers and the device are this pass's until it ends
            // A batch pass beside online work is short, so a query arriving now waits little for the device.
            var budget = priority == DevicePriority.Batch && Gate.OnlineActive ? Math.Max(1, EffectiveBatchTokens / DeviceGate.BatchShrink) : EffectiveBatchTokens;
            // Within the buffers: the token capacity is at least the budget and the max length.
            var end = BatchPlanner.PassEnd(ordered, next, budget, _batch.SequenceCapacity);
            Rebuild(sequences, order, next, end);
            Run(sequences, order, next, end, output, pooledOnly);
            next = end;
        }
    }

    /// <summary>
    /// Runs the batch built from pass positions [first, end) and writes their vectors. When the device runs out of memory
    /// the batch is retried as two halves (recursively), and later batches keep the smaller budget: a batch too big
    /// for the device is never fatal; only one sequence that does not fit alone is.
    /// </summary>
    private void Run(IReadOnlyList<int[]> sequences, int[]? order, int first, int end, Span<float> output, bool pooledOnly)
    {
        try
        {
            var count = _batch.SequenceCount;
            var hidden = Config.HiddenSize;
            if (pooledOnly && order is null)
            {
                _engine.Forward(_batch, Pooling, output.Slice(first * hidden, count * hidden));
                return;
            }
            _engine.Forward(_batch, Pooling, _pooled.AsSpan(0, count * hidden));
            for (var s = 0; s < count; s++)
            {
                var row = order?[first + s] ?? first + s;
                if (pooledOnly) _pooled.AsSpan(s * hidden, hidden).CopyTo(output.Slice(row * hidden, hidden));
                else EmbeddingHead.Apply(_pooled.AsSpan(s * hidden, hidden), Normalize, output.Slice(row * Dimensions, Dimensions));
            }
        }
        catch (Exception e) when (_engine.IsOutOfMemory(e))
        {
            if (end - first == 1)
                throw new ClusteringException($"a sequence of {sequences[order?[first] ?? first].Length} tokens does not fit in the memory of {Device} even alone", e);
            OutOfMemorySplits++;
            EffectiveBatchTokens = Math.Max(1, Math.Min(EffectiveBatchTokens, _batch.TokenCount / 2));
            var middle = first + (end - first) / 2;
            Rebuild(sequences, order, first, middle);
            Run(sequences, order, first, middle, output, pooledOnly);
            Rebuild(sequences, order, middle, end);
            Run(sequences, order, middle, end, output, pooledOnly);
        }
    }

    private void Rebuild(IReadOnlyList<int[]> sequences, int[]? order, int first, int end)
    {
        _batch.Clear();
        for (var i = first; i < end; i++) _batch.Add(sequences[order?[i] ?? i]);
    }

    /// <summary>The residual stream after the first <paramref name="layers"/> layers, (tokens, hidden): for parity tests with HF hidden_states.</summary>
    internal void HiddenStates(IReadOnlyList<int[]> sequences, int layers, Span<float> output)
    {
        _batch.Clear();
        foreach (var ids in sequences) _batch.Add(ids);
        ((Qwen3Engine)_engine).HiddenStates(_batch, layers, output);
    }

    public void Dispose() => _engine.Dispose();
}
