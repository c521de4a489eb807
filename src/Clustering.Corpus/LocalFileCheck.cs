using Clustering.Corpus.Native;

namespace Clustering.Corpus;

/// <summary>
/// Why a local input cannot be read as a file, in words, before anything opens it: a dangling or looping symbolic
/// link, a FIFO, socket or device (a FIFO would block the reader; all of them read as 0-byte files), or no permission
/// to read. Null when it is a regular, readable file.
/// </summary>
public static class LocalFileCheck
{
    public static string? Problem(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is { } target)
        {
            FileSystemInfo? final;
            try
            {
                final = info.ResolveLinkTarget(returnFinalTarget: true);
            }
            catch (IOException e)
            {
                return $"a symbolic link that cannot be followed (to {target}): {e.Message}";
            }
            if (final is null || !final.Exists) return $"a dangling symbolic link (to {target}, which does not exist)";
        }
        else if (!info.Exists)
        {
            return "no such file";
        }
        var type = Posix.FileType(path);
        if (type is not null and not Posix.RegularFile)
            return "not a regular file (" + type switch
            {
                Posix.Fifo => "a FIFO",
                Posix.Socket => "a socket",
                Posix.CharacterDevice or Posix.BlockDevice => "a device",
                _ => "a special file",
            } + ")";
        try
        {
            using var _ = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be read: {e.Message}";
        }
        return null;
    }
}
