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
}
