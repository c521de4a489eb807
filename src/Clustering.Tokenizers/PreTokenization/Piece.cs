namespace Clustering.Tokenizers.PreTokenization;

/// <summary>
/// A span of text on its way to the model: [Start, Start + Length) of <see cref="Text"/>. Pieces point into the
/// normalized text, so splitting allocates nothing. <see cref="AtOriginalStart"/> says the piece begins at offset 0 of
/// the original input (Metaspace's prepend_scheme "first" needs it). <see cref="AddedTokenId"/> is ≥ 0 for a piece
/// that is an added token and is emitted as that id, untouched by pre-tokenizers and model.
/// </summary>
internal readonly record struct Piece(string Text, int Start, int Length, bool AtOriginalStart, int AddedTokenId = -1)
{
    public ReadOnlySpan<char> Span => Text.AsSpan(Start, Length);
    public bool IsAddedToken => AddedTokenId >= 0;
}
