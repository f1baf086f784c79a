using static HybridAD.Scalar;

namespace HybridAD.Tests.Rules;

/// <summary>
/// NaN in gives NaN out (docs/api.md, "NaN policy"): a NaN primal propagates through every function; every
/// partial that depends on the NaN operand is NaN, in both modes, including the kinked functions (relu, abs,
/// min, max) whose branch tests would otherwise pick a finite slope. Only partials that do not depend on the
/// NaN operand at all keep their value (the constant slopes of +, −, negation, and b in ∂(a·b)/∂a).
/// </summary>
public class NanPolicyTests
{
    public static TheoryData<string> UnaryLabels => ElementalsTests.UnaryLabels;
    public static TheoryData<string> BinaryLabels => ElementalsTests.BinaryLabels;

    [Theory]
    [MemberData(nameof(UnaryLabels))]
    public void Unary_NaNIn_NaNOut_InBothModes(string label)
    {
        var u = ElementalsTests.Unaries.Single(c => c.Label == label);
        double nan = double.NaN;
        // negation's slope is the constant −1 whatever x is
        Func<double, bool> expected = label == "Neg" ? d => d == -1 : double.IsNaN;

        Approx.IsNaN(u.F(nan).Value, $"{label}(NaN) on a constant");
        var (y, t) = AD.Jvp(xs => u.F(xs[0]), [nan], [1.0]);
        Approx.IsNaN(y.Value, $"{label}(NaN) value, forward");
        Assert.True(expected(t.Value), $"{label}′(NaN) forward: got {t.Value}");
        var (yr, g) = AD.ValueAndGrad(xs => u.F(xs[0]))([nan]);
        Approx.IsNaN(yr.Value, $"{label}(NaN) value, reverse");
        Assert.True(expected(g[0].Value), $"{label}′(NaN) reverse: got {g[0].Value}");
        // second derivative: NaN, except where f″ is a constant (0 for the piecewise-linear ones, 2 for x²)
        double second = AD.Derivative(AD.Derivative(u.F))(nan).Value;
        double expectedSecond = label switch { "Neg" or "Relu" or "Abs" => 0, "Square" => 2, _ => double.NaN };
        Assert.True(expectedSecond.Equals(second), $"{label}″(NaN): expected {expectedSecond}, got {second}");
    }

    [Theory]
    [MemberData(nameof(BinaryLabels))]
    public void Binary_NaNIn_NaNOut_InBothModes(string label)
    {
        var b = ElementalsTests.Binaries.Single(c => c.Label == label);
        double nan = double.NaN;

        Approx.IsNaN(b.F(nan, 1.5).Value, $"{label}(NaN, 1.5)");
        Approx.IsNaN(b.F(1.5, nan).Value, $"{label}(1.5, NaN)");

        // f(x, x) at x = NaN: the slope is NaN except for the linear + and −
        double expectedSame = label switch { "Add" => 2, "Sub" => 0, _ => double.NaN };
        Func<Scalar[], Scalar> same = xs => b.F(xs[0], xs[0]);
        var (y, t) = AD.Jvp(same, [nan], [1.0]);
        Approx.IsNaN(y.Value, $"{label}(NaN, NaN) forward value");
        Assert.Equal(expectedSame, t.Value);
        Assert.Equal(expectedSame, AD.Grad(same, [nan])[0]);

        // (∂/∂a, ∂/∂b) at (NaN, 1.5): ∂/∂a is NaN unless it does not depend on a (+, −, ·, /);
        // ∂/∂b is NaN unless it is a constant (+, −).
        (double da, double db) = label switch
        {
            "Add" => (1, 1),
            "Sub" => (1, -1),
            "Mul" => (1.5, nan),
            "Div" => (1 / 1.5, nan),
            _ => (nan, nan),
        };
        Func<Scalar[], Scalar> f = xs => b.F(xs[0], xs[1]);
        Assert.Equal(da, AD.Jvp(f, [nan, 1.5], [1.0, 0.0]).Tangent.Value);
        Assert.Equal(db, AD.Jvp(f, [nan, 1.5], [0.0, 1.0]).Tangent.Value);
        double[] g = AD.Grad(f, [nan, 1.5]);
        Assert.Equal(da, g[0]);
        Assert.Equal(db, g[1]);
    }

    [Fact]
    public void NaN_PropagatesThroughAComposite_InEveryCombinator()
    {
        Func<Scalar[], Scalar> f = x => Relu(x[0]) * Sin(x[1]) + Max(x[0], x[1]) + Abs(x[0]) / Hypot(x[0], x[1]);
        double[] p = [double.NaN, 0.3];
        Approx.IsNaN(f(p.ToScalars()).Value, "value");
        double[] g = AD.Grad(f, p);
        Approx.IsNaN(g[0], "∂f/∂x₀");
        Approx.IsNaN(g[1], "∂f/∂x₁ (via max and hypot)");
        var (y, t) = AD.Jvp(f, p.ToScalars(), [1.0, 0.0]);
        Approx.IsNaN(y.Value, "Jvp value");
        Approx.IsNaN(t.Value, "Jvp tangent");
        double[,] h = AD.Hessian(f, p);
        Approx.IsNaN(h[0, 0], "H₀₀");
    }

    [Fact]
    public void NaNSeed_GivesNaNDerivative()
    {
        Func<Scalar[], Scalar[]> f = x => [x[0] * x[1], Sin(x[0])];
        var (_, t) = AD.Jvp(f, [1.0, 2.0], [double.NaN, 0.0]);
        Approx.IsNaN(t[0], "J·v with NaN in v");
        var (_, pullback) = AD.Vjp(f, [1.0, 2.0]);
        Scalar[] row = pullback([double.NaN, 0.0]);
        Approx.IsNaN(row[0].Value, "uᵀJ with NaN in u");
        Approx.IsNaN(row[1].Value, "uᵀJ with NaN in u");
    }
}
