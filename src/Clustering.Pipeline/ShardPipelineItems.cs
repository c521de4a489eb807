using Clustering.Corpus;
using Clustering.Parquet;

namespace Clustering.Pipeline;

/// <summary>
/// A document (or one window of it, when the job is chunked) after tokenization: the ids the engine embeds, whether
/// truncation cut it, and the window's place in the document.
/// </summary>
internal sealed record TokenizedDocument(Document Document, int[] Ids, bool Truncated, ChunkPosition? Chunk = null);

/// <summary>
/// One embedded window on its way to the Parquet writer: documents and their vectors, (count, dimensions) row-major
/// in a pooled array the writer returns.
/// </summary>
internal sealed record EmbeddedWindow(TokenizedDocument[] Documents, int Count, float[] Vectors);
