using System.Text.Json.Serialization;
using Clustering.Storage;

namespace Clustering.Corpus;

/// <summary>
/// One input object of a corpus. <see cref="Root"/> reopens its store (a local folder or a blob URI prefix, see
/// <see cref="InputStores"/>), <see cref="Key"/> names it there, and <see cref="Name"/> is how messages and generated
/// ids call it: the path as the user wrote it (<c>data/a.jsonl</c>), so ids do not depend on the machine.
/// Length, ETag and last-modified time are its fingerprint: a resumed job compares them to notice a changed input.
/// </summary>
public sealed record CorpusInput(
    string Name,
    string Root,
    string Key,
    InputFormat Format,
    long Length,
    string ETag,
    DateTimeOffset LastModified)
{
    /// <summary>Whether <paramref name="current"/> is still the object this input was planned from.</summary>
    public bool IsSameVersion(BlobItem current) =>
        current.Length == Length && (ETag.Length > 0 && current.ETag.Length > 0
            ? current.ETag == ETag
            : current.LastModified == LastModified);

    [JsonIgnore]
    internal string Identity => InputStores.IdentityOf(Root, Key);
}
