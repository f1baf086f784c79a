using HybridAD;
using HybridAD.Core;
using HybridAD.Tensors.Ops;
using static HybridAD.Tests.Tensors.TensorCheck;

namespace HybridAD.Tests.Tensors;

/// <summary>The fused sum-gradient under forward over reverse (<c>TensorAD.Hvp</c> = Jvp of Grad): the sum of an
/// elementwise region perturbed by one forward level computes its value, its tangent and the tangent of its
/// gradient in one pass. Checked against the closed-form Rosenbrock Hessian (tridiagonal) at block edges and
/// across the parallel threshold, the dense Hessian, central differences of the gradient, scaled and perturbed
/// adjoints, the gradient's pending primal, and deeper nesting (which takes the ordinary sweep).</summary>
public class FusedHvpTests
{
    /// <summary>H·v for f = Σ 100(x_{i+1} − x_i²)² + (1 − x_i)², from the closed-form tridiagonal Hessian.</summary>
    private static double[] RosenbrockHv(double[] x, double[] v)
    {
        var hv = new double[x.Length];
        for (int i = 0; i < x.Length - 1; i++)
        {
            hv[i] += (1200 * x[i] * x[i] - 400 * x[i + 1] + 2) * v[i] - 400 * x[i] * v[i + 1];
            hv[i + 1] += -400 * x[i] * v[i] + 200 * v[i + 1];
        }
        return hv;
    }

    [Fact]
    public void Forward_Over_Reverse_Fuses_The_Sum_With_The_Gradient_Tangent()
    {
        Tensor x = OracleTests.RosenbrockPoint(3000), v = Tensor.Generate(3000, i => Math.Cos(0.3 * i));
        var level = new ForwardLevel("test");
        try
        {
            var tape = new Tape("test") { FuseSumGradients = true };
            try
            {
                Tensor input = tape.InputTensor(new Tensor(level.Key, x, v, -1));
                Scalar y = OracleTests.Rosenbrock(input);
                TensorRecord[] records = tape.Tensors!.Records;
                FusedSumGradient? fused = null;
                for (int r = 0; r < tape.Tensors.Count; r++) fused ??= records[r].Fused;
                Assert.NotNull(fused);
                Assert.Equal([0], fused!.Leaves);
                Tensor g = fused.Gradients[0];
                Assert.Equal(level.Key, g.Key);
                // The tangent (H·v) is computed in the pass; the gradient's primal stays pending until read.
                Assert.True(g.Tangent!.Values.IsStored);
                Assert.False(g.Lower!.Values.IsStored);
                AllClose(RosenbrockHv(x.ToArray(), v.ToArray()), g.Tangent.ToArray(), 1e-12, "fused H·v");
                // The sum and its tangent are the unfused primal and JVP.
                Scalar primal = tape.PrimalOf(y);
                var (f, df) = TensorAD.Jvp(OracleTests.Rosenbrock, x, v);
                Close(f.Value, level.PrimalOf(primal).V, 1e-14, "f");
                Close(df.Value, level.TangentOf(primal).V, 1e-12, "∇f·v");
            }
            finally { tape.Release(); }
        }
        finally { level.Close(); }
    }

    [Fact]
    public void Hvp_Matches_The_Closed_Form_At_Block_Edges_And_Across_The_Parallel_Threshold()
    {
        foreach (int n in new[] { 2, 3, 7, 511, 512, 513, 1025, 8193, 8191, 49_153, 70_001 })
        {
            Tensor x = OracleTests.RosenbrockPoint(n);
            double[] xs = x.ToArray();
            foreach (Tensor v in new[] { Tensor.Ones(n), Tensor.Generate(n, i => Math.Sin(1.7 * i) - 0.2) })
                AllClose(RosenbrockHv(xs, v.ToArray()), TensorAD.Hvp(OracleTests.Rosenbrock, x, v).ToArray(), 1e-12, $"n = {n}");
        }
    }

    [Fact]
    public void Hvp_Matches_The_Dense_Hessian_Times_V_At_Odd_Sizes()
    {
        foreach (int n in new[] { 5, 513, 777 })
        {
            Tensor x = Tensor.Generate(n, i => 0.3 + 0.2 * Math.Cos(i)), v = Tensor.Generate(n, i => 1.0 / (1 + i % 7));
            Func<Tensor, Scalar> f = t => Tensor.Sum(Tensor.Exp(Tensor.Sin(t[1..] * t[..^1]))) + 0.5 * Tensor.Sum(Tensor.Square(t) * t);
            double[] h = TensorAD.Hessian(f, x).ToArray(), vs = v.ToArray();
            var expected = new double[n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) expected[i] += h[i * n + j] * vs[j];
            AllClose(expected, TensorAD.Hvp(f, x, v).ToArray(), 1e-12, $"Hvp vs H·v, n = {n}");
        }
    }

    [Fact]
    public void Hvp_Matches_Central_Differences_Of_The_Gradient()
    {
        const int n = 1537;
        const double h = 1e-5;
        Tensor x = OracleTests.RosenbrockPoint(n), v = Tensor.Generate(n, i => Math.Cos(i));
        double[] xs = x.ToArray(), vs = v.ToArray(), plus = new double[n], minus = new double[n];
        for (int i = 0; i < n; i++)
        {
            plus[i] = xs[i] + h * vs[i];
            minus[i] = xs[i] - h * vs[i];
        }
        double[] gp = TensorAD.Grad(OracleTests.Rosenbrock, Tensor.Vector(plus)).ToArray();
        double[] gm = TensorAD.Grad(OracleTests.Rosenbrock, Tensor.Vector(minus)).ToArray();
        double[] hv = TensorAD.Hvp(OracleTests.Rosenbrock, x, v).ToArray();
        for (int i = 0; i < n; i++)
        {
            double fd = (gp[i] - gm[i]) / (2 * h);
            Assert.True(Math.Abs(fd - hv[i]) <= 1e-6 * (1 + Math.Abs(hv[i])), $"hv[{i}] = {hv[i]}, central difference {fd}");
        }
    }

    [Fact]
    public void A_Perturbed_Adjoint_Scales_The_Fused_Gradient_And_Adds_Its_Own_Tangent()
    {
        // f = (Σx²)(Σx): both sums fuse, and each one's adjoint is the other sum, perturbed by the forward level.
        // H·v = 2(Σx)v + 2x(1·v) + 2(x·v)1.
        const int n = 1031;
        Tensor x = Tensor.Generate(n, i => Math.Sin(0.1 * i)), v = Tensor.Generate(n, i => Math.Cos(0.05 * i));
        double[] hv = TensorAD.Hvp(t => Tensor.Sum(Tensor.Square(t)) * Tensor.Sum(t * 1.0), x, v).ToArray();
        double[] xs = x.ToArray(), vs = v.ToArray();
        double s1 = 0, sv = 0, xv = 0;
        for (int i = 0; i < n; i++)
        {
            s1 += xs[i];
            sv += vs[i];
            xv += xs[i] * vs[i];
        }
        for (int i = 0; i < n; i++) Close(2 * s1 * vs[i] + 2 * xs[i] * sv + 2 * xv, hv[i], 1e-11, $"hv[{i}]");
    }

    [Fact]
    public void Jvp_Of_Grad_Returns_The_Pending_Gradient_Computed()
    {
        // The gradient's primal is left pending by the fused pass; a Jvp of Grad still returns it computed.
        const int n = 2049;
        Tensor x = OracleTests.RosenbrockPoint(n), v = Tensor.Generate(n, i => Math.Cos(i));
        var (g, hv) = TensorAD.Jvp(TensorAD.Grad(OracleTests.Rosenbrock), x, v);
        Assert.True(g.IsConstant);
        AllClose(TensorAD.Grad(OracleTests.Rosenbrock, x).ToArray(), g.ToArray(), 1e-15, "gradient");
        AllClose(RosenbrockHv(x.ToArray(), v.ToArray()), hv.ToArray(), 1e-12, "H·v");
    }

    [Fact]
    public void A_Sum_That_Never_Reaches_The_Output_Contributes_Nothing_To_Hvp()
    {
        Tensor x = Tensor.Generate(700, i => 0.01 * i - 3), v = Tensor.Generate(700, i => Math.Sin(i));
        double[] hv = TensorAD.Hvp(t =>
        {
            Scalar unused = Tensor.Sum(Tensor.Exp(t));
            return Tensor.Sum(Tensor.Cube(t)) + 0.0 * Tensor.Sum(Tensor.Square(t));
        }, x, v).ToArray();
        double[] xs = x.ToArray(), vs = v.ToArray();
        for (int i = 0; i < xs.Length; i++) Close(6 * xs[i] * vs[i], hv[i], 1e-12, $"hv[{i}]");
    }

    [Fact]
    public void Deeper_Nesting_Takes_The_Ordinary_Sweep_And_Is_Exact()
    {
        // d/ds H(x + s·w)·v: the Hvp's records are perturbed by two forward levels, so nothing fuses there.
        // For Rosenbrock: dH_ii = 2400 x_i w_i − 400 w_{i+1}, dH_{i,i+1} = −400 w_i, dH_{i+1,i+1} = 0.
        const int n = 1100;
        Tensor x = OracleTests.RosenbrockPoint(n), v = Tensor.Generate(n, i => Math.Cos(i)), w = Tensor.Generate(n, i => Math.Sin(0.5 * i));
        double[] dhv = TensorAD.Jvp(t => TensorAD.Hvp(OracleTests.Rosenbrock, t, v), x, w).Tangent.ToArray();
        double[] xs = x.ToArray(), vs = v.ToArray(), ws = w.ToArray(), expected = new double[n];
        for (int i = 0; i < n - 1; i++)
        {
            expected[i] += (2400 * xs[i] * ws[i] - 400 * ws[i + 1]) * vs[i] - 400 * ws[i] * vs[i + 1];
            expected[i + 1] += -400 * ws[i] * vs[i];
        }
        AllClose(expected, dhv, 1e-11, "d(H·v)");
        // And the Hessian of the Hvp's first entry direction: Grad over Hvp (tape over forward over tape).
        double[] gh = TensorAD.Grad(t => Tensor.Sum(TensorAD.Hvp(OracleTests.Rosenbrock, t, v)[0..1]), x).ToArray();
        // ∂(Hv)_0/∂x_0 = 2400 x_0 v_0 − 400 v_1, ∂(Hv)_0/∂x_1 = −400 v_0.
        Close(2400 * xs[0] * vs[0] - 400 * vs[1], gh[0], 1e-12, "∂(Hv)₀/∂x₀");
        Close(-400 * vs[0], gh[1], 1e-12, "∂(Hv)₀/∂x₁");
        for (int i = 2; i < n; i++) Assert.Equal(0.0, gh[i]);
    }
}
