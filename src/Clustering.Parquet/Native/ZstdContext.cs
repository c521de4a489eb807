using System.Runtime.InteropServices;

namespace Clustering.Parquet.Native;

/// <summary>A ZSTD_CCtx, reused for every page of a file (creating one costs more than compressing a small page).</summary>
internal sealed class ZstdContext : SafeHandle
{
    public ZstdContext() : base(IntPtr.Zero, ownsHandle: true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public static ZstdContext Create()
    {
        var context = LibZstd.CreateCCtx();
        if (context.IsInvalid) throw new ClusteringException("libzstd ZSTD_createCCtx failed: out of memory.");
        return context;
    }

    /// <summary>Compresses <paramref name="source"/> into one frame; returns the bytes written.</summary>
    public unsafe int Compress(Span<byte> destination, ReadOnlySpan<byte> source, int level)
    {
        fixed (byte* d = destination)
        fixed (byte* s = source)
        {
            nuint written = LibZstd.Check(
                LibZstd.CompressCCtx(this, d, (nuint)destination.Length, s, (nuint)source.Length, level), "ZSTD_compressCCtx");
            return checked((int)written);
        }
    }

    protected override bool ReleaseHandle()
    {
        LibZstd.FreeCCtx(handle);
        return true;
    }
}
