using Xunit.Abstractions;
using HybridAD.Checking;
using HybridAD.Properties.Programs;
using static HybridAD.Properties.Oracles;

namespace HybridAD.Properties;

/// <summary>
/// Second-order properties over random programs: nested differentiation (forward-over-reverse Hessians,
/// forward-over-forward second derivatives) against finite differences of the first derivative, and the
/// Hessian's symmetry.
/// </summary>
public class SecondOrderProperties(ITestOutputHelper output)
{
    /// <summary>
    /// The Hessian (forward-over-reverse) is symmetric, to 10⁻¹⁰ of its largest entry, and each column H·eⱼ
    /// equals the Richardson difference of the reverse-mode gradient along eⱼ: |Hᵢⱼ − Dᵢⱼ| ≤ 10⁻⁶·max(|Dᵢⱼ|, S)
    /// + rounding floor, S the largest |D| of the Hessian (its magnitude scale).
    /// </summary>
    [Fact]
    public void HessianIsSymmetricAndMatchesDifferencesOfTheGradient()
    {
        Coverage c = PropertyRunner.Check(nameof(HessianIsSymmetricAndMatchesDifferencesOfTheGradient), ProgramShape.Scalar, (p, coverage) =>
        {
            coverage.Record(p);
            int n = p.InputCount;
            double[,] h = AD.Hessian(p.RunScalar, p.Point);
            double[] ones = Enumerable.Repeat(1.0, n).ToArray();
            double scale = p.AbsoluteSecondTangents(ones, ones)[0]; // bounds the terms of every entry
            for (int i = 0; i < n; i++)
                for (int j = 0; j < i; j++)
                    Close($"H[{i},{j}] vs H[{j},{i}]", h[i, j], h[j, i], SecondOrderModeTolerance * scale, $"scale {scale:E3}");

            FiniteDifferenceOptions? fd = SafeRichardson(p, Axes(n));
            if (fd is null) { coverage.Discard(); return; }
            Func<Scalar[], Scalar[]> gradient = AD.Grad(p.RunScalar);
            double[] noise = new double[n];
            foreach (double[] axis in Axes(n))
            {
                double[] along = StencilNoise(p, axis, fd, at => Enumerable.Range(0, n).Select(i => p.DerivativeNoise(i, at)).ToArray());
                for (int i = 0; i < n; i++) noise[i] = Math.Max(noise[i], along[i]);
            }
            FdJacobian reference = FdCore.Jacobian(FdCore.OnDoubles(gradient), p.Point, fd, "property", noise);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double bound = FiniteDifferenceTolerance * Math.Max(Math.Abs(reference.Value[i, j]), scale) + 32 * reference.RoundingFloor[i, j];
                    if (!CloseOrUnjudgeable($"H[{i},{j}] vs Richardson difference of ∂f/∂x{i} along x{j}", h[i, j], reference.Value[i, j],
                            bound, reference.ErrorEstimate[i, j], $"scale {scale:E3}, step scale {fd.StepScale:E2}"))
                    {
                        coverage.Discard();
                        return;
                    }
                }
        });
        output.WriteLine($"{nameof(HessianIsSymmetricAndMatchesDifferencesOfTheGradient)}: {c.Summary()}");
        c.AssertEveryOpCovered(nameof(HessianIsSymmetricAndMatchesDifferencesOfTheGradient));
        Assert.True(c.Discarded <= c.Cases / 100, $"{c.Discarded} of {c.Cases} cases had no safe finite-difference step");
    }

    /// <summary>
    /// Derivative(Derivative(f)) (forward over forward) equals the Richardson difference of Derivative(f), to
    /// 10⁻⁶·max(|D|, |f′|, 1)-scaled, and agrees with the 1×1 Hessian (forward over reverse) and
    /// reverse-over-forward to 10⁻¹⁰ relative.
    /// </summary>
    [Fact]
    public void SecondDerivativeMatchesDifferencesOfTheDerivative()
    {
        Coverage c = PropertyRunner.Check(nameof(SecondDerivativeMatchesDifferencesOfTheDerivative), ProgramShape.Univariate, (p, coverage) =>
        {
            coverage.Record(p);
            Func<Scalar, Scalar> f = x => p.Run([x])[0];
            Func<Scalar, Scalar> df = AD.Derivative(f);
            double x0 = p.Point[0];
            double d2 = AD.Derivative(df)(x0).Value;
            double d1 = df(x0).Value;

            double hessian = AD.Hessian(p.RunScalar, p.Point)[0, 0];
            double reverseOverForward = AD.Grad(xs => df(xs[0]), p.Point)[0];
            double scale = p.AbsoluteSecondTangents([1.0], [1.0])[0];
            Close("f″ forward-over-forward vs Hessian (forward-over-reverse)", hessian, d2, SecondOrderModeTolerance * scale, $"scale {scale:E3}");
            Close("f″ forward-over-forward vs reverse-over-forward", reverseOverForward, d2, SecondOrderModeTolerance * scale, $"scale {scale:E3}");

            FiniteDifferenceOptions? fd = SafeRichardson(p, [[1.0]]);
            if (fd is null) { coverage.Discard(); return; }
            double[] noise = StencilNoise(p, [1.0], fd, at => [p.DerivativeNoise(0, at)]);
            FdEstimate reference = FdCore.Axis(FdCore.OnDoubles(df), p.Point, 0, fd, "property", noise);
            double bound = FiniteDifferenceTolerance * Math.Max(Math.Abs(reference.Value[0]), scale) + 32 * reference.RoundingFloor[0];
            if (!CloseOrUnjudgeable("f″ vs Richardson difference of f′", d2, reference.Value[0], bound, reference.ErrorEstimate[0],
                    $"f′ = {d1:R}, scale {scale:E3}, step scale {fd.StepScale:E2}"))
                coverage.Discard();
        });
        output.WriteLine($"{nameof(SecondDerivativeMatchesDifferencesOfTheDerivative)}: {c.Summary()}");
        c.AssertEveryOpCovered(nameof(SecondDerivativeMatchesDifferencesOfTheDerivative));
        Assert.True(c.Discarded <= c.Cases / 100, $"{c.Discarded} of {c.Cases} cases had no safe finite-difference step");
    }
}
