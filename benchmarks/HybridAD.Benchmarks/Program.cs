using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Runs the benchmark classes of this assembly, selected with BenchmarkDotNet's own arguments, e.g.
//   dotnet run -c Release --project benchmarks/HybridAD.Benchmarks -- --filter '*RosenbrockScalar*'
// One file per workload (RosenbrockScalarBenchmarks.cs, …). BenchmarkDotNet builds a separate project per run;
// on a busy machine that build can exceed its default two minutes, hence the longer timeout.
ManualConfig config = ManualConfig.Create(DefaultConfig.Instance);
config.BuildTimeout = TimeSpan.FromMinutes(15);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
