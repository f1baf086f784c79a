using HybridAD;
using HybridAD.Core;
using HybridAD.Tensors.Ops;
using static HybridAD.Tests.Tensors.TensorCheck;

namespace HybridAD.Tests.Tensors;

/// <summary>The sum whose gradient is computed in the same pass as its value under <c>TensorAD.Grad</c>
/// (<see cref="FusedSumGradient"/>): the fused path is taken, and it agrees with the unfused reverse sweep (the
/// <c>Vjp</c> pullback, which never fuses) and with closed forms — for scaled adjoints (a mean), sums that never
/// reach the output, sums with other consumers, regions that begin at a matrix product or a broadcast, and
/// region values read again by the user.</summary>
public class FusedSumGradientTests
{
    /// <summary>∇f by the ordinary sweep: the pullback of f as a tensor-valued function (no fused sums).</summary>
    private static double[] UnfusedGradient(Func<Tensor, Scalar> f, Tensor x)
    {
        var (_, pullback) = TensorAD.Vjp(v => Tensor.FromScalar(f(v)).Reshape(1), x);
        return pullback(Tensor.Ones(1)).ToArray();
    }

    [Fact]
    public void Grad_Of_Rosenbrock_Fuses_The_Sum_With_Its_Gradient()
    {
        Tensor x = OracleTests.RosenbrockPoint(5000);
        var tape = new Tape("test") { FuseSumGradients = true };
        try
        {
            Tensor input = tape.InputTensor(x);
            Scalar y = OracleTests.Rosenbrock(input);
            TensorRecord[] records = tape.Tensors!.Records;
            FusedSumGradient? fused = null;
            for (int r = 0; r < tape.Tensors.Count; r++) fused ??= records[r].Fused;
            Assert.NotNull(fused);
            // The whole elementwise region folds back onto the input record (record 0), stored in the pass.
            Assert.Equal([0], fused!.Leaves);
            Assert.True(fused.Gradients[0].Values.IsStored);
            // The value is the unfused primal's, to the last bit (same blocks, same summation order).
            Assert.Equal(OracleTests.Rosenbrock(x).Value, tape.PrimalOf(y).V);
        }
        finally { tape.Release(); }
    }

    [Fact]
    public void Fused_Gradient_Equals_The_Unfused_Sweep_And_The_Closed_Form()
    {
        foreach (int n in new[] { 2, 3, 10, 511, 512, 513, 5000, 70_000 })
        {
            Tensor x = OracleTests.RosenbrockPoint(n);
            var (value, grad) = TensorAD.ValueAndGrad(OracleTests.Rosenbrock, x);
            Assert.Equal(OracleTests.Rosenbrock(x).Value, value.Value);
            double[] xs = x.ToArray(), expected = new double[n];
            for (int i = 0; i < n - 1; i++)
            {
                double t = xs[i + 1] - xs[i] * xs[i];
                expected[i] += -400 * t * xs[i] - 2 * (1 - xs[i]);
                expected[i + 1] += 200 * t;
            }
            AllClose(expected, grad.ToArray(), 1e-12, $"n = {n}");
            AllClose(UnfusedGradient(OracleTests.Rosenbrock, x), grad.ToArray(), 1e-15, $"fused vs unfused, n = {n}");
        }
    }

    [Fact]
    public void Mean_Scales_The_Fused_Gradient_By_Its_Adjoint()
    {
        Tensor x = Tensor.Generate(1000, i => Math.Cos(i));
        double[] g = TensorAD.Grad(v => Tensor.Mean(Tensor.Square(v - 0.5)), x).ToArray();
        double[] xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++) Close(2 * (xs[i] - 0.5) / 1000, g[i], 1e-14, $"g[{i}]");
    }

    [Fact]
    public void A_Sum_That_Never_Reaches_The_Output_Contributes_Nothing()
    {
        Tensor x = Tensor.Generate(300, i => 0.1 * i - 3);
        double[] g = TensorAD.Grad(v =>
        {
            Scalar unused = Tensor.Sum(Tensor.Exp(v));
            Scalar zeroWeighted = 0.0 * Tensor.Sum(Tensor.Square(v));
            return Tensor.Sum(Tensor.Sin(v)) + zeroWeighted + (unused.Value > 0 ? 0.0 : 1.0);
        }, x).ToArray();
        double[] xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++) Close(Math.Cos(xs[i]), g[i], 1e-15, $"g[{i}]");
    }

    [Fact]
    public void Region_Values_With_Other_Consumers_Still_Receive_Their_Adjoints()
    {
        // f = (Σx²)² + Σx³ + Σ(x² ⊙ x): t = x² feeds two sums and a product. ∇f = 4(Σx²)x + 6x².
        Tensor x = Tensor.Generate(2000, i => Math.Sin(0.01 * i));
        double[] g = TensorAD.Grad(v =>
        {
            Tensor t = Tensor.Square(v);
            Scalar s = Tensor.Sum(t);
            return s * s + Tensor.Sum(Tensor.Cube(v)) + Tensor.Sum(t * v);
        }, x).ToArray();
        double[] xs = x.ToArray();
        double s2 = 0;
        foreach (double xi in xs) s2 += xi * xi;
        for (int i = 0; i < xs.Length; i++) Close(4 * s2 * xs[i] + 6 * xs[i] * xs[i], g[i], 1e-12, $"g[{i}]");
    }

    [Fact]
    public void A_Region_Beginning_At_A_Matrix_Product_Or_A_Broadcast_Hands_Its_Cotangent_On()
    {
        // Least squares: ∇_w Σ(Aw − y)² = 2Aᵀ(Aw − y); the bias c (rank 0, broadcast) gets Σ 2(Aw + c − y).
        var rng = new Random(7);
        int m = 700, k = 5;
        Tensor a = Tensor.Generate(m * k, _ => rng.NextDouble() - 0.5).Reshape(m, k);
        Tensor w = Tensor.Vector(0.3, -0.2, 0.5, 0.1, -0.4), y = Tensor.Generate(m, i => Math.Sin(i));
        Tensor c = Tensor.FromDouble(0.25);
        Tensor[] g = TensorAD.Grad(p => Tensor.Sum(Tensor.Square(Tensor.MatMul(a, p[0]) + p[1] - y)), w, c);
        double[] r = (Tensor.MatMul(a, w) + c - y).ToArray(), am = a.ToArray();
        double rsum = 0;
        foreach (double ri in r) rsum += ri;
        for (int j = 0; j < k; j++)
        {
            double expected = 0;
            for (int i = 0; i < m; i++) expected += 2 * am[i * k + j] * r[i];
            Close(expected, g[0].ToArray()[j], 1e-12, $"∂w[{j}]");
        }
        Close(2 * rsum, g[1].ToDouble(), 1e-12, "∂c");
    }

    [Fact]
    public void Returned_Gradients_Stay_Intact_After_Later_Calls()
    {
        Tensor x1 = OracleTests.RosenbrockPoint(20_000), x2 = Tensor.Generate(20_000, i => 0.3 - 0.2 * Math.Cos(i));
        Tensor g1 = TensorAD.Grad(OracleTests.Rosenbrock, x1);
        double[] before = g1.ToArray();
        for (int k = 0; k < 5; k++) _ = TensorAD.Grad(OracleTests.Rosenbrock, k % 2 == 0 ? x2 : x1).ToArray();
        Assert.Equal(before, g1.ToArray());
        Assert.Equal(before, TensorAD.Grad(OracleTests.Rosenbrock, x1).ToArray());
    }

    [Fact]
    public void Hvp_Of_A_Scaled_Sum_Is_Exact()
    {
        // Hessian-vector product of Σx⁴/4 (= 3x²·v) through Grad inside a forward level: the records are
        // perturbed by the forward level, the sum fuses with the gradient's tangent (FusedHvpTests), and the
        // constant factor scales it.
        Tensor x = Tensor.Generate(500, i => 0.01 * i - 2), v = Tensor.Generate(500, i => Math.Cos(i));
        double[] hv = TensorAD.Hvp(t => Tensor.Sum(Tensor.Square(Tensor.Square(t))) * 0.25, x, v).ToArray();
        double[] xs = x.ToArray(), vs = v.ToArray();
        for (int i = 0; i < xs.Length; i++) Close(3 * xs[i] * xs[i] * vs[i], hv[i], 1e-12, $"hv[{i}]");
    }
}
