using static HybridAD.Scalar;

namespace HybridAD.Tests.ADTests;

/// <summary><see cref="AD.Grad(Func{Scalar[], Scalar})"/> and <see cref="AD.ValueAndGrad"/>: ∇f of f : ℝⁿ → ℝ
/// by reverse mode.</summary>
public class GradTests
{
    // f(x) = x₀² x₁ + sin(x₁ x₂) + e^(x₀)/x₂
    private static Scalar F(Scalar[] x) => x[0] * x[0] * x[1] + Sin(x[1] * x[2]) + Exp(x[0]) / x[2];

    private static double[] GradF(double[] x) =>
    [
        2 * x[0] * x[1] + Math.Exp(x[0]) / x[2],
        x[0] * x[0] + x[2] * Math.Cos(x[1] * x[2]),
        x[1] * Math.Cos(x[1] * x[2]) - Math.Exp(x[0]) / (x[2] * x[2]),
    ];

    [Fact]
    public void MatchesTheAnalyticGradient()
    {
        foreach (double[] p in new[] { new[] { 0.3, -1.2, 2.0 }, new[] { -1.5, 0.7, -0.4 }, new[] { 2.0, 2.0, 2.0 } })
        {
            Approx.Rel(GradF(p), AD.Grad(F, p), 1e-13, "Grad(f, double[])");
            Approx.Rel(GradF(p), AD.Grad(F)(p.ToScalars()), 1e-13, "Grad(f)(Scalar[])");
            var (value, g) = AD.ValueAndGrad(F)(p.ToScalars());
            Assert.Equal(F(p.ToScalars()).Value, value.Value);
            Assert.True(value.IsConstant);
            Approx.Rel(GradF(p), g, 1e-13, "ValueAndGrad");
            foreach (Scalar gi in g) Assert.True(gi.IsConstant);
        }
    }

    [Fact]
    public void InputsThatDoNotMatter_GetZero_AndAConstantFunctionHasGradientZero()
    {
        Assert.Equal(new[] { 0.0, 3.0, 0.0 }, AD.Grad(x => 3 * x[1], [1.0, 2.0, 3.0]));
        var (v, g) = AD.ValueAndGrad(_ => 5.0)([1.0, 2.0]);
        Assert.Equal(5.0, v.Value);
        Assert.Equal(new[] { 0.0, 0.0 }, g.ToDoubles());
        // returning an input itself: the unit vector
        Assert.Equal(new[] { 0.0, 1.0, 0.0 }, AD.Grad(x => x[1], [1.0, 2.0, 3.0]));
    }

    [Fact]
    public void FanOut_AccumulatesAdjoints()
    {
        // x₀ used 100 times: f = Σₖ k·x₀ + x₀·x₁ ⇒ ∂f/∂x₀ = 5050 + x₁
        double[] g = AD.Grad(x =>
        {
            Scalar acc = x[0] * x[1];
            for (int k = 1; k <= 100; k++) acc += k * x[0];
            return acc;
        }, [0.5, 4.0]);
        Assert.Equal(new[] { 5054.0, 0.5 }, g);
    }

    [Fact]
    public void RosenbrockGradient_MatchesTheOracle_AtNEquals100000()
    {
        // The benchmark oracle (user-written scalar loop, n = 10⁵, xᵢ = 0.5 + 0.1 sin i).
        var x = new double[100_000];
        for (int i = 0; i < x.Length; i++) x[i] = 0.5 + 0.1 * Math.Sin(i);
        double[] g = AD.Grad(HessianTests.Rosenbrock, x);
        Approx.Rel(-67.82941969615794, g[0], 1e-13);
        Approx.Rel(7.652655404025516, g[1], 1e-13);
        Approx.Rel(10.141196995881742, g[2], 1e-13);
        double sum = 0;
        foreach (double gi in g) sum += gi;
        Approx.Rel(-8071.38005747114, sum, 1e-11);
    }

    [Fact]
    public void RepeatedCalls_OfDifferentSizes_ReuseTapesCorrectly()
    {
        // Pooled tape arrays come back dirty: a small call after a large one must not see old nodes.
        var grad = AD.Grad(x => { Scalar s = 0; foreach (var xi in x) s += xi * xi * xi; return s; });
        for (int round = 0; round < 3; round++)
            foreach (int n in new[] { 5000, 3, 700, 1 })
            {
                var p = new Scalar[n];
                for (int i = 0; i < n; i++) p[i] = 0.001 * i - 1;
                Scalar[] g = grad(p);
                for (int i = 0; i < n; i++) Approx.Rel(3 * p[i].Value * p[i].Value, g[i].Value, 1e-14, $"n = {n}, i = {i}");
            }
    }

    [Fact]
    public void ValueAndGrad_OfAFunctionReturningAnOuterValue_IsThatValueWithGradientZero()
    {
        // Inside an outer Derivative, an inner Grad whose f ignores its own input returns the outer value.
        double d = AD.Derivative(t =>
        {
            var (v, g) = AD.ValueAndGrad(_ => t * t)([1.0]);
            Assert.Equal(0.0, g[0].Value);
            return v;
        })(3.0).Value;
        Assert.Equal(6.0, d);
    }
}
