namespace Clustering.Coordination;

/// <summary>The store cannot be reached or refused the connection (after one retry). The message names the store without its password.</summary>
public sealed class ClusterStoreUnavailableException : ClusteringException
{
    public ClusterStoreUnavailableException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A store address that cannot be understood. The message shows the address with any password masked.</summary>
public sealed class StoreAddressException : ClusteringException
{
    public StoreAddressException(string message) : base(message) { }
}
