using FsCheck;
using FsCheck.Fluent;
using HybridAD;

namespace HybridAD.Properties.Tensors;

/// <summary>
/// Properties of every tensor primitive, over random programs: a random shape (vector or matrix, sizes 1–4), a
/// random point, and a chain of one to three primitives from <see cref="Ops"/> joined by a squashing map that keeps
/// every argument inside every primitive's domain. Checked: forward J·v against central differences, the adjoint
/// identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩, forward = reverse Jacobians (k directions per sweep and one), and second order
/// (H·v by forward-over-reverse against differences of the gradient). Every primitive must be generated.
/// </summary>
public class TensorProperties
{
    private const int Cases = 250;

    /// <summary>One primitive: a name and the function (its input is any vector or matrix with entries in (0.2, 1.2)).</summary>
    internal readonly record struct Op(string Name, Func<Tensor, Tensor> F);

    private static Tensor Const(Tensor like, double scale, int seed) =>
        Tensor.Generate(like.Length, i => scale * Math.Sin(1.3 * i + seed)).Reshape(like.Shape.ToArray());

    private static Tensor Mat(int rows, int cols, int seed) => Tensor.Generate(rows * cols, i => Math.Cos(0.7 * i + seed) / 2).Reshape(rows, cols);

    internal static readonly Op[] Ops =
    [
        new("sin", Tensor.Sin), new("cos", Tensor.Cos), new("tan", Tensor.Tan), new("asin", x => Tensor.Asin(0.7 * x)),
        new("acos", x => Tensor.Acos(0.7 * x)), new("atan", Tensor.Atan), new("sinh", Tensor.Sinh), new("cosh", Tensor.Cosh),
        new("tanh", Tensor.Tanh), new("exp", Tensor.Exp), new("expm1", Tensor.Expm1), new("log", Tensor.Log),
        new("log1p", Tensor.Log1p), new("sqrt", Tensor.Sqrt), new("square", Tensor.Square), new("cube", Tensor.Cube),
        new("recip", Tensor.Reciprocal), new("sigmoid", Tensor.Sigmoid), new("softplus", Tensor.Softplus),
        new("relu", x => Tensor.Relu(x - 0.7)), new("abs", x => Tensor.Abs(x - 0.7)), new("neg", x => -x),
        new("powc", x => Tensor.Pow(x, 1.7)),
        new("add", x => x + Tensor.Reciprocal(x)), new("sub", x => x - Tensor.Square(x)), new("mul", x => x * Tensor.Exp(x)),
        new("div", x => x / (0.5 * x + 0.3)), new("pow", x => Tensor.Pow(x, 0.5 + 0.3 * x)),
        new("atan2", x => Tensor.Atan2(x, 0.7 * x + 0.2)), new("hypot", x => Tensor.Hypot(x, 1.3 - x)),
        new("min", x => Tensor.Min(x, Tensor.Sin(2 * x))), new("max", x => Tensor.Max(x, Tensor.Sin(2 * x))),
        new("scalar broadcast", x => x * Tensor.Sum(x)), new("constant broadcast", x => x + Const(x, 0.5, 3)),
        new("row broadcast", x => x.Rank == 2 ? x * Tensor.Mean(x, 0) : x * Tensor.Mean(x)),
        new("column broadcast", x => x.Rank == 2 ? x / Tensor.Sum(x, 1, keepDims: true) : x / Tensor.Sum(x)),
        new("matmul", x => x.Rank == 2 ? Tensor.MatMul(x, Mat(x.Dim(1), 3, 1)) : Tensor.MatMul(Mat(3, x.Dim(0), 2), x)),
        new("matmul both", x => x.Rank == 2 ? Tensor.MatMul(x, x, true, false) : Tensor.Outer(x, Tensor.Sin(x))),
        new("dot", x => Tensor.FromScalar(Tensor.Dot(x.Reshape(x.Length), Tensor.Cos(x.Reshape(x.Length))))),
        new("transpose", x => x.Rank == 2 ? x.T * Const(x.T, 1, 5) : x),
        new("sum axis", x => Tensor.Sum(Tensor.Square(x), 0)), new("mean all", x => Tensor.FromScalar(Tensor.Mean(x))),
        new("logsumexp", x => Tensor.LogSumExp(x, -1)), new("softmax", x => Tensor.Softmax(x)),
        new("log_softmax", x => Tensor.LogSoftmax(x, 0)), new("reshape", x => x.Reshape(x.Length) * Const(x.Reshape(x.Length), 1, 7)),
        new("slice", x => x.Dim(0) > 1 ? x[1..] * x[..^1] : x), new("concat", x => Tensor.Concat(0, x, Tensor.Sqrt(x))),
        new("stack", x => Tensor.Stack(0, x, Tensor.Exp(x))), new("gather", x => Tensor.Gather(Tensor.Sin(x), [0, x.Dim(0) - 1, 0])),
        new("where", x => Tensor.Where(x > 0.7, Tensor.Sin(x), Tensor.Square(x))),
    ];

    /// <summary>A random program: its shape, point, primitive chain, directions and weights.</summary>
    internal sealed record Program(int[] Shape, double[] Point, int[] Chain, double[] V, int Seed)
    {
        internal Tensor X => Tensor.FromArray(Point, Shape);
        internal Tensor VT => Tensor.FromArray(V, Shape);

        /// <summary>The chain, each primitive followed by the squash 0.2 + σ(·) (keeps the next argument in (0.2, 1.2))
    /// and, if needed, a reshape to a vector or matrix.</summary>
        internal Tensor Run(Tensor x)
        {
            foreach (int op in Chain)
            {
                x = 0.2 + Tensor.Sigmoid(Ops[op].F(x));
                // Keep the next primitive's argument a vector or a matrix.
                if (x.Rank == 0) x = x.Reshape(1);
                else if (x.Rank > 2) x = x.Reshape(x.Dim(0), -1);
            }
            return x;
        }

        public override string ToString() =>
            $"shape [{string.Join(", ", Shape)}], chain {string.Join(" → ", Chain.Select(c => Ops[c].Name))}, seed {Seed}";
    }

    private static Arbitrary<Program> Programs() =>
        Arb.From(Gen.Choose(0, int.MaxValue - 1).Select(seed =>
        {
            var rng = new Random(seed);
            int[] shape = rng.Next(2) == 0 ? [rng.Next(1, 5)] : [rng.Next(1, 4), rng.Next(1, 4)];
            int n = shape.Aggregate(1, (a, b) => a * b);
            var point = new double[n];
            var v = new double[n];
            for (int i = 0; i < n; i++)
            {
                point[i] = 0.25 + 0.9 * rng.NextDouble();
                v[i] = 2 * rng.NextDouble() - 1;
            }
            var chain = new int[rng.Next(1, 4)];
            for (int i = 0; i < chain.Length; i++) chain[i] = rng.Next(Ops.Length);
            return new Program(shape, point, chain, v, seed);
        }));

    private static void Run(string name, Action<Program> property, int[] counts)
    {
        Config config = Config.QuickThrowOnFailure.WithMaxTest(Cases).WithReplay(20240611UL, 0x9E3779B97F4A7C15UL).WithQuietOnSuccess(true);
        FsCheck.Check.One(name, config, Prop.ForAll(Programs(), (Program p) =>
        {
            foreach (int op in p.Chain) Interlocked.Increment(ref counts[op]);
            property(p);
        }));
        var missing = Ops.Where((_, i) => counts[i] == 0).Select(o => o.Name).ToArray();
        Assert.True(missing.Length == 0, $"{name}: primitives never generated in {Cases} programs: {string.Join(", ", missing)}");
    }

    private static void Close(double expected, double actual, double tol, string what, Program p)
    {
        if (Math.Abs(expected - actual) > tol)
            throw new Exception($"{what}: expected {expected:R}, got {actual:R} (tolerance {tol:E2}) for {p}");
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>J·v (forward mode) equals the central difference (f(x + hv) − f(x − hv)) / 2h.</summary>
    [Fact]
    public void JvpMatchesCentralDifferences()
    {
        var counts = new int[Ops.Length];
        Run(nameof(JvpMatchesCentralDifferences), p =>
        {
            var (y, jv) = TensorAD.Jvp(p.Run, p.X, p.VT);
            const double h = 1e-5;
            double[] plus = p.Run(p.X + h * p.VT).ToArray(), minus = p.Run(p.X - h * p.VT).ToArray(), jd = jv.ToArray();
            for (int i = 0; i < jd.Length; i++)
                Close((plus[i] - minus[i]) / (2 * h), jd[i], 1e-6 * Math.Max(1, Math.Abs(jd[i])), $"(J·v)[{i}]", p);
            Assert.Equal(y.Shape.ToArray(), jv.Shape.ToArray());
        }, counts);
    }

    /// <summary>⟨u, J v⟩ (forward) = ⟨Jᵀ u, v⟩ (reverse) for random u, v.</summary>
    [Fact]
    public void AdjointIdentity()
    {
        var counts = new int[Ops.Length];
        Run(nameof(AdjointIdentity), p =>
        {
            var (y, jv) = TensorAD.Jvp(p.Run, p.X, p.VT);
            var (_, pullback) = TensorAD.Vjp(p.Run, p.X);
            var rng = new Random(p.Seed);
            double[] u = new double[y.Length];
            for (int i = 0; i < u.Length; i++) u[i] = 2 * rng.NextDouble() - 1;
            double[] jtu = pullback(Tensor.FromArray(u, y.Shape.ToArray())).ToArray();
            double lhs = Dot(u, jv.ToArray()), rhs = Dot(jtu, p.V);
            Close(lhs, rhs, 1e-12 * Math.Max(1, Math.Abs(lhs)), "⟨u, Jv⟩ vs ⟨Jᵀu, v⟩", p);
        }, counts);
    }

    /// <summary>The Jacobian is the same by forward and reverse mode, with blocks of k directions and with one.</summary>
    [Fact]
    public void ForwardEqualsReverse()
    {
        var counts = new int[Ops.Length];
        Run(nameof(ForwardEqualsReverse), p =>
        {
            double[] f = TensorAD.Jacobian(p.Run, p.X, JacobianMode.Forward).ToArray();
            double[] r = TensorAD.Jacobian(p.Run, p.X, JacobianMode.Reverse).ToArray();
            double[] f1 = TensorAD.Jacobian(p.Run, p.X, JacobianMode.Forward, 1).ToArray();
            double[] r1 = TensorAD.Jacobian(p.Run, p.X, JacobianMode.Reverse, 1).ToArray();
            for (int i = 0; i < f.Length; i++)
            {
                double tol = 1e-12 * Math.Max(1, Math.Abs(f[i]));
                Close(f[i], r[i], tol, $"J[{i}] reverse vs forward", p);
                Close(f[i], f1[i], tol, $"J[{i}] forward k=1 vs k", p);
                Close(f[i], r1[i], tol, $"J[{i}] reverse k=1 vs forward", p);
            }
        }, counts);
    }

    /// <summary>H·v of s(x) = Σ w ⊙ f(x) (forward-over-reverse) equals the central difference of the gradient
    /// along v, and the dense Hessian (reverse-over-reverse) times v.</summary>
    [Fact]
    public void SecondOrder()
    {
        var counts = new int[Ops.Length];
        Run(nameof(SecondOrder), p =>
        {
            Tensor y0 = p.Run(p.X);
            Tensor w = Tensor.Generate(y0.Length, i => Math.Cos(i + p.Seed)).Reshape(y0.Shape.ToArray());
            Func<Tensor, Scalar> s = x => Tensor.Sum(p.Run(x) * w);
            double[] hv = TensorAD.Hvp(s, p.X, p.VT).ToArray();
            const double h = 1e-5;
            double[] gp = TensorAD.Grad(s, p.X + h * p.VT).ToArray(), gm = TensorAD.Grad(s, p.X - h * p.VT).ToArray();
            for (int i = 0; i < hv.Length; i++)
                Close((gp[i] - gm[i]) / (2 * h), hv[i], 2e-6 * Math.Max(1, Math.Abs(hv[i])), $"(H·v)[{i}] vs differences", p);
            double[] hd = TensorAD.Hessian(s, p.X).ToArray();
            int n = p.Point.Length;
            for (int i = 0; i < n; i++)
            {
                double e = 0;
                for (int j = 0; j < n; j++) e += hd[i * n + j] * p.V[j];
                Close(e, hv[i], 1e-10 * Math.Max(1, Math.Abs(e)), $"(H·v)[{i}] vs dense H", p);
            }
        }, counts);
    }
}
