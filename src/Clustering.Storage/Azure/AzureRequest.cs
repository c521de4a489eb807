namespace Clustering.Storage.Azure;

/// <summary>
/// One Blob service request, described so that it can be built again for every attempt: the body is held in memory
/// (a small object or one block), never a one-shot stream.
/// </summary>
internal sealed class AzureRequest(HttpMethod method, string container, string? blob, string operation)
{
    public HttpMethod Method { get; } = method;
    public string Container { get; } = container;
    public string? Blob { get; } = blob;

    /// <summary>What is being done, for messages: "listing 'c/prefix'".</summary>
    public string Operation { get; } = operation;

    public List<KeyValuePair<string, string>> Query { get; } = [];
    public List<KeyValuePair<string, string>> Headers { get; } = [];
    public ReadOnlyMemory<byte>? Body { get; init; }
    public byte[]? BodyMd5 { get; init; }

    /// <summary>Stream the response body (downloads) instead of buffering it.</summary>
    public bool StreamResponse { get; init; }

    /// <summary>Set by the pipeline: an earlier attempt may have been applied by the service (connection lost after sending, a 500).</summary>
    public bool EarlierAttemptUncertain { get; set; }

    public AzureRequest WithQuery(string name, string value) { Query.Add(new(name, value)); return this; }
    public AzureRequest WithHeader(string name, string value) { Headers.Add(new(name, value)); return this; }
}
