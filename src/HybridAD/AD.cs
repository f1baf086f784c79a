using System.Buffers;
using HybridAD.Core;

namespace HybridAD;

/// <summary>How <see cref="AD.Jacobian(Func{Scalar[], Scalar[]}, Scalar[], JacobianMode)"/> builds J ∈ ℝ^(m×n).</summary>
public enum JacobianMode
{
    /// <summary>The mode predicted cheaper by the cost model of <see cref="Selection.ModeSelector"/> (forward for
    /// n = 1, reverse for scalar-valued f); <see cref="Selection.ModeSelector.Explain(Func{Scalar[], Scalar[]}, double[], Selection.CostCalibration?, int)"/> says why.</summary>
    Auto,
    /// <summary>n forward (tangent) sweeps, one column J·eⱼ each.</summary>
    Forward,
    /// <summary>One recording and m reverse (adjoint) sweeps, one row eᵢᵀ·J each.</summary>
    Reverse,
}

/// <summary>
/// The differentiation combinators. Each takes a function written over <see cref="Scalar"/> and returns a
/// function or a tuple; nothing passed in is mutated and every result is a new array. Every call creates its
/// own tag (level), so combinators nest freely — a derivative of a derivative, a gradient inside a Jacobian —
/// without perturbation confusion, and concurrent calls on different threads are independent.
/// </summary>
/// <remarks>
/// The array a combinator passes to f (the perturbed inputs) belongs to that call: f may read it, index it and
/// even return it, but should not keep it after returning. Large argument arrays are reused by later calls on
/// the same thread (their elements are values of a finished call anyway, which cannot be used: see
/// <see cref="PerturbationEscapedException"/>). The arrays a combinator returns are always new.
/// </remarks>
public static class AD
{
    // ======================================================================== Derivative (ℝ → ℝ)

    /// <summary>
    /// The derivative f′ of f : ℝ → ℝ, by forward mode: f is evaluated once on the dual number x + ε
    /// (ε² = 0) and f′(x) is the ε-part of the result.
    /// </summary>
    /// <example><code>
    /// var df = AD.Derivative(x => Scalar.Log(x) + Scalar.Sqrt(Scalar.Log(x)));
    /// df(2.0).Value; // 0.800280602196612
    /// var d2f = AD.Derivative(AD.Derivative(x => x * x * x)); // 6x
    /// </code></example>
    public static Func<Scalar, Scalar> Derivative(Func<Scalar, Scalar> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x =>
        {
            x.EnsureOpen();
            var level = new ForwardLevel(nameof(Derivative));
            try
            {
                return SplitForward(level, f(level.Make(x, new Scalar(1)))).Tangent;
            }
            finally { level.Close(); }
        };
    }

    // ======================================================================== Grad (ℝⁿ → ℝ)

    /// <summary>
    /// The gradient ∇f of f : ℝⁿ → ℝ, by reverse mode: one evaluation records the tape, one backward sweep
    /// (seed ȳ = 1, then x̄ⱼ = Σᵢ ∂vᵢ/∂vⱼ · v̄ᵢ) gives all n partials, at a cost of a few evaluations of f
    /// whatever n is.
    /// </summary>
    /// <example><code>
    /// var grad = AD.Grad(x => x[0] * x[0] + 3 * x[1]);
    /// Scalar[] g = grad([1.0, 2.0]);  // (2, 3)
    /// </code></example>
    public static Func<Scalar[], Scalar[]> Grad(Func<Scalar[], Scalar> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x => GradCore(f, x, nameof(Grad)).Gradient;
    }

    /// <summary>∇f(x) at a point of doubles (reverse mode). See <see cref="Grad(Func{Scalar[], Scalar})"/>.</summary>
    /// <example><code>double[] g = AD.Grad(x => x[0] * x[1], [3.0, 4.0]); // (4, 3)</code></example>
    public static double[] Grad(Func<Scalar[], Scalar> f, double[] x)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        Check.NotEmpty(x, nameof(Grad), nameof(x));
        var tape = new Tape(nameof(Grad));
        Scalar[] inputs = ArgumentArrays.Rent(x.Length);
        try
        {
            tape.Inputs(x, inputs);
            var grad = new double[x.Length];
            RecordAndSweep(f, tape, inputs, null, grad);
            return grad;
        }
        finally
        {
            ArgumentArrays.Return(inputs);
            tape.Release();
        }
    }

    /// <summary>(f(x), ∇f(x)) from one evaluation and one backward sweep.</summary>
    /// <example><code>
    /// var (value, gradient) = AD.ValueAndGrad(x => x[0] * x[1])([3.0, 4.0]); // 12, (4, 3)
    /// </code></example>
    public static Func<Scalar[], (Scalar Value, Scalar[] Gradient)> ValueAndGrad(Func<Scalar[], Scalar> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x => GradCore(f, x, nameof(ValueAndGrad));
    }

    private static (Scalar Value, Scalar[] Gradient) GradCore(Func<Scalar[], Scalar> f, Scalar[] x, string owner)
    {
        Check.NotEmpty(x, owner, nameof(x));
        var tape = new Tape(owner);
        Scalar[] inputs = ArgumentArrays.Rent(x.Length);
        try
        {
            tape.Inputs(x, inputs);
            Scalar[] grad = GC.AllocateUninitializedArray<Scalar>(x.Length); // every element is written
            Scalar value = RecordAndSweep(f, tape, inputs, grad, null);
            return (value, grad);
        }
        finally
        {
            ArgumentArrays.Return(inputs);
            tape.Release();
        }
    }

    /// <summary>Evaluates f on the tape's inputs, then one backward sweep from ȳ = 1; writes x̄ into
    /// <paramref name="gradient"/> (as values, perturbed by outer levels if any) or into
    /// <paramref name="gradientValues"/> (primals only). Returns f(x) one level down.</summary>
    private static Scalar RecordAndSweep(Func<Scalar[], Scalar> f, Tape tape, Scalar[] inputs, Scalar[]? gradient, double[]? gradientValues)
    {
        // The inputs are consecutive nodes from here; read their slots from this, not from the array given to f,
        // which f may overwrite.
        int firstInput = inputs[0].Slot;
        Scalar y = f(inputs);
        tape.Close();
        if (y.Key != tape.Key)
        {
            CheckNotInner(y, tape);
            if (gradient is not null) Array.Clear(gradient); // y does not depend on x: ∇f = 0
            return y;
        }
        Scalar value = tape.PrimalOf(y);
        if (!tape.HasNestedPartials)
        {
            // The buffer comes zeroed and goes back zeroed. When the inputs are nodes 1..n (always, on a tape that
            // starts with them), the sweep resets every entry it reads and only [0, n] is left to clear.
            double[] adj = Tape.RentZeroedAdjoints(tape.Count);
            Span<double> a = adj.AsSpan(0, tape.Count);
            int n = inputs.Length;
            bool leading = tape.LeafEnd == n + 1;
            a[y.Slot] = 1;
            tape.Sweep(a, clearSwept: leading);
            if (leading && gradientValues is not null) a.Slice(1, n).CopyTo(gradientValues);
            else if (gradient is not null)
                for (int i = 0; i < n; i++) gradient[i] = new Scalar(a[firstInput + i]);
            else
                for (int i = 0; i < n; i++) gradientValues![i] = a[firstInput + i];
            (leading ? a[..(n + 1)] : a).Clear();
            Tape.ReturnZeroedAdjoints(adj);
        }
        else
        {
            var adj = new Scalar[tape.Count];
            adj[y.Slot] = new Scalar(1);
            tape.Sweep(adj);
            if (gradient is not null)
                for (int i = 0; i < gradient.Length; i++) gradient[i] = adj[firstInput + i];
            else
                for (int i = 0; i < gradientValues!.Length; i++) gradientValues[i] = adj[firstInput + i].V;
        }
        return value;
    }

    // ======================================================================== Jvp (forward mode)

    /// <summary>
    /// The Jacobian-vector product: (f(x), J_f(x)·v) from one forward evaluation on dual numbers xᵢ + vᵢε,
    /// without forming J. Costs a small constant times one evaluation of f (w_tan ∈ [2, 2.5]).
    /// </summary>
    /// <example><code>
    /// var (y, jv) = AD.Jvp(x => new[] { x[0] * x[1], Scalar.Sin(x[0]) }, [1.0, 2.0], [1.0, 0.0]);
    /// // y = (2, sin 1), jv = (2, cos 1)
    /// </code></example>
    /// <exception cref="ArgumentException">v's length differs from x's, or x is empty.</exception>
    public static (Scalar[] Value, Scalar[] Tangent) Jvp(Func<Scalar[], Scalar[]> f, Scalar[] x, Scalar[] v)
    {
        ArgumentNullException.ThrowIfNull(f);
        Check.NotEmpty(x, nameof(Jvp), nameof(x));
        Check.SameLength(x, "x", v, "the tangent v", nameof(Jvp));
        var level = new ForwardLevel(nameof(Jvp));
        Scalar[] inputs = ArgumentArrays.Rent(x.Length);
        try
        {
            long key = level.Key;
            int i = 0;
            for (; i < x.Length; i++) // constant x and v, the common case: a loop without calls
            {
                Scalar xi = x[i], vi = v[i];
                if ((xi.Tag | vi.Tag) != 0) break;
                inputs[i] = Scalar.Dual(xi.V, vi.V, key);
            }
            for (; i < x.Length; i++)
            {
                x[i].EnsureOpen();
                v[i].EnsureOpen();
                inputs[i] = level.Make(x[i], v[i]);
            }
            return JvpOutputs(f, level, inputs);
        }
        finally
        {
            ArgumentArrays.Return(inputs);
            level.Close();
        }
    }

    /// <summary>Evaluates f on the dual inputs and splits each output into (primal, tangent).</summary>
    private static (Scalar[] Value, Scalar[] Tangent) JvpOutputs(Func<Scalar[], Scalar[]> f, ForwardLevel level, Scalar[] inputs)
    {
        Scalar[] ys = f(inputs) ?? throw new InvalidOperationException("Jvp: f returned null; expected an array of outputs.");
        var value = new Scalar[ys.Length];
        var tangent = new Scalar[ys.Length];
        for (int j = 0; j < ys.Length; j++) (value[j], tangent[j]) = SplitForward(level, ys[j]);
        return (value, tangent);
    }

    /// <summary>(f(x), ∇f(x)·v) for a scalar-valued f: the directional derivative along v, in forward mode.</summary>
    /// <example><code>var (y, dy) = AD.Jvp(x => x[0] * x[1], [3.0, 4.0], [1.0, 1.0]); // 12, 7</code></example>
    public static (Scalar Value, Scalar Tangent) Jvp(Func<Scalar[], Scalar> f, Scalar[] x, Scalar[] v)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (value, tangent) = Jvp(xs => [f(xs)], x, v);
        return (value[0], tangent[0]);
    }

    /// <summary>Jvp at a point of doubles.</summary>
    public static (double[] Value, double[] Tangent) Jvp(Func<Scalar[], Scalar[]> f, double[] x, double[] v)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        Check.NotEmpty(x, nameof(Jvp), nameof(x));
        Check.SameLength(x, "x", v, "the tangent v", nameof(Jvp));
        var level = new ForwardLevel(nameof(Jvp));
        Scalar[] inputs = ArgumentArrays.Rent(x.Length);
        try
        {
            long key = level.Key;
            for (int i = 0; i < x.Length; i++) inputs[i] = Scalar.Dual(x[i], v[i], key);
            var (value, tangent) = JvpOutputs(f, level, inputs);
            return (value.ToDoubles(), tangent.ToDoubles());
        }
        finally
        {
            ArgumentArrays.Return(inputs);
            level.Close();
        }
    }

    // ======================================================================== Vjp (reverse mode)

    /// <summary>
    /// The vector-Jacobian product: evaluates f once, recording a tape, and returns (f(x), pullback) where
    /// pullback(u) = uᵀ·J_f(x) by one backward sweep. The pullback may be called any number of times (each call
    /// is independent and thread-safe), and while it is alive it keeps the tape.
    /// </summary>
    /// <example><code>
    /// var (y, pullback) = AD.Vjp(x => new[] { x[0] * x[1], x[0] + x[1] }, [3.0, 4.0]);
    /// Scalar[] row0 = pullback([1.0, 0.0]); // (4, 3)
    /// </code></example>
    /// <exception cref="ArgumentException">x is empty, or (from the pullback) u's length is not f's output count.</exception>
    public static (Scalar[] Value, Func<Scalar[], Scalar[]> Pullback) Vjp(Func<Scalar[], Scalar[]> f, Scalar[] x)
    {
        ArgumentNullException.ThrowIfNull(f);
        Check.NotEmpty(x, nameof(Vjp), nameof(x));
        var tape = new Tape(nameof(Vjp), pooled: false);
        Scalar[] inputs = ArgumentArrays.Rent(x.Length);
        Scalar[] ys;
        int[] inSlots = new int[inputs.Length];
        try
        {
            tape.Inputs(x, inputs);
            for (int i = 0; i < inputs.Length; i++) inSlots[i] = inputs[i].Slot;
            ys = f(inputs) ?? throw new InvalidOperationException("Vjp: f returned null; expected an array of outputs.");
        }
        finally { tape.Close(); }

        var value = new Scalar[ys.Length];
        var outSlots = new int[ys.Length];
        for (int j = 0; j < ys.Length; j++)
        {
            if (ys[j].Key == tape.Key)
            {
                value[j] = tape.PrimalOf(ys[j]);
                outSlots[j] = ys[j].Slot;
            }
            else
            {
                CheckNotInner(ys[j], tape);
                value[j] = ys[j];
                outSlots[j] = 0; // independent of x: its cotangent goes to the sink
            }
        }
        ArgumentArrays.Return(inputs); // f's outputs have been read: nothing of this call reads it any more

        Scalar[] Pullback(Scalar[] u)
        {
            Check.SameLength(outSlots, "f's output", u, "the cotangent u", "Vjp pullback");
            tape.EnsureOuterLevelsOpen();
            bool flat = !tape.HasNestedPartials;
            for (int j = 0; j < u.Length && flat; j++) flat = u[j].Key == 0;
            var result = new Scalar[inSlots.Length];
            if (flat)
            {
                var adj = new double[tape.Count];
                for (int j = 0; j < u.Length; j++) adj[outSlots[j]] += u[j].V;
                adj[0] = 0;
                tape.Sweep(adj);
                for (int i = 0; i < inSlots.Length; i++) result[i] = new Scalar(adj[inSlots[i]]);
            }
            else
            {
                var adj = new Scalar[tape.Count];
                for (int j = 0; j < u.Length; j++)
                {
                    u[j].EnsureOpen();
                    if (outSlots[j] != 0) adj[outSlots[j]] = adj[outSlots[j]] + u[j];
                }
                tape.Sweep(adj);
                for (int i = 0; i < inSlots.Length; i++) result[i] = adj[inSlots[i]];
            }
            return result;
        }

        return (value, Pullback);
    }

    /// <summary>Vjp of a scalar-valued f: (f(x), u ↦ u·∇f(x)).</summary>
    public static (Scalar Value, Func<Scalar, Scalar[]> Pullback) Vjp(Func<Scalar[], Scalar> f, Scalar[] x)
    {
        ArgumentNullException.ThrowIfNull(f);
        var (value, pullback) = Vjp(xs => [f(xs)], x);
        return (value[0], u => pullback([u]));
    }

    // ======================================================================== Jacobian

    /// <summary>
    /// The Jacobian J ∈ ℝ^(m×n) of f : ℝⁿ → ℝᵐ at x, with <c>J[i, j] = ∂fᵢ/∂xⱼ</c>: by n forward sweeps
    /// (columns J·eⱼ), by m reverse sweeps over one tape (rows eᵢᵀ·J), or (Auto) whichever the cost model of
    /// <see cref="Selection.ModeSelector"/> predicts cheaper.
    /// </summary>
    /// <example><code>
    /// Scalar[,] j = AD.Jacobian(x => new[] { x[0] * x[1], Scalar.Exp(x[0]) }, [1.0, 2.0], JacobianMode.Reverse);
    /// // [[2, 1], [e, 0]]
    /// </code></example>
    public static Scalar[,] Jacobian(Func<Scalar[], Scalar[]> f, Scalar[] x, JacobianMode mode = JacobianMode.Auto)
    {
        ArgumentNullException.ThrowIfNull(f);
        Check.NotEmpty(x, nameof(Jacobian), nameof(x));
        if (mode == JacobianMode.Auto) mode = Selection.ModeSelector.Choose(f, x);
        return mode == JacobianMode.Forward ? JacobianForward(f, x) : JacobianReverse(f, x);
    }

    /// <summary>The Jacobian as a function of the point. See <see cref="Jacobian(Func{Scalar[], Scalar[]}, Scalar[], JacobianMode)"/>.</summary>
    public static Func<Scalar[], Scalar[,]> Jacobian(Func<Scalar[], Scalar[]> f, JacobianMode mode = JacobianMode.Auto)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x => Jacobian(f, x, mode);
    }

    /// <summary>The Jacobian at a point of doubles.</summary>
    public static double[,] Jacobian(Func<Scalar[], Scalar[]> f, double[] x, JacobianMode mode = JacobianMode.Auto) =>
        Jacobian(f, x.ToScalars(), mode).ToDoubles();

    private static Scalar[,] JacobianForward(Func<Scalar[], Scalar[]> f, Scalar[] x)
    {
        int n = x.Length;
        Scalar[,]? jac = null;
        var seed = new Scalar[n];
        for (int j = 0; j < n; j++)
        {
            if (j > 0) seed[j - 1] = default;
            seed[j] = new Scalar(1);
            Scalar[] column = Jvp(f, x, seed).Tangent;
            jac ??= new Scalar[column.Length, n];
            if (column.Length != jac.GetLength(0))
                throw new InvalidOperationException(
                    $"Jacobian: f returned {column.Length} outputs in one evaluation and {jac.GetLength(0)} in another; expected a fixed output count.");
            for (int i = 0; i < column.Length; i++) jac[i, j] = column[i];
        }
        return jac!;
    }

    private static Scalar[,] JacobianReverse(Func<Scalar[], Scalar[]> f, Scalar[] x)
    {
        var (value, pullback) = Vjp(f, x);
        int m = value.Length, n = x.Length;
        var jac = new Scalar[m, n];
        var seed = new Scalar[m];
        for (int i = 0; i < m; i++)
        {
            if (i > 0) seed[i - 1] = default;
            seed[i] = new Scalar(1);
            Scalar[] row = pullback(seed);
            for (int j = 0; j < n; j++) jac[i, j] = row[j];
        }
        return jac;
    }

    // ======================================================================== second order

    /// <summary>
    /// The Hessian H = ∇²f of f : ℝⁿ → ℝ, forward-over-reverse: the forward-mode Jacobian of the reverse-mode
    /// gradient, H·eⱼ = d/dε ∇f(x + ε eⱼ), n sweeps each costing a few evaluations of f.
    /// </summary>
    /// <example><code>
    /// Scalar[,] h = AD.Hessian(x => x[0] * x[0] * x[1])([1.0, 2.0]); // [[4, 2], [2, 0]]
    /// </code></example>
    public static Func<Scalar[], Scalar[,]> Hessian(Func<Scalar[], Scalar> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        Func<Scalar[], Scalar[]> grad = Grad(f);
        return x =>
        {
            Check.NotEmpty(x, nameof(Hessian), nameof(x)); // name the combinator the user called
            return Jacobian(grad, x, JacobianMode.Forward);
        };
    }

    /// <summary>The Hessian at a point of doubles.</summary>
    public static double[,] Hessian(Func<Scalar[], Scalar> f, double[] x) => Hessian(f)(x.ToScalars()).ToDoubles();

    /// <summary>
    /// The Hessian-vector product H(x)·v = d/dε ∇f(x + εv) (forward-over-reverse), without forming H:
    /// a small constant times the cost of one gradient.
    /// </summary>
    /// <example><code>Scalar[] hv = AD.Hvp(x => x[0] * x[0] * x[1], [1.0, 2.0], [1.0, 0.0]); // (4, 2)</code></example>
    public static Scalar[] Hvp(Func<Scalar[], Scalar> f, Scalar[] x, Scalar[] v)
    {
        ArgumentNullException.ThrowIfNull(f);
        Check.NotEmpty(x, nameof(Hvp), nameof(x));
        Check.SameLength(x, "x", v, "the direction v", nameof(Hvp));
        return Jvp(Grad(f), x, v).Tangent;
    }

    // ======================================================================== helpers

    /// <summary>(primal, tangent) of an output of a forward call: a value not perturbed by this call is a
    /// constant to it (tangent 0); a value of a call that has returned is an escaped perturbation.</summary>
    private static (Scalar Value, Scalar Tangent) SplitForward(ForwardLevel level, in Scalar y)
    {
        if (y.Key == level.Key) return (level.PrimalOf(y), level.TangentOf(y));
        CheckNotInner(y, level);
        return (y, default);
    }

    /// <summary>An output not owned by <paramref name="level"/> must be a constant or a value of an enclosing
    /// (older, still open) call; a value of a finished call is an escaped perturbation.</summary>
    private static void CheckNotInner(in Scalar y, Level level)
    {
        if (y.Key == 0) return;
        if (y.Key > level.Key) throw new PerturbationEscapedException(Level.IdOf(y.Key));
        y.EnsureOpen();
    }
}

/// <summary>Conversions between doubles and <see cref="Scalar"/> arrays.</summary>
public static class ScalarArrays
{
    /// <summary>Constants from doubles (a new array).</summary>
    public static Scalar[] ToScalars(this double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var r = new Scalar[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = new Scalar(x[i]);
        return r;
    }

    /// <summary>The primal values (a new array).</summary>
    public static double[] ToDoubles(this Scalar[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i].V;
        return r;
    }

    /// <summary>The primal values (a new matrix).</summary>
    public static double[,] ToDoubles(this Scalar[,] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var r = new double[x.GetLength(0), x.GetLength(1)];
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++) r[i, j] = x[i, j].V;
        return r;
    }
}
