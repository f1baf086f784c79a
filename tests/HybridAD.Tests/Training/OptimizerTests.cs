using System.Collections.Immutable;
using HybridAD.Training;

namespace HybridAD.Tests.Training;

/// <summary>
/// Two steps of each optimizer on θ₀ = (1, −2) with gradients g₁ = (2, −4), g₂ = (1, 0.5), against values worked
/// out by hand from the update formulas (the arithmetic is in the comments).
/// </summary>
public class OptimizerTests
{
    private static readonly double[] Theta0 = [1.0, -2.0];
    private static readonly double[] G1 = [2.0, -4.0];
    private static readonly double[] G2 = [1.0, 0.5];

    internal static void Close(double expected, double actual, double rel = 1e-14) =>
        Assert.True(Math.Abs(expected - actual) <= rel * Math.Max(1, Math.Abs(expected)),
            $"expected {expected:R}, got {actual:R} (diff {Math.Abs(expected - actual):E3})");

    private static void Close(double[] expected, ReadOnlySpan<double> actual, double rel = 1e-14)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Close(expected[i], actual[i], rel);
    }

    private static (double[] T1, OptimizerState S1, double[] T2, OptimizerState S2) TwoSteps(Optimizer opt)
    {
        var s0 = opt.Init(2);
        var (t1, s1) = opt.Step(Theta0, s0, G1);
        var (t2, s2) = opt.Step(t1, s1, G2);
        return (t1, s1, t2, s2);
    }

    [Fact]
    public void Sgd_TwoSteps_MatchHandComputation()
    {
        var (t1, s1, t2, s2) = TwoSteps(new Sgd(0.1));
        // θ₁ = θ₀ − 0.1·g₁ = (1 − 0.2, −2 + 0.4)
        Close([0.8, -1.6], t1);
        // θ₂ = θ₁ − 0.1·g₂ = (0.8 − 0.1, −1.6 − 0.05)
        Close([0.7, -1.65], t2);
        Assert.Equal(1, s1.Step);
        Assert.Equal(2, s2.Step);
        Assert.Empty(s2.Slots);
    }

    [Fact]
    public void Momentum_TwoSteps_MatchTheNotesRule()
    {
        var (t1, s1, t2, s2) = TwoSteps(new Momentum(learningRate: 0.1, alpha: 0.5));
        // ΔW(1) = −0.1·(2, −4) + 0.5·0 = (−0.2, 0.4);  W(1) = (0.8, −1.6)
        Close([-0.2, 0.4], s1.Slot("velocity").AsSpan());
        Close([0.8, -1.6], t1);
        // ΔW(2) = −0.1·(1, 0.5) + 0.5·(−0.2, 0.4) = (−0.1 − 0.1, −0.05 + 0.2) = (−0.2, 0.15)
        // W(2) = (0.8 − 0.2, −1.6 + 0.15) = (0.6, −1.45)
        Close([-0.2, 0.15], s2.Slot("velocity").AsSpan());
        Close([0.6, -1.45], t2);
        Assert.Equal(2, s2.Step);
    }

    [Fact]
    public void Momentum_WithAlphaZero_IsSgd()
    {
        var (_, _, m2, _) = TwoSteps(new Momentum(0.1, 0.0));
        var (_, _, s2, _) = TwoSteps(new Sgd(0.1));
        Close(s2, m2, 0);
    }

    [Fact]
    public void Nesterov_TwoSteps_MatchHandComputation()
    {
        var (t1, s1, t2, s2) = TwoSteps(new Nesterov(learningRate: 0.1, alpha: 0.5));
        // ΔW(1) = (−0.2, 0.4);  W(1) = W(0) + 0.5·ΔW(1) − 0.1·g₁ = (1 − 0.1 − 0.2, −2 + 0.2 + 0.4) = (0.7, −1.4)
        Close([-0.2, 0.4], s1.Slot("velocity").AsSpan());
        Close([0.7, -1.4], t1);
        // ΔW(2) = (−0.2, 0.15);  W(2) = (0.7 − 0.1 − 0.1, −1.4 + 0.075 − 0.05) = (0.5, −1.375)
        // (PyTorch's form: buf = (2, −4), then 0.5·buf + g₂ = (2, −1.5); p −= 0.1·(g₂ + 0.5·buf) — same numbers.)
        Close([-0.2, 0.15], s2.Slot("velocity").AsSpan());
        Close([0.5, -1.375], t2);
    }

    [Fact]
    public void Adam_TwoSteps_MatchHandComputation()
    {
        var (t1, s1, t2, s2) = TwoSteps(new Adam(learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8));
        // t = 1: m = 0.1·g₁ = (0.2, −0.4), v = 0.001·g₁² = (0.004, 0.016); m̂ = (2, −4), v̂ = (4, 16)
        // θ₁ = θ₀ − 0.1·m̂/(√v̂ + 1e−8) = (1 − 0.1·2/(2 + 1e−8), −2 + 0.1·4/(4 + 1e−8))
        Close([0.2, -0.4], s1.Slot("m").AsSpan());
        Close([0.004, 0.016], s1.Slot("v").AsSpan());
        Close([0.9000000005, -1.90000000025], t1);
        // t = 2: m = 0.9·(0.2, −0.4) + 0.1·(1, 0.5) = (0.28, −0.31)
        //        v = 0.999·(0.004, 0.016) + 0.001·(1, 0.25) = (0.004996, 0.016234)
        //        m̂ = m/0.19 = (1.4736842105263158, −1.6315789473684211)
        //        v̂ = v/0.001999 = (2.4992496248124062, 8.1210605302651326)
        //        θ₂ = θ₁ − 0.1·m̂/(√v̂ + 1e−8)   (40-digit decimal arithmetic:)
        Close([0.28, -0.31], s2.Slot("m").AsSpan());
        Close([0.004996, 0.016234], s2.Slot("v").AsSpan());
        Close([0.80678203720850975870, -1.8427465428780479905], t2);
        Assert.Equal(2, s2.Step);
    }

    [Fact]
    public void Step_IsPure_InputsUntouched()
    {
        var opt = new Momentum(0.1, 0.5);
        double[] theta = [1.0, -2.0];
        double[] grad = [2.0, -4.0];
        var s0 = opt.Init(2);
        var (t1, s1) = opt.Step(theta, s0, grad);
        Assert.Equal([1.0, -2.0], theta);
        Assert.Equal([2.0, -4.0], grad);
        Assert.Equal(0, s0.Step);
        Assert.Equal([0.0, 0.0], s0.Slot("velocity").ToArray());
        // Same inputs, same outputs.
        var (t1b, s1b) = opt.Step(theta, s0, grad);
        Assert.Equal(t1, t1b);
        Assert.Equal(s1.Slot("velocity").ToArray(), s1b.Slot("velocity").ToArray());
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("nesterov")]
    [InlineData("adam")]
    public void Update_InPlace_EqualsPureStep_BitForBit(string name)
    {
        Optimizer opt = name switch
        {
            "sgd" => new Sgd(0.05),
            "momentum" => new Momentum(0.05, 0.9),
            "nesterov" => new Nesterov(0.05, 0.9),
            _ => new Adam(0.01),
        };
        // 37 parameters: exercises the SIMD body and the scalar tail.
        var rng = new Prng(5);
        var theta = new double[37];
        for (int i = 0; i < theta.Length; i++) theta[i] = rng.NextNormal();
        var pure = theta.ToArray();
        var state = opt.Init(theta.Length);
        var buffers = OptimizerBuffers.From(state);
        for (int step = 0; step < 5; step++)
        {
            var g = new double[theta.Length];
            for (int i = 0; i < g.Length; i++) g[i] = rng.NextNormal();
            (pure, state) = opt.Step(pure, state, g);
            opt.Update(theta, buffers, g);
        }
        Assert.Equal(pure, theta);
        Assert.Equal(5, buffers.Step);
        var snap = buffers.ToState();
        for (int k = 0; k < snap.Slots.Length; k++)
            Assert.Equal(state.Slots[k].Values.ToArray(), snap.Slots[k].Values.ToArray());
    }

    [Fact]
    public void Adam_SimdBodyMatchesScalarFormula()
    {
        // 16 parameters all equal: every lane (SIMD body and tail) must give the scalar formula's value.
        var opt = new Adam(0.1);
        var theta = Enumerable.Repeat(1.0, 16).ToArray();
        var (t1, _) = opt.Step(theta, opt.Init(16), Enumerable.Repeat(2.0, 16).ToArray());
        foreach (double v in t1) Close(0.9000000005, v);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Momentum_RejectsAlphaOutsideZeroToOne(double alpha)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Momentum(0.1, alpha));
        Assert.Contains("0 ≤ α < 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Nesterov(0.1, alpha));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Momentum(0.1, 0.5) with { Alpha = alpha });
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    public void RejectsNonPositiveLearningRate(double eta)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(eta));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(eta));
    }

    [Fact]
    public void Step_RejectsMismatchedLengths_NamingBoth()
    {
        var opt = new Sgd(0.1);
        var s = opt.Init(3);
        var e = Assert.Throws<ArgumentException>(() => opt.Step([1.0, 2.0, 3.0], s, [1.0, 2.0]));
        Assert.Contains("gradient has length 2; expected 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => opt.Step([1.0, 2.0], s, [1.0, 2.0]));
        Assert.Contains("length 2; the optimizer state was created for 3", e.Message);
    }

    [Fact]
    public void Step_RejectsStateOfAnotherOptimizer()
    {
        var e = Assert.Throws<ArgumentException>(() => new Sgd(0.1).Step([1.0], new Adam().Init(1), [1.0]));
        Assert.Contains("belongs to 'adam'", e.Message);
    }

    [Fact]
    public void Step_RejectsNonFiniteGradient_NamingTheIndex()
    {
        var opt = new Momentum(0.1, 0.9);
        var e = Assert.Throws<ArgumentException>(() => opt.Step([1.0, 2.0, 3.0], opt.Init(3), [0.0, double.NaN, 1.0]));
        Assert.Contains("gradient entry 1 is NaN", e.Message);
        // A finite gradient whose sum overflows is fine.
        var (t, _) = new Sgd(1e-300).Step([0.0, 0.0], new Sgd(1e-300).Init(2), [double.MaxValue, double.MaxValue]);
        Close(-double.MaxValue * 1e-300, t[0]);
    }

    [Fact]
    public void Create_RoundTripsNameAndHyperParameters()
    {
        Optimizer[] all = [new Sgd(0.3), new Momentum(0.05, 0.9), new Nesterov(0.01, 0.8), new Adam(0.002, 0.8, 0.99, 1e-7)];
        foreach (var opt in all)
        {
            var again = Optimizer.Create(opt.Name, opt.HyperParameters.ToDictionary());
            Assert.Equal(opt, again);
        }
        var e = Assert.Throws<ArgumentException>(() => Optimizer.Create("rmsprop", new Dictionary<string, double>()));
        Assert.Contains("expected one of sgd, momentum, nesterov, adam", e.Message);
        e = Assert.Throws<ArgumentException>(() => Optimizer.Create("momentum", new Dictionary<string, double> { ["learning_rate"] = 0.1 }));
        Assert.Contains("needs the hyper-parameter 'alpha'", e.Message);
    }
}
