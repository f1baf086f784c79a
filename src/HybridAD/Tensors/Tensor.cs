using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using HybridAD.Core;
using HybridAD.Tensors;
using HybridAD.Tensors.Lazy;

namespace HybridAD;

/// <summary>
/// An immutable n-dimensional array of doubles (row-major) that HybridAD can differentiate: the vectorized
/// counterpart of <see cref="Scalar"/>. Write a function once over tensors — elementwise functions, <c>+ − × ÷</c>
/// with broadcasting, matrix products, reductions, softmax, slicing — and differentiate it with
/// <see cref="TensorAD"/> in forward mode, reverse mode or any nesting of the two, mixed freely with scalars
/// (a sum of a tensor is a <see cref="Scalar"/>; a <see cref="Scalar"/> broadcasts).
/// </summary>
/// <remarks>
/// <para>One tensor operation is one recorded step however many elements it has, and its derivative is one
/// kernel call: a reverse sweep dispatches per operation, never per element.</para>
/// <para>Elementwise work is fused: chains of elementwise operations (and their derivatives) are evaluated
/// together in cache-sized blocks when their values are first needed, so <c>Σ 100(b − a²)² + (1 − a)²</c> is one
/// pass over memory, and so is its gradient.</para>
/// <para>A tensor created inside a differentiated function belongs to that call: using it after the call
/// returned throws <see cref="PerturbationEscapedException"/>. Reading values (<see cref="ToArray"/>, the
/// indexer) reads the primal and records nothing.</para>
/// </remarks>
/// <example><code>
/// var x = Tensor.Vector(1.0, 2.0, 3.0);
/// Tensor g = TensorAD.Grad(v => Tensor.Sum(Tensor.Square(v)), x); // 2x = (2, 4, 6)
/// </code></example>
public sealed partial class Tensor
{
    /// <summary>The shape (never mutated).</summary>
    internal readonly int[] Dims;
    /// <summary>The numbers (the primal at every level; shared down the level chain).</summary>
    internal readonly Buf Values;
    /// <summary>The level (differentiation call) perturbing this tensor; 0 for a constant.</summary>
    internal readonly long Key;
    /// <summary>The same tensor one level down (its primal, possibly perturbed by outer calls); null for a constant.</summary>
    internal readonly Tensor? Lower;
    /// <summary>Forward levels: the tangent, one level down (shape <see cref="Dims"/>, or Dims ++ [k] for k
    /// directions at once); null is a symbolic zero.</summary>
    internal readonly Tensor? Tangent;
    /// <summary>Tape levels: the tape node.</summary>
    internal readonly int Slot;

    /// <summary>A constant.</summary>
    internal Tensor(int[] dims, Buf values)
    {
        if (values.Length != Shapes.Size(dims))
            throw new ArgumentException($"A buffer of {values.Length} elements cannot have shape {Shapes.Format(dims)}.");
        Dims = dims;
        Values = values;
        Slot = -1;
    }

    /// <summary>A value of level <paramref name="key"/> whose primal one level down is <paramref name="lower"/>.</summary>
    internal Tensor(long key, Tensor lower, Tensor? tangent, int slot)
    {
        Dims = lower.Dims;
        Values = lower.Values;
        Key = key;
        Lower = lower;
        Tangent = tangent;
        Slot = slot;
    }

    /// <summary>A constant from a stored array this tensor now owns (the caller never writes it again).</summary>
    internal static Tensor Own(double[] data, int[] dims) => new(dims, new Buf(data));

    // ==================================================================================== creation

    /// <summary>A vector (rank 1) holding a copy of the values.</summary>
    /// <example><code>var v = Tensor.Vector(1.0, 2.0, 3.0);</code></example>
    public static Tensor Vector(params double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Own((double[])values.Clone(), [values.Length]);
    }

    /// <summary>A tensor of the given shape holding a copy of <paramref name="data"/> (row-major).</summary>
    /// <exception cref="ArgumentException">The data's length is not the product of the shape.</exception>
    /// <example><code>var m = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], 2, 3); // [[1, 2, 3], [4, 5, 6]]</code></example>
    public static Tensor FromArray(double[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan(data, shape);
    }

    /// <summary>A vector holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromArray(double[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Vector(data);
    }

    /// <summary>A tensor of the given shape holding a copy of the span (row-major).</summary>
    /// <exception cref="ArgumentException">The span's length is not the product of the shape.</exception>
    public static Tensor FromSpan(ReadOnlySpan<double> data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int[] dims = Shapes.Checked(shape, nameof(FromSpan));
        int size = Shapes.Size(dims);
        if (data.Length != size)
            throw new ArgumentException(
                $"Tensor.FromSpan: {data.Length} values cannot fill shape {Shapes.Format(dims)}; expected {size}.", nameof(data));
        return Own(data.ToArray(), dims);
    }

    /// <summary>A matrix holding a copy of a 2-D array.</summary>
    /// <example><code>var a = Tensor.Matrix(new double[,] { { 1, 2 }, { 3, 4 } });</code></example>
    public static Tensor Matrix(double[,] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int r = data.GetLength(0), c = data.GetLength(1);
        var d = new double[r * c];
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(data)), r * c).CopyTo(d);
        return Own(d, [r, c]);
    }

    /// <summary>A copy of a <see cref="System.Numerics.Tensors.Tensor{T}"/> of doubles (any rank).</summary>
    public static Tensor FromTensor(System.Numerics.Tensors.Tensor<double> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ReadOnlySpan<nint> lengths = tensor.Lengths;
        var dims = new int[lengths.Length];
        for (int i = 0; i < dims.Length; i++) dims[i] = checked((int)lengths[i]);
        var data = new double[Shapes.Size(dims)];
        tensor.FlattenTo(data);
        return Own(data, dims);
    }

    /// <summary>A rank-0 tensor holding one value.</summary>
    public static Tensor FromDouble(double value) => Own([value], Shapes.ScalarShape);

    /// <summary>All zeros.</summary>
    public static Tensor Zeros(params int[] shape) => Full(0, shape);

    /// <summary>All ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(1, shape);

    /// <summary>Every element equal to <paramref name="value"/> (stored compactly until read).</summary>
    public static Tensor Full(double value, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int[] dims = Shapes.Checked(shape, nameof(Full));
        return new Tensor(dims, Buf.Const(value, Shapes.Size(dims)));
    }

    /// <summary>The n×n identity matrix.</summary>
    public static Tensor Identity(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var d = new double[n * n];
        for (int i = 0; i < n; i++) d[i * n + i] = 1;
        return Own(d, [n, n]);
    }

    /// <summary>A vector of n values f(0), f(1), …, f(n−1).</summary>
    /// <example><code>var x = Tensor.Generate(5, i => 0.5 + 0.1 * Math.Sin(i));</code></example>
    public static Tensor Generate(int n, Func<int, double> f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentNullException.ThrowIfNull(f);
        var d = new double[n];
        for (int i = 0; i < n; i++) d[i] = f(i);
        return Own(d, [n]);
    }

    /// <summary>A vector from doubles (a copy).</summary>
    public static implicit operator Tensor(double[] values) => Vector(values);

    /// <summary>A matrix from a 2-D array (a copy).</summary>
    public static implicit operator Tensor(double[,] values) => Matrix(values);

    // ==================================================================================== shape

    /// <summary>The shape: the size of each axis.</summary>
    public ReadOnlySpan<int> Shape => Dims;

    /// <summary>The number of axes (0 scalar, 1 vector, 2 matrix).</summary>
    public int Rank => Dims.Length;

    /// <summary>The number of elements (the product of the shape).</summary>
    public int Length => Values.Length;

    /// <summary>The size of one axis (negative axes count from the end).</summary>
    public int Dim(int axis) => Dims[Shapes.Axis(axis, Dims.Length, nameof(Dim))];

    /// <summary>True when no differentiation call perturbs this tensor.</summary>
    public bool IsConstant => Key == 0;

    // ==================================================================================== reading values (no op recorded)

    /// <summary>The primal values, row-major (a new array). Records nothing.</summary>
    public double[] ToArray()
    {
        EnsureOpen();
        return Values.Span.ToArray();
    }

    /// <summary>The primal values of a matrix as a 2-D array (a new array).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not a matrix.</exception>
    public double[,] ToMatrix()
    {
        EnsureOpen();
        if (Rank != 2) throw new InvalidOperationException($"Tensor.ToMatrix: this tensor has shape {Shapes.Format(Dims)}; expected a matrix.");
        var r = new double[Dims[0], Dims[1]];
        Values.Span.CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(r)), Length));
        return r;
    }

    /// <summary>Copies the primal values (row-major) into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than <see cref="Length"/>.</exception>
    public void CopyTo(Span<double> destination)
    {
        EnsureOpen();
        if (destination.Length < Length)
            throw new ArgumentException($"Tensor.CopyTo: the destination holds {destination.Length} values; expected at least {Length}.", nameof(destination));
        Values.Span.CopyTo(destination);
    }

    /// <summary>The primal values as a <see cref="System.Numerics.Tensors.Tensor{T}"/> (a copy, same shape).</summary>
    public System.Numerics.Tensors.Tensor<double> ToTensor()
    {
        EnsureOpen();
        var lengths = new nint[Rank];
        for (int i = 0; i < Rank; i++) lengths[i] = Dims[i];
        return System.Numerics.Tensors.Tensor.Create(Values.Span.ToArray(), lengths);
    }

    /// <summary>The primal value of one element (records nothing; use <see cref="At"/> for a differentiable element).</summary>
    /// <exception cref="IndexOutOfRangeException">The index has the wrong number of components or is out of range.</exception>
    public double this[params int[] index]
    {
        get
        {
            EnsureOpen();
            return Values.Span[FlatIndex(index)];
        }
    }

    /// <summary>The primal of a one-element tensor as a double.</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element.</exception>
    public double ToDouble()
    {
        EnsureOpen();
        if (Length != 1) throw new InvalidOperationException($"Tensor.ToDouble: this tensor has shape {Shapes.Format(Dims)}; expected exactly one element.");
        return Values.Span[0];
    }

    internal int FlatIndex(ReadOnlySpan<int> index)
    {
        if (index.Length != Rank)
            throw new IndexOutOfRangeException($"Tensor index: {index.Length} indices for a tensor of shape {Shapes.Format(Dims)}; expected {Rank}.");
        int flat = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)Dims[i])
                throw new IndexOutOfRangeException(
                    $"Tensor index: index {index[i]} on axis {i} is out of range for shape {Shapes.Format(Dims)}; expected 0 ≤ index < {Dims[i]}.");
            flat = flat * Dims[i] + index[i];
        }
        return flat;
    }

    /// <summary>Throws <see cref="PerturbationEscapedException"/> if this tensor's call has returned.</summary>
    internal void EnsureOpen()
    {
        if (Key != 0) LevelTable.Get(Key);
    }

    /// <summary>The shape and the primal values (at most 8 per axis), invariant culture.</summary>
    public override string ToString()
    {
        if (Key != 0 && !IsOpen()) return $"Tensor{Shapes.Format(Dims)} (of a finished differentiation call)";
        var sb = new StringBuilder();
        sb.Append("Tensor").Append(Shapes.Format(Dims)).Append(' ');
        ReadOnlySpan<double> v = Values.Span;
        if (Rank == 0)
        {
            sb.Append(v[0].ToString("G6", CultureInfo.InvariantCulture));
            return sb.ToString();
        }
        AppendLevel(sb, v, 0, 0);
        return sb.ToString();
    }

    private bool IsOpen()
    {
        try
        {
            LevelTable.Get(Key);
            return true;
        }
        catch (PerturbationEscapedException) { return false; }
    }

    private void AppendLevel(StringBuilder sb, ReadOnlySpan<double> v, int axis, int offset)
    {
        int stride = 1;
        for (int i = axis + 1; i < Rank; i++) stride *= Dims[i];
        sb.Append('[');
        int n = Dims[axis];
        for (int i = 0; i < n; i++)
        {
            if (i > 0) sb.Append(", ");
            if (n > 8 && i == 4)
            {
                sb.Append('…');
                i = n - 3;
                sb.Append(", ");
            }
            if (axis == Rank - 1) sb.Append(v[offset + i].ToString("G6", CultureInfo.InvariantCulture));
            else AppendLevel(sb, v, axis + 1, offset + i * stride);
        }
        sb.Append(']');
    }
}
