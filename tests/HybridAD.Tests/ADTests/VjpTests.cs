using static HybridAD.Scalar;

namespace HybridAD.Tests.ADTests;

/// <summary><see cref="AD.Vjp(Func{Scalar[], Scalar[]}, Scalar[])"/>: (f(x), u ↦ uᵀJ) from one recording.</summary>
public class VjpTests
{
    private static double[] TransposeTimes(double[,] j, double[] u)
    {
        var r = new double[j.GetLength(1)];
        for (int k = 0; k < r.Length; k++)
            for (int i = 0; i < u.Length; i++) r[k] += u[i] * j[i, k];
        return r;
    }

    [Fact]
    public void Pullback_IsUTransposeJ_AndCanBeCalledSeveralTimes()
    {
        double[] x = [0.4, -1.3, 0.25];
        var (y, pullback) = AD.Vjp(JvpTests.F, x.ToScalars());
        Approx.Rel(JvpTests.F(x.ToScalars()).ToDoubles(), y, 1e-15, "value");
        double[,] j = JvpTests.JacobianF(x);
        var seen = new List<Scalar[]>();
        for (int round = 0; round < 2; round++)
            foreach (double[] u in new[] { new[] { 1.0, 0 }, new[] { 0, 1.0 }, new[] { -0.7, 2.5 } })
            {
                Scalar[] uScalars = u.ToScalars();
                Scalar[] r = pullback(uScalars);
                Approx.Rel(TransposeTimes(j, u), r, 1e-13, $"uᵀJ, u = ({u[0]}, {u[1]}), round {round}");
                Assert.Equal(u, uScalars.ToDoubles()); // the seed is not mutated
                seen.Add(r);
            }
        // every call returns a new array
        for (int a = 0; a < seen.Count; a++)
            for (int b = a + 1; b < seen.Count; b++) Assert.NotSame(seen[a], seen[b]);
    }

    [Fact]
    public void AdjointIdentity_WithJvp()
    {
        // ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩
        double[] x = [0.9, 0.2, -0.6], v = [0.3, -1.1, 2.0], u = [1.7, -0.4];
        double[] jv = AD.Jvp(JvpTests.F, x, v).Tangent;
        Scalar[] jtu = AD.Vjp(JvpTests.F, x.ToScalars()).Pullback(u.ToScalars());
        double lhs = u[0] * jv[0] + u[1] * jv[1];
        double rhs = 0;
        for (int k = 0; k < 3; k++) rhs += jtu[k].Value * v[k];
        Approx.Rel(lhs, rhs, 1e-13);
    }

    [Fact]
    public void RepeatedAndIndependentOutputs()
    {
        // outputs: y, y again, a constant, and an input itself
        var (value, pullback) = AD.Vjp(x =>
        {
            Scalar y = x[0] * x[1];
            return [y, y, 9.0, x[1]];
        }, new Scalar[] { 2, 5 });
        Assert.Equal(new[] { 10.0, 10.0, 9.0, 5.0 }, value.ToDoubles());
        // uᵀJ = 1·(5, 2) + 2·(5, 2) + 100·0 + 3·(0, 1) = (15, 9)
        Assert.Equal(new[] { 15.0, 9.0 }, pullback([1.0, 2.0, 100.0, 3.0]).ToDoubles());
        Assert.Equal(new[] { 0.0, 0.0 }, pullback([0.0, 0.0, 1.0, 0.0]).ToDoubles());
    }

    [Fact]
    public void ScalarOutputOverload_PullsBackAScalar()
    {
        var (value, pullback) = AD.Vjp(x => x[0] * Sin(x[1]), new Scalar[] { 2, 0.5 });
        Approx.Rel(2 * Math.Sin(0.5), value.Value, 1e-15);
        Scalar[] g = pullback(3.0);
        Approx.Rel(3 * Math.Sin(0.5), g[0].Value, 1e-15);
        Approx.Rel(3 * 2 * Math.Cos(0.5), g[1].Value, 1e-15);
    }
}
