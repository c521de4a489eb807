using System.Runtime.InteropServices;

namespace Clustering.Parquet.Native;

/// <summary>
/// The few libzstd entry points the writer needs (zstd.h, stable API since 1.3). The library is found by its
/// soname, as the distribution installs it (Debian/Ubuntu: libzstd1). Availability is probed once, so a
/// machine without it gets one clear message at writer creation instead of a DllNotFoundException mid-file.
/// </summary>
internal static partial class LibZstd
{
    public const string LibraryName = "libzstd.so.1";

    private static readonly Lazy<string?> ProbeError = new(() => Probe(LibraryName));

    /// <summary>Throws a <see cref="ClusteringException"/> that says what to install when libzstd cannot be loaded.</summary>
    public static void EnsureAvailable()
    {
        if (ProbeError.Value is { } error) throw new ClusteringException(error);
    }

    /// <summary>Null when <paramref name="libraryName"/> loads and exports what we call; otherwise the message to show.</summary>
    internal static string? Probe(string libraryName)
    {
        if (!NativeLibrary.TryLoad(libraryName, typeof(LibZstd).Assembly, null, out var handle))
        {
            return $"ZSTD compression needs libzstd ({libraryName}), which could not be loaded on this machine. " +
                   "Install it (Debian/Ubuntu: apt-get install libzstd1; RHEL/Fedora: dnf install libzstd) " +
                   "or choose another codec (--compression snappy|gzip|none).";
        }
        try
        {
            foreach (var symbol in new[] { "ZSTD_compressCCtx", "ZSTD_createCCtx", "ZSTD_freeCCtx", "ZSTD_compressBound", "ZSTD_isError", "ZSTD_getErrorName" })
            {
                if (!NativeLibrary.TryGetExport(handle, symbol, out _))
                {
                    return $"ZSTD compression needs libzstd ({libraryName}), but the library found does not export {symbol}; " +
                           "install libzstd 1.3 or newer or choose another codec (--compression snappy|gzip|none).";
                }
            }
            return null;
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
    }

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_createCCtx")]
    internal static partial ZstdContext CreateCCtx();

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_freeCCtx")]
    internal static partial nuint FreeCCtx(IntPtr context);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_compressCCtx")]
    internal static unsafe partial nuint CompressCCtx(ZstdContext context, byte* destination, nuint destinationCapacity, byte* source, nuint sourceSize, int level);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_compressBound")]
    internal static partial nuint CompressBound(nuint sourceSize);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_isError")]
    internal static partial uint IsError(nuint code);

    [LibraryImport(LibraryName, EntryPoint = "ZSTD_getErrorName")]
    internal static partial IntPtr GetErrorName(nuint code);

    /// <summary>Every size_t result goes through here: libzstd encodes errors as huge sizes.</summary>
    internal static nuint Check(nuint result, string call)
    {
        if (IsError(result) != 0)
        {
            string name = Marshal.PtrToStringUTF8(GetErrorName(result)) ?? "unknown error";
            throw new ClusteringException($"libzstd {call} failed: {name}.");
        }
        return result;
    }
}
