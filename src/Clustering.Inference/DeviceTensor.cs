namespace Clustering.Inference;

/// <summary>
/// A 2-D float tensor owned by a backend (host memory on the CPU, device memory on a GPU): model code only
/// passes these handles to <see cref="IOps"/> and never reads their storage. Rows are the leading dimension;
/// activations are allocated with the batch's token capacity as rows and ops work on the live rows only.
/// </summary>
public abstract class DeviceTensor : IDisposable
{
    public int Rows { get; }
    public int Columns { get; }

    protected DeviceTensor(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        Rows = rows;
        Columns = columns;
    }

    public abstract void Dispose();

    public override string ToString() => $"{GetType().Name}({Rows}, {Columns})";
}
