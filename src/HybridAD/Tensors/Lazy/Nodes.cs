using System.Numerics.Tensors;
using HybridAD.Rules;
using HybridAD.Tensors.Kernels;

namespace HybridAD.Tensors.Lazy;

/// <summary>
/// One pending elementwise operation. It computes a block of its output positions [pos, pos + n) from the same
/// positions of its inputs (shifted by <see cref="InputOffset"/>), with a span kernel: one virtual call per block,
/// none per element.
/// </summary>
internal abstract class LazyNode(params Buf[] inputs)
{
    internal readonly Buf[] Inputs = inputs;

    /// <summary>Input i is read at position pos + InputOffset(i).</summary>
    internal virtual int InputOffset(int i) => 0;

    /// <summary>Computes output positions [pos, pos + dst.Length). Input spans cover the same positions (shifted);
    /// positions outside an input's range hold unspecified values unless the node is a <see cref="ShiftNode"/>.</summary>
    internal abstract void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos);

    /// <summary>A short name for diagnostics.</summary>
    internal abstract string Name { get; }

    /// <summary>This node's value times a finite constant c ≠ 0 as one node of the same cost (a chain-rule
    /// product folds its factor in), or null when the node cannot absorb a factor.</summary>
    internal virtual LazyNode? ScaledBy(double c) => null;

    /// <summary>Positions [lo, hi) outside of which the output is known to be exactly zero (conservative: the
    /// whole range unless the node says otherwise).</summary>
    internal virtual (int Lo, int Hi) Support(int length) => (0, length);

    /// <summary>The intersection of two supports.</summary>
    internal static (int, int) Meet((int Lo, int Hi) a, (int Lo, int Hi) b)
    {
        int lo = Math.Max(a.Lo, b.Lo), hi = Math.Min(a.Hi, b.Hi);
        return hi > lo ? (lo, hi) : (0, 0);
    }

    /// <summary>The hull of two supports (empty supports ignored).</summary>
    internal static (int, int) Join((int Lo, int Hi) a, (int Lo, int Hi) b)
    {
        if (a.Hi <= a.Lo) return b;
        if (b.Hi <= b.Lo) return a;
        return (Math.Min(a.Lo, b.Lo), Math.Max(a.Hi, b.Hi));
    }
}

/// <summary>Every element equal to one value.</summary>
internal sealed class ConstNode(double value) : LazyNode
{
    internal readonly double Value = value;
    internal override string Name => "const";
    internal override (int Lo, int Hi) Support(int length) => Value == 0 ? (0, 0) : (0, length);
    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos) => dst.Fill(Value);
}

/// <summary>y = s·x for a finite constant s ≠ 0 (a product with a constant, or a negation of one): equal to the
/// strong-zero product too. Further constant factors fold into s.</summary>
internal sealed class ScaleNode(Buf x, double scale) : LazyNode(x)
{
    internal readonly double Scale = scale;
    internal override string Name => "scale";
    internal override (int Lo, int Hi) Support(int length) => Inputs[0].Support;
    internal override LazyNode? ScaledBy(double c)
    {
        double s = Scale * c;
        return double.IsFinite(s) && s != 0 ? new ScaleNode(Inputs[0], s) : null;
    }
    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos) =>
        TensorPrimitives.Multiply(a, Scale, dst);
}

/// <summary>y = φ(x; p) for a unary rule.</summary>
internal sealed class MapNode<R>(Buf x, double p) : LazyNode(x) where R : struct, IUnaryRule
{
    internal override string Name => R.Name;
    /// <summary>A negation absorbs a factor c as (−c)·x.</summary>
    internal override LazyNode? ScaledBy(double c) => typeof(R) == typeof(Rules.Elementals.Neg) ? new ScaleNode(Inputs[0], -c) : null;
    internal override (int Lo, int Hi) Support(int length) => R.Primal(0, p) == 0 ? Inputs[0].Support : (0, length);
    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos) =>
        Elementwise.UnaryPrimal<R>(a, dst, p);
}

/// <summary>∂φ/∂x at (x, y = φ(x)) for a unary rule.</summary>
internal sealed class PartialNode<R>(Buf x, Buf y, double p) : LazyNode(x, y) where R : struct, IUnaryRule
{
    internal override string Name => "d" + R.Name;
    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos) =>
        Elementwise.UnaryPartial<R>(a, b, dst, p);
}

/// <summary>The chain rule for one unary rule in one kernel: (s·d)·φ′(x, y) with the strong zero (0 where d = 0),
/// s = <paramref name="scale"/> (−1 for a negated d, or a constant factor folded in).</summary>
internal sealed class ChainNode<R>(Buf x, Buf y, Buf d, double p, double scale) : LazyNode(x, y, d) where R : struct, IUnaryRule
{
    internal override string Name => scale == 1 ? "chain_" + R.Name : scale == -1 ? "-chain_" + R.Name : "scaled_chain_" + R.Name;
    internal override (int Lo, int Hi) Support(int length) => Inputs[2].Support;
    internal override LazyNode? ScaledBy(double c) => new ChainNode<R>(Inputs[0], Inputs[1], Inputs[2], p, scale * c);
    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos) =>
        Elementwise.UnaryChain<R>(a, b, c, dst, p, scale);
}

/// <summary>The chain rule for one unary rule with a constant tangent or cotangent c ≠ 0 (a sum's adjoint, a
/// tangent of ones): c·φ′(x, y), 0 where φ′ = 0 — the <see cref="ChainNode{R}"/> result, without reading a
/// constant block.</summary>
internal sealed class ScaledPartialNode<R>(Buf x, Buf y, double scale, double p) : LazyNode(x, y) where R : struct, IUnaryRule
{
    internal override string Name => "scaled_d" + R.Name;
    internal override LazyNode? ScaledBy(double c) => new ScaledPartialNode<R>(Inputs[0], Inputs[1], scale * c, p);
    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos) =>
        Elementwise.UnaryPartialScaled<R>(a, b, dst, p, scale);
}

/// <summary>Peephole views of pending nodes (used to fold negations into their consumers).</summary>
internal static class Peephole
{
    /// <summary>True (with its operand) when <paramref name="b"/> is a pending −x.</summary>
    internal static bool IsNeg(Buf b, out Buf inner)
    {
        if (b.Node is MapNode<Rules.Elementals.Neg> n)
        {
            inner = n.Inputs[0];
            return true;
        }
        inner = b;
        return false;
    }
}

/// <summary>y = φ(a, b) for a binary rule (inputs already broadcast to the output's length).</summary>
internal sealed class Map2Node<R>(Buf a, Buf b) : LazyNode(a, b) where R : struct, IBinaryRule
{
    internal override string Name => R.Name;
    internal override (int Lo, int Hi) Support(int length) =>
        typeof(R) == typeof(Rules.Elementals.Add) || typeof(R) == typeof(Rules.Elementals.Sub)
            ? Join(Inputs[0].Support, Inputs[1].Support)
            : (0, length);
    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos) =>
        Elementwise.BinaryPrimal<R>(a, b, dst);
}

/// <summary>∂φ/∂a (which = 0) or ∂φ/∂b (which = 1) at (a, b, y) for a binary rule.</summary>
internal sealed class Partial2Node<R>(Buf a, Buf b, Buf y, int which) : LazyNode(a, b, y) where R : struct, IBinaryRule
{
    internal override string Name => (which == 0 ? "da" : "db") + R.Name;
    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos) =>
        Elementwise.BinaryPartial<R>(a, b, c, dst, which);
}

/// <summary>The strong-zero product used to propagate derivatives (0 where either factor is 0).</summary>
internal sealed class MulZNode(Buf a, Buf b) : LazyNode(a, b)
{
    internal override string Name => "mulz";
    internal override (int Lo, int Hi) Support(int length) => Meet(Inputs[0].Support, Inputs[1].Support);
    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos) =>
        Elementwise.MulStrongZero(a, b, dst);
}

/// <summary>cond ≠ 0 ? a : b.</summary>
internal sealed class SelectNode(Buf cond, Buf a, Buf b) : LazyNode(cond, a, b)
{
    internal override string Name => "select";
    internal override (int Lo, int Hi) Support(int length) => Join(Inputs[1].Support, Inputs[2].Support);
    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos) =>
        Elementwise.Select(a, b, c, dst);
}

/// <summary>A 0/1 comparison mask.</summary>
internal sealed class CompareNode(Buf a, Buf b, CompareKind kind) : LazyNode(a, b)
{
    internal override string Name => kind.ToString();
    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos) =>
        Elementwise.Compare(a, b, dst, kind);
}

/// <summary>
/// out[i] = x[i + offset] where 0 ≤ i + offset &lt; x.Length, else 0. A contiguous slice (offset ≥ 0) and its
/// adjoint, the zero-padded placement back into the full range (offset ≤ 0), are both this node, so slicing stays
/// inside a fused chain.
/// </summary>
internal sealed class ShiftNode(Buf x, int offset) : LazyNode(x)
{
    internal readonly int Offset = offset;
    internal override string Name => "shift";
    internal override int InputOffset(int i) => Offset;
    internal override (int Lo, int Hi) Support(int length)
    {
        var (lo, hi) = Inputs[0].Support;
        return Meet((lo - Offset, hi - Offset), (0, length));
    }

    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos)
    {
        int n = dst.Length, src = pos + Offset, len = Inputs[0].Length;
        int lo = Math.Clamp(-src, 0, n);            // first index with src + i ≥ 0
        int hi = Math.Clamp(len - src, lo, n);      // first index with src + i ≥ len
        dst[..lo].Clear();
        a[lo..hi].CopyTo(dst[lo..hi]);
        dst[hi..].Clear();
    }
}

/// <summary>
/// A stored buffer broadcast to a larger shape (NumPy rules): out flat index → source flat index through strides
/// that are 0 on broadcast axes. Row patterns (index mod P) and column patterns (index / Q) have block kernels;
/// anything else walks a multi-index.
/// </summary>
internal sealed class BroadcastNode : LazyNode
{
    private readonly double[] _src;
    private readonly int _srcStart, _srcLength;
    private readonly int[] _outShape;
    private readonly int[] _srcStrides; // per output axis, 0 where broadcast
    private readonly int _mod, _div;    // out index → (index / _div) % _mod, when the pattern is that simple (else 0)

    internal BroadcastNode(Buf source, int[] sourceShape, int[] outShape) : base()
    {
        _src = source.Data;
        _srcStart = source.Start;
        _srcLength = source.Length;
        _outShape = outShape;
        int r = outShape.Length, off = r - sourceShape.Length;
        _srcStrides = new int[r];
        int[] s = Shapes.Strides(sourceShape);
        for (int i = 0; i < sourceShape.Length; i++)
            _srcStrides[i + off] = sourceShape[i] == 1 ? 0 : s[i];
        // Kept axes contiguous as one block? Then source index = (index / inner) % kept.
        int first = -1, last = -1;
        for (int i = 0; i < r; i++)
            if (_srcStrides[i] != 0 && outShape[i] != 1)
            {
                if (first < 0) first = i;
                last = i;
            }
        if (first < 0)
        {
            _mod = 1;
            _div = 1;
            return;
        }
        bool contiguous = true;
        for (int i = first; i <= last; i++)
            if (_srcStrides[i] == 0 && outShape[i] != 1) contiguous = false;
        if (contiguous)
        {
            int inner = 1, kept = 1;
            for (int i = last + 1; i < r; i++) inner *= outShape[i];
            for (int i = first; i <= last; i++) kept *= outShape[i];
            _mod = kept;
            _div = inner;
        }
    }

    internal override string Name => "broadcast";

    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos)
    {
        ReadOnlySpan<double> src = new(_src, _srcStart, _srcLength);
        int n = dst.Length;
        if (_mod == 1)
        {
            dst.Fill(src[0]);
            return;
        }
        if (_mod > 0 && _div == 1)
        {
            // Rows: src repeats with period _mod.
            int i = 0, k = pos % _mod;
            while (i < n)
            {
                int run = Math.Min(n - i, _mod - k);
                src.Slice(k, run).CopyTo(dst.Slice(i, run));
                i += run;
                k = 0;
            }
            return;
        }
        if (_mod > 0)
        {
            // Columns (and row-blocks): each source element repeats _div times.
            int i = 0, q = pos / _div, r = pos % _div;
            while (i < n)
            {
                int run = Math.Min(n - i, _div - r);
                dst.Slice(i, run).Fill(src[q % _mod]);
                i += run;
                q++;
                r = 0;
            }
            return;
        }
        // General: walk the multi-index of the output.
        int rank = _outShape.Length;
        Span<int> idx = stackalloc int[rank];
        int rem = pos, srcOff = 0;
        for (int d = rank - 1; d >= 0; d--)
        {
            idx[d] = rem % _outShape[d];
            rem /= _outShape[d];
            srcOff += idx[d] * _srcStrides[d];
        }
        for (int i = 0; i < n; i++)
        {
            dst[i] = src[srcOff];
            for (int d = rank - 1; d >= 0; d--)
            {
                idx[d]++;
                srcOff += _srcStrides[d];
                if (idx[d] < _outShape[d]) break;
                srcOff -= idx[d] * _srcStrides[d];
                idx[d] = 0;
            }
        }
    }
}

/// <summary>
/// Columns <c>first .. first + k</c> of the n×n identity, as an n×k row-major block: the seed of k directions of a
/// vectorized Jacobian. Matrix products recognize it and read the corresponding columns instead of multiplying.
/// </summary>
internal sealed class IdentityNode(int rows, int k, int first) : LazyNode
{
    internal readonly int Rows = rows, K = k, First = first;
    internal override string Name => "identity";
    internal override (int Lo, int Hi) Support(int length) => Meet((First * K, (First + K) * K), (0, length));

    internal override void Compute(Span<double> dst, ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, int pos)
    {
        dst.Clear();
        if (dst.Length == 0) return;
        int r0 = Math.Max(pos / K, First), r1 = Math.Min((pos + dst.Length - 1) / K, First + K - 1);
        for (int r = r0; r <= r1; r++)
        {
            int p = r * K + (r - First) - pos;
            if ((uint)p < (uint)dst.Length) dst[p] = 1;
        }
    }
}
