namespace Clustering.Cluster;

/// <summary>One silo's serving state as a router sees it.</summary>
public sealed record SiloServing(Orleans.Runtime.SiloAddress Address, bool IsLocal, ServingState State);

/// <summary>
/// Where an online request for a model goes (model affinity): a silo that has it loaded (this one first, else the
/// one with the fewest tokens queued on it); else a silo that serves it and has room in its memory budget (this one
/// first, else the one with the most room); else the one that could make the most room by evicting idle models (it
/// evicts, or answers 503 when even that is not enough).
/// </summary>
public static class OnlinePlacement
{
    /// <summary>The chosen silo and whether the model is loaded there; null when no silo serves the model.</summary>
    public static (SiloServing Silo, bool Loaded)? Choose(string model, IReadOnlyList<SiloServing> silos)
    {
        SiloServing? best = null;
        foreach (var s in silos)
            if (s.State.Find(model) is { Loaded: true } m
                && (best is null || Better(s, m.QueuedTokens, best, best.State.Find(model)!.QueuedTokens)))
                best = s;
        if (best is not null) return (best, true);

        var serving = silos.Where(s => s.State.Find(model) is not null).ToList();
        if (serving.Count == 0) return null;
        var fits = serving.Where(s => s.State.FreeBytes >= s.State.Find(model)!.Bytes).ToList();
        if (fits.Count > 0)
            return (fits.Find(s => s.IsLocal) ?? fits.MaxBy(s => s.State.FreeBytes)!, false);
        var most = serving.Max(s => s.State.ReclaimableBytes);
        return (serving.Find(s => s.IsLocal && s.State.ReclaimableBytes == most) ?? serving.First(s => s.State.ReclaimableBytes == most), false);
    }

    // This silo wins (no hop); between others, fewer queued tokens.
    private static bool Better(SiloServing candidate, long candidateQueued, SiloServing best, long bestQueued) =>
        !best.IsLocal && (candidate.IsLocal || candidateQueued < bestQueued);
}
