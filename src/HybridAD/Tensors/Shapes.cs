using System.Text;

namespace HybridAD.Tensors;

/// <summary>
/// Shape arithmetic for row-major tensors: sizes, strides, NumPy broadcasting, and the error messages that name
/// the operation and both shapes. Shapes are <c>int[]</c> that are never mutated after creation.
/// </summary>
internal static class Shapes
{
    internal static readonly int[] ScalarShape = [];

    internal static int Size(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d;
            if (n > int.MaxValue) throw new ArgumentException($"A tensor of shape {Format(shape)} has more than {int.MaxValue} elements.");
        }
        return (int)n;
    }

    internal static string Format(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }

    internal static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>A validated copy of a user-supplied shape.</summary>
    internal static int[] Checked(ReadOnlySpan<int> shape, string op)
    {
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"{op}: shape {Format(shape)} has a negative dimension; expected sizes ≥ 0.");
        return shape.ToArray();
    }

    /// <summary>An axis in [−rank, rank) as an index in [0, rank).</summary>
    internal static int Axis(int axis, int rank, string op)
    {
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)rank)
            throw new ArgumentOutOfRangeException(nameof(axis), axis,
                $"{op}: axis {axis} is out of range for a tensor of rank {rank}; expected −{rank} ≤ axis < {rank}.");
        return a;
    }

    /// <summary>The NumPy broadcast of two shapes (trailing axes aligned; each pair equal or one of them 1).</summary>
    internal static int[] Broadcast(int[] a, int[] b, string op)
    {
        if (Equal(a, b)) return a;
        int r = Math.Max(a.Length, b.Length);
        var s = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            int db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException(
                    $"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together (axis {i - r}: {da} vs {db}); " +
                    "expected equal sizes or 1 in each aligned axis.");
            s[i] = da == 1 ? db : da;
        }
        return s;
    }

    /// <summary>True when <paramref name="from"/> broadcasts to <paramref name="to"/>.</summary>
    internal static bool BroadcastsTo(int[] from, int[] to)
    {
        if (from.Length > to.Length) return false;
        int off = to.Length - from.Length;
        for (int i = 0; i < from.Length; i++)
            if (from[i] != 1 && from[i] != to[i + off]) return false;
        return true;
    }

    internal static int[] Strides(ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    internal static int[] Append(int[] shape, int last)
    {
        var s = new int[shape.Length + 1];
        shape.CopyTo(s, 0);
        s[^1] = last;
        return s;
    }

    internal static int[] DropLast(int[] shape) => shape[..^1];

    internal static int[] With(int[] shape, int axis, int size)
    {
        var s = (int[])shape.Clone();
        s[axis] = size;
        return s;
    }

    internal static int[] Without(int[] shape, int axis)
    {
        var s = new int[shape.Length - 1];
        for (int i = 0, j = 0; i < shape.Length; i++)
            if (i != axis) s[j++] = shape[i];
        return s;
    }

    /// <summary>(outer, axis, inner) sizes of a shape split at an axis.</summary>
    internal static (int Outer, int Mid, int Inner) Split(int[] shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[axis], inner);
    }

    internal static string Name(int rank) => rank switch
    {
        0 => "a scalar",
        1 => "a vector",
        2 => "a matrix",
        _ => $"a rank-{rank} tensor",
    };
}
