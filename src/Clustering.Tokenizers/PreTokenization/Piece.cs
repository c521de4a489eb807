namespace Clustering.Tokenizers.PreTokenization;

/// <summary>
/// A span of text on its way to the model: [Start, Start + Length) of <see cref="Text"/>. Pieces point into the
/// normalized text, so splitting allocates nothing. <see cref="Lead"/> is how many of its first characters Hugging Face
/// aligns to offset 0 of the original input (normalization can turn the first character into several, e.g. ½ → 1⁄2, or
/// strip it); Metaspace's prepend_scheme "first" prepends only to pieces that start there. <see cref="AddedTokenId"/> is ≥ 0 for a piece
/// that is an added token and is emitted as that id, untouched by pre-tokenizers and model.
/// </summary>
internal readonly record struct Piece(string Text, int Start, int Length, int Lead, int AddedTokenId = -1)
{
    public bool AtOriginalStart => Lead > 0;

    /// <summary>The piece [offset, offset + length) of this one, its lead clipped.</summary>
    public Piece Sub(int offset, int length) => new(Text, Start + offset, length, Math.Clamp(Lead - offset, 0, length));

    public ReadOnlySpan<char> Span => Text.AsSpan(Start, Length);
    public bool IsAddedToken => AddedTokenId >= 0;
}
