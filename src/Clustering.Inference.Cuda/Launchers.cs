namespace Clustering.Inference.Cuda;

/// <summary>Argument checks shared by the launchers: a wrong shape is refused on the host, never read out of bounds.</summary>
internal static class LaunchChecks
{
    public static void Positive(int value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1");
    }

    public static void Stride(int stride, int width, string name)
    {
        if (stride < width) throw new ArgumentOutOfRangeException(name, stride, $"{name} ({stride}) is narrower than the row ({width})");
    }

    public static uint Blocks(long work, int perBlock) => (uint)Math.Min((work + perBlock - 1) / perBlock, 65535L * 16);
}
