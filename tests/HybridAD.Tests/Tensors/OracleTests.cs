using HybridAD;
using static HybridAD.Tests.Tensors.TensorCheck;

namespace HybridAD.Tests.Tensors;

/// <summary>The oracles: vectorized Rosenbrock (value, gradient sum, Hessian trace) and the Jacobian of
/// A·tanh(B·x) against its closed form.</summary>
public class OracleTests
{
    /// <summary>f = Σ 100(b − a²)² + (1 − a)², a = x[0..n−2], b = x[1..n−1].</summary>
    internal static Scalar Rosenbrock(Tensor x)
    {
        Tensor a = x[..^1], b = x[1..];
        Tensor t = b - Tensor.Square(a);
        Tensor u = 1.0 - a;
        return Tensor.Sum(100.0 * Tensor.Square(t) + Tensor.Square(u));
    }

    internal static Tensor RosenbrockPoint(int n) => Tensor.Generate(n, i => 0.5 + 0.1 * Math.Sin(i));

    /// <summary>The analytic gradient, for reference.</summary>
    private static double[] HandGradient(double[] x)
    {
        var g = new double[x.Length];
        for (int i = 0; i < x.Length - 1; i++)
        {
            double t = x[i + 1] - x[i] * x[i];
            g[i] += -400 * t * x[i] - 2 * (1 - x[i]);
            g[i + 1] += 200 * t;
        }
        return g;
    }

    [Fact]
    public void Rosenbrock_ValueAndGradient_AtOneHundredThousand()
    {
        Tensor x = RosenbrockPoint(100_000);
        var (value, grad) = TensorAD.ValueAndGrad(Rosenbrock, x);
        Close(671842.129343497, value.Value, 1e-12, "f");
        Close(671842.129343497, Rosenbrock(x).Value, 1e-12, "primal f");
        double[] g = grad.ToArray();
        double sum = 0;
        foreach (double gi in g) sum += gi;
        Close(-8071.38005747116, sum, 1e-9, "Σ∇f");
        AllClose(HandGradient(x.ToArray()), g, 1e-12, "∇f vs analytic");
    }

    [Fact]
    public void Rosenbrock_Jvp_IsGradientDotV()
    {
        Tensor x = RosenbrockPoint(10_000);
        var (y, dy) = TensorAD.Jvp(Rosenbrock, x, Tensor.Ones(10_000));
        double sum = 0;
        foreach (double gi in HandGradient(x.ToArray())) sum += gi;
        Close(Rosenbrock(x).Value, y.Value, 1e-13, "value");
        Close(sum, dy.Value, 1e-11, "jvp with v = ones");
    }

    [Fact]
    public void Rosenbrock_Hessian_Trace_AtOneThousand()
    {
        Tensor x = RosenbrockPoint(1000);
        Tensor h = TensorAD.Hessian(Rosenbrock, x);
        Assert.Equal([1000, 1000], h.Shape.ToArray());
        double[] hd = h.ToArray();
        double trace = 0;
        for (int i = 0; i < 1000; i++) trace += hd[i * 1000 + i];
        Close(307694.240202612, trace, 1e-12, "trace H");
        // Tridiagonal and symmetric, with the analytic entries.
        double[] xs = x.ToArray();
        for (int i = 0; i < 1000; i++)
            for (int j = 0; j < 1000; j++)
            {
                double expected = 0;
                if (i == j)
                    expected = (i < 999 ? 1200 * xs[i] * xs[i] - 400 * xs[i + 1] + 2 : 0) + (i > 0 ? 200 : 0);
                else if (j == i + 1 || i == j + 1)
                    expected = -400 * xs[Math.Min(i, j)];
                Close(expected, hd[i * 1000 + j], 1e-12, $"H[{i},{j}]");
            }
    }

    [Fact]
    public void Rosenbrock_Hvp_MatchesHessian()
    {
        Tensor x = RosenbrockPoint(300);
        Tensor v = Tensor.Generate(300, i => Math.Cos(i));
        double[] hv = TensorAD.Hvp(Rosenbrock, x, v).ToArray();
        double[] h = TensorAD.Hessian(Rosenbrock, x, blockSize: 64).ToArray();
        double[] vd = v.ToArray();
        var expected = new double[300];
        for (int i = 0; i < 300; i++)
            for (int j = 0; j < 300; j++) expected[i] += h[i * 300 + j] * vd[j];
        AllClose(expected, hv, 1e-12, "Hvp vs H·v");
    }

    /// <summary>The Jacobian workload shared with <c>hybridad bench jacobian</c>: f(x) = A·tanh(B·x), B of 64×n,
    /// A of m×64, scaled random entries (one definition, so the benchmark's oracle is the one tested here).</summary>
    internal static (Tensor A, Tensor B, Tensor X) JacobianProblem(int n, int m, int seed = 42) =>
        HybridAD.Cli.Commands.Bench.TensorJacobianWorkload.Problem(n, m, seed);

    /// <summary>A·diag(1 − tanh²(B·x))·B, the benchmark's hand-derived closed form (independent of AD).</summary>
    internal static double[] ClosedForm(Tensor a, Tensor b, Tensor x) =>
        HybridAD.Cli.Commands.Bench.TensorJacobianWorkload.ClosedForm(a, b, x);

    [Theory]
    [InlineData(1, 100)]
    [InlineData(10, 100)]
    [InlineData(100, 100)]
    [InlineData(100, 10)]
    [InlineData(100, 1)]
    [InlineData(10, 10)]
    [InlineData(37, 53)]
    public void Jacobian_OfATanhBx_MatchesClosedForm(int n, int m)
    {
        var (a, b, x) = JacobianProblem(n, m);
        Func<Tensor, Tensor> f = v => Tensor.MatMul(a, Tensor.Tanh(Tensor.MatMul(b, v)));
        double[] expected = ClosedForm(a, b, x);
        foreach (JacobianMode mode in new[] { JacobianMode.Auto, JacobianMode.Forward, JacobianMode.Reverse })
            foreach (int k in new[] { 0, 1, 7 })
            {
                Tensor j = TensorAD.Jacobian(f, x, mode, k);
                Assert.Equal([m, n], j.Shape.ToArray());
                AllClose(expected, j.ToArray(), 1e-12, $"J ({mode}, k={k})");
            }
    }
}
