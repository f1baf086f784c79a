namespace HybridAD.Tensors.Lazy;

/// <summary>
/// The numbers of a constant tensor: a flat row-major array of <see cref="Length"/> doubles, either stored or
/// pending. A pending buffer is an elementwise expression over other buffers (a <see cref="LazyNode"/>); it is
/// computed when first read, together with everything it depends on, block by block in cache
/// (<see cref="Evaluator"/>). This is how a chain of elementwise operations — a primal, its tangent, or a whole
/// backward sweep of them — costs one pass over memory instead of one pass per operation.
/// </summary>
/// <remarks>Immutable once created: a stored array is never written after publication. Thread-safe: two threads
/// reading a pending buffer may both compute it; one result is published.</remarks>
internal sealed class Buf
{
    /// <summary>Pending chains deeper than this are computed at creation (bounds the work held per buffer).</summary>
    internal const int MaxDepth = 48;

    internal readonly int Length;
    /// <summary>Where the values start in <see cref="Data"/> (a stored buffer may be a view of a larger one).</summary>
    internal readonly int Start;
    private double[]? _data;
    private LazyNode? _node;

    /// <summary>Longest pending chain below this buffer (0 when stored at creation).</summary>
    internal readonly int Depth;

    private readonly int _supLo, _supHi;

    /// <summary>Positions [Lo, Hi) outside of which every value is exactly zero (a conservative bound: a block of
    /// directions of a Jacobian or Hessian is mostly zeros, and the evaluator skips the known-zero blocks).</summary>
    internal (int Lo, int Hi) Support => (_supLo, _supHi);

    /// <summary>A stored buffer that takes ownership of <paramref name="data"/> (never written afterwards).</summary>
    internal Buf(double[] data)
    {
        _data = data;
        Length = data.Length;
        _supHi = Length;
    }

    /// <summary>A view of <paramref name="length"/> stored values starting at <paramref name="start"/> (no copy).</summary>
    internal Buf(double[] data, int start, int length)
    {
        _data = data;
        Start = start;
        Length = length;
        _supHi = length;
    }

    private Buf(LazyNode node, int length, int depth)
    {
        _node = node;
        Length = length;
        Depth = depth;
        (_supLo, _supHi) = node.Support(length);
        if (_supHi <= _supLo) (_supLo, _supHi) = (0, 0);
    }

    /// <summary>A pending buffer, or (if the chain is too deep, or empty) a computed one.</summary>
    internal static Buf Lazy(LazyNode node, int length)
    {
        int depth = 0;
        foreach (Buf b in node.Inputs) depth = Math.Max(depth, b.IsStored ? 0 : b.Depth);
        var buf = new Buf(node, length, depth + 1);
        if (depth + 1 > MaxDepth || length == 0) _ = buf.Data;
        return buf;
    }

    /// <summary>A buffer whose every element is <paramref name="value"/> (stored only if read as an array).</summary>
    internal static Buf Const(double value, int length) => new(new ConstNode(value), length, 1);

    internal bool IsStored => Volatile.Read(ref _data) is not null;

    /// <summary>The pending expression, or null once stored.</summary>
    internal LazyNode? Node => Volatile.Read(ref _node);

    /// <summary>The array holding the values from <see cref="Start"/> (computing them if pending). Never write to it.</summary>
    internal double[] Data => Volatile.Read(ref _data) ?? Evaluator.Store(this);

    /// <summary>The values as a span of exactly <see cref="Length"/> elements.</summary>
    internal ReadOnlySpan<double> Span => new(Data, Start, Length);

    /// <summary>True (with the value) when every element is known to equal one constant without computing.</summary>
    internal bool TryGetConst(out double value)
    {
        if (Node is ConstNode c)
        {
            value = c.Value;
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Publishes computed values; returns the published array (another thread's, if it won).</summary>
    internal double[] Publish(double[] data)
    {
        double[] winner = Interlocked.CompareExchange(ref _data, data, null) ?? data;
        Volatile.Write(ref _node, null); // drop the expression: its inputs may be collected
        return winner;
    }
}
