using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using HybridAD.Cli.Commands.Bench;

namespace HybridAD.Benchmarks;

/// <summary>
/// Vectorized Rosenbrock over tensors (issue 4, section 5), see <see cref="TensorRosenbrock"/>. Two groups, each
/// with its own baseline, so the Ratio column reads directly against the targets: "primal" (tensor primal vs its
/// gradient and JVP: grad ≤ 3×, jvp ≤ 2×) and "hand" (the hand-written fused C# gradient vs the tensor gradient:
/// ≤ 1.2× at n = 10⁵).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TensorRosenbrockBenchmarks
{
    /// <summary>The number of inputs n.</summary>
    [Params(10, 1000, 100000, 1000000)]
    public int N;

    private Tensor _x = Tensor.Zeros(1);
    private Tensor _ones = Tensor.Zeros(1);
    private double[] _xd = [];

    /// <summary>The point and the tangent v = ones.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _x = TensorRosenbrock.Point(N);
        _xd = _x.ToArray();
        _ones = Tensor.Ones(N);
    }

    /// <summary>f on constant tensors.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("primal")]
    public double Primal() => TensorRosenbrock.F(_x).Value;

    /// <summary>∇f by reverse mode.</summary>
    [Benchmark, BenchmarkCategory("primal")]
    public Tensor Grad() => TensorAD.Grad(TensorRosenbrock.F, _x);

    /// <summary>∇f·v by forward mode, v = ones.</summary>
    [Benchmark, BenchmarkCategory("primal")]
    public Scalar Jvp() => TensorAD.Jvp(TensorRosenbrock.F, _x, _ones).Tangent;

    /// <summary>The hand-written fused gradient (one scalar loop).</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("hand")]
    public double[] HandGradient() => TensorRosenbrock.HandGradient(_xd);

    /// <summary>∇f by reverse mode, against the hand-written gradient.</summary>
    [Benchmark, BenchmarkCategory("hand")]
    public Tensor GradVsHand() => TensorAD.Grad(TensorRosenbrock.F, _x);
}
