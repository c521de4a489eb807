namespace Clustering.Storage;

/// <summary>
/// A location resolved by <see cref="LocationResolver"/>: the store it lies in, the string that reopens that store
/// (<see cref="Root"/>: a local folder's absolute path, a container's URL with the SAS that opened it, a mount), and
/// the key inside it ("" for the whole store, "a/b.jsonl" for one object, "a/" for a folder).
/// </summary>
public sealed record StoreLocation(IBlobStore Store, string Root, string Key);
