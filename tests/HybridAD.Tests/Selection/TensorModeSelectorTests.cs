using HybridAD.Cli.Commands.Bench;
using HybridAD.Selection;

namespace HybridAD.Tests.Selection;

/// <summary>The mode selector on tensor functions: the guaranteed cases, decisions on clearly separated shapes
/// (under fixed calibrations, so they cannot flake), the per-(delegate, shape) cache, Explain, and the Jacobians
/// of A·tanh(B·x) against the closed form A·diag(1 − tanh²(B·x))·B.</summary>
public class TensorModeSelectorTests
{
    private static readonly CostCalibration ReverseIsTerrible = CostCalibration.Reference with
    { NsPerTensorReverseSweep = 1e12, NsPerGemmElement = 1e6, GemmTransposedFactor = 4 };
    private static readonly CostCalibration ForwardIsTerrible = CostCalibration.Reference with
    { NsPerTensorForwardSweep = 1e12, NsPerTensorElement = 1e6 };
    private static readonly CostCalibration[] Calibrations = [CostCalibration.Reference, ReverseIsTerrible, ForwardIsTerrible];

    private static Func<Tensor, Tensor> Layer(int n, int m, out Tensor x)
    {
        var (a, b, x0) = TensorJacobianWorkload.Problem(n, m);
        x = x0;
        return TensorJacobianWorkload.Function(a, b);
    }

    private static TensorProfile ProfileOf(Func<Tensor, Tensor> f, Tensor x) => TensorAD.Record(f, x, "test").Profile();

    [Theory]
    [InlineData(1, 1000)]
    [InlineData(10, 1000)]
    [InlineData(1000, 10)]
    [InlineData(1000, 1)]
    [InlineData(37, 53)]
    [InlineData(10, 10)]
    public void Jacobians_MatchTheClosedForm(int n, int m)
    {
        var (a, b, x) = TensorJacobianWorkload.Problem(n, m);
        Func<Tensor, Tensor> f = TensorJacobianWorkload.Function(a, b);
        double[] exact = TensorJacobianWorkload.ClosedForm(a, b, x);
        foreach (JacobianMode mode in new[] { JacobianMode.Forward, JacobianMode.Reverse, JacobianMode.Auto })
            foreach (int k in new[] { 0, 1, 7 })
            {
                Tensor j = TensorAD.Jacobian(f, x, mode, k);
                Assert.Equal([m, n], j.Dims);
                double[] v = j.ToArray();
                double err = 0;
                for (int i = 0; i < v.Length; i++) err = Math.Max(err, Math.Abs(v[i] - exact[i]));
                Assert.True(err < 1e-13, $"{mode}, k = {k}: max |J − A·diag(1 − tanh²(Bx))·B| = {err:E2}");
            }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(50)]
    [InlineData(1000)]
    public void ScalarValued_AlwaysReverse(int n)
    {
        var (_, b, x) = TensorJacobianWorkload.Problem(n, 1);
        Tensor ones = Tensor.FromArray(Enumerable.Repeat(1.0, 64).ToArray(), 1, 64);
        Func<Tensor, Tensor> f = v => Tensor.MatMul(ones, Tensor.Tanh(Tensor.MatMul(b, v))); // shape [1]
        Assert.Equal(JacobianMode.Reverse, TensorAD.ChooseMode(f, x, 0).Mode);
        TensorProfile p = ProfileOf(f, x);
        foreach (CostCalibration c in Calibrations)
        {
            TensorModeDecision d = ModeSelector.Decide(p, c);
            Assert.Equal(JacobianMode.Reverse, d.Mode);
            Assert.Contains("scalar-valued", d.Reason);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(1000)]
    public void SingleInput_AlwaysForward(int m)
    {
        Func<Tensor, Tensor> f = Layer(1, m, out Tensor x);
        Assert.Equal(JacobianMode.Forward, TensorAD.ChooseMode(f, x, 0).Mode);
        TensorProfile p = ProfileOf(f, x);
        foreach (CostCalibration c in Calibrations)
        {
            TensorModeDecision d = ModeSelector.Decide(p, c);
            Assert.Equal(JacobianMode.Forward, d.Mode);
            Assert.Contains("one input", d.Reason);
        }
    }

    /// <summary>Elementwise work on x before a product: forward pays it on n×n tangents, reverse on n×m cotangents,
    /// so wide inputs go reverse and wide outputs forward — by the model's pricing of the recorded ops.</summary>
    [Theory]
    [InlineData(2000, 4, JacobianMode.Reverse)]
    [InlineData(4, 2000, JacobianMode.Forward)]
    public void ClearlySeparatedShapes_UnderTheReferenceCalibration(int n, int m, JacobianMode expected)
    {
        Tensor w = Tensor.FromArray(Enumerable.Range(0, m * n).Select(i => Math.Sin(0.37 * i) / 8).ToArray(), m, n);
        Tensor x = Tensor.Generate(n, i => 0.1 * Math.Cos(i));
        Func<Tensor, Tensor> f = v => Tensor.MatMul(w, Tensor.Tanh(Tensor.Tanh(Tensor.Tanh(Tensor.Tanh(v)))));
        TensorModeDecision d = ModeSelector.Decide(ProfileOf(f, x), CostCalibration.Reference);
        Assert.Equal(expected, d.Mode);
        double faster = Math.Min(d.PredictedForwardMs, d.PredictedReverseMs), slower = Math.Max(d.PredictedForwardMs, d.PredictedReverseMs);
        Assert.True(slower > 1.5 * faster, $"predicted {d.PredictedForwardMs} vs {d.PredictedReverseMs}");
        Assert.Contains("predicted", d.Reason);
    }

    [Theory]
    [InlineData(200, 3, JacobianMode.Reverse)]
    [InlineData(3, 200, JacobianMode.Forward)]
    public void SweepCounts_DecideWithSmallBlocks(int n, int m, JacobianMode expected)
    {
        Func<Tensor, Tensor> f = Layer(n, m, out Tensor x);
        TensorModeDecision d = ModeSelector.Decide(ProfileOf(f, x), CostCalibration.Reference, blockSize: 4);
        Assert.Equal(((n + 3) / 4, (m + 3) / 4), (d.Forward.Sweeps, d.Reverse.Sweeps));
        Assert.Equal((Math.Min(4, n), Math.Min(4, m)), (d.ForwardBlockSize, d.ReverseBlockSize));
        Assert.Equal(expected, d.Mode);
    }

    [Fact]
    public void Profile_FollowsTheTrace()
    {
        Func<Tensor, Tensor> f = Layer(30, 20, out Tensor x);
        TensorProfile p = ProfileOf(f, x);
        Assert.Equal((30, 20), (p.InputCount, p.OutputCount));
        Assert.Equal(["matmul", "tanh", "matmul"], p.Ops.Select(o => o.Name));
        Assert.True(p.Ops.All(o => o.OnForwardPath && o.OnReversePath));
        Assert.True(p.Ops[0].ReadsSeed && !p.Ops[2].ReadsSeed);   // B·x meets the identity seed
        Assert.True(p.Ops[2].WritesOutput && !p.Ops[0].WritesOutput); // A·t makes f(x)
        Assert.Equal((64L, 30L, 1L), p.Ops[0].Gemm);
        Assert.Equal((20L, 64L, 1L), p.Ops[2].Gemm);
        Assert.Equal("matmul x2, tanh", p.ToString());
    }

    [Fact]
    public void Decision_IsCachedPerDelegateAndShape()
    {
        Func<Tensor, Tensor> f = Layer(40, 30, out Tensor x);
        Assert.Null(ModeSelector.Cached(f, x.Dims, 0));
        TensorAD.Jacobian(f, x);
        TensorModeDecision? first = ModeSelector.Cached(f, x.Dims, 0);
        Assert.NotNull(first);
        TensorAD.Jacobian(f, x);
        Assert.Same(first, ModeSelector.Cached(f, x.Dims, 0)); // decided once, not re-profiled
        Assert.Null(ModeSelector.Cached(f, [41], 0));          // another shape is another decision
        Assert.Null(ModeSelector.Cached(f, x.Dims, 5));        // and another block size
        // A remembered decision is what Auto runs (here forced to the other mode), with the same Jacobian.
        JacobianMode other = first!.Mode == JacobianMode.Forward ? JacobianMode.Reverse : JacobianMode.Forward;
        ModeSelector.Remember(f, x.Dims, 0, first with { Mode = other });
        Assert.Equal(other, TensorAD.ChooseMode(f, x, 0).Mode);
        Assert.Equal(TensorAD.Jacobian(f, x, other).ToArray(), TensorAD.Jacobian(f, x).ToArray());
        ModeSelector.Forget(f);
        Assert.Null(ModeSelector.Cached(f, x.Dims, 0));
    }

    [Fact]
    public void Explain_GivesBothPredictions_MeasuredPrimal_ChoiceAndReason()
    {
        Func<Tensor, Tensor> f = Layer(50, 20, out Tensor x);
        TensorModeDecision d = ModeSelector.Explain(f, x, CostCalibration.Reference);
        Assert.Equal((50, 20), (d.InputCount, d.OutputCount));
        Assert.True(d.PredictedForwardMs > 0 && d.PredictedReverseMs > 0 && d.PredictedPrimalMs > 0);
        Assert.True(d.MeasuredPrimalMs is > 0);
        Assert.Equal(d.PredictedForwardMs <= d.PredictedReverseMs ? JacobianMode.Forward : JacobianMode.Reverse, d.Mode);
        string text = d.ToString();
        Assert.Contains(d.Mode == JacobianMode.Forward ? "forward mode." : "reverse mode.", text);
        Assert.Contains("forward mode pushes", text);
        Assert.Contains("reverse mode records", text);
        Assert.Contains(ModeDecision.Ms(d.PredictedForwardMs) + " predicted", text);
        Assert.Contains(ModeDecision.Ms(d.PredictedReverseMs) + " predicted", text);
        Assert.Contains("measured", text);
        Assert.Contains("matmul x2, tanh", text);
        Assert.Contains("cheaper", d.Reason);
    }

    [Fact]
    public void Calibration_TensorRatesArePlausible_AndRoundTrip()
    {
        CostCalibration measured = CostCalibration.MeasureWithoutSaving();
        Assert.True(measured.IsPlausible(), measured.ToString());
        Assert.InRange(1 / measured.NsPerGemmFlop, 0.5, 1000); // GFLOP/s
        string path = Path.Combine(Path.GetTempPath(), $"hybridad-cal-{Guid.NewGuid():N}.json");
        try
        {
            Assert.True(measured.TrySave(path));
            CostCalibration? loaded = CostCalibration.Load(path);
            Assert.NotNull(loaded);
            Assert.Equal(measured.NsPerGemmFlop, loaded!.NsPerGemmFlop);
            Assert.Equal(measured.NsPerTensorReverseSweep, loaded.NsPerTensorReverseSweep);
        }
        finally { File.Delete(path); }
    }
}
