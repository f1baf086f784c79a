using System.Reflection;
using HybridAD;
using HybridAD.Rules;
using HybridAD.Tensors.Kernels;
using HybridAD.Tensors.Lazy;
using E = HybridAD.Rules.Elementals;

namespace HybridAD.Tests.Tensors;

/// <summary>SIMD kernels equal the scalar reference (the rule evaluated per element) for every length 0..256:
/// bit for bit where the kernel is lane-exact (+ − × ÷ √, partials, chain products with a constant), within a few ulps for transcendental
/// primals from TensorPrimitives. The blocked evaluator equals eager evaluation across block boundaries.</summary>
public class KernelTests
{
    private static double[] Sample(int n, double lo, double hi, int seed)
    {
        var rng = new Random(seed);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.NextDouble();
        return v;
    }

    private static void Ulps(double expected, double actual, long ulps, string what)
    {
        if (expected == actual || (double.IsNaN(expected) && double.IsNaN(actual))) return;
        long a = BitConverter.DoubleToInt64Bits(expected), b = BitConverter.DoubleToInt64Bits(actual);
        Assert.True(Math.Sign(a) == Math.Sign(b) && Math.Abs(a - b) <= ulps || Math.Abs(expected - actual) < 1e-300,
            $"{what}: expected {expected:R}, got {actual:R} ({Math.Abs(a - b)} ulps, allowed {ulps})");
    }

    private static void UnaryKernel<R>(long primalUlps) where R : struct, IUnaryRule
    {
        var (lo, hi) = R.Domain;
        for (int n = 0; n <= 256; n++)
        {
            double[] x = Sample(n, lo, hi, n + 1);
            // Include points near 0 (where a formula like exp(x) − 1 would lose all accuracy) when in the domain.
            double[] tiny = [1e-9, -3e-6, 2.5e-4, -0.01];
            for (int i = 0; i < Math.Min(n, tiny.Length); i++)
                if (tiny[i] > lo && tiny[i] < hi) x[i * 5 % n] = tiny[i];
            var y = new double[n];
            var yRef = new double[n];
            Elementwise.UnaryPrimal<R>(x, y, 1.5);
            Elementwise.UnaryPrimalScalar<R>(x, yRef, 1.5);
            for (int i = 0; i < n; i++) Ulps(yRef[i], y[i], primalUlps, $"{R.Name} primal n={n} i={i}");
            var d = new double[n];
            var dRef = new double[n];
            Elementwise.UnaryPartial<R>(x, yRef, d, 1.5);
            Elementwise.UnaryPartialScalar<R>(x, yRef, dRef, 1.5);
            for (int i = 0; i < n; i++) Assert.Equal(BitConverter.DoubleToInt64Bits(dRef[i]), BitConverter.DoubleToInt64Bits(d[i]));
            // A constant tangent/cotangent c: c·φ′ with the strong zero, bit for bit the chain kernel with d = c.
            foreach (double c in new[] { 200.0, -2.0 })
            {
                var scaled = new double[n];
                var chain = new double[n];
                var cs = new double[n];
                Array.Fill(cs, c);
                Elementwise.UnaryPartialScaled<R>(x, yRef, scaled, 1.5, c);
                Elementwise.UnaryChain<R>(x, yRef, cs, chain, 1.5);
                for (int i = 0; i < n; i++)
                {
                    double expected = dRef[i] == 0 ? 0 : c * dRef[i];
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(scaled[i]));
                    Assert.Equal(BitConverter.DoubleToInt64Bits(chain[i]), BitConverter.DoubleToInt64Bits(scaled[i]));
                }
            }
        }
    }

    // Arithmetic primals are exact; TensorPrimitives' transcendental kernels are within a few ulps.
    [Fact] public void Neg() => UnaryKernel<E.Neg>(0);
    [Fact] public void Recip() => UnaryKernel<E.Recip>(0);
    [Fact] public void Sqrt() => UnaryKernel<E.Sqrt>(0);
    [Fact] public void Square() => UnaryKernel<E.Square>(0);
    [Fact] public void Cube() => UnaryKernel<E.Cube>(0);
    [Fact] public void Abs() => UnaryKernel<E.Abs>(0);
    [Fact] public void Relu() => UnaryKernel<E.Relu>(0);
    [Fact] public void Exp() => UnaryKernel<E.Exp>(4);
    [Fact] public void Expm1() => UnaryKernel<E.Expm1>(4);
    [Fact] public void Log() => UnaryKernel<E.Log>(4);
    [Fact] public void Log1p() => UnaryKernel<E.Log1p>(4);
    [Fact] public void Sin() => UnaryKernel<E.Sin>(4);
    [Fact] public void Cos() => UnaryKernel<E.Cos>(4);
    [Fact] public void Tanh() => UnaryKernel<E.Tanh>(4);
    [Fact] public void Sigmoid() => UnaryKernel<E.Sigmoid>(4);
    /// <summary>Discovery: a rule that declares a SIMD kernel (<c>PrimalSpan</c>) must have its own fact above,
    /// with the ulps its kernel may differ by; every other rule (current and future) runs the scalar loop, which
    /// must agree bit for bit.</summary>
    [Fact]
    public void EveryRule_WithAKernelHasAFact_WithoutOneIsTheScalarLoop()
    {
        var facts = typeof(KernelTests).GetMethods()
            .Where(m => m.GetCustomAttributes(typeof(FactAttribute), false).Length > 0).Select(m => m.Name).ToHashSet();
        int kernels = 0, loops = 0;
        foreach (Type t in typeof(E).GetNestedTypes())
        {
            bool unary = typeof(IUnaryRule).IsAssignableFrom(t), binary = typeof(IBinaryRule).IsAssignableFrom(t);
            if (!unary && !binary) continue;
            if (t.GetMethod("PrimalSpan", BindingFlags.Public | BindingFlags.Static) is not null)
            {
                Assert.True(facts.Contains(t.Name), $"{t.Name} declares PrimalSpan, but KernelTests has no [Fact] {t.Name} for it.");
                kernels++;
                continue;
            }
            MethodInfo check = unary
                ? typeof(KernelTests).GetMethod(nameof(UnaryKernel), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(t)
                : typeof(KernelTests).GetMethod(nameof(BinaryKernel), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(t);
            try { check.Invoke(null, unary ? [0L] : []); }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            }
            loops++;
        }
        Assert.Equal(19, kernels); // 13 unary, 6 binary
        Assert.True(loops >= 12, $"{loops} rules without a kernel");
    }

    private static void BinaryKernel<R>() where R : struct, IBinaryRule
    {
        var (alo, ahi) = R.DomainA;
        var (blo, bhi) = R.DomainB;
        for (int n = 0; n <= 256; n++)
        {
            double[] a = Sample(n, alo, ahi, 2 * n + 1), b = Sample(n, blo, bhi, 2 * n + 2);
            if (n > 3) b[3] = a[3]; // a tie for min/max
            var y = new double[n];
            var yRef = new double[n];
            Elementwise.BinaryPrimal<R>(a, b, y);
            Elementwise.BinaryPrimalScalar<R>(a, b, yRef);
            for (int i = 0; i < n; i++) Assert.Equal(BitConverter.DoubleToInt64Bits(yRef[i]), BitConverter.DoubleToInt64Bits(y[i]));
            for (int which = 0; which < 2; which++)
            {
                var d = new double[n];
                var dRef = new double[n];
                Elementwise.BinaryPartial<R>(a, b, yRef, d, which);
                Elementwise.BinaryPartialScalar<R>(a, b, yRef, dRef, which);
                for (int i = 0; i < n; i++) Assert.Equal(BitConverter.DoubleToInt64Bits(dRef[i]), BitConverter.DoubleToInt64Bits(d[i]));
            }
        }
    }

    [Fact] public void Add() => BinaryKernel<E.Add>();
    [Fact] public void Sub() => BinaryKernel<E.Sub>();
    [Fact] public void Mul() => BinaryKernel<E.Mul>();
    [Fact] public void Div() => BinaryKernel<E.Div>();
    [Fact] public void Pow() => BinaryKernel<E.Pow>();
    [Fact] public void Min() => BinaryKernel<E.Min>();
    [Fact] public void Max() => BinaryKernel<E.Max>();
    [Fact] public void Atan2() => BinaryKernel<E.Atan2>();
    [Fact] public void Hypot() => BinaryKernel<E.Hypot>();

    [Fact]
    public void LaneExactRules_AreTheArithmeticOnes()
    {
        Assert.True(UnaryLanes<E.Square>.Exact);
        Assert.True(UnaryLanes<E.Tanh>.Exact);   // 1 − y²
        Assert.True(UnaryLanes<E.Sqrt>.Exact);   // 0.5 / y
        Assert.False(UnaryLanes<E.Sin>.Exact);   // cos x: per element
        Assert.False(UnaryLanes<E.Relu>.Exact);  // branches on the value
        Assert.True(BinaryLanes<E.Div>.Exact);
        Assert.False(BinaryLanes<E.Max>.Exact);
    }

    [Fact]
    public void StrongZeroProduct_And_Select()
    {
        for (int n = 0; n <= 256; n++)
        {
            double[] a = Sample(n, -1, 1, n), b = Sample(n, -1, 1, n + 1000), c = Sample(n, -1, 1, n + 2000);
            for (int i = 0; i < n; i += 3) a[i] = 0;
            for (int i = 1; i < n; i += 5) b[i] = double.NaN;
            for (int i = 2; i < n; i += 7) b[i] = double.PositiveInfinity;
            var d = new double[n];
            Elementwise.MulStrongZero(a, b, d);
            for (int i = 0; i < n; i++)
            {
                double expected = a[i] == 0 || b[i] == 0 ? 0 : a[i] * b[i];
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(d[i]));
            }
            var s = new double[n];
            Elementwise.Select(c, a, b, s);
            for (int i = 0; i < n; i++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(c[i] != 0 ? a[i] : b[i]), BitConverter.DoubleToInt64Bits(s[i]));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(Evaluator.Block - 1)]
    [InlineData(Evaluator.Block)]
    [InlineData(Evaluator.Block + 1)]
    [InlineData(3 * Evaluator.Block + 7)]
    [InlineData(40 * Evaluator.Block + 3)]
    public void FusedEvaluation_EqualsEagerAcrossBlocks(int n)
    {
        double[] xd = Sample(n, -2, 2, n);
        Tensor x = Tensor.Vector(xd);
        // A chain with shifted reads (slices and their adjoint placements), a broadcast scalar, and reuse.
        Tensor a = x[..^1], b = x[1..];
        Tensor t = Tensor.Sin(b) * a + 0.5 * Tensor.Square(a - b);
        Tensor r = Tensor.Concat(0, t, Tensor.Zeros(1)) + Tensor.Concat(0, Tensor.Zeros(1), t * t);
        double[] got = r.ToArray();
        for (int i = 0; i < n; i++)
        {
            double ti = i < n - 1 ? Math.Sin(xd[i + 1]) * xd[i] + 0.5 * (xd[i] - xd[i + 1]) * (xd[i] - xd[i + 1]) : 0;
            double tp = i > 0 ? Math.Sin(xd[i]) * xd[i - 1] + 0.5 * (xd[i - 1] - xd[i]) * (xd[i - 1] - xd[i]) : 0;
            TensorCheck.Close(ti + tp * tp, got[i], 1e-14, $"r[{i}]");
        }
        // Sum without storing equals the sum of the stored values.
        double sum = Tensor.Sum(t).Value, reference = 0;
        foreach (double v in t.ToArray()) reference += v;
        TensorCheck.Close(reference, sum, 1e-12, "fused sum");
    }

    [Theory]
    [InlineData(7)]
    [InlineData(16_385)]
    [InlineData(70_001)]
    public void StencilGradients_AcrossChunks_MatchTheAnalyticGradient(int n)
    {
        // f = Σ (x[i+2] − 2x[i+1] + x[i])² · w[i]: the gradient is a sum of three shifted terms, evaluated in
        // chunks (in parallel for large n) with the lead term writing and the others adding.
        double[] xd = Sample(n, -1, 1, n), wd = Sample(n - 2, 0.5, 1.5, n + 1);
        Tensor w = Tensor.Vector(wd);
        Func<Tensor, Scalar> f = x => Tensor.Sum(Tensor.Square(x[2..] - 2.0 * x[1..^1] + x[..^2]) * w);
        double[] g = TensorAD.Grad(f, Tensor.Vector(xd)).ToArray();
        var expected = new double[n];
        for (int i = 0; i < n - 2; i++)
        {
            double d = 2 * wd[i] * (xd[i + 2] - 2 * xd[i + 1] + xd[i]);
            expected[i] += d;
            expected[i + 1] -= 2 * d;
            expected[i + 2] += d;
        }
        for (int i = 0; i < n; i++) TensorCheck.Close(expected[i], g[i], 1e-12, $"g[{i}]");
        // Deterministic: the same bits again (parallel chunks combine in a fixed order).
        Assert.Equal(g, TensorAD.Grad(f, Tensor.Vector(xd)).ToArray());
    }

    [Fact]
    public void DeepChains_AreComputedWithoutRecursion()
    {
        Tensor x = Tensor.Vector(Sample(100, -1, 1, 5));
        Tensor y = x;
        for (int i = 0; i < 20_000; i++) y = y * 0.9999 + 0.0001;
        double[] yd = y.ToArray(), xd = x.ToArray();
        for (int i = 0; i < 100; i++)
        {
            double e = xd[i];
            for (int k = 0; k < 20_000; k++) e = e * 0.9999 + 0.0001;
            TensorCheck.Close(e, yd[i], 1e-12, $"y[{i}]");
        }
        // And its gradient, a 20 000-operation tape.
        double[] g = TensorAD.Grad(v =>
        {
            Tensor z = v;
            for (int i = 0; i < 20_000; i++) z = z * 0.9999 + 0.0001;
            return Tensor.Sum(z);
        }, x).ToArray();
        foreach (double gi in g) TensorCheck.Close(Math.Pow(0.9999, 20_000), gi, 1e-12, "∂y/∂x");
    }

    [Fact]
    public void PendingBuffers_ArePublishedOnce_UnderConcurrentReads()
    {
        for (int round = 0; round < 20; round++)
        {
            Tensor x = Tensor.Vector(Sample(5000, -1, 1, round));
            Tensor y = Tensor.Exp(Tensor.Sin(x)) * x;
            var results = new double[8][];
            Parallel.For(0, 8, i => results[i] = y.ToArray());
            for (int i = 1; i < 8; i++) Assert.Equal(results[0], results[i]);
        }
    }

    [Fact]
    public void ConstBuffer_SumsWithoutStoring()
    {
        Buf c = Buf.Const(2.5, 1_000_000);
        Assert.Equal(2_500_000, Evaluator.Sum(c));
        Assert.False(c.IsStored);
    }

    [Fact]
    public void ConstantFactors_FoldIntoChainProducts()
    {
        // The JVP of Σ 100·(x − 1)² carries 100 ⊙ (2(x − 1)·ẋ): the factor folds into the chain node.
        Tensor x = Tensor.Vector(Sample(700, -2, 2, 11)), v = Tensor.Vector(Sample(700, -1, 1, 12));
        var (_, dy) = TensorAD.Jvp(t => Tensor.Sum(100.0 * Tensor.Square(t - 1.0)), x, v);
        double expected = 0;
        double[] xs = x.ToArray(), vs = v.ToArray();
        for (int i = 0; i < xs.Length; i++) expected += 200 * (xs[i] - 1) * vs[i];
        TensorCheck.Close(expected, dy.Value, 1e-12, "jvp");
        // On pending chain products (first-order derivatives) the fold replaces the product node.
        Tensor d = Tensor.FromArray(vs);
        var folded = HybridAD.Tensors.Lazy.Buf.Lazy(new ChainNode<E.Square>(x.Values, x.Values, d.Values, 0, 1), 700);
        Tensor scaled = Tensor.MulZ(new Tensor(x.Dims, folded), Tensor.FromDouble(-3.0));
        Assert.IsType<ChainNode<E.Square>>(scaled.Values.Node);
        double[] got = scaled.ToArray();
        for (int i = 0; i < xs.Length; i++) TensorCheck.Close(-3.0 * (vs[i] * 2 * xs[i]), got[i], 1e-15, $"[{i}]");
        // A zero or non-finite factor is not folded (the strong product decides those).
        Assert.IsType<MulZNode>(Tensor.MulZ(new Tensor(x.Dims, folded), Tensor.FromDouble(double.PositiveInfinity)).Values.Node);
    }
}
