namespace Clustering.Cli.Commands;

/// <summary>The help of --chunk-tokens and --chunk-overlap, shared by run, submit and encode.</summary>
internal static class ChunkHelp
{
    public const string Tokens = "Cut each document into windows of N tokens (prompt and end-of-text token on top), one row per window with " +
        "chunk (index from 0), char_start and char_end: Unicode code point offsets into the text, end exclusive (Python text[s:e]; " +
        "DuckDB substring(text, char_start + 1, char_end - char_start); JavaScript counts UTF-16 units, so convert). Default: one row per document.";

    public const string Overlap = "Tokens each window shares with the one before (0..N-1; default 0). Needs --chunk-tokens.";
}
