using HybridAD.Tensors.Kernels;
using HybridAD.Tensors.Lazy;

namespace HybridAD.Tensors.Ops;

// Reductions, broadcasting and data movement. Every derivative here is again one of these operations, and
// a tangent/cotangent with a trailing batch axis (shape ++ [k]) goes through the same code: axes keep their
// indices and the batch axis rides along as part of the innermost block.

/// <summary>Sum of x down to a shape it broadcasts from (the adjoint of broadcasting).</summary>
internal sealed class SumToOp(int[] target) : TensorOp
{
    internal override string Name => "sum_to";

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor t = x[0];
        if (Shapes.Equal(t.Dims, target)) return t;
        int size = Shapes.Size(target);
        if (size == 1) return Tensor.Own([Evaluator.Sum(t.Values)], target);
        if (t.Values.TryGetConst(out double c)) return new Tensor(target, Buf.Const(c * (t.Length / Math.Max(size, 1)), size));
        // Reduce axis by axis (leading axes absent from the target count as size 1).
        int[] dims = t.Dims;
        ReadOnlySpan<double> src = t.Values.Span;
        double[]? cur = null;
        int off = dims.Length - target.Length;
        int[] curDims = (int[])dims.Clone();
        for (int a = 0; a < dims.Length; a++)
        {
            int want = a < off ? 1 : target[a - off];
            if (curDims[a] == want) continue;
            var (outer, mid, inner) = Shapes.Split(curDims, a);
            var next = GC.AllocateUninitializedArray<double>(outer * inner);
            Layout.SumAxis(cur is null ? src : cur, next, outer, mid, inner);
            cur = next;
            curDims[a] = 1;
        }
        return Tensor.Own(cur ?? src.ToArray(), target);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y) => Tensor.SumTo(dx[0]!, Pointwise.DerivShape(target, dx[0]!, x[0]));

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need) =>
        dx[0] = Tensor.BroadcastTo(dy, Pointwise.DerivShape(x[0].Dims, dy, y));

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Elementwise(x[0].Length);
}

/// <summary>x broadcast to a larger shape (NumPy rules).</summary>
internal sealed class BroadcastToOp(int[] target) : TensorOp
{
    internal override string Name => "broadcast";

    internal override Tensor Primal(Tensor[] x) => new(target, Pointwise.Expand(x[0], target));

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y) => Tensor.BroadcastTo(dx[0]!, Pointwise.DerivShape(target, dx[0]!, x[0]));

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need) =>
        dx[0] = Tensor.SumTo(dy, Pointwise.DerivShape(x[0].Dims, dy, y));

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Move(y.Length);
}

/// <summary>Σ along one axis (optionally keeping it as size 1).</summary>
internal sealed class SumAxisOp(int axis, bool keepDims) : TensorOp
{
    internal override string Name => "sum_axis";

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor t = x[0];
        var (outer, mid, inner) = Shapes.Split(t.Dims, axis);
        int[] dims = keepDims ? Shapes.With(t.Dims, axis, 1) : Shapes.Without(t.Dims, axis);
        if (outer * inner == 1) return Tensor.Own([Evaluator.Sum(t.Values)], dims);
        var r = GC.AllocateUninitializedArray<double>(outer * inner);
        Layout.SumAxis(t.Values.Span, r, outer, mid, inner);
        return Tensor.Own(r, dims);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y) => Tensor.SumAxisCore(dx[0]!, axis, keepDims);

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        bool batched = Batched(dy, y);
        int[] keep = Shapes.With(x[0].Dims, axis, 1);
        Tensor g = dy.Reshape(batched ? Shapes.Append(keep, dy.Dims[^1]) : keep);
        dx[0] = Tensor.BroadcastTo(g, Pointwise.DerivShape(x[0].Dims, dy, y));
    }

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Elementwise(x[0].Length);
}

/// <summary>The same values with another shape (no copy).</summary>
internal sealed class ReshapeOp(int[] shape) : TensorOp
{
    internal override string Name => "reshape";
    internal override Tensor Primal(Tensor[] x) => new(shape, x[0].Values);
    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y) => dx[0]!.Reshape(Pointwise.DerivShape(shape, dx[0]!, x[0]));
    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need) => dx[0] = dy.Reshape(Pointwise.DerivShape(x[0].Dims, dy, y));
    internal override OpCost Cost(Tensor[] x, Tensor y) => new(0, 0, 0, 0);
}

/// <summary>Swaps the first two axes (a matrix transpose; trailing axes, such as a batch axis, ride along).</summary>
internal sealed class TransposeOp : TensorOp
{
    internal static readonly TransposeOp Instance = new();
    internal override string Name => "transpose";

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor t = x[0];
        int r = t.Dims[0], c = t.Dims[1], inner = t.Length / Math.Max(1, r * c);
        var dims = (int[])t.Dims.Clone();
        (dims[0], dims[1]) = (c, r);
        var d = GC.AllocateUninitializedArray<double>(t.Length);
        Layout.Transpose(t.Values.Span, d, r, c, inner);
        return Tensor.Own(d, dims);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y) => Apply(Instance, dx[0]!);
    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need) => dx[0] = Apply(Instance, dy);
    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Move(y.Length);
}

/// <summary>x[start .. start + length) along an axis. Along the leading axis (a contiguous range) it is a fused
/// view; elsewhere a strided copy.</summary>
internal sealed class SliceOp(int axis, int start, int length) : TensorOp
{
    internal override string Name => "slice";

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor t = x[0];
        var (outer, mid, inner) = Shapes.Split(t.Dims, axis);
        int[] dims = Shapes.With(t.Dims, axis, length);
        if (outer == 1)
        {
            Buf v = t.Values;
            if (start == 0 && length == mid) return new Tensor(dims, v);
            if (v.TryGetConst(out double c)) return new Tensor(dims, Buf.Const(c, length * inner));
            if (v.IsStored) return new Tensor(dims, new Buf(v.Data, v.Start + start * inner, length * inner)); // a view
            return Pointwise.Lazy(dims, new ShiftNode(v, start * inner));
        }
        var d = GC.AllocateUninitializedArray<double>(outer * length * inner);
        Layout.Slice(t.Values.Span, d, outer, mid, inner, start, length);
        return Tensor.Own(d, dims);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y) => Tensor.SliceCore(dx[0]!, axis, start, length);

    /// <summary>A slice of contiguous rows (one outer block) pads back as a pending shift.</summary>
    internal override bool HasPendingVjp(Tensor[] x, Tensor y, int[] inputRecs) => Shapes.Split(x[0].Dims, axis).Outer == 1;

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need) =>
        dx[0] = Apply(new PadOp(axis, start, x[0].Dims[axis]), dy);

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Move(y.Length);
}

/// <summary>The adjoint of a slice: x placed at [start .. start + x.Dim(axis)) in a zero tensor of size
/// <paramref name="full"/> along the axis.</summary>
internal sealed class PadOp(int axis, int start, int full) : TensorOp
{
    internal override string Name => "pad";

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor t = x[0];
        var (outer, len, inner) = Shapes.Split(t.Dims, axis);
        int[] dims = Shapes.With(t.Dims, axis, full);
        if (outer == 1) return Pointwise.Lazy(dims, new ShiftNode(t.Values, -start * inner));
        var d = new double[outer * full * inner];
        Layout.Pad(t.Values.Span, d, outer, full, inner, start, len);
        return Tensor.Own(d, dims);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y) => Apply(new PadOp(axis, start, full), dx[0]!);

    internal override bool HasPendingVjp(Tensor[] x, Tensor y, int[] inputRecs) => Shapes.Split(x[0].Dims, axis).Outer == 1;

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need) =>
        dx[0] = Tensor.SliceCore(dy, axis, start, x[0].Dims[axis]);

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Move(y.Length);
}

/// <summary>Tensors joined along an axis.</summary>
internal sealed class ConcatOp(int axis) : TensorOp
{
    internal override string Name => "concat";

    internal override Tensor Primal(Tensor[] x)
    {
        int total = 0;
        foreach (Tensor t in x) total += t.Dims[axis];
        int[] dims = Shapes.With(x[0].Dims, axis, total);
        var d = GC.AllocateUninitializedArray<double>(Shapes.Size(dims));
        var (outer, _, inner) = Shapes.Split(dims, axis);
        int at = 0;
        foreach (Tensor t in x)
        {
            int len = t.Dims[axis];
            ReadOnlySpan<double> s = t.Values.Span;
            for (int o = 0; o < outer; o++)
                s.Slice(o * len * inner, len * inner).CopyTo(d.AsSpan((o * total + at) * inner, len * inner));
            at += len;
        }
        return Tensor.Own(d, dims);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        Tensor? any = null;
        foreach (Tensor? d in dx) any ??= d;
        int k = -1;
        for (int i = 0; i < x.Length; i++)
            if (dx[i] is not null && Batched(dx[i], x[i])) k = dx[i]!.Dims[^1];
        var parts = new Tensor[x.Length];
        for (int i = 0; i < x.Length; i++)
            parts[i] = dx[i] ?? Tensor.Zeros(k >= 0 ? Shapes.Append(x[i].Dims, k) : x[i].Dims);
        return Apply(new ConcatOp(axis), parts);
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need)
    {
        int at = 0;
        for (int i = 0; i < x.Length; i++)
        {
            int len = x[i].Dims[axis];
            if (need[i]) dx[i] = Tensor.SliceCore(dy, axis, at, len);
            at += len;
        }
    }

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Move(y.Length);
}

/// <summary>Entries selected by index along an axis: out[…, j, …] = x[…, idx[j], …].</summary>
internal sealed class GatherOp(int axis, int[] indices, int size) : TensorOp
{
    internal override string Name => "gather";

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor t = x[0];
        var (outer, mid, inner) = Shapes.Split(t.Dims, axis);
        int[] dims = Shapes.With(t.Dims, axis, indices.Length);
        var d = GC.AllocateUninitializedArray<double>(outer * indices.Length * inner);
        Layout.Gather(t.Values.Span, d, outer, mid, inner, indices);
        return Tensor.Own(d, dims);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y) => Apply(new GatherOp(axis, indices, size), dx[0]!);
    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need) => dx[0] = Apply(new ScatterAddOp(axis, indices, size), dy);
    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Move(y.Length);
}

/// <summary>The adjoint of <see cref="GatherOp"/>: out[…, idx[j], …] += x[…, j, …] into zeros of size
/// <paramref name="size"/> along the axis.</summary>
internal sealed class ScatterAddOp(int axis, int[] indices, int size) : TensorOp
{
    internal override string Name => "scatter_add";

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor t = x[0];
        var (outer, _, inner) = Shapes.Split(t.Dims, axis);
        int[] dims = Shapes.With(t.Dims, axis, size);
        var d = new double[outer * size * inner];
        Layout.ScatterAdd(t.Values.Span, d, outer, size, inner, indices);
        return Tensor.Own(d, dims);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y) => Apply(new ScatterAddOp(axis, indices, size), dx[0]!);
    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need) => dx[0] = Apply(new GatherOp(axis, indices, size), dy);
    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Elementwise(x[0].Length);
}
