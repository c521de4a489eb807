// One class at a time: each loads a real model and starts node peers; in parallel they only fight for the cores.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
