namespace Clustering.Serving;

/// <summary>A fixed set of models loaded in this process (<c>embedctl serve</c>'s one model).</summary>
public sealed class FixedOnlineModels(IReadOnlyList<LocalOnlineModel> models) : IOnlineModels
{
    public Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([.. models.Select(m => m.Name)]);

    public Task<IOnlineModel?> FindAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult<IOnlineModel?>(models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.Ordinal)));

    public IReadOnlyList<QueueSnapshot> Queues() => [.. models.Select(m => m.Queue())];
}
