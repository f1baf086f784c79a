using HybridAD.Rules;
using HybridAD.Tensors;
using HybridAD.Tensors.Kernels;
using HybridAD.Tensors.Lazy;
using HybridAD.Tensors.Ops;
using E = HybridAD.Rules.Elementals;

namespace HybridAD;

// The tensor operations. Every one is differentiable in every mode (forward, reverse, nested) unless it says
// otherwise; shapes are checked up front and a mismatch names the operation and both shapes.
public sealed partial class Tensor
{
    // ==================================================================================== scalars in and out

    /// <summary>A rank-0 tensor holding a <see cref="Scalar"/> (differentiable: derivatives flow back to it).</summary>
    public static Tensor FromScalar(Scalar value) => TensorOp.FromScalar(value, Shapes.ScalarShape);

    /// <summary>A vector of scalars (differentiable in each of them).</summary>
    /// <example><code>Tensor v = Tensor.FromScalars(x[0], x[1] * 2);</code></example>
    public static Tensor FromScalars(params Scalar[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        bool constant = true;
        foreach (Scalar s in values) constant &= s.Key == 0;
        if (constant)
        {
            var d = new double[values.Length];
            for (int i = 0; i < d.Length; i++) d[i] = values[i].V;
            return Own(d, [values.Length]);
        }
        var parts = new Tensor[values.Length];
        for (int i = 0; i < parts.Length; i++) parts[i] = TensorOp.FromScalar(values[i], [1]);
        return TensorOp.Apply(new ConcatOp(0), parts);
    }

    /// <summary>The value of a one-element tensor as a differentiable <see cref="Scalar"/>.</summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element.</exception>
    public Scalar ToScalar()
    {
        if (Length != 1)
            throw new InvalidOperationException($"Tensor.ToScalar: this tensor has shape {Shapes.Format(Dims)}; expected exactly one element (use Sum or At).");
        return TensorOp.ToScalar(this);
    }

    /// <summary>One element as a differentiable <see cref="Scalar"/> (records one operation; the indexer
    /// <c>t[i, j]</c> reads the primal and records nothing).</summary>
    public Scalar At(params int[] index)
    {
        ArgumentNullException.ThrowIfNull(index);
        int flat = FlatIndex(index);
        Tensor flatT = Reshape(Length);
        return SliceCore(flatT, 0, flat, 1).ToScalar();
    }

    /// <summary>A rank-0 constant.</summary>
    public static implicit operator Tensor(double value) => FromDouble(value);

    /// <summary>A rank-0 tensor holding a scalar (differentiable).</summary>
    public static implicit operator Tensor(Scalar value) => FromScalar(value);

    // ==================================================================================== arithmetic (broadcasting)

    /// <summary>a + b elementwise, NumPy broadcasting (a scalar, a row vector or a column vector broadcasts).</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Binary(AddOp.Instance, a, b, "+");
    /// <summary>a − b elementwise, broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Binary(SubOp.Instance, a, b, "−");
    /// <summary>a ⊙ b (elementwise product), broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Binary(MulOp.Instance, a, b, "×");
    /// <summary>a ÷ b elementwise, broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Binary(BinaryRuleOp<E.Div>.Instance, a, b, "÷");
    /// <summary>−a.</summary>
    public static Tensor operator -(Tensor a) => Unary<E.Neg>(a);
    /// <summary>a + s for a scalar s.</summary>
    public static Tensor operator +(Tensor a, Scalar s) => a + FromScalar(s);
    /// <summary>s + a for a scalar s.</summary>
    public static Tensor operator +(Scalar s, Tensor a) => FromScalar(s) + a;
    /// <summary>a − s for a scalar s.</summary>
    public static Tensor operator -(Tensor a, Scalar s) => a - FromScalar(s);
    /// <summary>s − a for a scalar s.</summary>
    public static Tensor operator -(Scalar s, Tensor a) => FromScalar(s) - a;
    /// <summary>a · s for a scalar s.</summary>
    public static Tensor operator *(Tensor a, Scalar s) => a * FromScalar(s);
    /// <summary>s · a for a scalar s.</summary>
    public static Tensor operator *(Scalar s, Tensor a) => FromScalar(s) * a;
    /// <summary>a ÷ s for a scalar s.</summary>
    public static Tensor operator /(Tensor a, Scalar s) => a / FromScalar(s);
    /// <summary>s ÷ a for a scalar s.</summary>
    public static Tensor operator /(Scalar s, Tensor a) => FromScalar(s) / a;
    /// <summary>a + c for a constant c.</summary>
    public static Tensor operator +(Tensor a, double c) => a + FromDouble(c);
    /// <summary>c + a for a constant c.</summary>
    public static Tensor operator +(double c, Tensor a) => FromDouble(c) + a;
    /// <summary>a − c for a constant c.</summary>
    public static Tensor operator -(Tensor a, double c) => a - FromDouble(c);
    /// <summary>c − a for a constant c.</summary>
    public static Tensor operator -(double c, Tensor a) => FromDouble(c) - a;
    /// <summary>a · c for a constant c.</summary>
    public static Tensor operator *(Tensor a, double c) => a * FromDouble(c);
    /// <summary>c · a for a constant c.</summary>
    public static Tensor operator *(double c, Tensor a) => FromDouble(c) * a;
    /// <summary>a ÷ c for a constant c.</summary>
    public static Tensor operator /(Tensor a, double c) => a / FromDouble(c);
    /// <summary>c ÷ a for a constant c.</summary>
    public static Tensor operator /(double c, Tensor a) => FromDouble(c) / a;

    private static Tensor Binary(TensorOp op, Tensor a, Tensor b, string name)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        Shapes.Broadcast(a.Dims, b.Dims, "Tensor " + name);
        return TensorOp.Apply(op, a, b);
    }

    private static Tensor Unary<R>(Tensor x) where R : struct, IUnaryRule
    {
        ArgumentNullException.ThrowIfNull(x);
        return TensorOp.Apply(UnaryOp<R>.Default, x);
    }

    // ==================================================================================== elementwise functions

    /// <summary>sin, elementwise.</summary>
    public static Tensor Sin(Tensor x) => Unary<E.Sin>(x);
    /// <summary>cos, elementwise.</summary>
    public static Tensor Cos(Tensor x) => Unary<E.Cos>(x);
    /// <summary>tan, elementwise.</summary>
    public static Tensor Tan(Tensor x) => Unary<E.Tan>(x);
    /// <summary>asin, elementwise.</summary>
    public static Tensor Asin(Tensor x) => Unary<E.Asin>(x);
    /// <summary>acos, elementwise.</summary>
    public static Tensor Acos(Tensor x) => Unary<E.Acos>(x);
    /// <summary>atan, elementwise.</summary>
    public static Tensor Atan(Tensor x) => Unary<E.Atan>(x);
    /// <summary>sinh, elementwise.</summary>
    public static Tensor Sinh(Tensor x) => Unary<E.Sinh>(x);
    /// <summary>cosh, elementwise.</summary>
    public static Tensor Cosh(Tensor x) => Unary<E.Cosh>(x);
    /// <summary>tanh, elementwise.</summary>
    public static Tensor Tanh(Tensor x) => Unary<E.Tanh>(x);
    /// <summary>eˣ, elementwise.</summary>
    public static Tensor Exp(Tensor x) => Unary<E.Exp>(x);
    /// <summary>eˣ − 1, elementwise (accurate near 0).</summary>
    public static Tensor Expm1(Tensor x) => Unary<E.Expm1>(x);
    /// <summary>Natural logarithm, elementwise.</summary>
    public static Tensor Log(Tensor x) => Unary<E.Log>(x);
    /// <summary>log(1 + x), elementwise (accurate near 0).</summary>
    public static Tensor Log1p(Tensor x) => Unary<E.Log1p>(x);
    /// <summary>√x, elementwise (derivative +∞ at 0).</summary>
    public static Tensor Sqrt(Tensor x) => Unary<E.Sqrt>(x);
    /// <summary>x², elementwise.</summary>
    public static Tensor Square(Tensor x) => Unary<E.Square>(x);
    /// <summary>x³, elementwise.</summary>
    public static Tensor Cube(Tensor x) => Unary<E.Cube>(x);
    /// <summary>1/x, elementwise.</summary>
    public static Tensor Reciprocal(Tensor x) => Unary<E.Recip>(x);
    /// <summary>The logistic function 1/(1+e^(−x)), elementwise, stable for any |x|.</summary>
    public static Tensor Sigmoid(Tensor x) => Unary<E.Sigmoid>(x);
    /// <summary>softplus(x) = log(1 + eˣ), elementwise, stable for any |x|.</summary>
    public static Tensor Softplus(Tensor x) => Unary<E.Softplus>(x);
    /// <summary>max(x, 0), elementwise (derivative 0 at 0).</summary>
    public static Tensor Relu(Tensor x) => Unary<E.Relu>(x);
    /// <summary>|x|, elementwise (derivative 0 at 0).</summary>
    public static Tensor Abs(Tensor x) => Unary<E.Abs>(x);

    /// <summary>x^c elementwise for a constant exponent c.</summary>
    public static Tensor Pow(Tensor x, double c)
    {
        ArgumentNullException.ThrowIfNull(x);
        return TensorOp.Apply(new UnaryOp<E.PowConst>(c), x);
    }

    /// <summary>x^y elementwise (real power; broadcasting).</summary>
    public static Tensor Pow(Tensor x, Tensor y) => Binary(BinaryRuleOp<E.Pow>.Instance, x, y, "pow");
    /// <summary>min(a, b) elementwise (broadcasting; a tie splits the derivative evenly).</summary>
    public static Tensor Min(Tensor a, Tensor b) => Binary(BinaryRuleOp<E.Min>.Instance, a, b, "min");
    /// <summary>max(a, b) elementwise (broadcasting; a tie splits the derivative evenly).</summary>
    public static Tensor Max(Tensor a, Tensor b) => Binary(BinaryRuleOp<E.Max>.Instance, a, b, "max");
    /// <summary>atan2(y, x) elementwise (broadcasting).</summary>
    public static Tensor Atan2(Tensor y, Tensor x) => Binary(BinaryRuleOp<E.Atan2>.Instance, y, x, "atan2");
    /// <summary>√(a² + b²) elementwise without overflow (broadcasting).</summary>
    public static Tensor Hypot(Tensor a, Tensor b) => Binary(BinaryRuleOp<E.Hypot>.Instance, a, b, "hypot");

    /// <summary>The strong-zero product (0 where either factor is 0) used to carry derivatives.</summary>
    internal static Tensor MulZ(Tensor a, Tensor b) => Binary(MulZOp.Instance, a, b, "×");

    /// <summary>a + b for equal shapes (adjoint accumulation).</summary>
    internal static Tensor AddSameShape(Tensor a, Tensor b)
    {
        if (!Shapes.Equal(a.Dims, b.Dims))
            throw new InvalidOperationException($"Adjoint accumulation: shapes {Shapes.Format(a.Dims)} and {Shapes.Format(b.Dims)} differ.");
        return TensorOp.Apply(AddOp.Instance, a, b);
    }

    // ==================================================================================== comparisons and selection

    /// <summary>1 where a &lt; b, else 0 (a constant mask: comparisons have no derivative).</summary>
    public static Tensor Less(Tensor a, Tensor b) => Compare(a, b, CompareKind.Less);
    /// <summary>1 where a ≤ b, else 0.</summary>
    public static Tensor LessOrEqual(Tensor a, Tensor b) => Compare(a, b, CompareKind.LessOrEqual);
    /// <summary>1 where a &gt; b, else 0.</summary>
    public static Tensor Greater(Tensor a, Tensor b) => Compare(a, b, CompareKind.Greater);
    /// <summary>1 where a ≥ b, else 0.</summary>
    public static Tensor GreaterOrEqual(Tensor a, Tensor b) => Compare(a, b, CompareKind.GreaterOrEqual);
    /// <summary>1 where a = b, else 0.</summary>
    public static Tensor Equal(Tensor a, Tensor b) => Compare(a, b, CompareKind.Equal);
    /// <summary>1 where a ≠ b, else 0.</summary>
    public static Tensor NotEqual(Tensor a, Tensor b) => Compare(a, b, CompareKind.NotEqual);
    /// <summary>Mask a &lt; b.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => Less(a, b);
    /// <summary>Mask a &gt; b.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => Greater(a, b);
    /// <summary>Mask a ≤ b.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => LessOrEqual(a, b);
    /// <summary>Mask a ≥ b.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => GreaterOrEqual(a, b);
    /// <summary>Mask a &lt; c.</summary>
    public static Tensor operator <(Tensor a, double c) => Less(a, c);
    /// <summary>Mask a &gt; c.</summary>
    public static Tensor operator >(Tensor a, double c) => Greater(a, c);
    /// <summary>Mask a ≤ c.</summary>
    public static Tensor operator <=(Tensor a, double c) => LessOrEqual(a, c);
    /// <summary>Mask a ≥ c.</summary>
    public static Tensor operator >=(Tensor a, double c) => GreaterOrEqual(a, c);

    private static Tensor Compare(Tensor a, Tensor b, CompareKind kind)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a.EnsureOpen();
        b.EnsureOpen();
        int[] s = Shapes.Broadcast(a.Dims, b.Dims, "Tensor." + kind);
        var ca = new Tensor(a.Dims, a.Values);
        var cb = new Tensor(b.Dims, b.Values);
        return Pointwise.Lazy(s, new CompareNode(Pointwise.Expand(ca, s), Pointwise.Expand(cb, s), kind));
    }

    /// <summary>
    /// a where <paramref name="condition"/> ≠ 0, else b (all three broadcast). Only the branch taken receives a
    /// derivative, and exactly zero reaches the other: <c>Where(x &gt; 0, Sqrt(x), 0)</c> has a finite gradient
    /// even where √x is NaN.
    /// </summary>
    /// <example><code>Tensor safe = Tensor.Where(x > 0, Tensor.Sqrt(x), Tensor.Zeros(x.Dim(0)));</code></example>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        condition.EnsureOpen();
        Shapes.Broadcast(Shapes.Broadcast(condition.Dims, a.Dims, "Tensor.Where"), b.Dims, "Tensor.Where");
        return TensorOp.Apply(new WhereOp(new Tensor(condition.Dims, condition.Values)), a, b);
    }

    /// <summary>The same values with no derivative at any level.</summary>
    public static Tensor StopGradient(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        x.EnsureOpen();
        return x.Key == 0 ? x : new Tensor(x.Dims, x.Values);
    }

    // ==================================================================================== reductions

    /// <summary>Σ of all elements, as a differentiable <see cref="Scalar"/>.</summary>
    /// <example><code>Scalar s = Tensor.Sum(Tensor.Square(x)); // ‖x‖²</code></example>
    public static Scalar Sum(Tensor x) => SumAll(x).ToScalar();

    /// <summary>Σ of all elements as a rank-0 tensor.</summary>
    public static Tensor SumAll(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return TensorOp.Apply(SumAllOp.Instance, x);
    }

    /// <summary>Σ along an axis (negative axes count from the end); the axis is removed unless
    /// <paramref name="keepDims"/>.</summary>
    /// <example><code>Tensor colSums = Tensor.Sum(m, axis: 0);</code></example>
    public static Tensor Sum(Tensor x, int axis, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        return SumAxisCore(x, Shapes.Axis(axis, x.Rank, "Tensor.Sum"), keepDims);
    }

    internal static Tensor SumAxisCore(Tensor x, int axis, bool keepDims) => TensorOp.Apply(new SumAxisOp(axis, keepDims), x);

    /// <summary>The mean of all elements, as a differentiable <see cref="Scalar"/>.</summary>
    public static Scalar Mean(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length == 0) throw new ArgumentException("Tensor.Mean: the tensor is empty; expected at least one element.", nameof(x));
        return Sum(x) / x.Length;
    }

    /// <summary>The mean along an axis.</summary>
    public static Tensor Mean(Tensor x, int axis, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = Shapes.Axis(axis, x.Rank, "Tensor.Mean");
        if (x.Dims[a] == 0) throw new ArgumentException($"Tensor.Mean: axis {axis} of shape {Shapes.Format(x.Dims)} is empty.", nameof(x));
        return SumAxisCore(x, a, keepDims) * (1.0 / x.Dims[a]);
    }

    /// <summary>Sum of x down to <paramref name="shape"/> (the shape x was broadcast from).</summary>
    internal static Tensor SumTo(Tensor x, int[] shape)
    {
        if (Shapes.Equal(x.Dims, shape)) return x;
        if (!Shapes.BroadcastsTo(shape, x.Dims))
            throw new ArgumentException($"Tensor.SumTo: shape {Shapes.Format(x.Dims)} does not reduce to {Shapes.Format(shape)}.");
        return TensorOp.Apply(new SumToOp(shape), x);
    }

    /// <summary>x broadcast to a shape (NumPy rules; differentiable: the adjoint sums back).</summary>
    /// <exception cref="ArgumentException">x's shape does not broadcast to <paramref name="shape"/>.</exception>
    public static Tensor BroadcastTo(Tensor x, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shape);
        if (Shapes.Equal(x.Dims, shape)) return x;
        if (!Shapes.BroadcastsTo(x.Dims, shape))
            throw new ArgumentException($"Tensor.BroadcastTo: shape {Shapes.Format(x.Dims)} cannot be broadcast to {Shapes.Format(shape)}.");
        return TensorOp.Apply(new BroadcastToOp(Shapes.Checked(shape, "Tensor.BroadcastTo")), x);
    }

    /// <summary>log Σ exp(x) over all elements, max-shifted (exact at ±1000; −∞ entries allowed).</summary>
    public static Scalar LogSumExp(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length == 0) throw new ArgumentException("Tensor.LogSumExp: the tensor is empty; expected at least one element.", nameof(x));
        return TensorOp.Apply(new LogSumExpOp(0), x.Reshape(x.Length)).ToScalar();
    }

    /// <summary>log Σ exp along an axis, max-shifted.</summary>
    public static Tensor LogSumExp(Tensor x, int axis, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = Shapes.Axis(axis, x.Rank, "Tensor.LogSumExp");
        Tensor r = TensorOp.Apply(new LogSumExpOp(a), x);
        return keepDims ? r.Reshape(Shapes.With(x.Dims, a, 1)) : r;
    }

    /// <summary>softmax along an axis (default: the last), max-shifted: rows of a matrix become probability
    /// vectors. A row of all −∞ gives weights 0.</summary>
    public static Tensor Softmax(Tensor x, int axis = -1)
    {
        ArgumentNullException.ThrowIfNull(x);
        return TensorOp.Apply(new SoftmaxOp(Shapes.Axis(axis, x.Rank, "Tensor.Softmax")), x);
    }

    /// <summary>log softmax along an axis (default: the last): x − logsumexp(x), stable for any inputs.</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1)
    {
        ArgumentNullException.ThrowIfNull(x);
        return TensorOp.Apply(new LogSoftmaxOp(Shapes.Axis(axis, x.Rank, "Tensor.LogSoftmax")), x);
    }

    // ==================================================================================== linear algebra

    /// <summary>
    /// The matrix product: matrix·matrix (m×p · p×n), matrix·vector, vector·matrix, or vector·vector (a rank-0
    /// dot product). Uses the blocked GEMM for the primal and both adjoints.
    /// </summary>
    /// <exception cref="ArgumentException">An operand is not a vector or matrix, or the inner sizes differ.</exception>
    /// <example><code>Tensor y = Tensor.MatMul(w, x) + b; // a dense layer</code></example>
    public static Tensor MatMul(Tensor a, Tensor b) => MatMul(a, b, false, false);

    /// <summary>op(a)·op(b) where op transposes when asked (read in place, never copied).</summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA, bool transposeB)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank is < 1 or > 2 || b.Rank is < 1 or > 2)
            throw new ArgumentException($"Tensor.MatMul: shapes {Shapes.Format(a.Dims)} and {Shapes.Format(b.Dims)}; expected vectors or matrices.");
        var op = MatMulOp.Of(transposeA && a.Rank == 2, transposeB && b.Rank == 2);
        int pa = a.Rank == 2 ? (op.TransA ? a.Dims[0] : a.Dims[1]) : a.Dims[0];
        int pb = b.Rank == 2 ? (op.TransB ? b.Dims[1] : b.Dims[0]) : b.Dims[0];
        if (pa != pb)
            throw new ArgumentException(
                $"Tensor.MatMul: shapes {Shapes.Format(a.Dims)}{(op.TransA ? "ᵀ" : "")} and {Shapes.Format(b.Dims)}{(op.TransB ? "ᵀ" : "")} " +
                $"do not match (inner sizes {pa} vs {pb}); expected equal inner sizes.");
        return TensorOp.Apply(op, a, b);
    }

    /// <summary>The transpose of a matrix (a vector is returned unchanged).</summary>
    public static Tensor Transpose(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 1) return x;
        if (x.Rank != 2) throw new ArgumentException($"Tensor.Transpose: shape {Shapes.Format(x.Dims)}; expected a matrix.", nameof(x));
        return TensorOp.Apply(TransposeOp.Instance, x);
    }

    /// <summary>The transpose (see <see cref="Transpose(Tensor)"/>).</summary>
    public Tensor T => Transpose(this);

    /// <summary>The dot product of two vectors of equal length, as a differentiable <see cref="Scalar"/>.</summary>
    public static Scalar Dot(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank != 1 || b.Rank != 1 || a.Length != b.Length)
            throw new ArgumentException($"Tensor.Dot: shapes {Shapes.Format(a.Dims)} and {Shapes.Format(b.Dims)}; expected two vectors of equal length.");
        return TensorOp.Apply(MatMulOp.NN, a, b).ToScalar();
    }

    /// <summary>The outer (dyadic) product a bᵀ of two vectors: a matrix of a.Length × b.Length.</summary>
    public static Tensor Outer(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank != 1 || b.Rank != 1)
            throw new ArgumentException($"Tensor.Outer: shapes {Shapes.Format(a.Dims)} and {Shapes.Format(b.Dims)}; expected two vectors.");
        return a.Reshape(a.Length, 1) * b;
    }

    // ==================================================================================== shape

    /// <summary>The same elements with another shape (row-major order kept; no copy). One dimension may be −1
    /// (inferred).</summary>
    /// <exception cref="ArgumentException">The sizes differ.</exception>
    public Tensor Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int[] s = (int[])shape.Clone();
        int infer = Array.IndexOf(s, -1);
        if (infer >= 0)
        {
            int known = 1;
            for (int i = 0; i < s.Length; i++) if (i != infer) known *= s[i];
            s[infer] = known == 0 ? 0 : Length / known;
        }
        s = Shapes.Checked(s, "Tensor.Reshape");
        if (Shapes.Size(s) != Length)
            throw new ArgumentException($"Tensor.Reshape: shape {Shapes.Format(Dims)} ({Length} elements) cannot be reshaped to {Shapes.Format(shape)}; expected the same number of elements.");
        if (Shapes.Equal(s, Dims)) return this;
        return TensorOp.Apply(new ReshapeOp(s), this);
    }

    /// <summary>x[start .. start + length) along an axis.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside the axis.</exception>
    /// <example><code>Tensor a = Tensor.Slice(x, 0, 0, n - 1), b = Tensor.Slice(x, 0, 1, n - 1);</code></example>
    public static Tensor Slice(Tensor x, int axis, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(x);
        int a = Shapes.Axis(axis, x.Rank, "Tensor.Slice");
        if (start < 0 || length < 0 || start + length > x.Dims[a])
            throw new ArgumentOutOfRangeException(nameof(start),
                $"Tensor.Slice: range [{start}, {start + length}) is outside axis {axis} of shape {Shapes.Format(x.Dims)}; expected 0 ≤ start ≤ start + length ≤ {x.Dims[a]}.");
        return SliceCore(x, a, start, length);
    }

    internal static Tensor SliceCore(Tensor x, int axis, int start, int length) => TensorOp.Apply(new SliceOp(axis, start, length), x);

    /// <summary>A range along the first axis: <c>x[1..]</c>, <c>x[..^1]</c>, <c>x[2..5]</c>.</summary>
    public Tensor this[Range range]
    {
        get
        {
            if (Rank == 0) throw new InvalidOperationException("Tensor range index: a rank-0 tensor has no axis to slice.");
            var (start, length) = range.GetOffsetAndLength(Dims[0]);
            return SliceCore(this, 0, start, length);
        }
    }

    /// <summary>Tensors joined along an existing axis (all other sizes equal).</summary>
    /// <exception cref="ArgumentException">No tensors, different ranks, or different sizes off the axis.</exception>
    public static Tensor Concat(int axis, params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("Tensor.Concat: no tensors; expected at least one.", nameof(tensors));
        int rank = tensors[0].Rank;
        int a = Shapes.Axis(axis, rank, "Tensor.Concat");
        foreach (Tensor t in tensors)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tensors));
            bool ok = t.Rank == rank;
            for (int i = 0; ok && i < rank; i++) ok = i == a || t.Dims[i] == tensors[0].Dims[i];
            if (!ok)
                throw new ArgumentException(
                    $"Tensor.Concat: shapes {Shapes.Format(tensors[0].Dims)} and {Shapes.Format(t.Dims)} differ off axis {axis}; expected equal sizes except along the axis.");
        }
        return tensors.Length == 1 ? tensors[0] : TensorOp.Apply(new ConcatOp(a), tensors);
    }

    /// <summary>Tensors of one shape stacked along a new axis.</summary>
    public static Tensor Stack(int axis, params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("Tensor.Stack: no tensors; expected at least one.", nameof(tensors));
        int rank = tensors[0].Rank;
        int a = axis < 0 ? axis + rank + 1 : axis;
        if (a < 0 || a > rank) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Tensor.Stack: axis {axis} is out of range for rank {rank}.");
        var parts = new Tensor[tensors.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(tensors[i], nameof(tensors));
            if (!Shapes.Equal(tensors[i].Dims, tensors[0].Dims))
                throw new ArgumentException($"Tensor.Stack: shapes {Shapes.Format(tensors[0].Dims)} and {Shapes.Format(tensors[i].Dims)} differ; expected one shape.");
            var s = new List<int>(tensors[i].Dims);
            s.Insert(a, 1);
            parts[i] = tensors[i].Reshape([.. s]);
        }
        return Concat(a, parts);
    }

    /// <summary>Entries picked by index along an axis (default the first: rows of a matrix).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the axis.</exception>
    public static Tensor Gather(Tensor x, int[] indices, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(indices);
        int a = Shapes.Axis(axis, x.Rank, "Tensor.Gather");
        foreach (int i in indices)
            if ((uint)i >= (uint)x.Dims[a])
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"Tensor.Gather: index {i} is outside axis {axis} of shape {Shapes.Format(x.Dims)}.");
        return TensorOp.Apply(new GatherOp(a, (int[])indices.Clone(), x.Dims[a]), x);
    }

    /// <summary>Rows of one-hot vectors: out[i, labels[i]] = 1 (a constant).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes).</exception>
    public static Tensor OneHot(int[] labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        var d = new double[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"Tensor.OneHot: label {labels[i]} at position {i} is outside [0, {classes}).");
            d[i * classes + labels[i]] = 1;
        }
        return Own(d, [labels.Length, classes]);
    }
}
