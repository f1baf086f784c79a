using static HybridAD.Scalar;

namespace HybridAD.Tests.ADTests;

/// <summary><see cref="AD.Jvp(Func{Scalar[], Scalar[]}, Scalar[], Scalar[])"/>: (f(x), J·v) in one forward pass.</summary>
public class JvpTests
{
    // f : ℝ³ → ℝ², f = (x₀ x₁ − x₂, sin(x₀) · e^(x₂))
    internal static Scalar[] F(Scalar[] x) => [x[0] * x[1] - x[2], Sin(x[0]) * Exp(x[2])];

    internal static double[,] JacobianF(double[] x) => new[,]
    {
        { x[1], x[0], -1 },
        { Math.Cos(x[0]) * Math.Exp(x[2]), 0, Math.Sin(x[0]) * Math.Exp(x[2]) },
    };

    private static double[] Times(double[,] j, double[] v)
    {
        var r = new double[j.GetLength(0)];
        for (int i = 0; i < r.Length; i++)
            for (int k = 0; k < v.Length; k++) r[i] += j[i, k] * v[k];
        return r;
    }

    [Fact]
    public void IsTheValueAndJTimesV()
    {
        double[] x = [0.4, -1.3, 0.25];
        foreach (double[] v in new[] { new[] { 1.0, 0, 0 }, new[] { 0, 1.0, 0 }, new[] { 0.3, -2.0, 1.5 } })
        {
            var (y, jv) = AD.Jvp(F, x.ToScalars(), v.ToScalars());
            Approx.Rel(F(x.ToScalars()).ToDoubles(), y, 1e-15, "value");
            Approx.Rel(Times(JacobianF(x), v), jv, 1e-13, "J·v");
            var (yd, jvd) = AD.Jvp(F, x, v); // the double[] overload
            Assert.Equal(y.ToDoubles(), yd);
            Assert.Equal(jv.ToDoubles(), jvd);
        }
    }

    [Fact]
    public void IsLinearInV()
    {
        double[] x = [0.4, -1.3, 0.25], v1 = [1, 2, 3], v2 = [-0.5, 0.25, 4];
        var combo = new double[3];
        for (int i = 0; i < 3; i++) combo[i] = v1[i] + 2 * v2[i];
        double[] a = AD.Jvp(F, x, v1).Tangent, b = AD.Jvp(F, x, v2).Tangent, c = AD.Jvp(F, x, combo).Tangent;
        for (int i = 0; i < 2; i++) Approx.Rel(a[i] + 2 * b[i], c[i], 1e-13);
        // v = 0 gives the symbolic zero
        Assert.Equal(new[] { 0.0, 0.0 }, AD.Jvp(F, x, new double[3]).Tangent);
    }

    [Fact]
    public void ScalarOutputOverload_IsTheDirectionalDerivative()
    {
        var (y, dy) = AD.Jvp(x => x[0] * x[1], new Scalar[] { 3, 4 }, new Scalar[] { 1, 1 });
        Assert.Equal(12.0, y.Value);
        Assert.Equal(7.0, dy.Value);
    }

    [Fact]
    public void OutputsIndependentOfX_HaveZeroTangent()
    {
        var (y, t) = AD.Jvp(x => [5.0, x[0], Cos(2.0)], [1.0], [3.0]);
        Assert.Equal(new[] { 5.0, 1.0, Math.Cos(2.0) }, y);
        Assert.Equal(new[] { 0.0, 3.0, 0.0 }, t);
        var (ye, te) = AD.Jvp(x => [], [1.0], [3.0]);
        Assert.Empty(ye);
        Assert.Empty(te);
    }
}
