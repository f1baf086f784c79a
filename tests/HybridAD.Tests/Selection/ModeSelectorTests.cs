using HybridAD.Cli.Commands.Compare;
using HybridAD.Selection;
using static HybridAD.Scalar;

namespace HybridAD.Tests.Selection;

/// <summary>The Jacobian mode selector: its two guaranteed cases, the cost model's arithmetic, Explain, and Auto's results.</summary>
public class ModeSelectorTests
{
    /// <summary>Calibrations under which one mode looks absurdly expensive: the guaranteed cases must not care.</summary>
    private static readonly CostCalibration ReverseIsTerrible = CostCalibration.Reference with { NsPerRecordedNode = 1e9, NsPerAdjointUnit = 1e9, NsPerSkippedNode = 1e9 };
    private static readonly CostCalibration ForwardIsTerrible = CostCalibration.Reference with { NsPerTangentUnit = 1e9, NsPerForwardSweep = 1e12 };

    private static Func<Scalar[], Scalar[]> Scalarish(Func<Scalar[], Scalar> f) => x => [f(x)];

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(200)]
    public void ScalarValued_AlwaysReverse(int n)
    {
        Func<Scalar[], Scalar> sumOfSquares = x =>
        {
            Scalar s = 0;
            foreach (Scalar v in x) s += Square(v);
            return s;
        };
        Func<Scalar[], Scalar> product = x =>
        {
            Scalar p = 1;
            foreach (Scalar v in x) p *= Sin(v) + 2;
            return p;
        };
        double[] x0 = [.. Enumerable.Range(0, n).Select(i => 0.1 * i - 0.3)];
        foreach (var f in new[] { Scalarish(sumOfSquares), Scalarish(product) })
        {
            Assert.Equal(JacobianMode.Reverse, ModeSelector.Choose(f, x0.ToScalars()));
            FunctionProfile p = FunctionProfile.Record(f, x0);
            foreach (CostCalibration c in new[] { CostCalibration.Reference, ReverseIsTerrible, ForwardIsTerrible })
            {
                ModeDecision d = ModeSelector.Decide(p, c);
                Assert.Equal(JacobianMode.Reverse, d.Mode);
                Assert.Contains("scalar-valued", d.Reason);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(40)]
    [InlineData(1000)]
    public void SingleInput_AlwaysForward(int m)
    {
        Func<Scalar[], Scalar[]> f = x => [.. Enumerable.Range(0, m).Select(k => Sin(x[0] * (k + 1)) + k)];
        Assert.Equal(JacobianMode.Forward, ModeSelector.Choose(f, [0.3]));
        FunctionProfile p = FunctionProfile.Record(f, [0.3]);
        foreach (CostCalibration c in new[] { CostCalibration.Reference, ReverseIsTerrible, ForwardIsTerrible })
        {
            ModeDecision d = ModeSelector.Decide(p, c);
            Assert.Equal(JacobianMode.Forward, d.Mode);
            Assert.Contains("one input", d.Reason);
        }
    }

    [Fact]
    public void SingleInput_DecidesWithoutEvaluatingF()
    {
        int calls = 0;
        Func<Scalar[], Scalar[]> f = x => { calls++; return [x[0], 2 * x[0]]; };
        Assert.Equal(JacobianMode.Forward, ModeSelector.Choose(f, [1.0]));
        Assert.Equal(0, calls);
    }

    [Fact]
    public void Profile_IsRecordedOncePerDelegateAndInputLength()
    {
        int calls = 0;
        Func<Scalar[], Scalar[]> f = x => { calls++; return [x[0] * x[1], x[0] + x[1], Sin(x[1])]; };
        ModeSelector.Choose(f, [1.0, 2.0]);
        ModeSelector.Choose(f, [3.0, 4.0]);
        Assert.Equal(1, calls);
        ModeSelector.Choose(f, [1.0, 2.0, 3.0]); // another input length: another profile
        Assert.Equal(2, calls);
    }

    [Fact]
    public void Profile_CountsOpsByRule_WorkAndTape()
    {
        FunctionProfile p = FunctionProfile.Record(x => [x[0] * x[1] + Sin(x[0]), Tanh(x[1])], [0.5, 0.25]);
        Assert.Equal((2, 2), (p.InputCount, p.OutputCount));
        Assert.Equal(2 + 4, p.RecordedNodes); // two inputs, *, sin, +, tanh
        var counts = p.Rules.ToDictionary(r => r.Rule, r => r.Count);
        Assert.Equal(new Dictionary<string, long> { ["*"] = 1, ["sin"] = 1, ["+"] = 1, ["tanh"] = 1 }, counts);
        double primal = CostWeights.Of("*").Primal + CostWeights.Of("sin").Primal + CostWeights.Of("+").Primal + CostWeights.Of("tanh").Primal;
        Assert.Equal(primal, p.PrimalWork, 12);
        Assert.Equal(p.RecordedNodes * 24, p.TapeBytes);
        // The two inputs are nodes too: the sweep visits them, one adjoint unit each.
        Assert.Equal(4 * 1.0 + 2, p.AdjointWork, 12);
    }

    [Fact]
    public void Profile_SamplesDependencyCones()
    {
        // Each output depends on one input: a sweep touches 2 of the 4 nodes, in either direction.
        FunctionProfile separate = FunctionProfile.Record(x => [Square(x[0]), Square(x[1])], [1.0, 2.0]);
        Assert.Equal(0.5, separate.ForwardConeFraction, 12);
        Assert.Equal(0.5, separate.ReverseConeFraction, 12);
        // A·tanh(B·x) with many outputs: one output's cone is its row of A plus the shared B·x, a small part of the tape.
        var layer = new TanhLayer(10, 300);
        FunctionProfile wide = FunctionProfile.Record(layer.Evaluate, layer.X);
        Assert.InRange(wide.ReverseConeFraction, 0.02, 0.1);
        Assert.InRange(wide.ForwardConeFraction, 0.9, 1.0); // every output depends on every input
    }

    [Fact]
    public void Model_ArithmeticMatchesTheFormula()
    {
        var layer = new TanhLayer(12, 5);
        FunctionProfile p = FunctionProfile.Record(layer.Evaluate, layer.X);
        CostCalibration c = CostCalibration.Reference;
        ModeDecision d = ModeSelector.Decide(p, c);
        double primal = c.NsPerPrimalUnit * p.PrimalWork;
        double fwdSweep = primal + c.NsPerTangentUnit * p.TangentWork * p.ForwardConeFraction + c.NsPerForwardSweep;
        double record = primal + c.NsPerTangentUnit * p.TangentWork + c.NsPerRecordedNode * p.RecordedNodes + c.NsPerReverseSweep;
        double revSweep = c.NsPerSkippedNode * p.RecordedNodes + c.NsPerAdjointUnit * p.AdjointWork * p.ReverseConeFraction + c.NsPerReverseSweep;
        Assert.Equal(12 * fwdSweep / 1e6, d.PredictedForwardMs, 12);
        Assert.Equal((record + 5 * revSweep) / 1e6, d.PredictedReverseMs, 12);
        Assert.Equal(primal / 1e6, d.PredictedPrimalMs, 12);
        Assert.Equal((12, 5), (d.Forward.Sweeps, d.Reverse.Sweeps));
        Assert.Equal(d.PredictedForwardMs <= d.PredictedReverseMs ? JacobianMode.Forward : JacobianMode.Reverse, d.Mode);

        // A block of k directions per sweep: ⌈n/k⌉ and ⌈m/k⌉ sweeps.
        ModeDecision blocked = ModeSelector.Decide(p, c, blockSize: 4);
        Assert.Equal((3, 2), (blocked.Forward.Sweeps, blocked.Reverse.Sweeps));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModeSelector.Decide(p, c, blockSize: 0));
    }

    [Theory]
    [InlineData(200, 3, JacobianMode.Reverse)]
    [InlineData(3, 200, JacobianMode.Forward)]
    [InlineData(1000, 10, JacobianMode.Reverse)]
    [InlineData(10, 1000, JacobianMode.Forward)]
    public void Model_ClearCases_UnderTheReferenceCalibration(int n, int m, JacobianMode expected)
    {
        var layer = new TanhLayer(n, m);
        ModeDecision d = ModeSelector.Decide(FunctionProfile.Record(layer.Evaluate, layer.X), CostCalibration.Reference);
        Assert.Equal(expected, d.Mode);
        Assert.Contains("predicted", d.Reason);
    }

    [Fact]
    public void Explain_GivesBothPredictions_MeasuredPrimal_ChoiceAndReason()
    {
        var layer = new TanhLayer(6, 4);
        ModeDecision d = ModeSelector.Explain(layer.Evaluate, layer.X, CostCalibration.Reference);
        Assert.Equal((6, 4, 1), (d.InputCount, d.OutputCount, d.BlockSize));
        Assert.True(d.PredictedForwardMs > 0 && d.PredictedReverseMs > 0 && d.PredictedPrimalMs > 0);
        Assert.True(d.MeasuredPrimalMs is > 0);
        Assert.True(d.WTan > 1 && d.WGrad > 1);
        Assert.Equal(0, d.Forward.TapeBytes);
        Assert.True(d.Reverse.TapeBytes > d.Profile.TapeBytes);
        string text = d.ToString();
        Assert.Contains(d.Mode == JacobianMode.Forward ? "forward mode" : "reverse mode", text);
        Assert.Contains("tangent sweep", text);
        Assert.Contains("adjoint sweep", text);
        Assert.Contains("measured", text);
        Assert.Contains("tanh x64", text);
    }

    [Fact]
    public void Auto_GivesTheSameJacobianAsBothModes()
    {
        Func<Scalar[], Scalar[]> wide = x => [.. Enumerable.Range(0, 7).Select(k => Sin(x[0] * k) * x[1] + Exp(x[k % 2] / 3))];
        Func<Scalar[], Scalar[]> tall = x => [Enumerable.Range(0, 9).Aggregate((Scalar)0, (s, i) => s + x[i] * x[(i + 1) % 9]), Cos(x[3])];
        Func<Scalar[], Scalar[]> single = x => [Square(x[0]), Sqrt(x[0])];
        foreach (var (f, x) in new[] { (wide, new[] { 0.3, -0.7 }), (tall, Enumerable.Range(0, 9).Select(i => 0.1 * i).ToArray()), (single, new[] { 2.0 }) })
        {
            double[,] auto = AD.Jacobian(f, x), fwd = AD.Jacobian(f, x, JacobianMode.Forward), rev = AD.Jacobian(f, x, JacobianMode.Reverse);
            Assert.Equal(fwd.GetLength(0), auto.GetLength(0));
            for (int i = 0; i < fwd.GetLength(0); i++)
                for (int j = 0; j < fwd.GetLength(1); j++)
                {
                    Assert.Equal(fwd[i, j], auto[i, j], 12);
                    Assert.Equal(rev[i, j], auto[i, j], 12);
                }
        }
    }

    [Fact]
    public void Auto_NullOutput_IsAClearError()
    {
        var e = Assert.Throws<InvalidOperationException>(() => AD.Jacobian(_ => null!, new[] { 1.0, 2.0 }));
        Assert.Contains("returned null", e.Message);
    }
}
