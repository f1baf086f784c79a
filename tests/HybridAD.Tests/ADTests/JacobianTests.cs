using HybridAD.Core;
using static HybridAD.Scalar;

namespace HybridAD.Tests.ADTests;

/// <summary><see cref="AD.Jacobian(Func{Scalar[], Scalar[]}, Scalar[], JacobianMode)"/> in its three modes.</summary>
public class JacobianTests
{
    public sealed record Case(string Name, Func<Scalar[], Scalar[]> F, double[] X);

    private static readonly Case[] Cases =
    [
        // ℝ² → ℝ³: polar to a point on a paraboloid
        new("polar 2→3", x => [x[0] * Cos(x[1]), x[0] * Sin(x[1]), x[0] * x[0]], [1.7, 0.6]),
        // ℝ³ → ℝ² (the Jvp test's function)
        new("3→2", JvpTests.F, [0.4, -1.3, 0.25]),
        // ℝ⁴ → ℝ⁴: softmax
        new("softmax 4→4", x =>
        {
            var e = new Scalar[x.Length];
            Scalar sum = 0;
            for (int i = 0; i < x.Length; i++) sum += e[i] = Exp(x[i]);
            for (int i = 0; i < x.Length; i++) e[i] /= sum;
            return e;
        }, [0.1, -0.5, 1.2, 0.3]),
        // ℝ¹ → ℝ⁵: a curve
        new("curve 1→5", x => [Sin(x[0]), Cos(x[0]), Exp(x[0]), Log1p(x[0] * x[0]), Tanh(3 * x[0])], [0.35]),
        // ℝ⁵ → ℝ¹: log-sum-exp
        new("logsumexp 5→1", x =>
        {
            Scalar s = 0;
            foreach (var xi in x) s += Exp(xi);
            return [Log(s)];
        }, [0.2, -1.0, 0.7, 1.4, -0.3]),
        // ℝ³ → ℝ³ with kinks and mixed operations
        new("mixed 3→3", x => [Max(x[0], x[1]) * Hypot(x[1], x[2]), Atan2(x[2], x[0]) + Relu(x[1]), Pow(Abs(x[0]), x[2])],
            [-1.2, 0.8, 0.45]),
    ];

    public static TheoryData<string> Names => [.. Cases.Select(c => c.Name)];

    private static Case Get(string name) => Cases.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void ForwardEqualsReverse(string name)
    {
        var c = Get(name);
        double[,] fwd = AD.Jacobian(c.F, c.X, JacobianMode.Forward);
        double[,] rev = AD.Jacobian(c.F, c.X, JacobianMode.Reverse);
        double[,] auto = AD.Jacobian(c.F, c.X);
        int m = c.F(c.X.ToScalars()).Length;
        Assert.Equal(m, fwd.GetLength(0));
        Assert.Equal(c.X.Length, fwd.GetLength(1));
        Approx.Rel(fwd, rev, 1e-12, $"{name}: forward vs reverse");
        Approx.Rel(fwd, auto, 1e-12, $"{name}: auto vs forward"); // auto runs whichever mode the cost model picks
        // and every row is the gradient of that output (an independent reverse computation)
        for (int i = 0; i < m; i++)
        {
            int ii = i;
            double[] gi = AD.Grad(x => c.F(x)[ii], c.X);
            for (int j = 0; j < gi.Length; j++) Approx.Rel(gi[j], fwd[i, j], 1e-12, $"{name}: J[{i},{j}] vs Grad");
        }
    }

    [Fact]
    public void Polar_MatchesTheAnalyticJacobian()
    {
        double r = 1.7, t = 0.6;
        var expected = new[,] { { Math.Cos(t), -r * Math.Sin(t) }, { Math.Sin(t), r * Math.Cos(t) }, { 2 * r, 0 } };
        Approx.Rel(expected, AD.Jacobian(Get("polar 2→3").F, [r, t], JacobianMode.Reverse), 1e-14);
        Approx.Rel(expected, AD.Jacobian(Get("polar 2→3").F, [r, t], JacobianMode.Forward), 1e-14);
        // the function-returning overload
        Scalar[,] j = AD.Jacobian(Get("polar 2→3").F)(new Scalar[] { r, t });
        Approx.Rel(expected, j.ToDoubles(), 1e-14);
    }

    /// <summary>Which mode evaluated f: a tape (reverse) or dual numbers (forward), seen from inside f.</summary>
    private static Func<Scalar[], Scalar[]> Spy(int m, List<string> modes) => x =>
    {
        if (!x[0].IsConstant) modes.Add((x[0].Key & Level.TapeBit) != 0 ? "reverse" : "forward");
        var y = new Scalar[m];
        for (int i = 0; i < m; i++) y[i] = (i + 1) * x[i % x.Length] * x[0];
        return y;
    };

    // Auto is cost-based (Selection/ModeSelector); what it guarantees whatever the calibration: a function of one
    // input is differentiated forward (one tangent sweep), a scalar-valued function of several inputs in reverse.
    [Theory]
    [InlineData(1, 1, "forward")]
    [InlineData(1, 4, "forward")]
    [InlineData(4, 1, "reverse")]
    [InlineData(5, 1, "reverse")]
    public void Auto_GuaranteedChoices(int n, int m, string expected)
    {
        var modes = new List<string>();
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = 1 + i;
        double[,] auto = AD.Jacobian(Spy(m, modes), x);
        Assert.NotEmpty(modes);
        Assert.All(modes, mode => Assert.Equal(expected, mode));
        Approx.Rel(AD.Jacobian(Spy(m, []), x, JacobianMode.Forward), auto, 1e-15, "auto vs forward");
    }

    [Fact]
    public void ScalarsInJacobian_AreConstants()
    {
        Scalar[,] j = AD.Jacobian(Get("3→2").F, new Scalar[] { 0.4, -1.3, 0.25 }, JacobianMode.Reverse);
        foreach (Scalar e in j) Assert.True(e.IsConstant);
    }
}
