using HybridAD.Tensors.Kernels;

namespace HybridAD.Tensors.Ops;

// log Σ exp, softmax and log-softmax along an axis, all max-shifted (exact at ±1000, −∞ entries allowed).
// Conventions: a row of all −∞ has logsumexp −∞, softmax weights 0 and log-softmax −∞ — and zero, never NaN,
// derivatives. Each derivative is written with the softmax weights w, so it is a tensor expression (nested use).

/// <summary>Helpers for axis reductions with a trailing batch axis.</summary>
internal static class AxisHelp
{
    /// <summary>y (shape without the axis, maybe ++ [k]) reshaped with the axis kept as size 1.</summary>
    internal static Tensor Keep(Tensor y, int[] xDims, int axis, bool batched)
    {
        int[] keep = Shapes.With(xDims, axis, 1);
        return y.Reshape(batched ? Shapes.Append(keep, y.Dims[^1]) : keep);
    }

    /// <summary>Σ along the axis, broadcast back over it (shape of <paramref name="t"/>).</summary>
    internal static Tensor SumBack(Tensor t, int axis) =>
        Tensor.BroadcastTo(Tensor.SumAxisCore(t, axis, keepDims: true), t.Dims);
}

/// <summary>log Σ_axis exp(x).</summary>
internal sealed class LogSumExpOp(int axis) : TensorOp
{
    internal override string Name => "logsumexp";

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor t = x[0];
        var (outer, mid, inner) = Shapes.Split(t.Dims, axis);
        var r = GC.AllocateUninitializedArray<double>(outer * inner);
        Layout.LogSumExp(t.Values.Span, r, outer, mid, inner, new double[mid]);
        return Tensor.Own(r, Shapes.Without(t.Dims, axis));
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        Tensor w = Tensor.Softmax(x[0], axis);
        return Tensor.SumAxisCore(Tensor.MulZ(Pointwise.Lift(w, dx[0], x[0]), dx[0]!), axis, keepDims: false);
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        Tensor w = Tensor.Softmax(x[0], axis);
        bool batched = Batched(dy, y);
        Tensor g = Tensor.BroadcastTo(AxisHelp.Keep(dy, x[0].Dims, axis, batched), Pointwise.DerivShape(x[0].Dims, dy, y));
        dx[0] = Tensor.MulZ(Pointwise.Lift(w, dy, y), g);
    }

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Elementwise(x[0].Length, 22);
}

/// <summary>softmax along an axis: exp(x − logsumexp(x)).</summary>
internal sealed class SoftmaxOp(int axis) : TensorOp
{
    internal override string Name => "softmax";

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor t = x[0];
        var (outer, mid, inner) = Shapes.Split(t.Dims, axis);
        var r = GC.AllocateUninitializedArray<double>(t.Length);
        Layout.Softmax(t.Values.Span, r, outer, mid, inner, log: false);
        return Tensor.Own(r, t.Dims);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        Tensor w = Pointwise.Lift(y, dx[0], x[0]);
        Tensor wd = Tensor.MulZ(w, dx[0]!);
        return wd - Tensor.MulZ(w, AxisHelp.SumBack(wd, axis));
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        Tensor w = Pointwise.Lift(y, dy, y);
        Tensor wg = Tensor.MulZ(w, dy);
        dx[0] = wg - Tensor.MulZ(w, AxisHelp.SumBack(wg, axis));
    }

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Elementwise(x[0].Length, 25);
}

/// <summary>log softmax along an axis: x − logsumexp(x).</summary>
internal sealed class LogSoftmaxOp(int axis) : TensorOp
{
    internal override string Name => "log_softmax";

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor t = x[0];
        var (outer, mid, inner) = Shapes.Split(t.Dims, axis);
        var r = GC.AllocateUninitializedArray<double>(t.Length);
        Layout.Softmax(t.Values.Span, r, outer, mid, inner, log: true);
        return Tensor.Own(r, t.Dims);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        Tensor w = Pointwise.Lift(Tensor.Exp(y), dx[0], x[0]);
        return dx[0]! - AxisHelp.SumBack(Tensor.MulZ(w, dx[0]!), axis);
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        Tensor w = Pointwise.Lift(Tensor.Exp(y), dy, y);
        dx[0] = dy - Tensor.MulZ(w, AxisHelp.SumBack(dy, axis));
    }

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Elementwise(x[0].Length, 25);
}
