using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using HybridAD.Kernels;

namespace HybridAD.Benchmarks;

/// <summary>
/// Square double GEMM C = A·B (β = 0) at n = 64 … 2048: HybridAD's <see cref="Gemm.Multiply"/> against OpenBLAS's
/// cblas_dgemm in the same run (OpenBLAS is the baseline, so Ratio = HybridAD time / OpenBLAS time; the target
/// ≥ 0.75× OpenBLAS's speed means Ratio ≤ 1.33). The GFLOP/s column is 2n³ / mean time.
/// Run: <c>dotnet run -c Release --project benchmarks/HybridAD.Benchmarks -- --filter '*GemmBenchmarks*'</c>.
/// </summary>
[Config(typeof(GemmBenchmarkConfig))]
public class GemmBenchmarks
{
    private double[] _a = [], _b = [], _c = [];

    /// <summary>Matrix size (n×n · n×n).</summary>
    [Params(64, 256, 512, 1024, 2048)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _a = new double[N * N];
        _b = new double[N * N];
        _c = new double[N * N];
        for (int i = 0; i < _a.Length; i++)
        {
            _a[i] = Math.Sin(0.37 * i) + 0.25;
            _b[i] = Math.Cos(0.11 * i) - 0.5;
        }
        Console.WriteLine($"// GEMM kernel: {Gemm.BestKernel}, {Environment.ProcessorCount} cores; OpenBLAS: {OpenBlas.Config}");
    }

    [Benchmark]
    public void HybridAD() => Gemm.Multiply(false, false, N, N, N, 1.0, _a, N, _b, N, 0.0, _c, N);

    [Benchmark(Baseline = true)]
    public void OpenBLAS()
    {
        if (!OpenBlas.IsAvailable)
            throw new InvalidOperationException("libopenblas.so.0 not found: apt-get install libopenblas0-pthread to run the comparison.");
        OpenBlas.Dgemm(false, false, N, N, N, 1.0, _a, N, _b, N, 0.0, _c, N);
    }
}

/// <summary>Adds the GFLOP/s column (2n³ / mean) to the default configuration.</summary>
public sealed class GemmBenchmarkConfig : ManualConfig
{
    public GemmBenchmarkConfig()
    {
        AddColumn(new GflopsColumn());
    }
}

/// <summary>Throughput of a square GEMM benchmark: 2·N³ floating-point operations / mean time, in GFLOP/s.</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "2·N³ / mean time (billions of floating-point operations per second)";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (stats is null || benchmarkCase.Parameters["N"] is not int n) return "NA";
        return (2.0 * n * n * (double)n / stats.Mean).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }
}
