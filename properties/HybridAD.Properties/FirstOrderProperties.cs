using Xunit.Abstractions;
using HybridAD.Checking;
using HybridAD.Properties.Programs;
using static HybridAD.Properties.Oracles;

namespace HybridAD.Properties;

/// <summary>
/// First-order properties over random programs (every elemental rule and the suite's custom rules, DAGs with
/// shared values, depth ≤ 8, random points, directions and cotangents). Each fact runs
/// <see cref="PropertyRunner.Cases"/> cases and fails if some rule was never generated.
/// </summary>
public class FirstOrderProperties(ITestOutputHelper output)
{
    /// <summary>Forward-mode J·v equals the Richardson-extrapolated central difference of t ↦ f(x + t·v):
    /// |J·v − D| ≤ 10⁻⁶·max(|D|, S) + the difference's rounding floor, S the magnitude scale of J·v. A case
    /// the reference cannot judge (its own error estimate is above half the bound) is discarded; at most 1% may be.</summary>
    [Fact]
    public void ForwardDerivativeMatchesRichardsonDifferences()
    {
        Coverage c = PropertyRunner.Check(nameof(ForwardDerivativeMatchesRichardsonDifferences), ProgramShape.Vector, (p, coverage) =>
        {
            coverage.Record(p);
            FiniteDifferenceOptions? fd = SafeRichardson(p, [p.Direction]);
            if (fd is null) { coverage.Discard(); return; }
            double[] jv = AD.Jvp(p.Run, p.Point, p.Direction).Tangent;
            double[] noise = StencilNoise(p, p.Direction, fd, p.RoundingNoise);
            FdEstimate reference = FdCore.Along(FdCore.OnDoubles(p.Run), p.Point, p.Direction, fd, "property", noise);
            double[] scale = p.AbsoluteTangents(p.Direction);
            for (int k = 0; k < jv.Length; k++)
            {
                double bound = FiniteDifferenceTolerance * Math.Max(Math.Abs(reference.Value[k]), scale[k]) + 32 * reference.RoundingFloor[k];
                if (!CloseOrUnjudgeable($"(J·v)[{k}] forward vs Richardson", jv[k], reference.Value[k], bound, reference.ErrorEstimate[k],
                        $"scale {scale[k]:E3}, step scale {fd.StepScale:E2}"))
                {
                    coverage.Discard();
                    return;
                }
            }
        });
        output.WriteLine($"{nameof(ForwardDerivativeMatchesRichardsonDifferences)}: {c.Summary()}");
        c.AssertEveryOpCovered(nameof(ForwardDerivativeMatchesRichardsonDifferences));
        Assert.True(c.Discarded <= c.Cases / 100, $"{c.Discarded} of {c.Cases} cases had no safe finite-difference step");
    }

    /// <summary>The reverse-mode gradient equals the forward-mode partials (one JVP per axis) to 10⁻¹² of the
    /// magnitude scale, and both modes reproduce the plain evaluation's value exactly.</summary>
    [Fact]
    public void ReverseEqualsForward()
    {
        Coverage c = PropertyRunner.Check(nameof(ReverseEqualsForward), ProgramShape.Scalar, (p, coverage) =>
        {
            coverage.Record(p);
            double plain = p.RunScalar(p.Point.ToScalars()).Value;
            var (value, gradient) = AD.ValueAndGrad(p.RunScalar)(p.Point.ToScalars());
            Same("reverse-mode value vs plain evaluation", value.Value, plain);
            for (int i = 0; i < p.InputCount; i++)
            {
                double[] e = Axis(p.InputCount, i);
                var (y, dy) = AD.Jvp(p.RunScalar, p.Point.ToScalars(), e.ToScalars());
                Same("forward-mode value vs plain evaluation", y.Value, plain);
                double scale = p.AbsoluteTangents(e)[0];
                Close($"∂f/∂x{i} reverse vs forward", gradient[i].Value, dy.Value, ModeTolerance * scale, $"scale {scale:E3}");
            }
        });
        output.WriteLine($"{nameof(ReverseEqualsForward)}: {c.Summary()}");
        c.AssertEveryOpCovered(nameof(ReverseEqualsForward));
    }

    /// <summary>The adjoint identity ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ with J·v from forward mode and Jᵀ·u from the reverse
    /// pullback, to 10⁻¹² of Σₖ |uₖ|·Sₖ (Sₖ the magnitude scale of (J·v)ₖ).</summary>
    [Fact]
    public void AdjointIdentityHolds()
    {
        Coverage c = PropertyRunner.Check(nameof(AdjointIdentityHolds), ProgramShape.Vector, (p, coverage) =>
        {
            coverage.Record(p);
            double[] jv = AD.Jvp(p.Run, p.Point, p.Direction).Tangent;
            var (_, pullback) = AD.Vjp(p.Run, p.Point.ToScalars());
            double[] jtu = pullback(p.Cotangent.ToScalars()).ToDoubles();
            double[] scale = p.AbsoluteTangents(p.Direction);
            double left = 0, right = 0, magnitude = 0;
            for (int k = 0; k < jv.Length; k++)
            {
                left += p.Cotangent[k] * jv[k];
                magnitude += Math.Abs(p.Cotangent[k]) * scale[k];
            }
            for (int i = 0; i < jtu.Length; i++) right += jtu[i] * p.Direction[i];
            Close("⟨Jᵀ·u, v⟩ vs ⟨u, J·v⟩", right, left, ModeTolerance * magnitude, $"scale {magnitude:E3}");
        });
        output.WriteLine($"{nameof(AdjointIdentityHolds)}: {c.Summary()}");
        c.AssertEveryOpCovered(nameof(AdjointIdentityHolds));
    }

    /// <summary>Jacobian(Forward) = Jacobian(Reverse) entry by entry, to 10⁻¹² of each entry's magnitude scale.</summary>
    [Fact]
    public void JacobianForwardEqualsReverse()
    {
        Coverage c = PropertyRunner.Check(nameof(JacobianForwardEqualsReverse), ProgramShape.Vector, (p, coverage) =>
        {
            coverage.Record(p);
            double[,] forward = AD.Jacobian(p.Run, p.Point, JacobianMode.Forward);
            double[,] reverse = AD.Jacobian(p.Run, p.Point, JacobianMode.Reverse);
            if (forward.GetLength(0) != p.Outputs.Length || reverse.GetLength(0) != p.Outputs.Length
                || forward.GetLength(1) != p.InputCount || reverse.GetLength(1) != p.InputCount)
                throw new PropertyViolation($"Jacobian shapes {forward.GetLength(0)}×{forward.GetLength(1)} and {reverse.GetLength(0)}×{reverse.GetLength(1)}, expected {p.Outputs.Length}×{p.InputCount}");
            for (int j = 0; j < p.InputCount; j++)
            {
                double[] scale = p.AbsoluteTangents(Axis(p.InputCount, j));
                for (int i = 0; i < p.Outputs.Length; i++)
                    Close($"J[{i},{j}] forward vs reverse", reverse[i, j], forward[i, j], ModeTolerance * scale[i], $"scale {scale[i]:E3}");
            }
        });
        output.WriteLine($"{nameof(JacobianForwardEqualsReverse)}: {c.Summary()}");
        c.AssertEveryOpCovered(nameof(JacobianForwardEqualsReverse));
    }
}
