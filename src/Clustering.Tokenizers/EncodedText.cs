namespace Clustering.Tokenizers;

/// <summary>The ids of one text, and whether truncation cut its content.</summary>
public readonly record struct EncodedText(int[] Ids, bool Truncated);
