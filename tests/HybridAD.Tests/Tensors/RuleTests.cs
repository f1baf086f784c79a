using HybridAD;
using HybridAD.Rules;
using E = HybridAD.Rules.Elementals;
using static HybridAD.Tests.Tensors.TensorCheck;

namespace HybridAD.Tests.Tensors;

/// <summary>Every tensor primitive: Jacobian by all strategies vs finite differences, the adjoint identity,
/// forward = reverse, and (for the smooth ones) second order against finite differences of the gradient.</summary>
public class RuleTests
{
    private static Tensor InDomain<R>(int seed, params int[] shape) where R : struct, IUnaryRule
    {
        var (lo, hi) = R.Domain;
        return Random(new Random(seed), lo, hi, shape);
    }

    private static void Unary<R>(Func<Tensor, Tensor> op, bool secondOrder = true) where R : struct, IUnaryRule
    {
        Tensor x = InDomain<R>(R.Name.Length, 2, 3);
        Rule(R.Name, op, x);
        if (secondOrder) SecondOrder(R.Name, op, x);
        // The elementwise tensor function equals the scalar function elementwise.
        double[] y = op(x).ToArray(), xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++) Close(R.Primal(xs[i], 0), y[i], 4e-16 * 8, $"{R.Name} primal[{i}]");
    }

    [Fact] public void Neg() => Unary<E.Neg>(x => -x);
    [Fact] public void Reciprocal() => Unary<E.Recip>(Tensor.Reciprocal);
    [Fact] public void Sqrt() => Unary<E.Sqrt>(Tensor.Sqrt);
    [Fact] public void Square() => Unary<E.Square>(Tensor.Square);
    [Fact] public void Cube() => Unary<E.Cube>(Tensor.Cube);
    [Fact] public void Exp() => Unary<E.Exp>(Tensor.Exp);
    [Fact] public void Expm1() => Unary<E.Expm1>(Tensor.Expm1);
    [Fact] public void Log() => Unary<E.Log>(Tensor.Log);
    [Fact] public void Log1p() => Unary<E.Log1p>(Tensor.Log1p);
    [Fact] public void Sin() => Unary<E.Sin>(Tensor.Sin);
    [Fact] public void Cos() => Unary<E.Cos>(Tensor.Cos);
    [Fact] public void Tan() => Unary<E.Tan>(Tensor.Tan);
    [Fact] public void Asin() => Unary<E.Asin>(Tensor.Asin);
    [Fact] public void Acos() => Unary<E.Acos>(Tensor.Acos);
    [Fact] public void Atan() => Unary<E.Atan>(Tensor.Atan);
    [Fact] public void Sinh() => Unary<E.Sinh>(Tensor.Sinh);
    [Fact] public void Cosh() => Unary<E.Cosh>(Tensor.Cosh);
    [Fact] public void Tanh() => Unary<E.Tanh>(Tensor.Tanh);
    [Fact] public void Sigmoid() => Unary<E.Sigmoid>(Tensor.Sigmoid);
    [Fact] public void Softplus() => Unary<E.Softplus>(Tensor.Softplus);
    [Fact] public void Relu() => Unary<E.Relu>(Tensor.Relu);
    [Fact] public void Abs() => Unary<E.Abs>(Tensor.Abs);

    [Fact]
    public void PowConst()
    {
        Tensor x = Random(new Random(3), 0.25, 3, 2, 3);
        foreach (double c in new[] { 2.0, 0.5, -1.5, 3.0, 0.0 })
        {
            Rule($"pow c={c}", t => Tensor.Pow(t, c), x);
            SecondOrder($"pow c={c}", t => Tensor.Pow(t, c), x);
        }
    }

    // ------------------------------------------------------------------ binary rules with broadcasting

    /// <summary>Checks op(a, b) with respect to both operands at once (packed into one vector).</summary>
    private static void Binary(string name, Func<Tensor, Tensor, Tensor> op, int[] sa, int[] sb, double lo, double hi, bool secondOrder = true)
    {
        int na = 1, nb = 1;
        foreach (int d in sa) na *= d;
        foreach (int d in sb) nb *= d;
        Tensor packed = Random(new Random(na * 31 + nb), lo, hi, na + nb);
        Func<Tensor, Tensor> f = x => op(x[..na].Reshape(sa), x[na..].Reshape(sb));
        string what = $"{name} {string.Join("x", sa)} with {string.Join("x", sb)}";
        Rule(what, f, packed);
        if (secondOrder) SecondOrder(what, f, packed);
    }

    private static readonly int[][][] Broadcasts =
    [
        [[2, 3], [2, 3]],
        [[2, 3], [3]],
        [[2, 3], [2, 1]],
        [[2, 3], []],
        [[], [2, 3]],
        [[3], [2, 3]],
        [[2, 1], [1, 3]],
    ];

    private static void AllBroadcasts(string name, Func<Tensor, Tensor, Tensor> op, double lo, double hi, bool secondOrder = true)
    {
        foreach (int[][] s in Broadcasts) Binary(name, op, s[0], s[1], lo, hi, secondOrder);
    }

    [Fact] public void Add() => AllBroadcasts("+", (a, b) => a + b, -2, 2);
    [Fact] public void Sub() => AllBroadcasts("-", (a, b) => a - b, -2, 2);
    [Fact] public void Mul() => AllBroadcasts("*", (a, b) => a * b, -2, 2);
    [Fact] public void Div() => AllBroadcasts("/", (a, b) => a / b, 0.5, 2);
    [Fact] public void Pow() => AllBroadcasts("pow", Tensor.Pow, 0.5, 2);
    [Fact] public void Min() => AllBroadcasts("min", Tensor.Min, -2, 2);
    [Fact] public void Max() => AllBroadcasts("max", Tensor.Max, -2, 2);
    [Fact] public void Atan2() => AllBroadcasts("atan2", Tensor.Atan2, 0.3, 2);
    [Fact] public void Hypot() => AllBroadcasts("hypot", Tensor.Hypot, 0.3, 2);

    [Fact]
    public void ScalarOperands()
    {
        Tensor x = Random(new Random(5), -1, 1, 4);
        Rule("x * Σx", t => t * Tensor.Sum(t), x);
        Rule("Σx − x", t => Tensor.Sum(t) - t, x);
        Rule("x / (1 + Σx²)", t => t / (1.0 + Tensor.Sum(t * t)), x);
        Rule("FromScalars", t => Tensor.FromScalars(t.At(0) * t.At(1), Scalar.Sin(t.At(2)), t.At(3)), x);
        SecondOrder("x * Σx", t => t * Tensor.Sum(t), x);
        SecondOrder("FromScalars", t => Tensor.FromScalars(t.At(0) * t.At(1), Scalar.Sin(t.At(2)), t.At(3)), x);
    }

    // ------------------------------------------------------------------ linear algebra

    [Fact]
    public void MatMulShapes()
    {
        var rng = new Random(9);
        Tensor b = Random(rng, -1, 1, 3, 4), a = Random(rng, -1, 1, 2, 3), v3 = Random(rng, -1, 1, 3), v2 = Random(rng, -1, 1, 2);
        Binary("matmul", (p, q) => Tensor.MatMul(p, q), [2, 3], [3, 4], -1, 1);
        Binary("matvec", (p, q) => Tensor.MatMul(p, q), [2, 3], [3], -1, 1);
        Binary("vecmat", (p, q) => Tensor.MatMul(p, q), [3], [3, 4], -1, 1);
        Binary("vecvec", (p, q) => Tensor.MatMul(p, q), [3], [3], -1, 1);
        Binary("AᵀB", (p, q) => Tensor.MatMul(p, q, true, false), [3, 2], [3, 4], -1, 1);
        Binary("ABᵀ", (p, q) => Tensor.MatMul(p, q, false, true), [2, 3], [4, 3], -1, 1);
        Binary("AᵀBᵀ", (p, q) => Tensor.MatMul(p, q, true, true), [3, 2], [4, 3], -1, 1);
        Binary("Aᵀv", (p, q) => Tensor.MatMul(p, q, true, false), [3, 2], [3], -1, 1);
        Binary("vBᵀ", (p, q) => Tensor.MatMul(p, q, false, true), [3], [4, 3], -1, 1);
        // One operand constant (a layer's input is data).
        Rule("W·x, x constant", w => Tensor.MatMul(w.Reshape(2, 3), v3), Random(rng, -1, 1, 6));
        Rule("A·x", x => Tensor.MatMul(a, x), v3);
        Rule("x·B", x => Tensor.MatMul(x, b), v3);
        Rule("vᵀA", x => Tensor.MatMul(v2, x.Reshape(2, 3)), Random(rng, -1, 1, 6));
        Rule("nonlinear", x => Tensor.MatMul(a, Tensor.Tanh(Tensor.MatMul(x.Reshape(3, 4), Random(new Random(1), -1, 1, 4)))), Random(rng, -1, 1, 12));
    }

    [Fact]
    public void DotOuterTranspose()
    {
        Binary("dot", (p, q) => Tensor.FromScalar(Tensor.Dot(p, q)), [4], [4], -1, 1);
        Binary("outer", Tensor.Outer, [3], [2], -1, 1);
        Rule("transpose", x => Tensor.Transpose(x.Reshape(2, 3)) * Random(new Random(2), -1, 1, 3, 2), Random(new Random(3), -1, 1, 6));
        SecondOrder("transpose·x", x => Tensor.MatMul(x.Reshape(2, 3).T, x.Reshape(2, 3)), Random(new Random(3), -1, 1, 6));
    }

    // ------------------------------------------------------------------ reductions and shape

    [Fact]
    public void Reductions()
    {
        Tensor x = Random(new Random(13), -1, 1, 3, 4);
        Rule("sum all", t => Tensor.SumAll(Tensor.Sin(t)), x);
        Rule("sum axis 0", t => Tensor.Sum(t * t, 0), x);
        Rule("sum axis 1", t => Tensor.Sum(t * t, 1), x);
        Rule("sum axis -1 keep", t => Tensor.Sum(t * t, -1, keepDims: true), x);
        Rule("mean axis 0", t => Tensor.Mean(Tensor.Exp(t), 0), x);
        Rule("mean all", t => Tensor.FromScalar(Tensor.Mean(Tensor.Exp(t))), x);
        SecondOrder("sum axis 1", t => Tensor.Sum(t * t * t, 1), x);
        Tensor r3 = Random(new Random(14), -1, 1, 2, 3, 2);
        Rule("sum axis 1 of rank 3", t => Tensor.Sum(Tensor.Square(t), 1), r3);
        Rule("broadcast_to", t => Tensor.BroadcastTo(t.Reshape(3, 1), 3, 4) * Random(new Random(4), -1, 1, 3, 4), Random(new Random(5), -1, 1, 3));
    }

    [Fact]
    public void ShapeOps()
    {
        Tensor x = Random(new Random(17), -1, 1, 3, 4);
        Rule("reshape", t => Tensor.Sin(t.Reshape(4, 3)) * Random(new Random(6), -1, 1, 4, 3), x);
        Rule("slice axis 0", t => Tensor.Slice(Tensor.Square(t), 0, 1, 2), x);
        Rule("slice axis 1", t => Tensor.Slice(Tensor.Square(t), 1, 1, 2), x);
        Rule("range index", t => t.Reshape(12)[2..^3] * t.Reshape(12)[..7], x);
        Rule("concat axis 0", t => Tensor.Concat(0, t, Tensor.Exp(t)), x);
        Rule("concat axis 1", t => Tensor.Concat(1, Tensor.Sin(t), t * t), x);
        Rule("stack", t => Tensor.Stack(0, t, Tensor.Cos(t)), x);
        Rule("gather rows", t => Tensor.Gather(t * t, [2, 0, 2]), x);
        Rule("gather columns", t => Tensor.Gather(Tensor.Sin(t), [3, 1], axis: 1), x);
        Rule("at", t => Tensor.FromScalar(t.At(1, 2) * t.At(0, 0)), x);
        SecondOrder("slices", t => t[1..] * t[..^1] * t[1..], x);
        SecondOrder("concat", t => Tensor.Concat(1, Tensor.Sin(t), t * t), x);
        SecondOrder("gather", t => Tensor.Gather(t * t * t, [2, 0, 2]), x);
    }

    [Fact]
    public void SoftmaxFamily()
    {
        Tensor x = Random(new Random(19), -2, 2, 3, 4);
        Rule("softmax", t => Tensor.Softmax(t), x);
        Rule("softmax axis 0", t => Tensor.Softmax(t, 0), x);
        Rule("log_softmax", t => Tensor.LogSoftmax(t), x);
        Rule("log_softmax axis 0", t => Tensor.LogSoftmax(t, 0), x);
        Rule("logsumexp axis 1", t => Tensor.LogSumExp(t, 1), x);
        Rule("logsumexp axis 0 keep", t => Tensor.LogSumExp(t, 0, keepDims: true), x);
        Rule("logsumexp all", t => Tensor.FromScalar(Tensor.LogSumExp(t)), x);
        SecondOrder("softmax", t => Tensor.Softmax(t), x);
        SecondOrder("log_softmax", t => Tensor.LogSoftmax(t), x);
        SecondOrder("logsumexp", t => Tensor.LogSumExp(t, 1), x);
    }

    [Fact]
    public void WhereSelects()
    {
        Tensor x = Random(new Random(23), -1, 1, 8);
        Rule("where", t => Tensor.Where(t > 0, Tensor.Sin(t), t * t), x);
        Rule("where broadcast", t => Tensor.Where(Tensor.Vector(1, 0, 1, 1, 0, 0, 1, 0), t, 2.0), x);
        SecondOrder("where", t => Tensor.Where(t > 0, Tensor.Exp(t), t * t * t), x);
    }
}
