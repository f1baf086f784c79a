using static HybridAD.Scalar;

namespace HybridAD.Tests.Rules;

/// <summary>
/// The documented derivatives at non-differentiable points (docs/api.md, "Conventions"), in forward and
/// reverse mode, and the numerically stable functions at extreme arguments.
/// </summary>
public class ConventionsTests
{
    /// <summary>f′(x) by Derivative, Jvp, Grad and Vjp; all four must agree exactly.</summary>
    private static double SlopeInBothModes(Func<Scalar, Scalar> f, double x)
    {
        double forward = AD.Derivative(f)(x).Value;
        double jvp = AD.Jvp(xs => f(xs[0]), [x], [1.0]).Tangent.Value;
        double reverse = AD.Grad(xs => f(xs[0]), [x])[0];
        double vjp = AD.Vjp(xs => f(xs[0]), [x]).Pullback(1)[0].Value;
        Assert.Equal(forward, jvp);
        Assert.Equal(forward, reverse);
        Assert.Equal(forward, vjp);
        return forward;
    }

    /// <summary>(∂f/∂a, ∂f/∂b) by Jvp (forward) and by Grad (reverse); both must agree exactly.</summary>
    private static (double DA, double DB) PartialsInBothModes(Func<Scalar, Scalar, Scalar> f, double a, double b)
    {
        Func<Scalar[], Scalar> fv = x => f(x[0], x[1]);
        double fa = AD.Jvp(fv, [a, b], [1.0, 0.0]).Tangent.Value;
        double fb = AD.Jvp(fv, [a, b], [0.0, 1.0]).Tangent.Value;
        double[] g = AD.Grad(fv, [a, b]);
        Assert.Equal(fa, g[0]);
        Assert.Equal(fb, g[1]);
        return (fa, fb);
    }

    [Fact]
    public void ReluAtZero_HasDerivativeZero()
    {
        Assert.Equal(0.0, Relu(0.0).Value);
        Assert.Equal(0.0, SlopeInBothModes(Relu, 0.0));
        Assert.Equal(0.0, SlopeInBothModes(Relu, -0.0));
        Assert.Equal(1.0, SlopeInBothModes(Relu, 1e-300));
        Assert.Equal(0.0, SlopeInBothModes(Relu, -1e-300));
    }

    [Fact]
    public void AbsAtZero_HasDerivativeZero()
    {
        Assert.Equal(0.0, Abs(0.0).Value);
        Assert.Equal(0.0, SlopeInBothModes(Abs, 0.0));
        Assert.Equal(0.0, SlopeInBothModes(Abs, -0.0));
        Assert.Equal(1.0, SlopeInBothModes(Abs, 1e-300));
        Assert.Equal(-1.0, SlopeInBothModes(Abs, -1e-300));
    }

    [Fact]
    public void SqrtAtZero_HasDerivativePlusInfinity()
    {
        Assert.Equal(0.0, Sqrt(0.0).Value);
        Assert.Equal(double.PositiveInfinity, SlopeInBothModes(Sqrt, 0.0));
        // The infinite partial is not turned into NaN by a zero seed elsewhere: a sum that does not use the
        // infinite branch for one input keeps that input's derivative finite.
        double[] g = AD.Grad(x => Sqrt(x[0]) + 3 * x[1], [0.0, 1.0]);
        Assert.Equal(double.PositiveInfinity, g[0]);
        Assert.Equal(3.0, g[1]);
        // A direction with no component along the infinite partial gives 0 (symbolic zero), not NaN.
        Assert.Equal(3.0, AD.Jvp(x => Sqrt(x[0]) + 3 * x[1], [0.0, 1.0], [0.0, 1.0]).Tangent.Value);
    }

    [Fact]
    public void MinMaxAtATie_SplitTheDerivativeInHalves()
    {
        Assert.Equal((0.5, 0.5), PartialsInBothModes(Min, 2.0, 2.0));
        Assert.Equal((0.5, 0.5), PartialsInBothModes(Max, 2.0, 2.0));
        Assert.Equal((0.5, 0.5), PartialsInBothModes(Min, -0.0, 0.0));
        // away from the tie, all to the selected argument
        Assert.Equal((1.0, 0.0), PartialsInBothModes(Min, 2.0, 2.0 + 1e-12));
        Assert.Equal((0.0, 1.0), PartialsInBothModes(Max, 2.0, 2.0 + 1e-12));
        // min(x, x) = x: the halves add up to the true derivative 1
        Assert.Equal(1.0, SlopeInBothModes(x => Min(x, x), 3.0));
        Assert.Equal(1.0, SlopeInBothModes(x => Max(x, x), 3.0));
        // a tie against a constant: half the slope
        Assert.Equal(0.5, SlopeInBothModes(x => Max(x, 1.0), 1.0));
    }

    [Fact]
    public void HypotAndAtan2AtTheOrigin_HaveZeroPartials()
    {
        Assert.Equal(0.0, Hypot(0.0, 0.0).Value);
        Assert.Equal(0.0, Atan2(0.0, 0.0).Value);
        Assert.Equal((0.0, 0.0), PartialsInBothModes(Hypot, 0.0, 0.0));
        Assert.Equal((0.0, 0.0), PartialsInBothModes(Atan2, 0.0, 0.0));
        // and the second derivatives there are finite (zero): the convention holds at every order
        double[,] h = AD.Hessian(x => Hypot(x[0], x[1]) + Atan2(x[0], x[1]), [0.0, 0.0]);
        foreach (double e in h) Assert.Equal(0.0, e);
        // next to the origin the ordinary formulas apply
        var (da, db) = PartialsInBothModes(Hypot, 3e-200, 4e-200);
        Approx.Rel(0.6, da);
        Approx.Rel(0.8, db);
    }

    [Fact]
    public void Pow_Conventions()
    {
        // d/db a^b at a = 0 is 0 (b·log a → 0); d/da 0^2 = 0
        Assert.Equal(0.0, Pow((Scalar)0.0, (Scalar)2.0).Value);
        Assert.Equal((0.0, 0.0), PartialsInBothModes(Pow, 0.0, 2.0));
        // d/da a^b is 0 when b = 0 (a^0 ≡ 1), even at a = 0 where b·a^(b−1) would be 0·∞
        Assert.Equal(1.0, Pow((Scalar)0.0, (Scalar)0.0).Value);
        Assert.Equal((0.0, 0.0), PartialsInBothModes(Pow, 0.0, 0.0));
        var (da, db) = PartialsInBothModes(Pow, 2.0, 0.0);
        Assert.Equal(0.0, da);
        Approx.Rel(Math.Log(2), db);
        // a < 0: a^b is real for integer b, with d/da = b·a^(b−1); d/db (needs log a) is NaN
        Assert.Equal(-8.0, Pow((Scalar)(-2.0), (Scalar)3.0).Value);
        (da, db) = PartialsInBothModes(Pow, -2.0, 3.0);
        Assert.Equal(12.0, da);
        Assert.True(double.IsNaN(db), $"d/db (-2)^3 should be NaN, got {db}");
        // 0^b for 0 < b < 1: infinite slope in a, like sqrt
        Assert.Equal((double.PositiveInfinity, 0.0), PartialsInBothModes(Pow, 0.0, 0.5));
    }

    [Fact]
    public void PowConst_Conventions()
    {
        // x^0 ≡ 1: derivative 0 everywhere, including x = 0 (not 0·0^(−1) = NaN)
        Assert.Equal(1.0, Pow((Scalar)0.0, 0.0).Value);
        Assert.Equal(0.0, SlopeInBothModes(x => Pow(x, 0.0), 0.0));
        Assert.Equal(0.0, SlopeInBothModes(x => Pow(x, 0.0), 5.0));
        Assert.Equal(0.0, AD.Derivative(AD.Derivative(x => Pow(x, 0.0)))(5.0).Value);
        // x^1 at 0: slope 1; x^2 at 0: slope 0; x^0.5 at 0: +∞ (as sqrt)
        Assert.Equal(1.0, SlopeInBothModes(x => Pow(x, 1.0), 0.0));
        Assert.Equal(0.0, SlopeInBothModes(x => Pow(x, 2.0), 0.0));
        Assert.Equal(double.PositiveInfinity, SlopeInBothModes(x => Pow(x, 0.5), 0.0));
        // negative base, integer exponent
        Assert.Equal(12.0, SlopeInBothModes(x => Pow(x, 3.0), -2.0));
    }

    public static TheoryData<double> Extremes => [1000, -1000, 745, -745, 710, -710, 40, -40, 1e300, -1e300];

    [Theory]
    [MemberData(nameof(Extremes))]
    public void SigmoidAndSoftplus_AreFiniteAtExtremeArguments(double u)
    {
        foreach (Func<Scalar, Scalar> f in new Func<Scalar, Scalar>[] { Sigmoid, Softplus })
        {
            double y = f(u).Value;
            double d1 = SlopeInBothModes(f, u);
            double d2 = AD.Derivative(AD.Derivative(f))(u).Value;
            double d2r = AD.Grad(x => AD.Grad(xs => f(xs[0]))(x)[0])([u])[0].Value;
            Assert.True(double.IsFinite(y) && double.IsFinite(d1) && double.IsFinite(d2) && double.IsFinite(d2r),
                $"at {u}: value {y}, first {d1}, second {d2} / {d2r}");
        }
    }

    [Fact]
    public void SigmoidAndSoftplus_EqualTheirLimitsAtPlusMinus1000()
    {
        Assert.Equal(1.0, Sigmoid(1000.0).Value);
        Assert.Equal(0.0, Sigmoid(-1000.0).Value);
        Assert.Equal(0.0, SlopeInBothModes(Sigmoid, 1000));
        Assert.Equal(0.0, SlopeInBothModes(Sigmoid, -1000));
        Assert.Equal(1000.0, Softplus(1000.0).Value);
        Assert.Equal(0.0, Softplus(-1000.0).Value);
        Assert.Equal(1.0, SlopeInBothModes(Softplus, 1000));
        Assert.Equal(0.0, SlopeInBothModes(Softplus, -1000));
        Assert.Equal(0.0, AD.Derivative(AD.Derivative(Softplus))(1000.0).Value);
        Assert.Equal(0.0, AD.Derivative(AD.Derivative(Sigmoid))(-1000.0).Value);
    }

    [Fact]
    public void SigmoidAndSoftplus_AreAccurateInTheTails()
    {
        // σ(−30) = e^−30/(1+e^−30) ≈ 9.36e−14: no cancellation on the negative side (relative accuracy)
        double e30 = Math.Exp(-30);
        Approx.Rel(e30 / (1 + e30), Sigmoid(-30.0).Value, 1e-14);
        Approx.Rel(e30 / ((1 + e30) * (1 + e30)), SlopeInBothModes(Sigmoid, -30), 1e-12);
        // softplus(−30) = log1p(e^−30) ≈ e^−30, not log(1 + e^−30) = 0; softplus′ = σ
        Approx.Rel(e30 - e30 * e30 / 2, Softplus(-30.0).Value, 1e-14);
        Approx.Rel(e30 / (1 + e30), SlopeInBothModes(Softplus, -30), 1e-12);
        // softplus(30) = 30 + log1p(e^−30)
        Approx.Rel(30 + e30, Softplus(30.0).Value, 1e-15);
        Approx.Rel(1 / (1 + e30), SlopeInBothModes(Softplus, 30), 1e-15);
        // σ′(30) = σ(30)(1 − σ(30)) is accurate in absolute terms (≤ two ulps of 1)
        Approx.Abs(e30 / ((1 + e30) * (1 + e30)), SlopeInBothModes(Sigmoid, 30), 4.5e-16);
    }

    [Fact]
    public void Expm1AndLog1p_AreAccurateNearZero()
    {
        const double x = 1e-10;
        Approx.Rel(x + x * x / 2 + x * x * x / 6, Expm1(x).Value, 1e-15);
        Approx.Rel(x - x * x / 2 + x * x * x / 3, Log1p(x).Value, 1e-15);
        Approx.Rel(Math.Exp(x), SlopeInBothModes(Expm1, x), 1e-15);
        Approx.Rel(1 / (1 + x), SlopeInBothModes(Log1p, x), 1e-15);
    }

    /// <summary>expm1 and log1p to a few ulps over 300 orders of magnitude, both signs, against independent
    /// formulas: log1p x = 2·atanh(x/(2+x)) and expm1 x = 2t/(1−t) with t = tanh(x/2).</summary>
    [Fact]
    public void Expm1AndLog1p_AreAccurateToAFewUlps()
    {
        for (double m = 1e-300; m < 0.9; m *= 7.3)
            foreach (double x in new[] { m, -m })
            {
                Approx.Rel(2 * Math.Atanh(x / (2 + x)), Log1p(x).Value, 1e-15, $"log1p({x:R})");
                double t = Math.Tanh(x / 2);
                Approx.Rel(2 * t / (1 - t), Expm1(x).Value, 1e-15, $"expm1({x:R})");
            }
        // the ends of their ranges
        Assert.Equal(double.NegativeInfinity, Log1p(-1.0).Value);
        Assert.True(double.IsNaN(Log1p(-2.0).Value));
        Assert.Equal(double.PositiveInfinity, Log1p(double.PositiveInfinity).Value);
        Approx.Rel(Math.Log(1e300), Log1p(1e300).Value, 1e-15);
        Assert.Equal(-1.0, Expm1(-1000.0).Value);
        Assert.Equal(double.PositiveInfinity, Expm1(1000.0).Value);
        Approx.Rel(Math.Exp(709), Expm1(709.0).Value, 1e-15);
        Assert.Equal(-0.0, Expm1(-0.0).Value);
        Assert.True(double.IsNegative(Expm1(-0.0).Value) && double.IsNegative(Log1p(-0.0).Value));
    }
}
