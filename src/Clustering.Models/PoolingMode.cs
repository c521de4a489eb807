namespace Clustering.Models;

/// <summary>How token states become one vector (sentence-transformers' Pooling module).</summary>
public enum PoolingMode
{
    /// <summary>The last token's state (Qwen3-Embedding: the appended &lt;|endoftext|&gt;).</summary>
    LastToken,
    /// <summary>The mean over the sequence's tokens.</summary>
    Mean,
    /// <summary>The first token's state.</summary>
    Cls,
}
