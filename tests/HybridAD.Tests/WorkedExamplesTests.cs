using HybridAD;
using static HybridAD.Scalar;

namespace HybridAD.Tests;

/// <summary>The source notes' worked examples, in both modes, to 1e-12 relative.</summary>
public class WorkedExamplesTests
{
    internal static void Close(double expected, double actual, double rel = 1e-12) =>
        Assert.True(Math.Abs(expected - actual) <= rel * Math.Max(1, Math.Abs(expected)),
            $"expected {expected:R}, got {actual:R} (diff {Math.Abs(expected - actual):E3})");

    // (a) logistic regression RSS
    internal static Scalar Logistic(Scalar[] w)
    {
        (double, double, double)[] data = [(1, 1.5, 0), (1.5, -1, 1)];
        Scalar loss = 0;
        foreach (var (x1, x2, c) in data)
            loss += Square(c - Sigmoid(w[0] + w[1] * x1 + w[2] * x2));
        return loss;
    }

    internal static Scalar SinCos(Scalar[] x)
    {
        Scalar q = x[0] / x[1];
        Scalar e = Exp(x[1]);
        return (Sin(q) + q - e) * (q - e);
    }

    [Fact]
    public void Logistic_Reverse()
    {
        var (value, g) = AD.ValueAndGrad(Logistic)([-1.0, 1.5, 0.5]);
        Close(0.707121381244987, value.Value);
        Close(0.129297943112215, g[0].Value);
        Close(0.0593925877703805, g[1].Value);
        Close(0.543473691377497, g[2].Value);
    }

    [Fact]
    public void Logistic_Forward()
    {
        double[] w = [-1.0, 1.5, 0.5];
        double[] expected = [0.129297943112215, 0.0593925877703805, 0.543473691377497];
        for (int j = 0; j < 3; j++)
        {
            var v = new double[3];
            v[j] = 1;
            var (y, t) = AD.Jvp(Logistic, w.ToScalars(), v.ToScalars());
            Close(0.707121381244987, y.Value);
            Close(expected[j], t.Value);
        }
    }

    [Fact]
    public void SinCos_BothModes()
    {
        double[] g = AD.Grad(SinCos, [1.5, 0.5]);
        Close(3.01184332767391, g[0]);
        Close(-13.7239615093141, g[1]);
        var (y, t0) = AD.Jvp(SinCos, new Scalar[] { 1.5, 0.5 }, new Scalar[] { 1, 0 });
        var (_, t1) = AD.Jvp(SinCos, new Scalar[] { 1.5, 0.5 }, new Scalar[] { 0, 1 });
        Close(2.0166466694282, y.Value);
        Close(3.01184332767391, t0.Value);
        Close(-13.7239615093141, t1.Value);
    }

    [Fact]
    public void Quartic()
    {
        Func<Scalar, Scalar> l = x => -(5 * Square(x)) * Square(x);
        Close(-160, AD.Derivative(l)(2).Value);
        Close(-160, AD.Grad(x => l(x[0]), [2.0])[0]);
        Close(-80, l(2).Value);
    }

    [Fact]
    public void LogSqrtLog()
    {
        Func<Scalar, Scalar> f = x => Log(x) + Sqrt(Log(x));
        Close(1.52570179171764, f(2).Value);
        Close(0.800280602196612, AD.Derivative(f)(2).Value);
        Close(0.800280602196612, AD.Grad(x => f(x[0]), [2.0])[0]);
    }

    [Fact]
    public void Product()
    {
        Func<Scalar[], Scalar> f = x => { Scalar p = 1; foreach (var xi in x) p *= xi; return p; };
        double[] x = [1, 2, 3, 4, 5, 6];
        double[] expected = [720, 360, 240, 180, 144, 120];
        double[] g = AD.Grad(f, x);
        double[,] j = AD.Jacobian(xs => [f(xs)], x, JacobianMode.Forward);
        for (int i = 0; i < 6; i++) { Assert.Equal(expected[i], g[i]); Assert.Equal(expected[i], j[0, i]); }
    }

    [Fact]
    public void SumOfSquaresIsExactlyTwo()
    {
        double[] x = new double[1000];
        for (int i = 0; i < x.Length; i++) x[i] = i + 1;
        Func<Scalar[], Scalar> f = xs => { Scalar s = 0; foreach (var xi in xs) s += xi * xi; return s; };
        Assert.Equal(2.0, AD.Grad(f, x)[0]);
        var v = new double[1000]; v[0] = 1;
        Assert.Equal(2.0, AD.Jvp(f, x.ToScalars(), v.ToScalars()).Tangent.Value);
    }

    [Fact]
    public void PerturbationConfusion()
    {
        var d = AD.Derivative;
        Assert.Equal(1.0, d(x => x * d(y => x + y)(1))(1).Value);
        Assert.Equal(2.0, d(x => x * d(y => x * y)(2))(1).Value);
    }

    // ------------------------------------------------------------------ the same examples through every combinator

    [Fact]
    public void Logistic_VjpAndJacobians()
    {
        double[] w = [-1.0, 1.5, 0.5];
        double[] expected = [0.129297943112215, 0.0593925877703805, 0.543473691377497];
        var (value, pullback) = AD.Vjp(Logistic, w.ToScalars());
        Close(0.707121381244987, value.Value);
        Scalar[] g = pullback(1.0);
        for (int j = 0; j < 3; j++) Close(expected[j], g[j].Value);
        foreach (JacobianMode mode in new[] { JacobianMode.Forward, JacobianMode.Reverse, JacobianMode.Auto })
        {
            double[,] jac = AD.Jacobian(x => [Logistic(x)], w, mode);
            for (int j = 0; j < 3; j++) Close(expected[j], jac[0, j]);
        }
        // the Hessian is symmetric and its rows are the gradients of the partials (both nestings agree)
        double[,] h = AD.Hessian(Logistic, w);
        double[,] hrr = AD.Jacobian(AD.Grad(Logistic), w, JacobianMode.Reverse);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                Close(h[i, j], h[j, i]); // symmetric up to rounding
                Close(h[i, j], hrr[i, j]);
            }
    }

    [Fact]
    public void SinCos_VjpAndJacobians()
    {
        var (value, pullback) = AD.Vjp(SinCos, new Scalar[] { 1.5, 0.5 });
        Close(2.0166466694282, value.Value);
        Scalar[] g = pullback(1.0);
        Close(3.01184332767391, g[0].Value);
        Close(-13.7239615093141, g[1].Value);
        double[,] jf = AD.Jacobian(x => [SinCos(x)], [1.5, 0.5], JacobianMode.Forward);
        double[,] jr = AD.Jacobian(x => [SinCos(x)], [1.5, 0.5], JacobianMode.Reverse);
        Close(3.01184332767391, jf[0, 0]);
        Close(-13.7239615093141, jf[0, 1]);
        Close(3.01184332767391, jr[0, 0]);
        Close(-13.7239615093141, jr[0, 1]);
        // each partial as a one-variable Derivative with the other input held constant
        Close(3.01184332767391, AD.Derivative(a => SinCos([a, 0.5]))(1.5).Value);
        Close(-13.7239615093141, AD.Derivative(b => SinCos([1.5, b]))(0.5).Value);
    }

    [Fact]
    public void Quartic_AndLogSqrtLog_SecondDerivatives()
    {
        // (c) L = −5x⁴: L″ = −60x² = −240 at 2
        Func<Scalar, Scalar> l = x => -(5 * Square(x)) * Square(x);
        Close(-240, AD.Derivative(AD.Derivative(l))(2).Value);
        Close(-240, AD.Hessian(x => l(x[0]), [2.0])[0, 0]);
        // (d) f = log x + √(log x): f″ = −1/x² − (√L + 1/(2√L))/(2x²L), L = log x
        Func<Scalar, Scalar> f = x => Log(x) + Sqrt(Log(x));
        double lx = Math.Log(2), r = Math.Sqrt(lx);
        double expected = -1 / 4.0 - (r + 1 / (2 * r)) / (2 * 4 * lx);
        Close(expected, AD.Derivative(AD.Derivative(f))(2).Value);
        Close(expected, AD.Grad(x => AD.Grad(y => f(y[0]))(x)[0])([2.0])[0].Value);
        Close(0.800280602196612, AD.Vjp(x => f(x[0]), [2.0]).Pullback(1.0)[0].Value);
    }

    [Fact]
    public void Product_Hessian_IsExact()
    {
        // (e) f = Π xᵢ at (1, …, 6): ∂²f/∂xᵢ∂xⱼ = 720/(xᵢxⱼ) for i ≠ j, 0 on the diagonal
        Func<Scalar[], Scalar> f = x => { Scalar p = 1; foreach (var xi in x) p *= xi; return p; };
        double[] x = [1, 2, 3, 4, 5, 6];
        double[,] h = AD.Hessian(f, x);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                Assert.Equal(i == j ? 0 : 720 / (x[i] * x[j]), h[i, j]);
        var (_, pullback) = AD.Vjp(xs => [f(xs)], x.ToScalars());
        Assert.Equal(new[] { 720.0, 360, 240, 180, 144, 120 }, pullback([1.0]).ToDoubles());
    }

    [Fact]
    public void SumOfSquares_HvpIsTwoV_Exactly()
    {
        // (f) Σ xᵢ², n = 1000: H = 2I, so H·v = 2v with no rounding at all
        double[] x = new double[1000];
        var v = new Scalar[1000];
        for (int i = 0; i < x.Length; i++) { x[i] = i + 1; v[i] = Math.Sin(i); }
        Func<Scalar[], Scalar> f = xs => { Scalar s = 0; foreach (var xi in xs) s += xi * xi; return s; };
        Scalar[] hv = AD.Hvp(f, x.ToScalars(), v);
        for (int i = 0; i < x.Length; i++) Assert.Equal(2 * v[i].Value, hv[i].Value);
        Assert.Equal(2.0, AD.Vjp(xs => [f(xs)], x.ToScalars()).Pullback([1.0])[0].Value);
    }

    [Fact]
    public void PerturbationConfusion_ReverseAndMixed()
    {
        var d = AD.Derivative;
        Func<Func<Scalar, Scalar>, Func<Scalar, Scalar>> g = f => x => AD.Grad(xs => f(xs[0]))([x])[0];
        Assert.Equal(1.0, g(x => x * g(y => x + y)(1))(1).Value);
        Assert.Equal(2.0, g(x => x * g(y => x * y)(2))(1).Value);
        Assert.Equal(1.0, d(x => x * g(y => x + y)(1))(1).Value);
        Assert.Equal(2.0, g(x => x * d(y => x * y)(2))(1).Value);
    }
}
