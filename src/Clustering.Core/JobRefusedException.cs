namespace Clustering;

/// <summary>
/// A job refused before any work was done (a bad model folder, an input that cannot be planned): entry points exit
/// with 2 (bad arguments or inputs), not 1 (a job that ran and failed). The message is the refusal's own.
/// </summary>
public sealed class JobRefusedException(ClusteringException refusal) : ClusteringException(refusal.Message, refusal);
