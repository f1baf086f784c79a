using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HybridAD.Rules;

namespace HybridAD.Tensors.Kernels;

/// <summary>
/// Span kernels for the elementwise versions of the scalar rules. The primal uses the SIMD kernel the rule
/// declares next to its primal (<see cref="IUnaryRule.PrimalSpan"/>: a <see cref="TensorPrimitives"/> one, or one
/// of the kernels here), and otherwise loops over the rule's own <c>Primal</c>. The partial is the rule's own
/// <c>Partial</c>: on whole SIMD registers when the rule is lane-exact (<see cref="VLane"/>), else per element on
/// <see cref="R64"/>. No virtual call, allocation or LINQ per element.
/// </summary>
/// <remarks>The kernels are compiled fully optimised at once (<see cref="MethodImplOptions.AggressiveOptimization"/>):
/// under tiered compilation a loop kernel was seen to stay in its unoptimised or instrumented tier for a whole
/// benchmark run (the rule's lane operations not inlined: 10× slower), depending on timing.</remarks>
internal static class Elementwise
{
    /// <summary>y = φ(x; p) elementwise: the rule's SIMD kernel when it declares one
    /// (<see cref="IUnaryRule.PrimalSpan"/>), else its primal per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnaryPrimal<R>(ReadOnlySpan<double> x, Span<double> y, double p) where R : struct, IUnaryRule
    {
        if (x.Length == 0) return;
        if (R.PrimalSpan(x, y, p)) return;
        UnaryPrimalScalar<R>(x, y, p);
    }

    /// <summary>The scalar reference: the rule's own primal, per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnaryPrimalScalar<R>(ReadOnlySpan<double> x, Span<double> y, double p) where R : struct, IUnaryRule
    {
        if (y.Length != x.Length) ThrowLength(x.Length, y.Length);
        for (int i = 0; i < x.Length; i++) y[i] = R.Primal(x[i], p);
    }

    /// <summary>y = x·x·x elementwise (per register, so y may alias x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Cube(ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, i = 0;
        if (y.Length != n) ThrowLength(n, y.Length);
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        if (Vector.IsHardwareAccelerated)
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var v = Vector.LoadUnsafe(ref xr, (nuint)i);
                (v * v * v).StoreUnsafe(ref yr, (nuint)i);
            }
        for (; i < n; i++)
        {
            double v = Unsafe.Add(ref xr, i);
            Unsafe.Add(ref yr, i) = v * v * v;
        }
    }

    /// <summary>
    /// tanh on SIMD registers, within 3 ulps of <see cref="Math.Tanh"/> everywhere (TensorPrimitives' tanh loses
    /// relative accuracy near 0): for |x| &lt; 0.625 the odd rational approximation x + x·z·P(z)/Q(z), z = x²
    /// (Cephes' coefficients), else sign(x)·(1 − 2/(e^{2|x|} + 1)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tanh(ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, i = 0;
        if (y.Length != n) ThrowLength(n, y.Length);
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        if (Vector.IsHardwareAccelerated)
        {
            var p0 = new Vector<double>(-9.64399179425052238628E-1);
            var p1 = new Vector<double>(-9.92877231001918586564E1);
            var p2 = new Vector<double>(-1.61468768441708447952E3);
            var q0 = new Vector<double>(1.12811678491632931402E2);
            var q1 = new Vector<double>(2.23548839060100448583E3);
            var q2 = new Vector<double>(4.84406305325125486048E3);
            var two = new Vector<double>(2);
            var cut = new Vector<double>(0.625);
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var v = Vector.LoadUnsafe(ref xr, (nuint)i);
                var ax = Vector.Abs(v);
                var z = v * v;
                var small = v + v * z * ((p0 * z + p1) * z + p2) / (((z + q0) * z + q1) * z + q2);
                small = Vector.ConditionalSelect(Vector.Equals(v, Vector<double>.Zero), v, small); // keeps −0
                var large = Vector<double>.One - two / (Vector.Exp(ax + ax) + Vector<double>.One);
                large = Vector.ConditionalSelect(Vector.LessThan(v, Vector<double>.Zero), -large, large);
                Vector.ConditionalSelect(Vector.LessThan(ax, cut), small, large).StoreUnsafe(ref yr, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = Math.Tanh(Unsafe.Add(ref xr, i));
    }

    /// <summary>d = ∂φ/∂x (x, y = φ(x); p) elementwise: the rule's partial on SIMD lanes when exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnaryPartial<R>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, double p) where R : struct, IUnaryRule
    {
        int n = x.Length, i = 0;
        if (y.Length != n || d.Length != n) ThrowLength(n, Math.Min(y.Length, d.Length));
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        ref double dr = ref MemoryMarshal.GetReference(d);
        if (UnaryLanes<R>.Exact)
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var xv = new VLane(Vector.LoadUnsafe(ref xr, (nuint)i));
                var yv = new VLane(Vector.LoadUnsafe(ref yr, (nuint)i));
                R.Partial(xv, yv, p).V.StoreUnsafe(ref dr, (nuint)i);
            }
        for (; i < n; i++)
            Unsafe.Add(ref dr, i) = R.Partial<R64>(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i), p).V;
    }

    /// <summary>dst = (s·d)·∂φ/∂x (x, y; p) elementwise with the strong zero (0 where s·d = 0 or ∂φ/∂x = 0): a
    /// tangent or cotangent pushed through one rule in one pass (s = <paramref name="scale"/>: −1 for a negated d,
    /// or a constant factor folded in).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnaryChain<R>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, ReadOnlySpan<double> d, Span<double> dst, double p,
        double scale = 1) where R : struct, IUnaryRule
    {
        int n = x.Length, i = 0;
        if (y.Length != n || d.Length != n || dst.Length != n) ThrowLength(n, Math.Min(Math.Min(y.Length, d.Length), dst.Length));
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        ref double dr = ref MemoryMarshal.GetReference(d);
        ref double or = ref MemoryMarshal.GetReference(dst);
        double sign = scale;
        var signV = new Vector<double>(sign);
        if (UnaryLanes<R>.Exact)
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var dv = Vector.LoadUnsafe(ref dr, (nuint)i) * signV;
                var pv = R.Partial(new VLane(Vector.LoadUnsafe(ref xr, (nuint)i)), new VLane(Vector.LoadUnsafe(ref yr, (nuint)i)), p).V;
                var zero = Vector.BitwiseOr(Vector.Equals(dv, Vector<double>.Zero), Vector.Equals(pv, Vector<double>.Zero));
                Vector.ConditionalSelect(zero, Vector<double>.Zero, dv * pv).StoreUnsafe(ref or, (nuint)i);
            }
        for (; i < n; i++)
        {
            double dv = sign * Unsafe.Add(ref dr, i);
            if (dv == 0)
            {
                Unsafe.Add(ref or, i) = 0;
                continue;
            }
            double pv = R.Partial<R64>(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i), p).V;
            Unsafe.Add(ref or, i) = pv == 0 ? 0 : dv * pv;
        }
    }

    /// <summary>dst = c·∂φ/∂x (x, y; p) elementwise, 0 where the partial is 0: <see cref="UnaryChain{R}"/> with a
    /// constant d = c ≠ 0 (bit-identical to it: the same product c·φ′ and the same strong zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnaryPartialScaled<R>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> dst, double p, double scale)
        where R : struct, IUnaryRule
    {
        int n = x.Length, i = 0;
        if (y.Length != n || dst.Length != n) ThrowLength(n, Math.Min(y.Length, dst.Length));
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        ref double or = ref MemoryMarshal.GetReference(dst);
        var scaleV = new Vector<double>(scale);
        if (UnaryLanes<R>.Exact)
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var pv = R.Partial(new VLane(Vector.LoadUnsafe(ref xr, (nuint)i)), new VLane(Vector.LoadUnsafe(ref yr, (nuint)i)), p).V;
                Vector.ConditionalSelect(Vector.Equals(pv, Vector<double>.Zero), Vector<double>.Zero, scaleV * pv).StoreUnsafe(ref or, (nuint)i);
            }
        for (; i < n; i++)
        {
            double pv = R.Partial<R64>(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i), p).V;
            Unsafe.Add(ref or, i) = pv == 0 ? 0 : scale * pv;
        }
    }

    /// <summary>The scalar reference for the partial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnaryPartialScalar<R>(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, double p) where R : struct, IUnaryRule
    {
        for (int i = 0; i < x.Length; i++) d[i] = R.Partial<R64>(x[i], y[i], p).V;
    }

    /// <summary>y = φ(a, b) elementwise: the rule's SIMD kernel when it declares one
    /// (<see cref="IBinaryRule.PrimalSpan"/>), else its primal per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void BinaryPrimal<R>(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) where R : struct, IBinaryRule
    {
        if (R.PrimalSpan(a, b, y)) return;
        BinaryPrimalScalar<R>(a, b, y);
    }

    /// <summary>y = a + b elementwise, bit-identical to the scalar loop; y may be a or b.</summary>
    internal static void Add(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => Arithmetic<AddLanes>(a, b, y);

    /// <summary>y = a − b elementwise, bit-identical to the scalar loop; y may be a or b.</summary>
    internal static void Subtract(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => Arithmetic<SubLanes>(a, b, y);

    /// <summary>y = a · b elementwise, bit-identical to the scalar loop; y may be a or b.</summary>
    internal static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => Arithmetic<MulLanes>(a, b, y);

    /// <summary>One correctly rounded operation (+ − ×) on SIMD registers and on doubles: the same result either way.</summary>
    private interface ILaneArithmetic
    {
        static abstract Vector<double> Apply(Vector<double> a, Vector<double> b);
        static abstract double Apply(double a, double b);
    }

    private readonly struct AddLanes : ILaneArithmetic
    {
        public static Vector<double> Apply(Vector<double> a, Vector<double> b) => a + b;
        public static double Apply(double a, double b) => a + b;
    }

    private readonly struct SubLanes : ILaneArithmetic
    {
        public static Vector<double> Apply(Vector<double> a, Vector<double> b) => a - b;
        public static double Apply(double a, double b) => a - b;
    }

    private readonly struct MulLanes : ILaneArithmetic
    {
        public static Vector<double> Apply(Vector<double> a, Vector<double> b) => a * b;
        public static double Apply(double a, double b) => a * b;
    }

    /// <summary>y = a ∘ b elementwise for an IEEE operation (bit-identical to the scalar loop); y may be a or b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Arithmetic<TOp>(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) where TOp : struct, ILaneArithmetic
    {
        int n = a.Length, i = 0;
        if (b.Length != n || y.Length != n) ThrowLength(n, Math.Min(b.Length, y.Length));
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        ref double yr = ref MemoryMarshal.GetReference(y);
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= n - 2 * Vector<double>.Count; i += 2 * Vector<double>.Count)
            {
                var y0 = TOp.Apply(Vector.LoadUnsafe(ref ar, (nuint)i), Vector.LoadUnsafe(ref br, (nuint)i));
                var y1 = TOp.Apply(Vector.LoadUnsafe(ref ar, (nuint)(i + Vector<double>.Count)), Vector.LoadUnsafe(ref br, (nuint)(i + Vector<double>.Count)));
                y0.StoreUnsafe(ref yr, (nuint)i);
                y1.StoreUnsafe(ref yr, (nuint)(i + Vector<double>.Count));
            }
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
                TOp.Apply(Vector.LoadUnsafe(ref ar, (nuint)i), Vector.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = TOp.Apply(Unsafe.Add(ref ar, i), Unsafe.Add(ref br, i));
    }

    /// <summary>The scalar reference: the rule's own primal, per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void BinaryPrimalScalar<R>(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) where R : struct, IBinaryRule
    {
        if (a.Length != b.Length || y.Length != a.Length) ThrowLength(a.Length, Math.Min(b.Length, y.Length));
        for (int i = 0; i < a.Length; i++) y[i] = R.Primal(a[i], b[i]);
    }

    /// <summary>d = ∂φ/∂a (which = 0) or ∂φ/∂b (which = 1) at (a, b, y = φ(a, b)) elementwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void BinaryPartial<R>(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, Span<double> d, int which)
        where R : struct, IBinaryRule
    {
        int n = a.Length, i = 0;
        if (b.Length != n || y.Length != n || d.Length != n) ThrowLength(n, Math.Min(Math.Min(b.Length, y.Length), d.Length));
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        ref double yr = ref MemoryMarshal.GetReference(y);
        ref double dr = ref MemoryMarshal.GetReference(d);
        if (BinaryLanes<R>.Exact)
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var (da, db) = R.Partials(new VLane(Vector.LoadUnsafe(ref ar, (nuint)i)), new VLane(Vector.LoadUnsafe(ref br, (nuint)i)),
                    new VLane(Vector.LoadUnsafe(ref yr, (nuint)i)));
                (which == 0 ? da : db).V.StoreUnsafe(ref dr, (nuint)i);
            }
        for (; i < n; i++)
        {
            var (da, db) = R.Partials<R64>(Unsafe.Add(ref ar, i), Unsafe.Add(ref br, i), Unsafe.Add(ref yr, i));
            Unsafe.Add(ref dr, i) = which == 0 ? da.V : db.V;
        }
    }

    /// <summary>The scalar reference for a binary partial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void BinaryPartialScalar<R>(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, Span<double> d, int which)
        where R : struct, IBinaryRule
    {
        for (int i = 0; i < a.Length; i++)
        {
            var (da, db) = R.Partials<R64>(a[i], b[i], y[i]);
            d[i] = which == 0 ? da.V : db.V;
        }
    }

    /// <summary>The chain-rule product with a strong zero: d = 0 where a = 0 or b = 0 (so 0·∞ and 0·NaN are 0),
    /// else a·b. Derivatives are propagated with it, so a zero tangent or cotangent is a symbolic zero per
    /// element, exactly as the scalar core skips zero adjoints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MulStrongZero(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> d)
    {
        int n = a.Length, i = 0;
        if (b.Length != n || d.Length != n) ThrowLength(n, Math.Min(b.Length, d.Length));
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        ref double dr = ref MemoryMarshal.GetReference(d);
        if (Vector.IsHardwareAccelerated)
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var av = Vector.LoadUnsafe(ref ar, (nuint)i);
                var bv = Vector.LoadUnsafe(ref br, (nuint)i);
                var zero = Vector.BitwiseOr(Vector.Equals(av, Vector<double>.Zero), Vector.Equals(bv, Vector<double>.Zero));
                Vector.ConditionalSelect(zero, Vector<double>.Zero, av * bv).StoreUnsafe(ref dr, (nuint)i);
            }
        for (; i < n; i++)
        {
            double av = Unsafe.Add(ref ar, i), bv = Unsafe.Add(ref br, i);
            Unsafe.Add(ref dr, i) = av == 0 || bv == 0 ? 0 : av * bv;
        }
    }

    /// <summary>d = cond ≠ 0 ? a : b elementwise (the value not selected is never combined arithmetically).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Select(ReadOnlySpan<double> cond, ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> d)
    {
        int n = cond.Length, i = 0;
        if (a.Length != n || b.Length != n || d.Length != n) ThrowLength(n, Math.Min(Math.Min(a.Length, b.Length), d.Length));
        ref double cr = ref MemoryMarshal.GetReference(cond);
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        ref double dr = ref MemoryMarshal.GetReference(d);
        if (Vector.IsHardwareAccelerated)
            for (; i <= n - Vector<double>.Count; i += Vector<double>.Count)
            {
                var c = Vector.Equals(Vector.LoadUnsafe(ref cr, (nuint)i), Vector<double>.Zero);
                Vector.ConditionalSelect(c, Vector.LoadUnsafe(ref br, (nuint)i), Vector.LoadUnsafe(ref ar, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            }
        for (; i < n; i++) Unsafe.Add(ref dr, i) = Unsafe.Add(ref cr, i) != 0 ? Unsafe.Add(ref ar, i) : Unsafe.Add(ref br, i);
    }

    /// <summary>Elementwise comparison to a 0/1 mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Compare(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> d, CompareKind kind)
    {
        int n = a.Length;
        if (b.Length != n || d.Length != n) ThrowLength(n, Math.Min(b.Length, d.Length));
        switch (kind)
        {
            case CompareKind.Less: for (int i = 0; i < n; i++) d[i] = a[i] < b[i] ? 1.0 : 0.0; break;
            case CompareKind.LessOrEqual: for (int i = 0; i < n; i++) d[i] = a[i] <= b[i] ? 1.0 : 0.0; break;
            case CompareKind.Greater: for (int i = 0; i < n; i++) d[i] = a[i] > b[i] ? 1.0 : 0.0; break;
            case CompareKind.GreaterOrEqual: for (int i = 0; i < n; i++) d[i] = a[i] >= b[i] ? 1.0 : 0.0; break;
            case CompareKind.Equal: for (int i = 0; i < n; i++) d[i] = a[i] == b[i] ? 1.0 : 0.0; break;
            default: for (int i = 0; i < n; i++) d[i] = a[i] != b[i] ? 1.0 : 0.0; break;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int expected, int got) =>
        throw new ArgumentException($"Elementwise kernel: span lengths differ ({got} vs {expected}); expected equal lengths.");
}

/// <summary>Elementwise comparisons (their results are constant 0/1 masks: comparisons have no derivative).</summary>
internal enum CompareKind
{
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
}
