namespace Clustering.Serving;

/// <summary>A fixed set of models loaded in this process (<c>embedctl serve</c>'s one model).</summary>
public sealed class FixedOnlineModels(IReadOnlyList<LocalOnlineModel> models) : IOnlineModels
{
    public IReadOnlyList<string> Names() => [.. models.Select(m => m.Name)];

    public IOnlineModel? Find(string name) => models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.Ordinal));

    public IReadOnlyList<QueueSnapshot> Queues() => [.. models.Select(m => m.Queue())];
}
