using BenchmarkDotNet.Running;

// Micro benchmarks of the hot path. Run all: dotnet run -c Release --project bench/OpenTracy.Bench.Micro -- --filter '*'
// Shorter: add `--job short`. Allocation columns come from the MemoryDiagnoser on every class.
BenchmarkSwitcher.FromAssembly(typeof(OpenTracy.Bench.Micro.Samples).Assembly).Run(args);
