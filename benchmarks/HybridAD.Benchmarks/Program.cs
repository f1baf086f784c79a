using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using HybridAD.Benchmarks;

// Runs the benchmark classes of this assembly, selected with BenchmarkDotNet's own arguments, e.g.
//   dotnet run -c Release --project benchmarks/HybridAD.Benchmarks -- --filter '*RosenbrockScalar*'
// One file per workload (RosenbrockScalarBenchmarks.cs, GemmBenchmarks.cs, …). BenchmarkDotNet builds a separate
// project per run; on a busy machine that build can exceed its default two minutes, hence the longer timeout.
// `-- gemm-vs-openblas [sizes]` runs the quick alternating GEMM comparison against OpenBLAS instead.
if (args.Length > 0 && args[0] == "gemm-vs-openblas")
{
    GemmVersusOpenBlas.Run(args[1..]);
    return;
}
ManualConfig config = ManualConfig.Create(DefaultConfig.Instance);
config.BuildTimeout = TimeSpan.FromMinutes(15);
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args, config);
