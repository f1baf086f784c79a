using HybridAD;
using static HybridAD.Tests.Tensors.TensorCheck;

namespace HybridAD.Tests.Tensors;

/// <summary>Broadcasting shapes, error messages, softmax/logsumexp at extreme inputs, the Where NaN case, mixing
/// with scalars, nesting, escaped perturbations, thread safety, and conversions.</summary>
public class BehaviourTests
{
    // ------------------------------------------------------------------ broadcasting

    [Fact]
    public void Broadcasting_Shapes()
    {
        Tensor m = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal([2, 3], (m + Tensor.Vector(10, 20, 30)).Shape.ToArray());
        Assert.Equal([11.0, 22, 33, 14, 25, 36], (m + Tensor.Vector(10, 20, 30)).ToArray());
        Assert.Equal([101.0, 102, 103, 204, 205, 206], (m + Tensor.FromArray([100.0, 200], 2, 1)).ToArray());
        Assert.Equal([2.0, 4, 6, 8, 10, 12], (m * 2.0).ToArray());
        Assert.Equal([2.0, 4, 6, 8, 10, 12], (2.0 * m).ToArray());
        Assert.Equal([3, 2, 4], (Tensor.Ones(3, 1, 4) + Tensor.Ones(2, 1)).Shape.ToArray());
        Assert.Equal([0.5, 1, 1.5, 2, 2.5, 3], (m / new Scalar(2)).ToArray());
        // Gradients of broadcast operands are summed over the broadcast axes.
        Tensor row = Tensor.Vector(1, 1, 1), col = Tensor.FromArray([1.0, 1], 2, 1);
        Tensor[] g = TensorAD.Grad(p => Tensor.Sum(p[0] * p[1] * p[2]), m, row, col);
        Assert.Equal([1.0, 1, 1, 1, 1, 1], g[0].ToArray());
        Assert.Equal([5.0, 7, 9], g[1].ToArray());
        Assert.Equal([2, 1], g[2].Shape.ToArray());
        Assert.Equal([6.0, 15], g[2].ToArray());
    }

    [Fact]
    public void ShapeMismatches_NameTheOperationAndBothShapes()
    {
        Tensor a = Tensor.Ones(2, 3), b = Tensor.Ones(4), c = Tensor.Ones(3, 2);
        var e1 = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Contains("+", e1.Message);
        Assert.Contains("[2, 3]", e1.Message);
        Assert.Contains("[4]", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Tensor.MatMul(a, a));
        Assert.Contains("MatMul", e2.Message);
        Assert.Contains("[2, 3]", e2.Message);
        Assert.Contains("3 vs 2", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => Tensor.Dot(b, Tensor.Ones(3)));
        Assert.Contains("Dot", e3.Message);
        Assert.Contains("[4]", e3.Message);
        Assert.Contains("[3]", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => a.Reshape(4, 2));
        Assert.Contains("Reshape", e4.Message);
        Assert.Contains("[4, 2]", e4.Message);
        var e5 = Assert.Throws<ArgumentException>(() => Tensor.Concat(0, a, b.Reshape(1, 4)));
        Assert.Contains("Concat", e5.Message);
        Assert.Contains("[1, 4]", e5.Message);
        var e6 = Assert.Throws<ArgumentException>(() => TensorAD.Jvp(x => x * 2.0, a, c));
        Assert.Contains("[3, 2]", e6.Message);
        Assert.Contains("[2, 3]", e6.Message);
        var e7 = Assert.Throws<ArgumentException>(() => TensorAD.Vjp(x => x * 2.0, a).Pullback(c));
        Assert.Contains("[3, 2]", e7.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Slice(b, 0, 3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Sum(a, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Gather(a, [2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.OneHot([0, 3], 3));
        var e8 = Assert.Throws<ArgumentException>(() => Tensor.FromArray([1.0, 2, 3], 2, 2));
        Assert.Contains("[2, 2]", e8.Message);
        Assert.Throws<IndexOutOfRangeException>(() => a[2, 0]);
    }

    // ------------------------------------------------------------------ softmax family at extremes

    [Fact]
    public void Softmax_And_LogSumExp_AtExtremeInputs()
    {
        Tensor big = Tensor.Vector(1000, 999, -1000);
        Close(1000 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2000)), Tensor.LogSumExp(big).Value, 1e-15, "lse at +1000");
        Close(-1000 + Math.Log(1 + Math.Exp(-1)), Tensor.LogSumExp(Tensor.Vector(-1000, -1001)).Value, 1e-15, "lse at −1000");
        double[] p = Tensor.Softmax(big).ToArray();
        Close(1 / (1 + Math.Exp(-1)), p[0], 1e-12, "softmax[0]");
        Assert.Equal(0, p[2]);
        double[] ls = Tensor.LogSoftmax(big).ToArray();
        Close(-Math.Log(1 + Math.Exp(-1)), ls[0], 1e-12, "log_softmax[0]");
        Close(-2000 - Math.Log(1 + Math.Exp(-1)), ls[2], 1e-15, "log_softmax[2]");

        // −∞ entries: they get weight 0 and gradient 0, never NaN.
        Tensor withInf = Tensor.Vector(1, double.NegativeInfinity, 2);
        Close(Math.Log(Math.Exp(1) + Math.Exp(2)), Tensor.LogSumExp(withInf).Value, 1e-15, "lse with −∞");
        double[] g = TensorAD.Grad(Tensor.LogSumExp, withInf).ToArray();
        Assert.Equal(0, g[1]);
        Close(Math.Exp(1) / (Math.Exp(1) + Math.Exp(2)), g[0], 1e-15, "∂lse/∂x0");
        double[] gs = TensorAD.Grad(t => Tensor.Sum(Tensor.Softmax(t) * Tensor.Vector(1, 2, 3)), withInf).ToArray();
        foreach (double v in gs) Assert.True(double.IsFinite(v), "softmax gradient with −∞ must be finite");
        double[] gl = TensorAD.Grad(t => Tensor.LogSoftmax(t).At(0), withInf).ToArray();
        foreach (double v in gl) Assert.True(double.IsFinite(v), "log_softmax gradient with −∞ must be finite");
        Assert.Equal(0, gl[1]);

        // All −∞: logsumexp −∞, weights 0, gradient 0.
        Tensor allInf = Tensor.Vector(double.NegativeInfinity, double.NegativeInfinity);
        Assert.Equal(double.NegativeInfinity, Tensor.LogSumExp(allInf).Value);
        Assert.Equal([0.0, 0], Tensor.Softmax(allInf).ToArray());
        Assert.Equal([0.0, 0], TensorAD.Grad(Tensor.LogSumExp, allInf).ToArray());

        // Gradients at ±1000 are exact, not NaN or 0/0.
        double[] gb = TensorAD.Grad(Tensor.LogSumExp, big).ToArray();
        Close(1 / (1 + Math.Exp(-1)), gb[0], 1e-12, "∂lse/∂x at 1000");
        Close(Math.Exp(-1) / (1 + Math.Exp(-1)), gb[1], 1e-12, "∂lse/∂x at 999");
        Assert.Equal(0, gb[2]);
        // Row-wise on a matrix.
        Tensor rows = Tensor.FromArray([1000.0, 1000, -1000, -1000], 2, 2);
        Assert.Equal([0.5, 0.5, 0.5, 0.5], Tensor.Softmax(rows).ToArray());
        Assert.Equal([1000 + Math.Log(2), -1000 + Math.Log(2)], Tensor.LogSumExp(rows, 1).ToArray());
    }

    // ------------------------------------------------------------------ Where

    [Fact]
    public void Where_DeadBranchNaN_DoesNotReachTheGradient()
    {
        Tensor x = Tensor.Vector(-4, -1, 0, 1, 4);
        Func<Tensor, Scalar> f = t => Tensor.Sum(Tensor.Where(t > 0, Tensor.Sqrt(t), Tensor.Zeros(5)));
        Assert.Equal(3, f(x).Value);
        double[] g = TensorAD.Grad(f, x).ToArray();
        Assert.Equal([0, 0, 0, 0.5, 0.25], g);
        var (_, dy) = TensorAD.Jvp(f, x, Tensor.Ones(5));
        Assert.Equal(0.75, dy.Value);
        double[] h = TensorAD.Hessian(f, x).ToArray();
        foreach (double v in h) Assert.True(double.IsFinite(v), "Hessian through Where must be finite");
        Close(-0.25 * Math.Pow(1, -1.5), h[3 * 5 + 3], 1e-15, "H[3,3]");
        Close(-0.25 * Math.Pow(4, -1.5), h[4 * 5 + 4], 1e-15, "H[4,4]");
        double[] hv = TensorAD.Hvp(f, x, Tensor.Ones(5)).ToArray();
        foreach (double v in hv) Assert.True(double.IsFinite(v), "Hvp through Where must be finite");
        // log of a non-positive number in the dead branch, on the right.
        double[] g2 = TensorAD.Grad(t => Tensor.Sum(Tensor.Where(t <= 0, t * t, Tensor.Log(t))), x).ToArray();
        Assert.Equal([-8, -2, 0, 1, 0.25], g2);
    }

    // ------------------------------------------------------------------ mixing, nesting, escape, threads

    [Fact]
    public void ScalarsAndTensors_Mix_InBothDirections()
    {
        // A scalar function that uses tensors inside, differentiated by the scalar combinators.
        Func<Scalar[], Scalar> f = s =>
        {
            Tensor v = Tensor.FromScalars(s);
            return Tensor.Sum(Tensor.Sin(v) * v) + s[0] * Tensor.Dot(v, v);
        };
        double[] x = [0.3, -0.7, 1.1];
        double[] g = AD.Grad(f, x);
        double[] expected = new double[3];
        double dot = 0;
        foreach (double xi in x) dot += xi * xi;
        for (int i = 0; i < 3; i++) expected[i] = Math.Cos(x[i]) * x[i] + Math.Sin(x[i]) + 2 * x[0] * x[i] + (i == 0 ? dot : 0);
        AllClose(expected, g, 1e-14, "∇ of a scalar function using tensors");
        double[,] h = AD.Hessian(f, x);
        double[] hTensor = TensorAD.Hessian(t => f([t.At(0), t.At(1), t.At(2)]), Tensor.Vector(x)).ToArray();
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) Close(h[i, j], hTensor[i * 3 + j], 1e-13, $"H[{i},{j}] scalar vs tensor");
        // Forward mode through the same mixture.
        var (_, t1) = AD.Jvp(f, x.ToScalars(), new Scalar[] { 1, 0, 0 });
        Close(g[0], t1.Value, 1e-14, "jvp = grad·e0");
    }

    [Fact]
    public void Nesting_GradOfGrad_And_PerturbationConfusion()
    {
        // d/dy [ ∇ₓ Σ x² y ] = 2x (the inner gradient depends on the outer variable y).
        Tensor x = Tensor.Vector(1, 2, 3);
        Scalar dSum = AD.Derivative(y => Tensor.Sum(TensorAD.Grad(t => Tensor.Sum(t * t) * y, x)))(new Scalar(5));
        Assert.Equal(12, dSum.Value);
        // Perturbation confusion: d/dx [ x · d/dy (x + y) ] = 1 with tensors at both levels.
        Tensor xs = Tensor.Vector(2.0);
        Tensor outer = TensorAD.Grad(a => Tensor.Sum(a * TensorAD.Grad(b => Tensor.Sum(a + b), xs)), xs);
        Assert.Equal([1.0], outer.ToArray());
        // Third order through tensor ops: d³/dx³ Σ sin x = −cos x.
        Func<Scalar, Scalar> f = s => Tensor.Sum(Tensor.Sin(Tensor.FromScalar(s) * Tensor.Ones(2)));
        Scalar d3 = AD.Derivative(AD.Derivative(AD.Derivative(f)))(new Scalar(0.4));
        Close(-2 * Math.Cos(0.4), d3.Value, 1e-14, "third derivative");
    }

    [Fact]
    public void EscapedTensor_Throws()
    {
        Tensor? leaked = null;
        TensorAD.Grad(t =>
        {
            leaked = t * 2.0;
            return Tensor.Sum(t);
        }, Tensor.Vector(1, 2));
        Assert.Throws<PerturbationEscapedException>(() => leaked! + Tensor.Vector(1, 1));
        Assert.Throws<PerturbationEscapedException>(() => leaked!.ToArray());
        Assert.Contains("finished", leaked!.ToString());
        Assert.Throws<PerturbationEscapedException>(() => TensorAD.Grad(t => Tensor.Sum(t * leaked), Tensor.Vector(1, 2)));
    }

    [Fact]
    public void ConcurrentGradients_AreIndependent()
    {
        var results = new double[16][];
        Parallel.For(0, 16, i =>
        {
            Tensor x = Tensor.Generate(2000, j => 0.5 + 0.1 * Math.Sin(j + i));
            results[i] = TensorAD.Grad(OracleTests.Rosenbrock, x).ToArray();
        });
        for (int i = 0; i < 16; i++)
        {
            Tensor x = Tensor.Generate(2000, j => 0.5 + 0.1 * Math.Sin(j + i));
            Assert.Equal(TensorAD.Grad(OracleTests.Rosenbrock, x).ToArray(), results[i]);
        }
        // One pullback shared by threads.
        var (_, pullback) = TensorAD.Vjp(t => Tensor.Exp(t) * t, Tensor.Vector(0.1, 0.2, 0.3));
        var pulled = new double[8][];
        Parallel.For(0, 8, i => pulled[i] = pullback(Tensor.Vector(i, 1, -i)).ToArray());
        for (int i = 0; i < 8; i++) Assert.Equal(pullback(Tensor.Vector(i, 1, -i)).ToArray(), pulled[i]);
    }

    [Fact]
    public void Profile_ListsTheTensorOperationsWithCosts()
    {
        var (a, b, x) = OracleTests.JacobianProblem(100, 10);
        var ops = TensorAD.Profile(v => Tensor.MatMul(a, Tensor.Tanh(Tensor.MatMul(b, v))), x);
        Assert.Equal(["matmul", "tanh", "matmul"], ops.Select(o => o.Name).ToArray());
        Assert.Equal([64], ops[0].OutputShape);
        Assert.Equal(2.0 * 64 * 100, ops[0].Cost.PrimalFlops);
        Assert.Equal(2.0 * 10 * 64, ops[2].Cost.PrimalFlops);
        Assert.Equal(2 * ops[0].Cost.PrimalFlops, ops[0].Cost.AdjointFlops);
        Assert.True(ops[1].Cost.PrimalFlops > 64, "tanh costs more than one flop per element");
    }

    // ------------------------------------------------------------------ conversions

    [Fact]
    public void Conversions_RoundTrip()
    {
        double[,] m = { { 1, 2, 3 }, { 4, 5, 6 } };
        Tensor t = Tensor.Matrix(m);
        Assert.Equal(m, t.ToMatrix());
        Assert.Equal([1.0, 2, 3, 4, 5, 6], t.ToArray());
        Assert.Equal(6, t[1, 2]);
        Tensor fromSpan = Tensor.FromSpan(new double[] { 1, 2, 3, 4 }.AsSpan(), 2, 2);
        Assert.Equal([2, 2], fromSpan.Shape.ToArray());
        var span = new double[4];
        fromSpan.CopyTo(span);
        Assert.Equal([1.0, 2, 3, 4], span);
        var sn = System.Numerics.Tensors.Tensor.Create(new double[] { 1, 2, 3, 4, 5, 6 }, [3, 2]);
        Tensor fromSn = Tensor.FromTensor(sn);
        Assert.Equal([3, 2], fromSn.Shape.ToArray());
        Assert.Equal([1.0, 2, 3, 4, 5, 6], fromSn.ToArray());
        System.Numerics.Tensors.Tensor<double> back = fromSn.ToTensor();
        Assert.Equal(2, back.Rank);
        Assert.Equal(6, back[2, 1]);
        // Copies, not aliases: mutating the source array does not change the tensor.
        double[] src = [1, 2];
        Tensor v = Tensor.Vector(src);
        src[0] = 99;
        Assert.Equal(1, v[0]);
        Assert.Equal(7.0, Tensor.FromDouble(7).ToDouble());
        Assert.Equal("Tensor[2, 3] [[1, 2, 3], [4, 5, 6]]", t.ToString());
        Assert.Equal([1.0, 0, 0, 0, 1, 0, 0, 0, 1], Tensor.Identity(3).ToArray());
        Assert.Equal([0.0, 1, 0, 0, 0, 1], Tensor.OneHot([1, 2], 3).ToArray());
    }
}
