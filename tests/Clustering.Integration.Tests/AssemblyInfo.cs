// Every test here starts several real processes on a small machine: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
