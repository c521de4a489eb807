namespace Clustering.Storage;

/// <summary>A read of an object that does not exist. The message names the store and the key.</summary>
public sealed class BlobNotFoundException(string store, string key)
    : ClusteringException($"{store}: no object '{key}'")
{
    public string Key { get; } = key;
}
