using Clustering.Storage;

namespace Clustering.Corpus;

/// <summary>
/// Where an <c>--input</c> argument points: a store, the string that reopens that store (<see cref="Root"/>), and a
/// key prefix inside it ("" for the whole store, "a/b.jsonl" for one object, "a/" for a folder).
/// </summary>
public sealed record BlobLocation(IBlobStore Store, string Root, string Prefix);

/// <summary>
/// Maps a URI-like argument (<c>az://container/prefix/</c>) to a store, or returns null when the scheme is not its own.
/// Contract: resolving a returned <see cref="BlobLocation.Root"/> gives the same store with an empty prefix.
/// </summary>
public delegate BlobLocation? BlobUriResolver(string argument);
