using System.Globalization;
using HybridAD.Cli.Commands;
using HybridAD.Tracing;
using static HybridAD.Scalar;

namespace HybridAD.Tests.Tracing;

/// <summary>Evaluation traces: the notes' two worked tables, step structure, and agreement with Jvp / Grad.</summary>
public class TracerTests
{
    private static string F2(double v) => v.ToString("F2", CultureInfo.InvariantCulture);

    private static void Close(double expected, double actual, double tol = 1e-12) =>
        Assert.True(Math.Abs(expected - actual) <= tol * Math.Max(1, Math.Abs(expected)),
            $"expected {expected:R}, got {actual:R}");

    private static EvaluationTrace Logistic(bool expand = false) =>
        Tracer.Trace(w => WorkedExamples.LogisticAsTraced(w, expand), WorkedExamples.LogisticPoint,
            new TraceOptions { InputNames = WorkedExamples.LogisticNames, OutputNames = ["L"] });

    [Fact]
    public void Logistic_PrimalTrace_IsTheNotesTable()
    {
        EvaluationTrace t = Logistic();
        Assert.Equal(3, t.InputCount);
        Assert.Equal(9, t.Length);
        // v₁ … v₉ as in the issue (v₇ from the unrounded v₅: 0.60, where the notes print 0.61).
        string[] expected = ["1.25", "0.75", "0.78", "0.68", "-0.78", "0.32", "0.60", "0.10", "0.71"];
        for (int i = 1; i <= 9; i++) Assert.Equal(expected[i - 1], F2(t[i].Value));
        Close(0.707121381244987, t[9].Value);
        Assert.Equal([-1.0, 1.5, 0.5], t.Steps.Take(3).Select(s => s.Value));
        Assert.Equal(["w0", "w1", "w2"], t.Steps.Take(3).Select(s => s.Name));

        // Step shapes: the weighted sums are one affine step each, σ is one elemental, 0 − v₃ keeps its constant.
        Assert.Equal(StepKind.Affine, t[1].Kind);
        Assert.Equal([(-2, 1.0), (-1, 1.0), (0, 1.5)], t[1].Operands.Select(o => (o.Index, o.Partial)));
        Assert.Equal([(-2, 1.0), (-1, 1.5), (0, -1.0)], t[2].Operands.Select(o => (o.Index, o.Partial)));
        Assert.Equal("sigmoid", t[3].Op);
        Assert.Equal(1, t[3].Operands.Single().Index);
        Assert.Equal("-", t[5].Op);
        Assert.True(t[5].Operands[0].IsConstant);
        Assert.Equal(0, t[5].Operands[0].Value);
        Assert.Equal(3, t[5].Operands[1].Index);
        Assert.Equal("square", t[7].Op);
        Assert.Equal("+", t[9].Op);
        Assert.Equal(9, t.Outputs.Single().StepIndex);
        Assert.Equal("v₁ = v₋₂ + v₋₁ + 1.5·v₀ = 1.25", t[1].ToString());
        Assert.Equal("v₂ = v₋₂ + 1.5·v₋₁ − v₀ = 0.75", t[2].ToString());
    }

    [Fact]
    public void Logistic_AdjointTrace_IsTheNotesTable()
    {
        EvaluationTrace t = Logistic();
        AdjointTrace a = t.Adjoint();
        Assert.Equal("-1.55", F2(a[5]));
        Assert.Equal("0.64", F2(a[6]));
        Assert.Equal("1.55", F2(a[3]));
        Assert.Equal("-0.64", F2(a[4]));
        Assert.Equal("0.27", F2(a[1]));
        Assert.Equal("-0.14", F2(a[2]));
        Assert.Equal(["0.13", "0.06", "0.54"], a.Gradient.Select(F2));

        // Full precision: the gradient equals reverse mode's.
        double[] g = AD.Grad(WorkedExamples.Logistic, WorkedExamples.LogisticPoint);
        for (int j = 0; j < 3; j++) Close(g[j], a.Gradient[j]);
        Close(0.129297943112215, a.Gradient[0]);
        Close(0.0593925877703805, a.Gradient[1]);
        Close(0.543473691377497, a.Gradient[2]);
    }

    [Fact]
    public void Logistic_AdjointStatements_ShowFanOutAccumulation()
    {
        AdjointTrace a = Logistic().Adjoint();
        // Execution order: the seed v̄₉ = 1, then steps 9 … 1, each listing its arguments last to first.
        AdjointStatement seed = a.Statements[0];
        Assert.Equal(AdjointStatementKind.Seed, seed.Kind);
        Assert.Equal(9, seed.Target);
        Assert.Equal((8, 9), (a.Statements[1].Target, a.Statements[1].Source));
        Assert.Equal((7, 9), (a.Statements[2].Target, a.Statements[2].Source));

        // w₀ (v₋₂) feeds both weighted sums: step 2 assigns its adjoint, step 1 accumulates (+=) into it.
        var toW0 = a.Statements.Where(s => s.Target == -2).ToList();
        Assert.Equal(2, toW0.Count);
        Assert.Equal((2, false), (toW0[0].Source, toW0[0].Accumulates));
        Assert.Equal((1, true), (toW0[1].Source, toW0[1].Accumulates));
        Assert.Equal("-0.14", F2(toW0[0].Total));
        Assert.Equal("0.13", F2(toW0[1].Total));
        // Nothing else fans out: every other variable is assigned exactly once.
        foreach (var group in a.Statements.GroupBy(s => s.Target).Where(g => g.Key > 0))
            Assert.Single(group);
        // Exactly the three weights fan out (each feeds both sums): three += statements, all into inputs.
        var accumulating = a.Statements.Where(s => s.Accumulates).Select(s => s.Target).ToList();
        Assert.Equal([0, -1, -2], accumulating);
    }

    [Fact]
    public void Logistic_Expanded_DecomposesSigma_SameGradient()
    {
        EvaluationTrace t = Logistic(expand: true);
        // Each σ becomes −z, exp, 1 + ·, 1/· : 9 − 2 + 2·4 = 15 steps.
        Assert.Equal(15, t.Length);
        Assert.Equal(["neg", "exp", "+", "recip"], Enumerable.Range(3, 4).Select(i => t[i].Op));
        Assert.Equal("0.78", F2(t[6].Value)); // σ(v₁)
        AdjointTrace a = t.Adjoint();
        double[] g = AD.Grad(WorkedExamples.Logistic, WorkedExamples.LogisticPoint);
        for (int j = 0; j < 3; j++) Close(g[j], a.Gradient[j]);
    }

    [Fact]
    public void SinCos_TangentTrace_IsTheNotesTable()
    {
        EvaluationTrace t = Tracer.Trace(WorkedExamples.SinCosAsTraced, WorkedExamples.SinCosPoint);
        string F4(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
        Assert.Equal(6, t.Length);
        Assert.Equal(["3.0000", "0.1411", "1.6487", "1.3513", "1.4924"], Enumerable.Range(1, 5).Select(i => F4(t[i].Value)));
        // v₆ = v₅·v₄ = 2.016646669…: 2.0166 to four decimals. The notes (and the issue) print 2.0167, the product of
        // the rounded 1.4924·1.3513 = 2.01668 — the same artifact as the logistic example's v₇ = 0.61.
        Close(2.016646669428201, t[6].Value);
        Assert.Equal("2.0166", F4(t[6].Value));
        Assert.Equal("2.0167", F4(1.4924 * 1.3513));
        Assert.Equal(["/", "sin", "exp", "-", "+", "*"], Enumerable.Range(1, 6).Select(i => t[i].Op));
        TangentTrace d = t.Tangent(0); // along x₁
        Assert.Equal(["2.0000", "-1.9800", "0.0000", "2.0000", "0.0200", "3.0118"], Enumerable.Range(1, 6).Select(i => F4(d[i])));
        Assert.Equal("3.0118", F4(d.OutputTangents[0]));
        Close(3.0118433276739065, d.OutputTangents[0]);
        var (_, jvp) = AD.Jvp(WorkedExamples.SinCos, WorkedExamples.SinCosPoint.ToScalars(), [1.0, 0.0]);
        Close(jvp.Value, d.OutputTangents[0]);
    }

    [Fact]
    public void TangentAndAdjoint_AgreeWithForwardAndReverseMode()
    {
        Func<Scalar[], Scalar[]> f = x =>
        [
            x[0] * x[1] + Sin(x[0]) * Exp(-x[2]),
            Tanh(x[0] * 0.5 + 2 * x[1] - x[2] / 3) * x[0],
            Sqrt(x[1] * x[1] + 1) - Log1p(Square(x[2])) + Atan2(x[0], x[1]),
        ];
        double[] x0 = [0.7, -1.3, 0.4];
        EvaluationTrace t = Tracer.Trace(f, x0);
        Assert.Equal(3, t.OutputCount);
        double[,] jac = AD.Jacobian(f, x0, JacobianMode.Reverse);
        for (int j = 0; j < 3; j++)
        {
            TangentTrace col = t.Tangent(j);
            for (int i = 0; i < 3; i++) Close(jac[i, j], col.OutputTangents[i]);
        }
        for (int i = 0; i < 3; i++)
        {
            AdjointTrace row = t.AdjointOf(i);
            for (int j = 0; j < 3; j++) Close(jac[i, j], row.Gradient[j]);
        }
        // The adjoint identity ȳᵀ(J ẋ) = (ȳᵀJ) ẋ on the trace itself.
        double[] xd = [0.3, -0.2, 0.9], yb = [1.5, -0.5, 2.0];
        TangentTrace tan = t.Tangent(xd);
        AdjointTrace adj = t.Adjoint(yb);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < 3; i++) lhs += yb[i] * tan.OutputTangents[i];
        for (int j = 0; j < 3; j++) rhs += adj.Gradient[j] * xd[j];
        Close(lhs, rhs);
    }

    [Fact]
    public void Outputs_AreLast_UnlessConsumed()
    {
        // y₁ = a·b is used by y₂, so it stays where it was computed; y₂ and the unused-by-others y₃ come last.
        EvaluationTrace t = Tracer.Trace(x =>
        {
            Scalar a = x[0] * x[1];
            Scalar c = Sin(x[0]);     // computed before y₂ but an output listed last
            Scalar b = a + x[0];
            return [a, b, c, 2.0];
        }, [2.0, 3.0]);
        Assert.Equal(4, t.OutputCount);
        Assert.Equal(1, t.Outputs[0].StepIndex);          // a stays v₁ (it feeds b)
        Assert.Equal(t.Length - 1, t.Outputs[1].StepIndex); // b and c moved to the end, in output order
        Assert.Equal(t.Length, t.Outputs[2].StepIndex);
        Assert.Null(t.Outputs[3].StepIndex);                 // a constant output
        Assert.Equal(2.0, t.Outputs[3].Value);
        Assert.Equal("sin", t[t.Length].Op);
        Assert.Equal(0.0, t.Tangent(0).OutputTangents[3]);
    }

    [Fact]
    public void RepeatedArgument_HasOnePartialPerPosition_AndAccumulates()
    {
        EvaluationTrace t = Tracer.Trace(x => x[0] * x[0], [3.0]);
        Assert.Equal([3.0, 3.0], t[1].Operands.Select(o => o.Partial));
        Assert.Equal([(0, 6.0)], t[1].Partials.ToArray());
        AdjointTrace a = t.Adjoint();
        var st = a.Statements.Where(s => s.Target == 0).ToList();
        Assert.Equal([false, true], st.Select(s => s.Accumulates));
        Assert.Equal(6.0, a.Gradient[0]);
    }

    [Fact]
    public void MergeLinearOff_GivesOneStepPerRecordedOperation()
    {
        var options = new TraceOptions { MergeLinear = false };
        EvaluationTrace t = Tracer.Trace(w => WorkedExamples.LogisticAsTraced(w, false), WorkedExamples.LogisticPoint, options);
        // w₁·1, w₀ + ·, w₂·1.5, · + ·  and  w₁·1.5, w₀ + ·, · − w₂: 7 nodes instead of 2 steps.
        Assert.Equal(9 - 2 + 7, t.Length);
        Assert.All(t.Steps.Skip(3), s => Assert.NotEqual(StepKind.Affine, s.Kind));
        double[] g = AD.Grad(WorkedExamples.Logistic, WorkedExamples.LogisticPoint);
        for (int j = 0; j < 3; j++) Close(g[j], t.Adjoint().Gradient[j]);
    }

    [Fact]
    public void AffineStep_KeepsConstantTermInWrittenPlace()
    {
        EvaluationTrace t = Tracer.Trace(x => Sin(1 - (x[0] + 2 * x[1])) + Sin((x[0] - x[1]) * 3 + 0.5), [0.1, 0.2]);
        Assert.Equal("1 − v₋₁ − 2·v₀", Notation.Primal(t[1], Notation.Style.Text, null));
        Assert.Equal("3·v₋₁ − 3·v₀ + 0.5", Notation.Primal(t[3], Notation.Style.Text, null));
        Assert.Equal(1 - (0.1 + 2 * 0.2), t[1].Value, 15);
        Assert.Equal(1.0, t[1].Offset);
        Assert.True(t[1].OffsetFirst);
        Assert.False(t[3].OffsetFirst);
    }

    [Fact]
    public void CustomRule_IsOneStepWithAllItsArguments()
    {
        var fma = CustomRule.Create("fma", 3, v => v[0] * v[1] + v[2], (v, y) => [v[1], v[0], new Scalar(1)]);
        EvaluationTrace t = Tracer.Trace(x => fma.Invoke(x[0], x[1], Sin(x[2])), [2.0, 3.0, 0.5]);
        TraceStep step = t[t.Length];
        Assert.Equal(StepKind.Custom, step.Kind);
        Assert.Equal("fma", step.Op);
        Assert.Equal([-2, -1, 1], step.Operands.Select(o => o.Index));
        Assert.Equal([3.0, 2.0, 1.0], step.Operands.Select(o => o.Partial));
        Assert.Equal(6 + Math.Sin(0.5), step.Value, 14);
        Close(Math.Cos(0.5), t.Adjoint().Gradient[2]);
    }

    [Fact]
    public void BadInput_GivesClearErrors()
    {
        var e1 = Assert.Throws<ArgumentException>(() => Tracer.Trace(x => x[0], []));
        Assert.Contains("empty", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Tracer.Trace(x => x[0], [1.0], new TraceOptions { InputNames = ["a", "b"] }));
        Assert.Contains("2 input names", e2.Message);
        EvaluationTrace t = Tracer.Trace(x => x[0] * x[1], [1.0, 2.0]);
        var e3 = Assert.Throws<ArgumentException>(() => t.Tangent([1.0]));
        Assert.Contains("expected 2", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => t.Adjoint([1.0, 2.0]));
        Assert.Contains("expected 1", e4.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => t[5]);
        // A value of a finished call returned from the traced function is an escaped perturbation.
        Scalar leaked = default;
        AD.Grad(x => { leaked = x[0] * 2; return leaked; })([1.0]);
        Assert.Throws<PerturbationEscapedException>(() => Tracer.Trace(x => leaked + x[0], [1.0]));
    }
}
