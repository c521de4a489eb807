namespace Clustering.Inference;

/// <summary>
/// Linear layers loaded together by the default <see cref="IOps.LoadLinears"/> but kept apart: the group is one
/// handle for the model graph, each part one of the backend's own weights. (out = Σ out_i, in shared.)
/// </summary>
public sealed class LinearGroup : DeviceTensor
{
    public IReadOnlyList<DeviceTensor> Parts { get; }

    public LinearGroup(IReadOnlyList<DeviceTensor> parts) : base(parts.Sum(p => p.Rows), parts[0].Columns) => Parts = parts;

    public override void Dispose()
    {
        foreach (var part in Parts) part.Dispose();
    }
}
