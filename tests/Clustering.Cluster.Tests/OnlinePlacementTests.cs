using System.Net;
using Orleans.Runtime;

namespace Clustering.Cluster.Tests;

/// <summary>
/// Where an online request goes (<see cref="OnlinePlacement"/>): the silo with the model loaded, this silo first;
/// else one with room in its budget; else the one that can free the most by evicting idle models; nowhere when no
/// silo serves the name.
/// </summary>
public sealed class OnlinePlacementTests
{
    private const long Mib = 1024 * 1024;

    [Fact]
    public void A_silo_that_has_the_model_loaded_wins_over_room_elsewhere()
    {
        var here = Silo("here", local: true, budget: 100 * Mib, Model("m", 10 * Mib, loaded: false));
        var there = Silo("there", local: false, budget: 2 * Mib, Model("m", 10 * Mib, loaded: true));
        Assert.Equal(("there", true), Pick("m", here, there));
    }

    [Fact]
    public void Among_loaded_silos_this_one_goes_first_then_the_one_with_the_fewest_tokens_queued()
    {
        var busy = Silo("busy", local: false, budget: 0, Model("m", 1, loaded: true, queued: 5000));
        var quiet = Silo("quiet", local: false, budget: 0, Model("m", 1, loaded: true, queued: 10));
        var here = Silo("here", local: true, budget: 0, Model("m", 1, loaded: true, queued: 99999));
        Assert.Equal(("quiet", true), Pick("m", busy, quiet));
        Assert.Equal(("here", true), Pick("m", busy, quiet, here));
    }

    [Fact]
    public void Loaded_nowhere_it_goes_to_this_silo_when_it_has_room_else_to_the_silo_with_the_most_room()
    {
        var small = Silo("small", local: false, budget: 12 * Mib, Model("m", 10 * Mib, loaded: false));
        var large = Silo("large", local: false, budget: 50 * Mib, Model("m", 10 * Mib, loaded: false));
        var hereFull = Silo("here", local: true, budget: 5 * Mib, Model("m", 10 * Mib, loaded: false));
        var hereRoomy = Silo("here", local: true, budget: 11 * Mib, Model("m", 10 * Mib, loaded: false));
        Assert.Equal(("large", false), Pick("m", hereFull, small, large));
        Assert.Equal(("here", false), Pick("m", hereRoomy, small, large));
        Assert.Equal(("here", false), Pick("m", Silo("here", local: true, budget: 0, Model("m", 10 * Mib, loaded: false)), large)); // no budget: room
    }

    [Fact]
    public void With_no_room_anywhere_it_goes_where_evicting_idle_models_frees_the_most()
    {
        // "busy" holds a model in use (not evictable); "idle" holds one nobody uses.
        var busy = Silo("busy", local: true, budget: 12 * Mib, Model("m", 10 * Mib, loaded: false), Model("x", 10 * Mib, loaded: true, evictable: false));
        var idle = Silo("idle", local: false, budget: 12 * Mib, Model("m", 10 * Mib, loaded: false), Model("y", 10 * Mib, loaded: true, evictable: true));
        Assert.Equal(("idle", false), Pick("m", busy, idle));
    }

    [Fact]
    public void A_name_no_silo_serves_goes_nowhere_and_silos_without_it_are_never_chosen()
    {
        var other = Silo("other", local: true, budget: 0, Model("x", 1, loaded: true));
        var serving = Silo("serving", local: false, budget: 1, Model("m", 10 * Mib, loaded: false));
        Assert.Null(OnlinePlacement.Choose("m", [other]));
        Assert.Equal(("serving", false), Pick("m", other, serving));
    }

    private static (string, bool) Pick(string model, params SiloServing[] silos)
    {
        var choice = OnlinePlacement.Choose(model, silos) ?? throw new InvalidOperationException("no silo chosen");
        return (choice.Silo.State.SiloName, choice.Loaded);
    }

    private static int _port = 11000;

    private static SiloServing Silo(string name, bool local, long budget, params ServedModel[] models)
    {
        var used = models.Where(m => m.Loaded).Sum(m => m.Bytes);
        return new SiloServing(SiloAddress.New(IPAddress.Loopback, Interlocked.Increment(ref _port), 1), local, new ServingState(name, models, budget, used));
    }

    private static ServedModel Model(string name, long bytes, bool loaded, long queued = 0, bool evictable = true) =>
        new(name, bytes, loaded, loaded && evictable, queued);
}
