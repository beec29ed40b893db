// Each test class runs its own 3-node cluster; on a 2-core machine they must not run side by side.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
