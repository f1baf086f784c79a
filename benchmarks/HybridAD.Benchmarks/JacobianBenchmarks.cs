using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using HybridAD.Cli.Commands.Bench;

namespace HybridAD.Benchmarks;

/// <summary>
/// Jacobian of f(x) = A·tanh(B·x) (issue 4, section 5), see <see cref="TensorJacobianWorkload"/>: the primal
/// (baseline) and the Jacobian by forward mode, reverse mode and auto, at the nine (n, m) shapes. The
/// PyTorch peer's fastest strategy per shape, in the order of <see cref="Shape"/>: 0.27, 0.28, 1.45, 13.0, 0.64,
/// 0.17, 0.089, 0.53, 0.13 ms.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByParams)]
public class JacobianBenchmarks
{
    /// <summary>"n×m": inputs × outputs.</summary>
    [ParamsSource(nameof(Shapes))]
    public string Shape = "";

    /// <summary>The shapes as "n×m".</summary>
    public static IEnumerable<string> Shapes() => TensorJacobianWorkload.Shapes.Select(s => $"{s.N}x{s.M}");

    private Func<Tensor, Tensor> _f = x => x;
    private Tensor _x = Tensor.Zeros(1);

    /// <summary>Builds A, B and x for the shape.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Shape.Split('x');
        var (a, b, x) = TensorJacobianWorkload.Problem(int.Parse(parts[0]), int.Parse(parts[1]));
        _f = TensorJacobianWorkload.Function(a, b);
        _x = x;
    }

    /// <summary>f(x).</summary>
    [Benchmark(Baseline = true)]
    public Tensor Primal() => _f(_x);

    /// <summary>J by forward mode (blocks of tangent directions).</summary>
    [Benchmark]
    public Tensor Forward() => TensorAD.Jacobian(_f, _x, JacobianMode.Forward);

    /// <summary>J by reverse mode (blocks of cotangents).</summary>
    [Benchmark]
    public Tensor Reverse() => TensorAD.Jacobian(_f, _x, JacobianMode.Reverse);

    /// <summary>J with the mode chosen automatically.</summary>
    [Benchmark]
    public Tensor Auto() => TensorAD.Jacobian(_f, _x, JacobianMode.Auto);
}
