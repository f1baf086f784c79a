using System.Buffers;
using HybridAD.Core;
using HybridAD.Tensors;
using HybridAD.Tensors.Lazy;
using HybridAD.Tensors.Ops;

namespace HybridAD;

/// <summary>
/// The differentiation combinators for functions of <see cref="Tensor"/>s: the same tags, tape and nesting as
/// <see cref="AD"/>, with one recorded step per tensor operation. Results are new, fully computed tensors; nothing
/// passed in is mutated. Every call creates its own level, so these nest with each other and with
/// <see cref="AD"/> (a <see cref="Scalar"/> function may use tensors inside, and vice versa).
/// </summary>
/// <remarks>Jacobians are vectorized: forward mode pushes a block of k tangent directions (an n×k seed) through
/// one evaluation and reverse mode pulls k cotangents through one backward sweep, so a Jacobian costs ⌈n/k⌉ or
/// ⌈m/k⌉ sweeps of matrix-valued derivatives.</remarks>
public static class TensorAD
{
    // ======================================================================== Grad (tensors → ℝ)

    /// <summary>
    /// The gradient ∇f of f : ℝ^shape → ℝ, by reverse mode: one evaluation records the tape (one node per tensor
    /// operation), one backward sweep gives ∇f with x's shape.
    /// </summary>
    /// <example><code>
    /// var grad = TensorAD.Grad(x => Tensor.Sum(Tensor.Square(x)));
    /// Tensor g = grad(Tensor.Vector(1, 2, 3)); // (2, 4, 6)
    /// </code></example>
    public static Func<Tensor, Tensor> Grad(Func<Tensor, Scalar> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x => Grad(f, x);
    }

    /// <summary>∇f(x). See <see cref="Grad(Func{Tensor, Scalar})"/>.</summary>
    public static Tensor Grad(Func<Tensor, Scalar> f, Tensor x) => ValueAndGrad(f, x).Gradient;

    /// <summary>(f(x), ∇f(x)) from one evaluation and one backward sweep.</summary>
    /// <example><code>var (loss, g) = TensorAD.ValueAndGrad(w => Tensor.Sum(Tensor.Square(w)), w0);</code></example>
    public static (Scalar Value, Tensor Gradient) ValueAndGrad(Func<Tensor, Scalar> f, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        var (value, grads) = GradCore(xs => f(xs[0]), [x], nameof(Grad));
        return (value, grads[0]);
    }

    /// <summary>The gradients of f with respect to each of several tensors (e.g. a network's parameters).</summary>
    /// <example><code>Tensor[] g = TensorAD.Grad(p => Loss(p[0], p[1]), w, b);</code></example>
    public static Tensor[] Grad(Func<Tensor[], Scalar> f, params Tensor[] x) => ValueAndGrad(f, x).Gradients;

    /// <summary>(f(x), the gradient with respect to each tensor of x).</summary>
    public static (Scalar Value, Tensor[] Gradients) ValueAndGrad(Func<Tensor[], Scalar> f, params Tensor[] x)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length == 0) throw new ArgumentException("TensorAD.Grad: no inputs; expected at least one tensor.", nameof(x));
        return GradCore(f, x, nameof(Grad));
    }

    private static (Scalar Value, Tensor[] Gradients) GradCore(Func<Tensor[], Scalar> f, Tensor[] x, string owner)
    {
        var tape = new Tape(owner) { FuseSumGradients = true };
        try
        {
            var inputs = new Tensor[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                ArgumentNullException.ThrowIfNull(x[i], nameof(x));
                x[i].EnsureOpen();
                inputs[i] = tape.InputTensor(x[i]);
            }
            Scalar y = f(inputs);
            tape.Close();
            var grads = new Tensor[x.Length];
            if (y.Key != tape.Key)
            {
                CheckNotInner(y.Key, tape);
                for (int i = 0; i < x.Length; i++) grads[i] = Tensor.Zeros(x[i].Dims);
                return (y, grads);
            }
            Scalar value = tape.PrimalOf(y);
            var tadj = new Tensor?[tape.Tensors!.Count];
            if (!tape.HasNestedPartials)
            {
                double[] adj = ArrayPool<double>.Shared.Rent(tape.Count);
                try
                {
                    Span<double> a = adj.AsSpan(0, tape.Count);
                    a.Clear();
                    a[y.Slot] = 1;
                    tape.SweepWithTensors(a, tadj);
                }
                finally { ArrayPool<double>.Shared.Return(adj); }
            }
            else
            {
                var adj = new Scalar[tape.Count];
                adj[y.Slot] = new Scalar(1);
                tape.SweepWithTensors(adj, tadj);
            }
            for (int i = 0; i < x.Length; i++) grads[i] = tadj[tape.TensorRecordOf(inputs[i].Slot)] ?? Tensor.Zeros(x[i].Dims);
            Complete(grads);
            return (value, grads);
        }
        finally { tape.Release(); }
    }

    // ======================================================================== Jvp (forward mode)

    /// <summary>
    /// The Jacobian-vector product (f(x), J_f(x)·v) from one forward evaluation on dual tensors x + vε: a small
    /// constant times the cost of f, without forming J.
    /// </summary>
    /// <exception cref="ArgumentException">v's shape differs from x's.</exception>
    /// <example><code>var (y, dy) = TensorAD.Jvp(x => Tensor.Sin(x), x0, Tensor.Ones(3)); // (sin x, cos x)</code></example>
    public static (Tensor Value, Tensor Tangent) Jvp(Func<Tensor, Tensor> f, Tensor x, Tensor v)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(v);
        SameShape(x, "x", v, "the tangent v", nameof(Jvp));
        return JvpCore(f, x, v, nameof(Jvp));
    }

    /// <summary>(f(x), ∇f(x)·v) for a scalar-valued f: the directional derivative, in forward mode.</summary>
    /// <example><code>var (y, dy) = TensorAD.Jvp(x => Tensor.Sum(x * x), x0, v); // ‖x‖², 2⟨x, v⟩</code></example>
    public static (Scalar Value, Scalar Tangent) Jvp(Func<Tensor, Scalar> f, Tensor x, Tensor v)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(v);
        SameShape(x, "x", v, "the tangent v", nameof(Jvp));
        x.EnsureOpen();
        v.EnsureOpen();
        var level = new ForwardLevel(nameof(Jvp));
        try
        {
            Scalar y = f(new Tensor(level.Key, x, v, -1));
            if (y.Key == level.Key) return (level.PrimalOf(y), level.TangentOf(y));
            CheckNotInner(y.Key, level);
            return (y, default);
        }
        finally { level.Close(); }
    }

    /// <summary>Forward mode with a tangent of x's shape, or of x's shape ++ [k] (k directions at once).</summary>
    /// <remarks>With <paramref name="tangentOnly"/> the returned value may still be pending (computed when read):
    /// an Hvp needs only the gradient's tangent.</remarks>
    internal static (Tensor Value, Tensor Tangent) JvpCore(Func<Tensor, Tensor> f, Tensor x, Tensor v, string owner, bool tangentOnly = false)
    {
        x.EnsureOpen();
        v.EnsureOpen();
        var level = new ForwardLevel(owner);
        try
        {
            Tensor y = f(new Tensor(level.Key, x, v, -1)) ?? throw new InvalidOperationException($"{owner}: f returned null; expected a tensor.");
            bool batched = v.Rank == x.Rank + 1;
            Tensor value, tangent;
            if (y.Key == level.Key)
            {
                value = y.Lower!;
                tangent = y.Tangent ?? Tensor.Zeros(batched ? Shapes.Append(y.Dims, v.Dims[^1]) : y.Dims);
            }
            else
            {
                CheckNotInner(y.Key, level);
                value = y;
                tangent = Tensor.Zeros(batched ? Shapes.Append(y.Dims, v.Dims[^1]) : y.Dims);
            }
            Complete(tangentOnly ? [tangent] : [value, tangent]);
            return (value, tangent);
        }
        finally { level.Close(); }
    }

    // ======================================================================== Vjp (reverse mode)

    /// <summary>
    /// The vector-Jacobian product: evaluates f once, recording a tape, and returns (f(x), pullback) where
    /// pullback(u) = uᵀ·J_f(x) (shape of x) by one backward sweep. The pullback may be called any number of times,
    /// from any thread.
    /// </summary>
    /// <example><code>
    /// var (y, pullback) = TensorAD.Vjp(x => Tensor.MatMul(a, x), x0);
    /// Tensor xBar = pullback(Tensor.Ones(y.Dim(0))); // aᵀ·1
    /// </code></example>
    public static (Tensor Value, Func<Tensor, Tensor> Pullback) Vjp(Func<Tensor, Tensor> f, Tensor x)
    {
        var r = Record(f, x, nameof(Vjp));
        return (r.Value, u =>
        {
            ArgumentNullException.ThrowIfNull(u);
            SameShape(r.Value, "f's output", u, "the cotangent u", "Vjp pullback");
            return r.Pull(u);
        });
    }

    /// <summary>A recorded evaluation of f whose pullback can run on one cotangent or on k at once.</summary>
    internal sealed class Recording(Tape tape, Tensor input, Tensor output, Tensor value)
    {
        internal Tensor Value => value;

        /// <summary>uᵀ·J for a cotangent of the output's shape, or k of them (shape ++ [k]; first order only).</summary>
        internal Tensor Pull(Tensor u)
        {
            Tensor g = Sweep(u);
            Complete([g]);
            return g;
        }

        /// <summary>k cotangents at once (u of shape output ++ [k]), the result computed into
        /// <paramref name="destination"/> (x's size × k, direction last) instead of a new tensor.</summary>
        internal void PullInto(Tensor u, double[] destination) => Evaluator.ComputeInto(Sweep(u).Values, destination);

        /// <summary>k cotangents at once (u of shape output ++ [k]) with the result direction-first: [k] ++ x's
        /// shape, k rows of J, computed (first order, constants only).</summary>
        internal Tensor PullRows(Tensor u)
        {
            u.EnsureOpen();
            int k = u.Dims[^1];
            int[] shape = [k, .. input.Dims];
            if (output.Key != tape.Key) return Tensor.Zeros(shape);
            if (tape.HasNestedPartials || u.Key != 0) throw new BatchUnsupportedException();
            var tadj = new Tensor?[tape.Tensors!.Count];
            tadj[tape.TensorRecordOf(output.Slot)] = u;
            int inRec = tape.TensorRecordOf(input.Slot);
            tape.SweepWithTensorsBatched(new double[tape.Count * k], k, tadj, inRec);
            Tensor rows = tadj[inRec] ?? Tensor.Zeros(shape);
            Complete([rows]);
            return rows;
        }

        /// <summary>The backward sweep; the result may still be pending.</summary>
        private Tensor Sweep(Tensor u)
        {
            u.EnsureOpen();
            bool batched = u.Rank == value.Rank + 1;
            int k = batched ? u.Dims[^1] : 1;
            int[] shape = batched ? Shapes.Append(input.Dims, k) : input.Dims;
            if (output.Key != tape.Key) return Tensor.Zeros(shape);
            var tadj = new Tensor?[tape.Tensors!.Count];
            int outRec = tape.TensorRecordOf(output.Slot);
            tadj[outRec] = u;
            bool flat = !tape.HasNestedPartials && u.Key == 0;
            if (batched)
            {
                if (!flat) throw new BatchUnsupportedException();
                tape.SweepWithTensorsBatched(new double[tape.Count * k], k, tadj);
            }
            else if (flat) tape.SweepWithTensors(new double[tape.Count], tadj);
            else tape.SweepWithTensors(new Scalar[tape.Count], tadj);
            return tadj[tape.TensorRecordOf(input.Slot)] ?? Tensor.Zeros(shape);
        }

        internal bool Nested => tape.HasNestedPartials;

        /// <summary>The recorded operations as the mode selector sees them.</summary>
        internal Selection.TensorProfile Profile() => Selection.TensorProfile.From(tape, input, output, value);
    }

    internal static Recording Record(Func<Tensor, Tensor> f, Tensor x, string owner)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        x.EnsureOpen();
        var tape = new Tape(owner, pooled: false);
        Tensor input, y;
        try
        {
            input = tape.InputTensor(x);
            y = f(input) ?? throw new InvalidOperationException($"{owner}: f returned null; expected a tensor.");
        }
        finally { tape.Close(); }
        Tensor value;
        if (y.Key == tape.Key) value = y.Lower!;
        else
        {
            CheckNotInner(y.Key, tape);
            value = y;
        }
        Complete([value]);
        return new Recording(tape, input, y, value);
    }

    // ======================================================================== Jacobian

    /// <summary>
    /// The Jacobian of f at x, with shape f(x).Shape ++ x.Shape (an m×n matrix for vector → vector):
    /// <c>J[i…, j…] = ∂f(x)[i…]/∂x[j…]</c>. Forward mode pushes blocks of k tangent directions through one
    /// evaluation each (⌈n/k⌉ sweeps); reverse mode records once and pulls blocks of k cotangents (⌈m/k⌉ sweeps).
    /// Auto predicts both from the recorded operations and this machine's calibration
    /// (<see cref="Selection.ModeSelector.Decide(Selection.TensorProfile, Selection.CostCalibration, int)"/>) and runs the
    /// cheaper; the decision is made once per (f, x's shape, k) and cached with the delegate, and the recording
    /// made to decide is reused when reverse mode wins. One input (n = 1) is always forward, one output (m = 1)
    /// always reverse. <see cref="Selection.ModeSelector.Explain(Func{Tensor, Tensor}, Tensor, Selection.CostCalibration?, int)"/>
    /// says why.
    /// </summary>
    /// <param name="f">The function.</param>
    /// <param name="x">The point.</param>
    /// <param name="mode">Forward, reverse, or Auto.</param>
    /// <param name="blockSize">Directions per sweep (k); 0 chooses one from the sizes (all directions at once
    /// while k × max(n, m) stays under 4 million doubles).</param>
    /// <example><code>
    /// Tensor j = TensorAD.Jacobian(x => Tensor.MatMul(a, Tensor.Tanh(Tensor.MatMul(b, x))), x0);
    /// </code></example>
    public static Tensor Jacobian(Func<Tensor, Tensor> f, Tensor x, JacobianMode mode = JacobianMode.Auto, int blockSize = 0)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfNegative(blockSize);
        if (x.Length == 0) throw new ArgumentException("TensorAD.Jacobian: x is empty; expected at least one element.", nameof(x));
        Recording? rec = null;
        if (mode == JacobianMode.Auto) (mode, rec) = ChooseMode(f, x, blockSize);
        if (mode == JacobianMode.Forward) return JacobianForward(f, x, blockSize);
        return JacobianReverse(rec ?? Record(f, x, nameof(Jacobian)), x, blockSize);
    }

    /// <summary>The mode Auto runs for f at x, with the recording made to decide (null when none was made or
    /// forward mode won).</summary>
    internal static (JacobianMode Mode, Recording? Recording) ChooseMode(Func<Tensor, Tensor> f, Tensor x, int blockSize)
    {
        if (x.Length == 1) return (JacobianMode.Forward, null);
        if (Selection.ModeSelector.Cached(f, x.Dims, blockSize) is { } known) return (known.Mode, null);
        Recording rec = Record(f, x, nameof(Jacobian));
        if (rec.Value.Length <= 1) return (JacobianMode.Reverse, rec); // scalar-valued: nothing to predict
        Selection.TensorModeDecision d = Selection.ModeSelector.Decide(rec.Profile(), Selection.CostCalibration.Current, blockSize);
        Selection.ModeSelector.Remember(f, x.Dims, blockSize, d);
        return (d.Mode, d.Mode == JacobianMode.Reverse ? rec : null);
    }

    /// <summary>The default block size: all directions at once while k × max(n, m) stays under a few million
    /// doubles.</summary>
    internal static int DefaultBlock(int directions, int n, int m) =>
        Math.Clamp(4_000_000 / Math.Max(1, Math.Max(n, m)), 1, Math.Max(1, directions));

    private static Tensor JacobianForward(Func<Tensor, Tensor> f, Tensor x, int blockSize)
    {
        int n = x.Length;
        int k = blockSize > 0 ? Math.Min(blockSize, n) : DefaultBlock(n, n, n);
        if (x.Key != 0) k = 1;
        double[]? jac = null;
        Tensor[]? cols = null;
        int[]? yDims = null;
        int m = 0;
        for (int j0 = 0; j0 < n; j0 += k)
        {
            int kk = Math.Min(k, n - j0);
            Tensor tangent;
            if (k > 1)
            {
                try
                {
                    tangent = JvpCore(f, x, IdentityBlock(x.Dims, j0, kk), nameof(Jacobian)).Tangent;
                }
                catch (BatchUnsupportedException)
                {
                    k = 1;
                    j0 = -1; // start over one direction per sweep (the loop adds k = 1)
                    continue;
                }
            }
            else
            {
                var seed = new double[n];
                seed[j0] = 1;
                (cols ??= new Tensor[n])[j0] = JvpCore(f, x, Tensor.Own(seed, x.Dims), nameof(Jacobian)).Tangent;
                continue;
            }
            int[] tDims = kk > 1 || k > 1 ? Shapes.DropLast(tangent.Dims) : tangent.Dims;
            if (j0 == 0 && kk == n && k > 1 && tangent.Key == 0)
                return new Tensor([.. tDims, .. x.Dims], tangent.Values); // one block: the m × n tangent block is J
            if (yDims is null)
            {
                yDims = tDims;
                m = Shapes.Size(yDims);
                jac = GC.AllocateUninitializedArray<double>(m * n); // every entry is written below
            }
            else if (!Shapes.Equal(yDims, tDims))
                throw new InvalidOperationException($"Jacobian: f returned shape {Shapes.Format(tDims)} in one evaluation and {Shapes.Format(yDims)} in another; expected a fixed shape.");
            ReadOnlySpan<double> t = tangent.Values.Span;
            int w = kk > 1 || k > 1 ? kk : 1;
            for (int i = 0; i < m; i++) t.Slice(i * w, w).CopyTo(jac.AsSpan(i * n + j0, w));
        }
        if (cols is not null)
        {
            // One column per sweep. A column perturbed by an enclosing call (x itself, or a variable f closes over)
            // must keep its derivative: J is then stacked by a recorded operation instead of copied.
            yDims = cols[0].Dims;
            for (int j = 1; j < n; j++)
                if (!Shapes.Equal(yDims, cols[j].Dims))
                    throw new InvalidOperationException($"Jacobian: f returned shape {Shapes.Format(cols[j].Dims)} in one evaluation and {Shapes.Format(yDims)} in another; expected a fixed shape.");
            bool keyed = false;
            foreach (Tensor c in cols) keyed |= c.Key != 0;
            if (keyed) return Tensor.Stack(yDims.Length, cols).Reshape([.. yDims, .. x.Dims]);
            m = Shapes.Size(yDims);
            jac = GC.AllocateUninitializedArray<double>(m * n);
            for (int j = 0; j < n; j++)
            {
                ReadOnlySpan<double> c = cols[j].Values.Span;
                for (int i = 0; i < m; i++) jac[i * n + j] = c[i];
            }
        }
        return Tensor.Own(jac!, [.. yDims!, .. x.Dims]);
    }

    private static Tensor JacobianReverse(Recording rec, Tensor x, int blockSize)
    {
        int n = x.Length, m = rec.Value.Length;
        if (m == 0) return Tensor.Own([], [.. rec.Value.Dims, .. x.Dims]);
        int k = blockSize > 0 ? Math.Min(blockSize, m) : DefaultBlock(m, n, m);
        if (x.Key != 0 || rec.Nested) k = 1;
        double[]? jac = null;
        Tensor[]? rows = null;
        for (int i0 = 0; i0 < m; i0 += k)
        {
            int kk = Math.Min(k, m - i0);
            if (k > 1)
            {
                try
                {
                    // The sweep makes x's adjoint direction-first: the block is rows i0 .. i0 + kk of J.
                    Tensor block = rec.PullRows(IdentityBlock(rec.Value.Dims, i0, kk));
                    if (kk == m) return new Tensor([.. rec.Value.Dims, .. x.Dims], block.Values); // one block: J itself
                    jac ??= GC.AllocateUninitializedArray<double>(m * n); // every row is written below
                    block.Values.Span.CopyTo(jac.AsSpan(i0 * n, kk * n));
                }
                catch (BatchUnsupportedException)
                {
                    k = 1;
                    i0 = -1; // start over one cotangent per sweep (the loop adds k = 1)
                    continue;
                }
            }
            else
            {
                var seed = new double[m];
                seed[i0] = 1;
                (rows ??= new Tensor[m])[i0] = rec.Pull(Tensor.Own(seed, rec.Value.Dims));
            }
        }
        if (rows is not null)
        {
            // One row per sweep. A row perturbed by an enclosing call (f closes over its variables) must keep its
            // derivative: J is then stacked by a recorded operation instead of copied.
            bool keyed = false;
            foreach (Tensor r in rows) keyed |= r.Key != 0;
            if (keyed) return Tensor.Stack(0, rows).Reshape([.. rec.Value.Dims, .. x.Dims]);
            jac = GC.AllocateUninitializedArray<double>(m * n);
            for (int i = 0; i < m; i++) rows[i].Values.Span.CopyTo(jac.AsSpan(i * n, n));
        }
        return Tensor.Own(jac!, [.. rec.Value.Dims, .. x.Dims]);
    }

    // ======================================================================== second order

    /// <summary>
    /// The Hessian ∇²f of f : ℝ^shape → ℝ (shape ++ shape; n×n for a vector): the reverse-mode Jacobian of the
    /// reverse-mode gradient, pulling k rows of H through one backward sweep of the recorded gradient
    /// computation (H is symmetric, so rows are columns).
    /// </summary>
    /// <example><code>Tensor h = TensorAD.Hessian(x => Tensor.Sum(Tensor.Cube(x)), x0); // diag(6x)</code></example>
    public static Tensor Hessian(Func<Tensor, Scalar> f, Tensor x, int blockSize = 0)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfNegative(blockSize);
        Recording rec = Record(Grad(f), x, nameof(Hessian));
        int n = x.Length;
        var h = GC.AllocateUninitializedArray<double>(n * n);
        // Blocks of rows: a narrow block keeps each sweep's nonzeros (a banded Hessian's) small, a wide one
        // amortizes the sweep; about n/16 rows (32 to 128) balances both (measured at n = 1000).
        int k = blockSize > 0 ? Math.Min(blockSize, n) : Math.Clamp(n / 16, Math.Min(n, 32), 128);
        if (x.Key != 0 || rec.Nested) k = 1;
        double[] block = ArrayPool<double>.Shared.Rent(n * Math.Max(k, 1));
        try
        {
            for (int i0 = 0; i0 < n; i0 += k)
            {
                int kk = Math.Min(k, n - i0);
                if (k > 1)
                {
                    try
                    {
                        rec.PullInto(IdentityBlock(x.Dims, i0, kk), block);
                    }
                    catch (BatchUnsupportedException)
                    {
                        k = 1;
                        i0 -= 1;
                        continue;
                    }
                }
                else
                {
                    var seed = new double[n];
                    seed[i0] = 1;
                    rec.Pull(Tensor.Own(seed, x.Dims)).Values.Span.CopyTo(block);
                }
                // The block holds rows i0 .. i0 + kk of H as an n × kk array, i.e. columns i0 .. of H (H is
                // symmetric): each of its rows is one contiguous run of H.
                for (int j = 0; j < n; j++) block.AsSpan(j * kk, kk).CopyTo(h.AsSpan(j * n + i0, kk));
            }
        }
        finally { ArrayPool<double>.Shared.Return(block); }
        return Tensor.Own(h, [.. x.Dims, .. x.Dims]);
    }

    /// <summary>
    /// The Hessian-vector product H(x)·v = d/dε ∇f(x + εv) (forward-over-reverse), without forming H: a small
    /// constant times the cost of one gradient.
    /// </summary>
    /// <example><code>Tensor hv = TensorAD.Hvp(x => Tensor.Sum(Tensor.Cube(x)), x0, v); // 6x ⊙ v</code></example>
    public static Tensor Hvp(Func<Tensor, Scalar> f, Tensor x, Tensor v)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(v);
        SameShape(x, "x", v, "the direction v", nameof(Hvp));
        return JvpCore(Grad(f), x, v, nameof(Hvp), tangentOnly: true).Tangent;
    }

    // ======================================================================== cost report

    /// <summary>
    /// Records one evaluation of f and lists its tensor operations in order with their estimated costs: the
    /// per-operation input a cost model needs (forward costs ⌈n/k⌉ tangent sweeps of the tangent costs, reverse
    /// ⌈m/k⌉ adjoint sweeps of the adjoint costs). Scalar operations are not listed.
    /// </summary>
    /// <example><code>
    /// var ops = TensorAD.Profile(x => Tensor.MatMul(a, Tensor.Tanh(Tensor.MatMul(b, x))), x0);
    /// double adjointFlops = ops.Sum(o => o.Cost.AdjointFlops);
    /// </code></example>
    public static IReadOnlyList<TensorOpProfile> Profile(Func<Tensor, Tensor> f, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        x.EnsureOpen();
        var tape = new Tape(nameof(Profile), pooled: false);
        try
        {
            f(tape.InputTensor(x));
        }
        finally { tape.Close(); }
        var list = new List<TensorOpProfile>();
        TensorTape records = tape.Tensors!;
        for (int i = 0; i < records.Count; i++)
        {
            TensorRecord r = records.Records[i];
            if (r.Kind == RecordKind.Input) continue;
            int[] shape = r.Output?.Dims ?? Shapes.ScalarShape;
            list.Add(new TensorOpProfile(r.Name, (int[])shape.Clone(), r.Cost));
        }
        return list;
    }

    // ======================================================================== helpers

    /// <summary>Directions first .. first + k of the identity over a tensor's elements: shape dims ++ [k].</summary>
    internal static Tensor IdentityBlock(int[] dims, int first, int k)
    {
        int rows = Shapes.Size(dims);
        return new Tensor(Shapes.Append(dims, k), Buf.Lazy(new IdentityNode(rows, k, first), rows * k));
    }

    /// <summary>Computes every pending value of the results (a combinator returns finished tensors). Results
    /// perturbed by an enclosing call are left to that call, which computes them together with their
    /// derivatives in one pass.</summary>
    private static void Complete(Tensor[] results)
    {
        var bufs = new List<Buf>();
        foreach (Tensor t in results)
            if (t.Key == 0 && !t.Values.IsStored) bufs.Add(t.Values);
        if (bufs.Count > 0) Evaluator.StoreAll(bufs.ToArray());
    }

    private static void SameShape(Tensor a, string aName, Tensor b, string bName, string op)
    {
        if (!Shapes.Equal(a.Dims, b.Dims))
            throw new ArgumentException($"{op}: {bName} has shape {Shapes.Format(b.Dims)}, but {aName} has shape {Shapes.Format(a.Dims)}; expected {Shapes.Format(a.Dims)}.", bName);
    }

    /// <summary>An output not owned by the level must be a constant or a value of an enclosing open call.</summary>
    private static void CheckNotInner(long key, Level level)
    {
        if (key == 0) return;
        if (key > level.Key) throw new PerturbationEscapedException(Level.IdOf(key));
        LevelTable.Get(key);
    }
}

/// <summary>A block of k directions met an operation that handles one direction at a time (a scalar taken from a
/// tensor, or a perturbed operand); the Jacobian repeats that block one direction per sweep.</summary>
internal sealed class BatchUnsupportedException()
    : InvalidOperationException("This computation cannot carry a block of directions; one direction per sweep is used instead.");

/// <summary>One recorded tensor operation and its estimated cost (see <see cref="TensorAD.Profile"/>).</summary>
/// <param name="Name">The operation ("matmul", "tanh", "sum", …).</param>
/// <param name="OutputShape">The shape of its result.</param>
/// <param name="Cost">Estimated flops (primal, per tangent direction, per cotangent) and bytes moved.</param>
public readonly record struct TensorOpProfile(string Name, int[] OutputShape, OpCost Cost);
