using HybridAD.Cli.Commands.Bench;
using static HybridAD.Scalar;

namespace HybridAD.Tests.Core;

/// <summary>
/// Nested differentiation through the fast paths, and the state the fast paths keep between calls: the tape's
/// remembered capacity, the per-thread argument arrays, the level table.
/// </summary>
public class NestingAndReuseTests
{
    private static void Close(double expected, double actual, double rel = 1e-12) =>
        Assert.True(Math.Abs(expected - actual) <= rel * Math.Max(1, Math.Abs(expected)),
            $"expected {expected:R}, got {actual:R}");

    [Fact]
    public void RosenbrockHessian_ForwardOverReverse()
    {
        Scalar[,] h = AD.Hessian(RosenbrockScalar.F)(RosenbrockScalar.Point(10).ToScalars());
        Close(68.3411606077, h[0, 0].Value, 1e-11);
        Close(-200, h[0, 1].Value);
        Close(375.101502123, h[1, 1].Value, 1e-11);
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < 10; j++)
                Assert.Equal(h[i, j].Value, h[j, i].Value, 12);
    }

    [Fact]
    public void ReverseOverReverse()
    {
        // f = x₀³·x₁: ∇(∂f/∂x₀) = (6x₀x₁, 3x₀²).
        Func<Scalar[], Scalar> f = x => Cube(x[0]) * x[1];
        Scalar[] g = AD.Grad(x => AD.Grad(f)(x)[0])([2.0, 5.0]);
        Close(60, g[0].Value);
        Close(12, g[1].Value);
    }

    [Fact]
    public void ForwardOverForward_AndReverseOverForward()
    {
        Close(-Math.Sin(0.7), AD.Derivative(AD.Derivative(Sin))(0.7).Value);
        Close(-Math.Cos(0.7), AD.Derivative(AD.Derivative(AD.Derivative(Sin)))(0.7).Value);
        // ∇ₓ d/dt (x₀·t²)|_{t = x₁} = ∇ (2x₀x₁) = (2x₁, 2x₀)
        Scalar[] g = AD.Grad(x => AD.Derivative(t => x[0] * t * t)(x[1]))([3.0, 4.0]);
        Close(8, g[0].Value);
        Close(6, g[1].Value);
    }

    [Fact]
    public void PerturbationConfusion_MixedModes()
    {
        // d/dx (x · d/dy (x + y)) = 1 with the inner derivative in reverse mode as well.
        Close(1, AD.Derivative(x => x * AD.Grad(y => x + y[0])([1.0])[0])(1).Value);
        Close(1, AD.Grad(x => x[0] * AD.Derivative(y => x[0] + y)(1))([1.0])[0].Value);
        Close(2, AD.Grad(x => x[0] * AD.Grad(y => x[0] * y[0])([2.0])[0])([1.0])[0].Value);
    }

    [Fact]
    public void CustomRule_ThroughEveryMode()
    {
        var logOnePlusSquare = CustomRule.Create("log1p_sq", 1,
            primal: x => Math.Log(1 + x[0] * x[0]),
            partials: (x, y) => [2 * x[0] / (1 + x[0] * x[0])]);
        Func<Scalar, Scalar> builtIn = x => Log(1 + x * x);
        Func<Scalar, Scalar> custom = x => logOnePlusSquare.Invoke(x) * x;
        Func<Scalar, Scalar> reference = x => builtIn(x) * x;
        Close(AD.Derivative(reference)(0.8).Value, AD.Derivative(custom)(0.8).Value);
        Close(AD.Grad(x => reference(x[0]))([0.8])[0].Value, AD.Grad(x => custom(x[0]))([0.8])[0].Value);
        Close(AD.Derivative(AD.Derivative(reference))(0.8).Value, AD.Derivative(AD.Derivative(custom))(0.8).Value);
        Close(AD.Hessian(x => reference(x[0]))([0.8])[0, 0].Value, AD.Hessian(x => custom(x[0]))([0.8])[0, 0].Value);
    }

    private static Scalar SumOfSquares(Scalar[] x)
    {
        Scalar s = 0;
        foreach (Scalar xi in x) s += xi * xi;
        return s;
    }

    [Fact]
    public void TapesOfChangingSize_GiveExactGradients()
    {
        // Big, small, bigger, small: capacity remembered from the previous tape, grown when it is not enough.
        foreach (int n in new[] { 200_000, 3, 500_000, 1, 70_000 })
        {
            double[] x = new double[n];
            for (int i = 0; i < n; i++) x[i] = i % 97 - 40;
            double[] g = AD.Grad(SumOfSquares, x);
            for (int i = 0; i < n; i++) Assert.Equal(2 * x[i], g[i]);
        }
    }

    [Fact]
    public void NestedTapes_WithBigInnerTapes()
    {
        // Each outer op calls an inner gradient with its own big tape (remembered at nesting depth 1).
        int n = 5000;
        var inner = new Scalar[n];
        for (int i = 0; i < n; i++) inner[i] = 0.001 * i;
        Scalar[] g = AD.Grad(x =>
        {
            Scalar s = 0;
            for (int k = 0; k < 3; k++)
                s += x[k] * AD.Grad(y => SumOfSquares(y) * x[k])(inner)[n - 1]; // ∂/∂y_{n−1} = 2·y_{n−1}·x_k
            return s;
        })([1.0, 2.0, 3.0]);
        double c = 2 * inner[n - 1].Value;
        for (int k = 0; k < 3; k++) Close(2 * c * (k + 1), g[k].Value); // d/dx_k (x_k · c·x_k) = 2c·x_k
    }

    [Fact]
    public void ArgumentArrays_NestedCallsOfTheSameLength_DoNotShareAnArray()
    {
        int n = 4096; // above the pooling threshold
        var x = new double[n];
        var v = new double[n];
        for (int i = 0; i < n; i++) { x[i] = 1 + 0.001 * i; v[i] = 1; }
        Scalar[] xs = x.ToScalars(), vs = v.ToScalars();
        for (int round = 0; round < 3; round++)
        {
            var (value, tangent) = AD.Jvp(outer =>
            {
                // An inner Jvp over an array of the same length while the outer array is in use.
                var (innerValue, innerTangent) = AD.Jvp(inner => SumOfSquares(inner), xs, vs);
                Scalar s = 0;
                for (int i = 0; i < n; i++) s += outer[i];
                return s * (innerTangent.Value / innerValue.Value);
            }, xs, vs);
            double sumX = x.Sum(), sumSq = x.Sum(t => t * t), ratio = 2 * sumX / sumSq;
            Close(sumX * ratio, value.Value, 1e-10);
            Close(n * ratio, tangent.Value, 1e-10);
        }
    }

    [Fact]
    public void ArgumentArrays_IdentityFunctions_ReturnTheirInputs()
    {
        int n = 2048;
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = i;
        var (value, tangent) = AD.Jvp(xs => xs, x, x);
        Assert.Equal(x, value);
        Assert.Equal(x, tangent);
        var (y, pullback) = AD.Vjp(xs => xs, x.ToScalars());
        var u = new Scalar[n];
        u[5] = 3;
        Scalar[] row = pullback(u);
        Assert.Equal(x, y.ToDoubles());
        Assert.Equal(3.0, row[5].Value);
        Assert.Equal(0.0, row[6].Value);
    }

    [Fact]
    public void ConcurrentGradients_AreIndependent()
    {
        int[] sizes = [10, 1000, 20_000, 5, 50_000, 300, 7, 40_000];
        var errors = new string?[sizes.Length];
        Parallel.For(0, sizes.Length, new ParallelOptions { MaxDegreeOfParallelism = sizes.Length }, k =>
        {
            double[] x = RosenbrockScalar.Point(sizes[k]);
            for (int rep = 0; rep < 5; rep++)
            {
                double[] hand = RosenbrockScalar.HandGradient(x);
                double[] g = AD.Grad(RosenbrockScalar.F, x);
                double tangent = AD.Jvp(RosenbrockScalar.F, x.ToScalars(), Enumerable.Repeat(new Scalar(1), x.Length).ToArray()).Tangent.Value;
                for (int i = 0; i < x.Length; i++)
                    if (Math.Abs(hand[i] - g[i]) > 1e-12 * Math.Max(1, Math.Abs(hand[i]))) errors[k] = $"n={x.Length} i={i}: {hand[i]} vs {g[i]}";
                if (Math.Abs(tangent - hand.Sum()) > 1e-9 * Math.Max(1, Math.Abs(tangent))) errors[k] = $"n={x.Length}: jvp {tangent} vs {hand.Sum()}";
            }
        });
        Assert.All(errors, Assert.Null);
    }
}
