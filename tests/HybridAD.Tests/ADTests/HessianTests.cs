using static HybridAD.Scalar;

namespace HybridAD.Tests.ADTests;

/// <summary><see cref="AD.Hessian(Func{Scalar[], Scalar})"/> (forward-over-reverse).</summary>
public class HessianTests
{
    /// <summary>f(x) = Σ_{i&lt;n−1} 100(x_{i+1} − x_i²)² + (1 − x_i)², written as a user would: the benchmark's
    /// workload (one definition, so the oracle tests and the benchmark differentiate the same code).</summary>
    internal static Scalar Rosenbrock(Scalar[] x) => HybridAD.Cli.Commands.Bench.RosenbrockScalar.F(x);

    /// <summary>x_i = 0.5 + 0.1·sin(i), the issue's point.</summary>
    internal static double[] RosenbrockPoint(int n) => HybridAD.Cli.Commands.Bench.RosenbrockScalar.Point(n);

    /// <summary>The analytic Hessian: tridiagonal, H_ii = [i&lt;n−1](1200x_i² − 400x_{i+1} + 2) + [i&gt;0]·200,
    /// H_{i,i+1} = −400 x_i.</summary>
    internal static double[,] RosenbrockHessian(double[] x)
    {
        int n = x.Length;
        var h = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            if (i < n - 1)
            {
                h[i, i] += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
                h[i, i + 1] = h[i + 1, i] = -400 * x[i];
            }
            if (i > 0) h[i, i] += 200;
        }
        return h;
    }

    [Fact]
    public void Rosenbrock_n10_MatchesTheIssueValues_AndIsSymmetric()
    {
        double[] x = RosenbrockPoint(10);
        double[,] h = AD.Hessian(Rosenbrock, x);
        Assert.Equal(10, h.GetLength(0));
        Assert.Equal(10, h.GetLength(1));
        // the issue gives 12 significant digits
        Approx.Rel(68.3411606077, h[0, 0], 1e-11);
        Assert.Equal(-200.0, h[0, 1]);
        Approx.Rel(375.101502123, h[1, 1], 1e-11);
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < 10; j++) Assert.Equal(h[i, j], h[j, i]);
        // every entry against the analytic Hessian, including the exact zeros off the tridiagonal band
        Approx.Matrix(RosenbrockHessian(x), h, 1e-13);
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < 10; j++)
                if (Math.Abs(i - j) > 1) Assert.Equal(0.0, h[i, j]);
    }

    [Fact]
    public void Rosenbrock_AllNestingsAgree()
    {
        double[] x = RosenbrockPoint(6);
        double[,] expected = RosenbrockHessian(x);
        // forward over reverse (Hessian), reverse over reverse, reverse over forward, forward over forward
        Approx.Matrix(expected, AD.Hessian(Rosenbrock)(x.ToScalars()).ToDoubles(), 1e-13, "FoR");
        Approx.Matrix(expected, AD.Jacobian(AD.Grad(Rosenbrock), x, JacobianMode.Reverse), 1e-13, "RoR");
        var rof = new double[6, 6];
        var fof = new double[6, 6];
        for (int j = 0; j < 6; j++)
        {
            int jj = j;
            Func<Scalar[], Scalar> directional = xs => AD.Jvp(Rosenbrock, xs, Approx.Unit(6, jj)).Tangent;
            double[] row = AD.Grad(directional, x);
            double[,] fofRow = AD.Jacobian(xs => [directional(xs)], x, JacobianMode.Forward);
            for (int k = 0; k < 6; k++) { rof[j, k] = row[k]; fof[j, k] = fofRow[0, k]; }
        }
        Approx.Matrix(expected, rof, 1e-13, "RoF");
        Approx.Matrix(expected, fof, 1e-13, "FoF");
    }

    [Fact]
    public void QuadraticForm_HasHessianAPlusATranspose()
    {
        double[,] a = { { 1, 2, 0 }, { -1, 3, 4 }, { 0.5, 0, -2 } };
        Func<Scalar[], Scalar> f = x =>
        {
            Scalar s = 0;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) s += a[i, j] * x[i] * x[j];
            return s;
        };
        double[,] h = AD.Hessian(f, [0.3, -0.2, 1.1]);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) Assert.Equal(a[i, j] + a[j, i], h[i, j]);
    }

    [Fact]
    public void SmallExample_FromTheDocs()
    {
        // f = x₀² x₁ at (1, 2): H = [[2x₁, 2x₀], [2x₀, 0]] = [[4, 2], [2, 0]]
        Scalar[,] h = AD.Hessian(x => x[0] * x[0] * x[1])([1.0, 2.0]);
        Assert.Equal(new double[,] { { 4, 2 }, { 2, 0 } }, h.ToDoubles());
        // a transcendental one: f = sin(x₀ x₁): H = [[−x₁² s, c − x₀x₁ s], [·, −x₀² s]]
        double p = 0.7, q = -1.3, s = Math.Sin(p * q), c = Math.Cos(p * q);
        Approx.Rel(new[,] { { -q * q * s, c - p * q * s }, { c - p * q * s, -p * p * s } },
            AD.Hessian(x => Sin(x[0] * x[1]), [p, q]), 1e-14);
    }
}
