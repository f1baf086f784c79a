using HybridAD.Cli.Commands.Bench;
using HybridAD.Selection;
using static HybridAD.Tests.Tensors.TensorCheck;

namespace HybridAD.Tests.Tensors;

/// <summary>The reverse-mode Jacobian's direction-first sweep: x's adjoint comes out as rows of J (a product with x
/// writes Ȳᵀ·op(M) directly; any other operation's adjoint is transposed). Checked against the closed form of
/// A·tanh(B·x) at odd shapes and block sizes, and against forward mode (columns of J) and finite differences on
/// every orientation of a product with x, on identity seeds, and on the transposing fallback.</summary>
public class JacobianRowsTests
{
    [Theory]
    [InlineData(37, 53)]
    [InlineData(129, 5)]
    [InlineData(5, 129)]
    [InlineData(301, 67)]
    [InlineData(2, 3)]
    public void Reverse_MatchesTheClosedForm_AtOddShapesAndBlocks(int n, int m)
    {
        var (a, b, x) = TensorJacobianWorkload.Problem(n, m);
        Func<Tensor, Tensor> f = TensorJacobianWorkload.Function(a, b);
        double[] exact = TensorJacobianWorkload.ClosedForm(a, b, x);
        foreach (int k in new[] { 0, 1, 2, 3, 13, 64, m - 1, m, m + 5 })
        {
            if (k < 0) continue;
            Tensor j = TensorAD.Jacobian(f, x, JacobianMode.Reverse, k);
            Assert.Equal([m, n], j.Dims);
            AllClose(exact, j.ToArray(), 1e-13, $"reverse J ({n}, {m}), k = {k}");
        }
    }

    private static Tensor Matrix(int rows, int cols, double phase) =>
        Tensor.FromArray(Enumerable.Range(0, rows * cols).Select(i => Math.Sin(phase + 0.731 * i) / 4).ToArray(), rows, cols);

    /// <summary>Every shape of a product with x: A·x, Aᵀ·x, x·B, x·Bᵀ, with identity cotangents straight at the
    /// product (f is the product) and general ones (a tanh after it), plus fallbacks: x used twice, x in an
    /// elementwise op before the product, a matrix x.</summary>
    public static TheoryData<string> Cases() => ["Ax", "ATx", "xB", "xBT", "tanh(Ax)", "tanh(ATx)", "tanh(xB)", "tanh(xBT)",
        "x*(Ax)", "A·sin(x)", "AX", "sum-rows"];

    private static (Func<Tensor, Tensor> F, Tensor X) Case(string name)
    {
        const int n = 23, m = 17;
        Tensor a = Matrix(m, n, 0.1), at = Matrix(n, m, 0.2), b = Matrix(n, m, 0.3), bt = Matrix(m, n, 0.4), sq = Matrix(n, n, 0.5);
        Tensor x = Tensor.Generate(n, i => 0.3 * Math.Cos(1.3 * i));
        return name switch
        {
            "Ax" => (v => Tensor.MatMul(a, v), x),
            "ATx" => (v => Tensor.MatMul(at, v, true, false), x),
            "xB" => (v => Tensor.MatMul(v, b), x),
            "xBT" => (v => Tensor.MatMul(v, bt, false, true), x),
            "tanh(Ax)" => (v => Tensor.Tanh(Tensor.MatMul(a, v)), x),
            "tanh(ATx)" => (v => Tensor.Tanh(Tensor.MatMul(at, v, true, false)), x),
            "tanh(xB)" => (v => Tensor.Tanh(Tensor.MatMul(v, b)), x),
            "tanh(xBT)" => (v => Tensor.Tanh(Tensor.MatMul(v, bt, false, true)), x),
            "x*(Ax)" => (v => v * Tensor.Tanh(Tensor.MatMul(sq, v)), x),
            "A·sin(x)" => (v => Tensor.MatMul(a, Tensor.Sin(v)), x),
            "AX" => (v => Tensor.Tanh(Tensor.MatMul(a, v)), Matrix(n, 3, 0.6)),
            _ => (v => Tensor.MatMul(Tensor.Tanh(Tensor.MatMul(v, bt, false, true)), bt), x), // x·Bᵀ, then a product on the right: rows through two products
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reverse_EqualsForward_AndFiniteDifferences(string name)
    {
        var (f, x) = Case(name);
        double[] fd = FiniteDifferenceJacobian(f, x, out int m);
        foreach (int k in new[] { 0, 1, 4, 7 })
        {
            Tensor forward = TensorAD.Jacobian(f, x, JacobianMode.Forward, k);
            Tensor reverse = TensorAD.Jacobian(f, x, JacobianMode.Reverse, k);
            Assert.Equal(forward.Dims, reverse.Dims);
            Assert.Equal(m * x.Length, reverse.Length);
            AllClose(forward.ToArray(), reverse.ToArray(), 1e-13, $"{name}: reverse vs forward, k = {k}");
            AllClose(fd, reverse.ToArray(), 1e-6, $"{name}: reverse vs finite differences, k = {k}");
        }
    }

    /// <summary>A reverse Jacobian inside a gradient with respect to its matrix: A is perturbed by the outer call, so
    /// the rows pullback must not read A's primal as a constant. Σ J = Σᵢⱼ Aᵢᵣ dᵣ Bᵣⱼ, so ∂ΣJ/∂Aᵢᵣ = dᵣ·Σⱼ Bᵣⱼ.</summary>
    [Fact]
    public void Reverse_NestedUnderAGradientOfItsMatrix()
    {
        var (a, b, x) = TensorJacobianWorkload.Problem(9, 5);
        foreach (JacobianMode mode in new[] { JacobianMode.Reverse, JacobianMode.Forward })
        {
            Tensor g = TensorAD.Grad(w => Tensor.Sum(TensorAD.Jacobian(v => Tensor.MatMul(w, Tensor.Tanh(Tensor.MatMul(b, v))), x, mode)), a);
            double[] bd = b.ToArray(), xd = x.ToArray(), gd = g.ToArray();
            for (int r = 0; r < 64; r++)
            {
                double s = 0, rowSum = 0;
                for (int j = 0; j < 9; j++) { s += bd[r * 9 + j] * xd[j]; rowSum += bd[r * 9 + j]; }
                double t = Math.Tanh(s), expected = (1 - t * t) * rowSum;
                for (int i = 0; i < 5; i++) Close(expected, gd[i * 64 + r], 1e-12, $"{mode}: ∂ΣJ/∂A[{i},{r}]");
            }
        }
    }

    [Fact]
    public void Reverse_OfAProductWithX_IsTheMatrixItself()
    {
        Tensor a = Matrix(6, 9, 0.7);
        Tensor j = TensorAD.Jacobian(v => Tensor.MatMul(a, v), Tensor.Generate(9, i => i), JacobianMode.Reverse);
        Assert.Equal(a.Dims, j.Dims);
        Assert.Equal(a.ToArray(), j.ToArray());
    }

    [Fact]
    public void Profile_KnowsWhichPullbacksWriteRows()
    {
        foreach (string native in new[] { "Ax", "ATx", "xB", "xBT", "tanh(Ax)", "sum-rows" })
        {
            var (f, x) = Case(native);
            Assert.True(TensorAD.Record(f, x, "test").Profile().RowsNative, native);
        }
        foreach (string transposed in new[] { "x*(Ax)", "A·sin(x)", "AX" })
        {
            var (f, x) = Case(transposed);
            Assert.False(TensorAD.Record(f, x, "test").Profile().RowsNative, transposed);
        }
    }

    /// <summary>The model charges the transpose of x's adjoint only where the code makes one: the same function with
    /// a transposing fallback is predicted dearer in reverse mode by exactly k·n moved elements per block.</summary>
    [Fact]
    public void ReversePrediction_ChargesTheTransposeOnlyWhenMade()
    {
        var (a, b, x) = TensorJacobianWorkload.Problem(300, 40);
        Func<Tensor, Tensor> f = TensorJacobianWorkload.Function(a, b);
        TensorProfile p = TensorAD.Record(f, x, "test").Profile();
        Assert.True(p.RowsNative);
        var transposed = new TensorProfile(p.InputCount, p.OutputCount, [.. p.InputShape], [.. p.OutputShape], p.Ops, p.ScalarNodes, rowsNative: false);
        CostCalibration c = CostCalibration.Reference;
        TensorModeDecision native = ModeSelector.Decide(p, c), fallback = ModeSelector.Decide(transposed, c);
        Assert.Equal(1, native.Reverse.Sweeps);
        Close(c.NsPerMovedElement * 40 * 300 / 1e6, fallback.Reverse.MsPerSweep - native.Reverse.MsPerSweep, 1e-9, "transpose charge (ms)");
        Assert.Equal(native.PredictedForwardMs, fallback.PredictedForwardMs);
    }
}
