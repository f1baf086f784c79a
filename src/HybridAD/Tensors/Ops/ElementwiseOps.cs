using HybridAD.Rules;
using HybridAD.Tensors.Kernels;
using HybridAD.Tensors.Lazy;
using E = HybridAD.Rules.Elementals;

namespace HybridAD.Tensors.Ops;

/// <summary>
/// A tensor as an <see cref="IReal{T}"/>: a scalar rule's partial, written once over <see cref="IReal{T}"/>,
/// evaluated on whole tensors with tensor operations (broadcasting constants). Used for nested derivatives, where
/// the partial itself must be differentiable: the partial is then an ordinary tensor expression.
/// </summary>
internal readonly struct TensorReal(Tensor t) : IReal<TensorReal>
{
    internal readonly Tensor T = t;
    public static TensorReal Const(double value) => new(Tensor.FromDouble(value));
    public static double ValueOf(TensorReal x) => throw new LaneUnsupportedException();
    public static TensorReal operator +(TensorReal a, TensorReal b) => new(a.T + b.T);
    public static TensorReal operator -(TensorReal a, TensorReal b) => new(a.T - b.T);
    public static TensorReal operator *(TensorReal a, TensorReal b) => new(a.T * b.T);
    public static TensorReal operator /(TensorReal a, TensorReal b) => new(a.T / b.T);
    public static TensorReal operator -(TensorReal a) => new(-a.T);
    public static TensorReal Sin(TensorReal x) => new(Tensor.Sin(x.T));
    public static TensorReal Cos(TensorReal x) => new(Tensor.Cos(x.T));
    public static TensorReal Sinh(TensorReal x) => new(Tensor.Sinh(x.T));
    public static TensorReal Cosh(TensorReal x) => new(Tensor.Cosh(x.T));
    public static TensorReal Exp(TensorReal x) => new(Tensor.Exp(x.T));
    public static TensorReal Log(TensorReal x) => new(Tensor.Log(x.T));
    public static TensorReal Sqrt(TensorReal x) => new(Tensor.Sqrt(x.T));
    public static TensorReal Pow(TensorReal x, double c) => new(Tensor.Pow(x.T, c));
    public static TensorReal PowT(TensorReal x, TensorReal y) => new(Tensor.Pow(x.T, y.T));
    public static TensorReal Sigmoid(TensorReal x) => new(Tensor.Sigmoid(x.T));
}

/// <summary>Whether a rule's partial can be evaluated on whole tensors (it never branches on an element's
/// value). Probed once per rule.</summary>
internal static class TensorLanes<R> where R : struct, IUnaryRule
{
    internal static readonly bool Ok = Probe();

    private static bool Probe()
    {
        try
        {
            R.Partial(TensorReal.Const(0.5), TensorReal.Const(0.5), 1.5);
            return true;
        }
        catch (LaneUnsupportedException) { return false; }
    }
}

/// <summary>Whether a binary rule's partials can be evaluated on whole tensors. Probed once per rule.</summary>
internal static class TensorLanes2<R> where R : struct, IBinaryRule
{
    internal static readonly bool Ok = Probe();

    private static bool Probe()
    {
        try
        {
            R.Partials(TensorReal.Const(0.5), TensorReal.Const(0.75), TensorReal.Const(0.25));
            return true;
        }
        catch (LaneUnsupportedException) { return false; }
    }
}

/// <summary>Whether a unary rule's partial reads y = φ(x) (probed once: a NaN y must show in the partial). When it
/// does not (x², sin, …), fused derivatives do not recompute y.</summary>
internal static class PartialUsesY<R> where R : struct, IUnaryRule
{
    internal static readonly bool Value = Probe();

    private static bool Probe()
    {
        var (lo, hi) = R.Domain;
        foreach (double t in new[] { 0.3, 0.5, 0.8 })
        {
            double x = lo + t * (hi - lo);
            if (double.IsNaN(R.Partial<R64>(x, double.NaN, 1.5).V)) return true;
        }
        return false;
    }
}

/// <summary>Helpers shared by elementwise operations.</summary>
internal static class Pointwise
{
    /// <summary>A constant tensor from a pending node.</summary>
    internal static Tensor Lazy(int[] dims, LazyNode node) => new(dims, Buf.Lazy(node, Shapes.Size(dims)));

    /// <summary>a·b as one pending node when one factor is a finite constant c ≠ 0 and the other a pending node
    /// that absorbs it (<see cref="LazyNode.ScaledBy"/>: a chain-rule product); else null. For c finite and
    /// nonzero the strong product and the plain one agree, so this serves both.</summary>
    internal static Tensor? FoldFactor(Buf a, Buf b, int[] shape)
    {
        if (a.TryGetConst(out double c) && double.IsFinite(c) && c != 0 && b.Node?.ScaledBy(c) is LazyNode nb) return Lazy(shape, nb);
        if (b.TryGetConst(out c) && double.IsFinite(c) && c != 0 && a.Node?.ScaledBy(c) is LazyNode na) return Lazy(shape, na);
        // Otherwise a product with a constant is one scaling node (one input read, and later factors fold in).
        if (a.TryGetConst(out c) && double.IsFinite(c) && c != 0 && !b.TryGetConst(out _)) return Lazy(shape, new ScaleNode(b, c));
        if (b.TryGetConst(out c) && double.IsFinite(c) && c != 0 && !a.TryGetConst(out _)) return Lazy(shape, new ScaleNode(a, c));
        return null;
    }

    /// <summary>The values of a constant tensor broadcast to <paramref name="shape"/>, as a buffer of that size.</summary>
    internal static Buf Expand(Tensor t, int[] shape)
    {
        if (Shapes.Equal(t.Dims, shape)) return t.Values;
        int size = Shapes.Size(shape);
        if (t.Length == 1) return t.Values.TryGetConst(out double c) ? Buf.Const(c, size) : Buf.Const(t.Values.Span[0], size);
        if (t.Values.TryGetConst(out double v)) return Buf.Const(v, size);
        return Buf.Lazy(new BroadcastNode(t.Values, t.Dims, shape), size);
    }

    /// <summary>A partial (shape S) made broadcastable against a derivative that carries a trailing batch axis.</summary>
    internal static Tensor Lift(Tensor partial, Tensor? derivative, Tensor primal) =>
        TensorOp.Batched(derivative, primal) ? partial.Reshape(Shapes.Append(partial.Dims, 1)) : partial;

    /// <summary>The shape a derivative of <paramref name="primal"/> has (with the batch axis if batched).</summary>
    internal static int[] DerivShape(int[] primalDims, Tensor derivative, Tensor primal) =>
        TensorOp.Batched(derivative, primal) ? Shapes.Append(primalDims, derivative.Dims[^1]) : primalDims;

    /// <summary>∂φ/∂x as a tensor at (x, y = φ(x)): a fused kernel on constants; on perturbed values, the rule's
    /// partial as a tensor expression (differentiable), or — for rules whose partial branches on the value and
    /// is piecewise constant (relu, abs) — the constant partial.</summary>
    internal static Tensor Partial<R>(Tensor x, Tensor y, double p) where R : struct, IUnaryRule
    {
        if (x.Key == 0 && y.Key == 0)
            return Lazy(x.Dims, new PartialNode<R>(x.Values, PartialUsesY<R>.Value ? y.Values : x.Values, p));
        if (!TensorLanes<R>.Ok)
        {
            // The partial branches on the value: for the kinked rules (relu, abs) it is piecewise constant, so
            // its derivative is zero and the constant partial is exact at every order.
            if ((R.Traits & RuleTraits.HasKinks) == 0)
                throw new NotSupportedException($"Tensor {R.Name}: nested derivatives of this rule are not supported on tensors.");
            return Lazy(x.Dims, new PartialNode<R>(x.Values, y.Values, p));
        }
        return R.Partial(new TensorReal(x), new TensorReal(y), p).T;
    }

    /// <summary>∂φ/∂a (which = 0) or ∂φ/∂b (which = 1) of a binary rule as a tensor of the output's shape.</summary>
    internal static Tensor Partial2<R>(Tensor a, Tensor b, Tensor y, int which) where R : struct, IBinaryRule
    {
        int[] s = y.Dims;
        if (a.Key == 0 && b.Key == 0 && y.Key == 0)
            return Lazy(s, new Partial2Node<R>(Expand(a, s), Expand(b, s), y.Values, which));
        if (TensorLanes2<R>.Ok)
        {
            var (da, db) = R.Partials(new TensorReal(a), new TensorReal(b), new TensorReal(y));
            return which == 0 ? da.T : db.T;
        }
        if (typeof(R) == typeof(E.Min) || typeof(R) == typeof(E.Max))
            return Lazy(s, new Partial2Node<R>(Expand(Tensor.StopGradient(a), s), Expand(Tensor.StopGradient(b), s), y.Values, which));
        // Rules whose partials branch only at isolated points: the same partials as tensor expressions, with the
        // scalar rule's conventions at those points (Where keeps the dead branch's NaN out of every derivative).
        if (typeof(R) == typeof(E.Pow))
        {
            if (which == 0) return Tensor.Where(Tensor.Equal(b, 0.0), Tensor.Zeros(s), b * Tensor.Pow(a, b - 1.0));
            return Tensor.Where(Tensor.Equal(a, 0.0), Tensor.Zeros(s), y * Tensor.Log(a));
        }
        if (typeof(R) == typeof(E.Atan2))
        {
            Tensor origin = Tensor.Equal(a, 0.0) * Tensor.Equal(b, 0.0);
            Tensor r2 = a * a + b * b;
            return Tensor.Where(origin, Tensor.Zeros(s), which == 0 ? b / r2 : -a / r2);
        }
        if (typeof(R) == typeof(E.Hypot))
            return Tensor.Where(Tensor.Equal(y, 0.0), Tensor.Zeros(s), which == 0 ? a / y : b / y);
        throw new NotSupportedException($"Tensor {R.Name}: nested derivatives of this rule are not supported on tensors.");
    }

    /// <summary>The cost of one element of a rule (for cost models): 1 for arithmetic, more for transcendentals.</summary>
    internal static double FlopsOf(string name) => name switch
    {
        "+" or "-" or "*" or "neg" or "abs" or "relu" or "square" or "mulz" or "select" => 1,
        "/" or "recip" or "cube" => 2,
        "sqrt" or "min" or "max" => 4,
        _ => 20,
    };
}

/// <summary>y = φ(x; p) elementwise for a scalar rule. JVP ẏ = φ′(x)·ẋ, VJP x̄ = ȳ·φ′(x) (strong-zero products).</summary>
internal sealed class UnaryOp<R>(double p) : TensorOp where R : struct, IUnaryRule
{
    internal static readonly UnaryOp<R> Default = new(0);
    internal override string Name => R.Name;

    internal override Tensor Primal(Tensor[] x)
    {
        if (x[0].Values.TryGetConst(out double c)) return new Tensor(x[0].Dims, Buf.Const(R.Primal(c, p), x[0].Length));
        if (typeof(R) == typeof(E.Neg) && Peephole.IsNeg(x[0].Values, out Buf inner)) return new Tensor(x[0].Dims, inner); // −(−x)
        if (typeof(R) == typeof(E.Neg) && x[0].Values.Node is ScaleNode scaled) return Pointwise.Lazy(x[0].Dims, scaled.ScaledBy(-1)!); // −(s·x)
        return Pointwise.Lazy(x[0].Dims, new MapNode<R>(x[0].Values, p));
    }

    /// <summary>d·φ′ in one fused kernel when everything is first order and d has x's shape.</summary>
    private Tensor? Chain(Tensor x, Tensor y, Tensor d)
    {
        if (x.Key != 0 || y.Key != 0 || d.Key != 0 || !Shapes.Equal(d.Dims, x.Dims)) return null;
        Buf yv = PartialUsesY<R>.Value ? y.Values : x.Values;
        if (d.Values.TryGetConst(out double c))
            return c == 0 ? d : Pointwise.Lazy(x.Dims, new ScaledPartialNode<R>(x.Values, yv, c, p));
        bool negate = Peephole.IsNeg(d.Values, out Buf dv);
        return Pointwise.Lazy(x.Dims, new ChainNode<R>(x.Values, yv, dv, p, negate ? -1 : 1));
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        if (typeof(R) == typeof(E.Neg)) return -dx[0]!;
        if (Chain(x[0], y, dx[0]!) is Tensor fused) return fused;
        Tensor partial = Pointwise.Partial<R>(x[0], y, p);
        return Tensor.MulZ(Pointwise.Lift(partial, dx[0], x[0]), dx[0]!);
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        if (typeof(R) == typeof(E.Neg))
        {
            dx[0] = -dy;
            return;
        }
        if (Chain(x[0], y, dy) is Tensor fused)
        {
            dx[0] = fused;
            return;
        }
        Tensor partial = Pointwise.Partial<R>(x[0], y, p);
        dx[0] = Tensor.MulZ(dy, Pointwise.Lift(partial, dy, y));
    }

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Elementwise(y.Length, Pointwise.FlopsOf(R.Name));

    internal override bool HasPendingVjp(Tensor[] x, Tensor y, int[] inputRecs) => true;
}

/// <summary>Base of broadcasting binary operations: output shape = broadcast of the inputs' shapes.</summary>
internal abstract class BroadcastBinaryOp : TensorOp
{
    internal override bool HasPendingVjp(Tensor[] x, Tensor y, int[] inputRecs) => DifferentiatedInputsHaveOutputShape(x, y, inputRecs);

    /// <summary>The contribution of cotangent g (output shape, maybe batched) to input i: summed over the axes
    /// input i was broadcast along.</summary>
    internal static Tensor Unbroadcast(Tensor g, Tensor input, Tensor y) =>
        Tensor.SumTo(g, Pointwise.DerivShape(input.Dims, g, y));

    /// <summary>A tangent term broadcast to the output's tangent shape (y's shape, ++ [k] when batched).</summary>
    internal static Tensor Broadcast(Tensor d, bool batched, Tensor y)
    {
        int[] target = batched ? Shapes.Append(y.Dims, d.Dims[^1]) : y.Dims;
        return Shapes.Equal(d.Dims, target) ? d : Tensor.BroadcastTo(d, target);
    }
}

/// <summary>a + b.</summary>
internal sealed class AddOp : BroadcastBinaryOp
{
    internal static readonly AddOp Instance = new();
    internal override string Name => "+";

    internal override Tensor Primal(Tensor[] x)
    {
        int[] s = Shapes.Broadcast(x[0].Dims, x[1].Dims, "Tensor +");
        Buf a = Pointwise.Expand(x[0], s), b = Pointwise.Expand(x[1], s);
        if (a.TryGetConst(out double ca) && ca == 0) return new Tensor(s, b);
        if (b.TryGetConst(out double cb) && cb == 0) return new Tensor(s, a);
        if (Peephole.IsNeg(b, out Buf nb)) return Pointwise.Lazy(s, new Map2Node<E.Sub>(a, nb)); // a + (−b) = a − b
        if (Peephole.IsNeg(a, out Buf na)) return Pointwise.Lazy(s, new Map2Node<E.Sub>(b, na));
        return Pointwise.Lazy(s, new Map2Node<E.Add>(a, b));
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        Tensor? a = dx[0] is null ? null : Broadcast(dx[0]!, Batched(dx[0], x[0]), y);
        Tensor? b = dx[1] is null ? null : Broadcast(dx[1]!, Batched(dx[1], x[1]), y);
        return a is null ? b : b is null ? a : a + b;
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        if (need[0]) dx[0] = Unbroadcast(dy, x[0], y);
        if (need[1]) dx[1] = Unbroadcast(dy, x[1], y);
    }
}

/// <summary>a − b.</summary>
internal sealed class SubOp : BroadcastBinaryOp
{
    internal static readonly SubOp Instance = new();
    internal override string Name => "-";

    internal override Tensor Primal(Tensor[] x)
    {
        int[] s = Shapes.Broadcast(x[0].Dims, x[1].Dims, "Tensor −");
        Buf a = Pointwise.Expand(x[0], s), b = Pointwise.Expand(x[1], s);
        if (b.TryGetConst(out double cb) && cb == 0) return new Tensor(s, a);
        if (Peephole.IsNeg(b, out Buf nb)) return Pointwise.Lazy(s, new Map2Node<E.Add>(a, nb)); // a − (−b) = a + b
        return Pointwise.Lazy(s, new Map2Node<E.Sub>(a, b));
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        Tensor? a = dx[0] is null ? null : Broadcast(dx[0]!, Batched(dx[0], x[0]), y);
        Tensor? b = dx[1] is null ? null : Broadcast(dx[1]!, Batched(dx[1], x[1]), y);
        return a is null ? -b! : b is null ? a : a - b;
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        if (need[0]) dx[0] = Unbroadcast(dy, x[0], y);
        if (need[1]) dx[1] = -Unbroadcast(dy, x[1], y);
    }
}

/// <summary>a ⊙ b (elementwise product).</summary>
internal sealed class MulOp : BroadcastBinaryOp
{
    internal static readonly MulOp Instance = new();
    internal override string Name => "*";

    internal override Tensor Primal(Tensor[] x)
    {
        int[] s = Shapes.Broadcast(x[0].Dims, x[1].Dims, "Tensor ×");
        Buf a = Pointwise.Expand(x[0], s), b = Pointwise.Expand(x[1], s);
        if (a.TryGetConst(out double ca) && b.TryGetConst(out double cb)) return new Tensor(s, Buf.Const(ca * cb, Shapes.Size(s)));
        if (a.TryGetConst(out ca) && ca == 1) return new Tensor(s, b);
        if (b.TryGetConst(out cb) && cb == 1) return new Tensor(s, a);
        if (Pointwise.FoldFactor(a, b, s) is Tensor folded) return folded;
        return Pointwise.Lazy(s, new Map2Node<E.Mul>(a, b));
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        Tensor? a = dx[0] is null ? null : Tensor.MulZ(dx[0]!, Pointwise.Lift(x[1], dx[0], x[0]));
        Tensor? b = dx[1] is null ? null : Tensor.MulZ(dx[1]!, Pointwise.Lift(x[0], dx[1], x[1]));
        a = a is null ? null : Broadcast(a, Batched(dx[0], x[0]), y);
        b = b is null ? null : Broadcast(b, Batched(dx[1], x[1]), y);
        return a is null ? b : b is null ? a : a + b;
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        if (need[0]) dx[0] = Unbroadcast(Tensor.MulZ(dy, Pointwise.Lift(x[1], dy, y)), x[0], y);
        if (need[1]) dx[1] = Unbroadcast(Tensor.MulZ(dy, Pointwise.Lift(x[0], dy, y)), x[1], y);
    }
}

/// <summary>The strong-zero product a ⊙ b (0 where either factor is 0) that carries derivatives: a zero tangent
/// or cotangent stays zero through an infinite or NaN partial. Its own derivatives use it again, so the
/// guarantee holds at every order.</summary>
internal sealed class MulZOp : BroadcastBinaryOp
{
    internal static readonly MulZOp Instance = new();
    internal override string Name => "mulz";

    internal override Tensor Primal(Tensor[] x)
    {
        int[] s = Shapes.Broadcast(x[0].Dims, x[1].Dims, "Tensor ×");
        Buf a = Pointwise.Expand(x[0], s), b = Pointwise.Expand(x[1], s);
        if ((a.TryGetConst(out double ca) && ca == 0) || (b.TryGetConst(out double cb) && cb == 0)) return new Tensor(s, Buf.Const(0, Shapes.Size(s)));
        if (a.TryGetConst(out ca) && b.TryGetConst(out cb)) return new Tensor(s, Buf.Const(ca * cb, Shapes.Size(s)));
        if (a.TryGetConst(out ca) && ca == 1) return new Tensor(s, b);
        if (b.TryGetConst(out cb) && cb == 1) return new Tensor(s, a);
        if (Pointwise.FoldFactor(a, b, s) is Tensor folded) return folded;
        return Pointwise.Lazy(s, new MulZNode(a, b));
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        Tensor? a = dx[0] is null ? null : Broadcast(Tensor.MulZ(dx[0]!, Pointwise.Lift(x[1], dx[0], x[0])), Batched(dx[0], x[0]), y);
        Tensor? b = dx[1] is null ? null : Broadcast(Tensor.MulZ(dx[1]!, Pointwise.Lift(x[0], dx[1], x[1])), Batched(dx[1], x[1]), y);
        return a is null ? b : b is null ? a : a + b;
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        if (need[0]) dx[0] = Unbroadcast(Tensor.MulZ(dy, Pointwise.Lift(x[1], dy, y)), x[0], y);
        if (need[1]) dx[1] = Unbroadcast(Tensor.MulZ(dy, Pointwise.Lift(x[0], dy, y)), x[1], y);
    }
}

/// <summary>y = φ(a, b) elementwise with broadcasting for a binary scalar rule (÷, pow, atan2, min, max, hypot).</summary>
internal sealed class BinaryRuleOp<R> : BroadcastBinaryOp where R : struct, IBinaryRule
{
    internal static readonly BinaryRuleOp<R> Instance = new();
    internal override string Name => R.Name;

    internal override Tensor Primal(Tensor[] x)
    {
        int[] s = Shapes.Broadcast(x[0].Dims, x[1].Dims, "Tensor " + R.Name);
        return Pointwise.Lazy(s, new Map2Node<R>(Pointwise.Expand(x[0], s), Pointwise.Expand(x[1], s)));
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        Tensor? r = null;
        for (int i = 0; i < 2; i++)
        {
            if (dx[i] is null) continue;
            Tensor partial = Pointwise.Partial2<R>(x[0], x[1], y, i);
            Tensor t = Broadcast(Tensor.MulZ(dx[i]!, Pointwise.Lift(partial, dx[i], x[i])), Batched(dx[i], x[i]), y);
            r = r is null ? t : r + t;
        }
        return r;
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        for (int i = 0; i < 2; i++)
        {
            if (!need[i]) continue;
            Tensor partial = Pointwise.Partial2<R>(x[0], x[1], y, i);
            dx[i] = Unbroadcast(Tensor.MulZ(dy, Pointwise.Lift(partial, dy, y)), x[i], y);
        }
    }

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Elementwise(y.Length, Pointwise.FlopsOf(R.Name), 2);
}

/// <summary>Where(cond, a, b): a where cond ≠ 0, else b (cond is a constant mask; all three broadcast). The
/// derivative flows only into the branch taken: the other branch's cotangent is an exact zero, so a NaN there
/// (√ of a negative number, log 0, …) never reaches the gradient.</summary>
internal sealed class WhereOp(Tensor mask) : TensorOp
{
    internal override string Name => "where";

    internal override bool HasPendingVjp(Tensor[] x, Tensor y, int[] inputRecs) =>
        Shapes.Equal(mask.Dims, y.Dims) && DifferentiatedInputsHaveOutputShape(x, y, inputRecs);

    private int[] OutShape(Tensor a, Tensor b) =>
        Shapes.Broadcast(Shapes.Broadcast(mask.Dims, a.Dims, "Tensor.Where"), b.Dims, "Tensor.Where");

    internal override Tensor Primal(Tensor[] x)
    {
        int[] s = OutShape(x[0], x[1]);
        return Pointwise.Lazy(s, new SelectNode(Pointwise.Expand(mask, s), Pointwise.Expand(x[0], s), Pointwise.Expand(x[1], s)));
    }

    private Tensor Mask(bool batched) => batched ? mask.Reshape(Shapes.Append(mask.Dims, 1)) : mask;

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        bool b0 = Batched(dx[0], x[0]), b1 = Batched(dx[1], x[1]);
        bool batched = b0 || b1;
        int[] shape = batched ? Shapes.Append(y.Dims, (b0 ? dx[0] : dx[1])!.Dims[^1]) : y.Dims;
        Tensor a = dx[0] is null ? Tensor.Zeros(shape) : BroadcastBinaryOp.Broadcast(dx[0]!, b0, y);
        Tensor b = dx[1] is null ? Tensor.Zeros(shape) : BroadcastBinaryOp.Broadcast(dx[1]!, b1, y);
        return Tensor.Where(Mask(batched), a, b);
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        Tensor zero = Tensor.Zeros(dy.Dims);
        Tensor m = Mask(Batched(dy, y));
        if (need[0]) dx[0] = BroadcastBinaryOp.Unbroadcast(Tensor.Where(m, dy, zero), x[0], y);
        if (need[1]) dx[1] = BroadcastBinaryOp.Unbroadcast(Tensor.Where(m, zero, dy), x[1], y);
    }
}
