namespace Clustering.Serving;

/// <summary>How <c>embedctl serve</c> listens: addresses, token, the name clients use for the model, and the limits.</summary>
public sealed record ServeOptions
{
    public const string DefaultListen = "http://127.0.0.1:8000";

    public string Listen { get; init; } = DefaultListen;

    /// <summary>The bearer token; required when <see cref="Listen"/> reaches beyond loopback.</summary>
    public string? Token { get; init; }

    public ServingLimits Limits { get; init; } = new();
}
