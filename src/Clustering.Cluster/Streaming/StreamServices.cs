using Clustering.Pipeline.Streaming;
using Clustering.Storage;

namespace Clustering.Cluster.Streaming;

/// <summary>
/// What stream job grains work with, given by the host that composes the silo: where the list of stream jobs lives
/// (the catalog: a folder or container every silo reaches), how output locations open, and the window writer
/// (its models are loaded on this silo's device, through the device's gate, by the host).
/// </summary>
public sealed record StreamServices
{
    /// <summary>Stream job definitions (<c>jobs/NAME.json</c>) and which job consumes each source (<c>sources/...</c>).</summary>
    public required IBlobStore Catalog { get; init; }

    public required Func<string, IBlobStore> Outputs { get; init; }

    public required StreamWindowWriter Windows { get; init; }

    /// <summary>How often a job looks at the age of its open window.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an event's text is remembered after it was journaled: the same text delivered again within it is a
    /// redelivery (at-least-once sources resend after a crash; an Azure queue after its 30 s visibility timeout) and is
    /// dropped. Committed journal objects are kept this long for that, then removed.
    /// </summary>
    public TimeSpan DedupeHorizon { get; init; } = TimeSpan.FromMinutes(10);
}
