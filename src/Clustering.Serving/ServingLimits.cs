namespace Clustering.Serving;

/// <summary>
/// What one server accepts and how it batches: the per-request limits (OpenAI's 2,048 inputs and 300,000 tokens),
/// the body size, the bounded queue, the collection window. Validated once at start, naming the option.
/// </summary>
public sealed record ServingLimits
{
    /// <summary>Inputs per request (OpenAI's limit).</summary>
    public int MaxInputs { get; init; } = 2048;

    /// <summary>Tokens of all inputs of one request together (OpenAI's limit).</summary>
    public int MaxRequestTokens { get; init; } = 300_000;

    /// <summary>Request body bytes; larger bodies get 413.</summary>
    public long MaxRequestBytes { get; init; } = 16L << 20;

    /// <summary>
    /// Tokens waiting for the device, all requests together. A request that does not fit gets 429 with Retry-After
    /// (an empty queue takes any request within the per-request limits), so overload never grows an unbounded queue.
    /// </summary>
    public int MaxQueuedTokens { get; init; } = 262_144;

    /// <summary>
    /// How long the batcher waits for more requests once one is queued, when less than a forward pass is waiting.
    /// Zero: batches form from whatever queued while the device was busy (the lowest latency for a lone request).
    /// </summary>
    public TimeSpan BatchWindow { get; init; } = TimeSpan.Zero;

    /// <summary>Forward passes' worth of queued inputs taken at once, sorted by length and run shortest first.</summary>
    public int PassesPerRound { get; init; } = 4;

    /// <summary>Default of a request's <c>truncate</c>: false refuses an input longer than the max length with 400.</summary>
    public bool Truncate { get; init; }

    public void Validate()
    {
        if (MaxInputs < 1) throw new ClusteringException($"--max-inputs {MaxInputs} must be at least 1");
        if (MaxRequestTokens < 1) throw new ClusteringException($"--max-request-tokens {MaxRequestTokens} must be at least 1");
        if (MaxRequestBytes < 1024) throw new ClusteringException($"--max-request-bytes {MaxRequestBytes} must be at least 1024");
        if (MaxQueuedTokens < 1) throw new ClusteringException($"--max-queued-tokens {MaxQueuedTokens} must be at least 1");
        if (BatchWindow < TimeSpan.Zero || BatchWindow > TimeSpan.FromMilliseconds(100))
            throw new ClusteringException($"--batch-window-ms {BatchWindow.TotalMilliseconds} must be within 0..100");
        if (PassesPerRound < 1) throw new ClusteringException($"passes per round {PassesPerRound} must be at least 1");
    }
}
