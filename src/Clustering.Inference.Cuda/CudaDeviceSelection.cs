using System.Globalization;

namespace Clustering.Inference.Cuda;

/// <summary>
/// Parses a --device value for CUDA: "cuda" (every visible GPU), "cuda:0" or "cuda:0,2" (those ordinals).
/// Errors name the value and the position of the bad part; ordinals are checked against the devices present.
/// </summary>
public static class CudaDeviceSelection
{
    public static bool IsCuda(string device) =>
        device.Equals("cuda", StringComparison.OrdinalIgnoreCase) || device.StartsWith("cuda:", StringComparison.OrdinalIgnoreCase);

    /// <summary>The ordinals named by <paramref name="device"/>, in the order given, each once.</summary>
    public static IReadOnlyList<int> Parse(string device, int deviceCount)
    {
        if (!IsCuda(device)) throw new ClusteringException($"--device '{device}': expected 'cuda' or 'cuda:N[,N...]'");
        if (deviceCount == 0) throw new ClusteringException($"--device '{device}': no CUDA device is visible on this machine");
        if (device.Length == 4) return Enumerable.Range(0, deviceCount).ToArray();
        var ordinals = new List<int>();
        var position = 5;
        foreach (var part in device[5..].Split(','))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
                throw new ClusteringException($"--device '{device}': '{part}' at position {position} is not a device number");
            if (ordinal >= deviceCount)
                throw new ClusteringException($"--device '{device}': cuda:{ordinal} at position {position} does not exist ({deviceCount} device(s): 0..{deviceCount - 1})");
            if (ordinals.Contains(ordinal))
                throw new ClusteringException($"--device '{device}': cuda:{ordinal} at position {position} is named twice");
            ordinals.Add(ordinal);
            position += part.Length + 1;
        }
        return ordinals;
    }
}
