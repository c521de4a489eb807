using Clustering.Models;

namespace Clustering.Inference;

/// <summary>
/// Linear layers loaded together by the default <see cref="IOps.LoadLinears"/> but kept apart: the group is one
/// handle for the model graph, each part one of the backend's own weights. (out = Σ out_i, in shared.)
/// </summary>
public sealed class LinearGroup : DeviceTensor
{
    public IReadOnlyList<DeviceTensor> Parts { get; }

    public LinearGroup(IReadOnlyList<DeviceTensor> parts) : base(parts.Sum(p => p.Rows), parts[0].Columns) => Parts = parts;

    /// <summary>Loads each weight with <paramref name="load"/>; if one fails, the parts already loaded are freed.</summary>
    public static LinearGroup LoadEach(IReadOnlyList<TensorView> weights, Func<TensorView, DeviceTensor> load)
    {
        var parts = new List<DeviceTensor>(weights.Count);
        try
        {
            foreach (var weight in weights) parts.Add(load(weight));
        }
        catch
        {
            foreach (var part in parts) part.Dispose();
            throw;
        }
        return new LinearGroup(parts);
    }

    public override void Dispose()
    {
        foreach (var part in Parts) part.Dispose();
    }
}
