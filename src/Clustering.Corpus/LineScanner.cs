using System.Buffers;

namespace Clustering.Corpus;

/// <summary>
/// One pass over an input counting lines (the planner's only read of the data): newlines are counted with the
/// vectorized <see cref="MemoryExtensions.Count{T}(ReadOnlySpan{T}, T)"/> over 1 MiB buffers, and the byte offset after
/// every <c>linesPerCut</c>-th line is kept, which is where the planner may cut the file into byte ranges.
/// A line is what <see cref="LineBuffer"/> calls one: each '\n' ends one, and bytes after the last '\n' make one more.
/// </summary>
internal static class LineScanner
{
    private const int BufferBytes = 1 << 20;

    /// <summary>Lines, and the offsets after lines linesPerCut, 2·linesPerCut, ...; <c>Broken</c> when a gzip stream broke off.</summary>
    public readonly record struct Result(long Lines, long[] CutOffsets, string? Broken);

    public static async Task<Result> ScanAsync(Stream stream, long linesPerCut, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            var cuts = new List<long>();
            long newlines = 0, offset = 0;
            var nextCut = linesPerCut;
            var trailing = false; // bytes after the last '\n'
            string? broken = null;
            while (true)
            {
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException e)
                {
                    broken = $"{e.Message}, after {newlines} lines"; // a whole-file failure: the planner refuses the file
                    break;
                }
                if (read == 0) break;
                var span = buffer.AsSpan(0, read);
                var count = span.Count((byte)'\n');
                if (newlines + count >= nextCut)
                {
                    // Rare path (once per cut): walk to the exact newlines.
                    var position = 0;
                    while (true)
                    {
                        var at = span[position..].IndexOf((byte)'\n');
                        if (at < 0) break;
                        position += at + 1;
                        if (++newlines == nextCut)
                        {
                            cuts.Add(offset + position);
                            nextCut += linesPerCut;
                        }
                    }
                }
                else newlines += count;
                trailing = span[^1] != (byte)'\n';
                offset += read;
            }
            return new Result(newlines + (trailing ? 1 : 0), [.. cuts], broken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
