using BenchmarkDotNet.Attributes;
using HybridAD.Cli.Commands.Bench;

namespace HybridAD.Benchmarks;

/// <summary>
/// Second order on the vectorized Rosenbrock function (issue 4, section 5): the dense Hessian at n = 1000 (target
/// ≤ 5 ms; PyTorch 11.9–13.1 ms) and the Hessian-vector product with v = ones (target ≤ 5× the primal at
/// n = 10⁶), with the primal as the baseline.
/// </summary>
[MemoryDiagnoser]
public class HessianBenchmarks
{
    /// <summary>The number of inputs n (the dense Hessian only at n ≤ 4000).</summary>
    [Params(1000, 1000000)]
    public int N;

    private Tensor _x = Tensor.Zeros(1);
    private Tensor _ones = Tensor.Zeros(1);

    /// <summary>The point and v = ones.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _x = TensorRosenbrock.Point(N);
        _ones = Tensor.Ones(N);
    }

    /// <summary>f on constant tensors.</summary>
    [Benchmark(Baseline = true)]
    public double Primal() => TensorRosenbrock.F(_x).Value;

    /// <summary>H·v (forward-over-reverse).</summary>
    [Benchmark]
    public Tensor Hvp() => TensorAD.Hvp(TensorRosenbrock.F, _x, _ones);

    /// <summary>The dense n×n Hessian (reverse-over-reverse, blocks of rows); skipped above n = 4000.</summary>
    [Benchmark]
    public Tensor? Hessian() => N <= 4000 ? TensorAD.Hessian(TensorRosenbrock.F, _x) : null;
}
