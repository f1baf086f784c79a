using HybridAD.Cli.Commands.Bench;
using HybridAD.Core;

namespace HybridAD.Tests.Cli.Bench;

/// <summary>The scalar-code Rosenbrock workload behind <c>hybridad bench rosenbrock-scalar</c> and the
/// BenchmarkDotNet benchmarks: the oracle values, agreement of every way of differentiating it, and the
/// JSON line.</summary>
public class RosenbrockScalarBenchTests
{
    private const int N = 100_000;

    // Relative tolerances: a component of ∇f sums two or three terms, so a different summation order moves it
    // by a few ulps (1e-12 is ample); Σ∇f adds 10⁵ components and may move by ~1e-13 relative.
    private const double ComponentTol = 1e-12;
    private const double SumTol = 1e-10;

    private static void Close(double expected, double actual, double rel) =>
        Assert.True(Math.Abs(expected - actual) <= rel * Math.Abs(expected),
            $"expected {expected:R}, got {actual:R} (relative diff {Math.Abs(expected - actual) / Math.Abs(expected):E2})");

    [Fact]
    public void ReverseGradient_MatchesTheOracle()
    {
        double[] g = AD.Grad(RosenbrockScalar.F, RosenbrockScalar.Point(N));
        Close(-67.82941969615794, g[0], ComponentTol);
        Close(7.652655404025516, g[1], ComponentTol);
        Close(10.141196995881742, g[2], ComponentTol);
        Close(-8071.38005747114, g.Sum(), SumTol);
    }

    [Fact]
    public void HandGradient_MatchesTheOracleAndReverseMode()
    {
        double[] x = RosenbrockScalar.Point(N);
        double[] hand = RosenbrockScalar.HandGradient(x);
        Close(-67.82941969615794, hand[0], ComponentTol);
        Close(7.652655404025516, hand[1], ComponentTol);
        Close(10.141196995881742, hand[2], ComponentTol);
        Close(-8071.38005747114, hand.Sum(), SumTol);

        double[] reverse = AD.Grad(RosenbrockScalar.F, x);
        for (int i = 0; i < N; i++)
            Assert.True(Math.Abs(hand[i] - reverse[i]) <= 1e-12 * Math.Max(1, Math.Abs(hand[i])), $"component {i}: {hand[i]:R} vs {reverse[i]:R}");
    }

    [Fact]
    public void ForwardJvpWithOnes_IsTheGradientSum_AndScalarPrimalIsThePlainPrimal()
    {
        double[] x = RosenbrockScalar.Point(N);
        var ones = new double[N];
        Array.Fill(ones, 1.0);
        var (value, tangent) = AD.Jvp(RosenbrockScalar.F, x.ToScalars(), ones.ToScalars());
        Close(-8071.38005747114, tangent.Value, SumTol); // ∇f·1 = Σ∇f
        double primal = RosenbrockScalar.Primal(x);
        Assert.Equal(primal, value.Value); // same operations in the same order
        Assert.Equal(primal, RosenbrockScalar.F(x.ToScalars()).Value);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(1000)]
    public void RecordedOps_IsTheTapeLength(int n)
    {
        var tape = new Tape("test");
        try
        {
            Scalar[] inputs = new Scalar[n];
            tape.Inputs(RosenbrockScalar.Point(n).ToScalars(), inputs);
            RosenbrockScalar.F(inputs);
            Assert.Equal(RosenbrockScalar.RecordedOps(n), tape.Count - 1); // node 0 is the sink
        }
        finally { tape.Release(); }
    }

    [Fact]
    public void Json_IsExactlyOneObjectWithTheWorkloadFields()
    {
        var r = new RosenbrockScalarBench.Result(1000, 0.25, 0.5, 1.5, 4.0, 0.875, -80.5, [1, 2, 3]);
        Assert.Equal(
            """{"workload":"rosenbrock-scalar","n":1000,"primal_ms":0.25,"hand_grad_ms":0.5,"jvp_ms":1.5,"grad_ms":4,"bytes_per_op":0.875,"grad_sum":-80.5}""",
            RosenbrockScalarBench.ToJson(r));
    }
}
