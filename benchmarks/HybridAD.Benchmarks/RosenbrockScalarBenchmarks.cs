using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using HybridAD.Cli.Commands.Bench;

namespace HybridAD.Benchmarks;

/// <summary>
/// Scalar-code Rosenbrock (issue 2, section 5): the user writes the loop over <see cref="Scalar"/> values,
/// f(x) = Σ 100(x_{i+1} − x_i²)² + (1 − x_i)² at x_i = 0.5 + 0.1·sin(i) (see <see cref="RosenbrockScalar"/>).
/// Two groups, each with its own baseline: "forward" (plain-double primal vs the forward JVP with v = ones) and
/// "reverse" (hand-written fused gradient vs the reverse gradient), so the Ratio column gives JVP/primal and
/// gradient/hand directly. Allocations come from the memory diagnoser; the "B/rec. op" column divides the reverse
/// gradient's allocation by the number of operations it records.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[Config(typeof(Config))]
public class RosenbrockScalarBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new BytesPerRecordedOpColumn(RecordedOps));
    }

    /// <summary>The number of inputs n.</summary>
    [Params(10, 1000, 100000)]
    public int N;

    private double[] _x = [];
    private Scalar[] _xs = [];
    private Scalar[] _ones = [];
    private readonly Func<Scalar[], Scalar> _f = RosenbrockScalar.F;

    /// <summary>Builds the point (as doubles and as constant Scalars) and the tangent v = ones.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _x = RosenbrockScalar.Point(N);
        _xs = _x.ToScalars();
        var ones = new double[N];
        Array.Fill(ones, 1.0);
        _ones = ones.ToScalars();
    }

    /// <summary>f on doubles.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("forward")]
    public double PlainPrimal() => RosenbrockScalar.Primal(_x);

    /// <summary>(f(x), ∇f(x)·v) on dual numbers.</summary>
    [Benchmark, BenchmarkCategory("forward")]
    public double ForwardJvp() => AD.Jvp(_f, _xs, _ones).Tangent.Value;

    /// <summary>∇f written by hand, one fused loop, returning a new double[].</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("reverse")]
    public double[] HandGradient() => RosenbrockScalar.HandGradient(_x);

    /// <summary>∇f by reverse mode: record the tape, one backward sweep, a new double[].</summary>
    [Benchmark, BenchmarkCategory("reverse")]
    public double[] ReverseGradient() => AD.Grad(_f, _x);

    /// <summary>Operations recorded by one <see cref="ReverseGradient"/> call (null for the other benchmarks).</summary>
    private static long? RecordedOps(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(ReverseGradient)
            ? RosenbrockScalar.RecordedOps((int)benchmarkCase.Parameters["N"])
            : null;
}
