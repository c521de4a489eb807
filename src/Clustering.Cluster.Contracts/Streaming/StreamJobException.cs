namespace Clustering.Cluster;

/// <summary>
/// A stream job refused a request (a bad definition, a source that is not configured, a job that does not exist), as
/// it crosses a grain call: Orleans serializes this type, not the library exceptions whose message it carries.
/// </summary>
[GenerateSerializer, Alias("clustering.stream-job-exception")]
public sealed class StreamJobException : Exception
{
    public StreamJobException(string message) : base(message)
    {
    }
}
