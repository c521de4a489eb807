using Clustering.Corpus;

namespace Clustering.Pipeline;

/// <summary>A document after tokenization: the ids the engine embeds and whether truncation cut it.</summary>
internal sealed record TokenizedDocument(Document Document, int[] Ids, bool Truncated);

/// <summary>
/// One embedded window on its way to the Parquet writer: documents and their vectors, (count, dimensions) row-major
/// in a pooled array the writer returns.
/// </summary>
internal sealed record EmbeddedWindow(TokenizedDocument[] Documents, int Count, float[] Vectors);
