namespace HybridAD.Checking;

/// <summary>
/// Derivatives by finite differences: the reference HybridAD's checkers compare automatic derivatives with.
/// Every function here evaluates f only on constants (plain values, no differentiation), so it works for any
/// function written over <see cref="Scalar"/> — and for a function of doubles, wrapped as
/// <c>xs =&gt; myFunction(xs.ToDoubles())</c>.
/// </summary>
/// <remarks>
/// <para><b>Central differences</b> (the default): ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h) with the
/// per-coordinate step h = ε^(1/3)·max(|xᵢ|, 1). The error is h²/6·∂³f/∂xᵢ³ (truncation) plus about ε·|f|/h
/// (rounding); this step balances the two at order ε^(2/3) ≈ 4·10⁻¹¹. <b>Richardson extrapolation</b>
/// (<see cref="FiniteDifferenceOptions.Richardson"/>) combines central differences at h₀, h₀/2, h₀/4, … to
/// cancel the h², h⁴, … terms and typically reaches 10⁻¹²–10⁻¹⁰. See <see cref="FiniteDifferenceMethod"/>.</para>
/// <para>Finite differences cost O(n) evaluations of f for a gradient and are only as accurate as the rounding
/// allows: they are a check, not a substitute for AD (see <see cref="ForwardDifference"/> for the classic
/// failure). Cost: central 2 evaluations per direction; Richardson at most 2·levels.</para>
/// <para>Inputs are never mutated; results are new arrays. Bad input (empty x, a direction of the wrong length,
/// a NaN or infinite coordinate) throws <see cref="ArgumentException"/>; a NaN produced by f propagates into
/// the result.</para>
/// </remarks>
/// <example><code>
/// double d = FiniteDifferences.Derivative(x => Scalar.Sin(x), 1.0);               // ≈ cos 1
/// double[] g = FiniteDifferences.Gradient(x => x[0] * x[1], [3.0, 4.0]);          // ≈ (4, 3)
/// double[] gr = FiniteDifferences.Gradient(x => x[0] * x[1], [3.0, 4.0], FiniteDifferenceOptions.Richardson);
/// </code></example>
public static class FiniteDifferences
{
    /// <summary>The central-difference step of a coordinate: h = ε^(1/3)·max(|xᵢ|, 1).</summary>
    public static double Step(double xi) => Step(xi, FiniteDifferenceOptions.CentralStepScale);

    /// <summary>The step of a coordinate for a step scale s: h = s·max(|xᵢ|, 1).</summary>
    public static double Step(double xi, double scale) => scale * Math.Max(Math.Abs(xi), 1);

    /// <summary>f′(x) for f : ℝ → ℝ: the central difference (f(x + h) − f(x − h)) / (2h), or its Richardson
    /// extrapolation.</summary>
    /// <example><code>FiniteDifferences.Derivative(x => x * x * x, 2.0); // ≈ 12</code></example>
    public static double Derivative(Func<Scalar, Scalar> f, double x, FiniteDifferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        double[] point = [x];
        FdCore.RequireFinite(point, "x", nameof(Derivative));
        return FdCore.Axis(FdCore.OnDoubles(f), point, 0, options ?? FiniteDifferenceOptions.Central, nameof(Derivative)).Value[0];
    }

    /// <summary>∇f(x) for f : ℝⁿ → ℝ, one central difference (or Richardson tableau) per coordinate:
    /// ∂f/∂xᵢ ≈ (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / (2hᵢ). 2n evaluations of f (central).</summary>
    /// <example><code>FiniteDifferences.Gradient(x => x[0] * x[1], [3.0, 4.0]); // ≈ (4, 3)</code></example>
    public static double[] Gradient(Func<Scalar[], Scalar> f, double[] x, FiniteDifferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        FdCore.RequireFinite(x, "x", nameof(Gradient));
        double[,] j = FdCore.Jacobian(FdCore.OnDoubles(f), x, options ?? FiniteDifferenceOptions.Central, nameof(Gradient)).Value;
        var g = new double[x.Length];
        for (int i = 0; i < g.Length; i++) g[i] = j[0, i];
        return g;
    }

    /// <summary>The directional derivative ∇f(x)·v of f : ℝⁿ → ℝ along v, by one central difference in t of
    /// t ↦ f(x + t·v) (2 evaluations), without forming the gradient.</summary>
    /// <example><code>FiniteDifferences.Jvp(x => x[0] * x[1], [3.0, 4.0], [1.0, 1.0]); // ≈ 7</code></example>
    /// <exception cref="ArgumentException">v's length differs from x's, x is empty, or a coordinate is not finite.</exception>
    public static double Jvp(Func<Scalar[], Scalar> f, double[] x, double[] v, FiniteDifferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Jvp(FdCore.Lift(f), x, v, options)[0];
    }

    /// <summary>The Jacobian-vector product J_f(x)·v of f : ℝⁿ → ℝᵐ, by one central difference in t of
    /// t ↦ f(x + t·v): J·v ≈ (f(x + t·v) − f(x − t·v)) / (2t).</summary>
    /// <example><code>
    /// FiniteDifferences.Jvp(x => new[] { x[0] * x[1], Scalar.Sin(x[0]) }, [1.0, 2.0], [1.0, 0.0]); // ≈ (2, cos 1)
    /// </code></example>
    /// <exception cref="ArgumentException">v's length differs from x's, x is empty, or a coordinate is not finite.</exception>
    public static double[] Jvp(Func<Scalar[], Scalar[]> f, double[] x, double[] v, FiniteDifferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        FdCore.RequireFinite(x, "x", nameof(Jvp));
        FdCore.RequireDirection(x, v, "the direction v", nameof(Jvp));
        return FdCore.Along(FdCore.OnDoubles(f), x, v, options ?? FiniteDifferenceOptions.Central, nameof(Jvp)).Value;
    }

    /// <summary>The Jacobian J ∈ ℝ^(m×n) of f : ℝⁿ → ℝᵐ, <c>J[i, j] = ∂fᵢ/∂xⱼ</c>, one column per coordinate by
    /// central differences (2n evaluations) or Richardson extrapolation.</summary>
    /// <example><code>
    /// FiniteDifferences.Jacobian(x => new[] { x[0] * x[1], Scalar.Exp(x[0]) }, [1.0, 2.0]); // ≈ [[2, 1], [e, 0]]
    /// </code></example>
    public static double[,] Jacobian(Func<Scalar[], Scalar[]> f, double[] x, FiniteDifferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        FdCore.RequireFinite(x, "x", nameof(Jacobian));
        return FdCore.Jacobian(FdCore.OnDoubles(f), x, options ?? FiniteDifferenceOptions.Central, nameof(Jacobian)).Value;
    }

    /// <summary>
    /// The one-sided forward difference (f(x + h·eᵢ) − f(x)) / h with a caller-chosen step, exactly as written
    /// (no step rounding). Shown for comparison only: its truncation error is O(h) and its rounding error
    /// ε·|f|/h, so with the often-recommended h = √ε it loses half the digits — and all of them when |f| is large
    /// compared with the derivative (for f(x) = Σ xᵢ², n = 1000, xᵢ = i it misses ∂f/∂x₁ = 2 entirely).
    /// </summary>
    /// <example><code>
    /// double d = FiniteDifferences.ForwardDifference(x => x[0] * x[0], [1.0], 0, Math.Sqrt(Math.Pow(2, -52))); // ≈ 2
    /// </code></example>
    /// <exception cref="ArgumentOutOfRangeException">i is not an index of x, or h is not positive and finite.</exception>
    public static double ForwardDifference(Func<Scalar[], Scalar> f, double[] x, int i, double h)
    {
        ArgumentNullException.ThrowIfNull(f);
        FdCore.RequireFinite(x, "x", nameof(ForwardDifference));
        if ((uint)i >= (uint)x.Length)
            throw new ArgumentOutOfRangeException(nameof(i), i, $"ForwardDifference: expected a coordinate index in [0, {x.Length}).");
        if (!(h > 0 && double.IsFinite(h)))
            throw new ArgumentOutOfRangeException(nameof(h), h, "ForwardDifference: expected a positive, finite step.");
        double f0 = f(x.ToScalars()).Value;
        double[] xp = (double[])x.Clone();
        xp[i] += h;
        return (f(xp.ToScalars()).Value - f0) / h;
    }
}

/// <summary>A finite-difference estimate per output component, with its rounding floor ε·max|f|/h (the
/// smallest difference the step can resolve) and, for Richardson, the tableau's error estimate.</summary>
internal readonly record struct FdEstimate(double[] Value, double[] RoundingFloor, double[] ErrorEstimate);

/// <summary>A finite-difference Jacobian with per-entry rounding floors and error estimates.</summary>
internal readonly record struct FdJacobian(double[,] Value, double[,] RoundingFloor, double[,] ErrorEstimate);

/// <summary>
/// The finite-difference engine on plain double functions f : ℝⁿ → ℝᵐ (outputs flattened). Everything public —
/// the scalar API above, the checkers, and later tensor overloads — goes through these three entry points.
/// </summary>
internal static class FdCore
{
    private const double Eps = 2.220446049250313e-16; // 2⁻⁵²

    internal static Func<double[], double[]> OnDoubles(Func<Scalar[], Scalar[]> f) => x =>
    {
        Scalar[] y = f(x.ToScalars()) ?? throw new InvalidOperationException("f returned null; expected an array of outputs.");
        return y.ToDoubles();
    };

    internal static Func<double[], double[]> OnDoubles(Func<Scalar[], Scalar> f) => x => [f(x.ToScalars()).Value];

    internal static Func<double[], double[]> OnDoubles(Func<Scalar, Scalar> f) => x => [f(new Scalar(x[0])).Value];

    internal static Func<Scalar[], Scalar[]> Lift(Func<Scalar[], Scalar> f) => x => [f(x)];

    internal static void RequireFinite(double[] x, string name, string op)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.Length == 0)
            throw new ArgumentException($"{op}: the input {name} is empty; expected at least one element.", name);
        for (int i = 0; i < x.Length; i++)
            if (!double.IsFinite(x[i]))
                throw new ArgumentException($"{op}: {name}[{i}] is {x[i]}; expected a finite number.", name);
    }

    internal static void RequireDirection(double[] x, double[] v, string name, string op)
    {
        ArgumentNullException.ThrowIfNull(v, name);
        if (v.Length != x.Length)
            throw new ArgumentException($"{op}: {name} has length {v.Length}, but x has length {x.Length}; expected {x.Length}.", name);
        for (int i = 0; i < v.Length; i++)
            if (!double.IsFinite(v[i]))
                throw new ArgumentException($"{op}: {name}[{i}] is {v[i]}; expected a finite number.", name);
    }

    /// <summary>∂f/∂x_axis (all outputs).</summary>
    /// <remarks>The optional <c>noise</c> is the absolute rounding noise of each output of f when the caller
    /// knows it better than ε·|f| (e.g. from cancellation inside f); it raises the rounding floor.</remarks>
    internal static FdEstimate Axis(Func<double[], double[]> f, double[] x, int axis, FiniteDifferenceOptions o, string op,
        double[]? noise = null) =>
        Estimate(f, x, null, axis, o.EffectiveStepScale * Math.Max(Math.Abs(x[axis]), 1), o, op, noise);

    /// <summary>J·v (all outputs), stepping t so that no coordinate moves by more than its own step.</summary>
    internal static FdEstimate Along(Func<double[], double[]> f, double[] x, double[] v, FiniteDifferenceOptions o, string op,
        double[]? noise = null)
    {
        double t = double.PositiveInfinity;
        for (int i = 0; i < x.Length; i++)
            if (v[i] != 0) t = Math.Min(t, Math.Max(Math.Abs(x[i]), 1) / Math.Abs(v[i]));
        if (double.IsPositiveInfinity(t))
        {
            // v = 0: the derivative along it is exactly 0 (one evaluation for the output count).
            int m = Evaluate(f, x, -1, op).Length;
            return new FdEstimate(new double[m], new double[m], new double[m]);
        }
        return Estimate(f, x, v, -1, o.EffectiveStepScale * t, o, op, noise);
    }

    /// <summary>The full Jacobian, column by column.</summary>
    internal static FdJacobian Jacobian(Func<double[], double[]> f, double[] x, FiniteDifferenceOptions o, string op,
        double[]? noise = null)
    {
        double[,]? jac = null, floor = null, error = null;
        for (int j = 0; j < x.Length; j++)
        {
            FdEstimate col = Axis(f, x, j, o, op, noise);
            jac ??= new double[col.Value.Length, x.Length];
            floor ??= new double[col.Value.Length, x.Length];
            error ??= new double[col.Value.Length, x.Length];
            if (col.Value.Length != jac.GetLength(0))
                throw new InvalidOperationException(
                    $"{op}: f returned {col.Value.Length} outputs at one point and {jac.GetLength(0)} at another; expected a fixed output count.");
            for (int i = 0; i < col.Value.Length; i++)
            {
                jac[i, j] = col.Value[i];
                floor[i, j] = col.RoundingFloor[i];
                error[i, j] = col.ErrorEstimate[i];
            }
        }
        return new FdJacobian(jac!, floor!, error!);
    }

    private static double[] Evaluate(Func<double[], double[]> f, double[] x, int expected, string op)
    {
        double[] y = f(x) ?? throw new InvalidOperationException($"{op}: f returned null; expected an array of outputs.");
        if (expected >= 0 && y.Length != expected)
            throw new InvalidOperationException(
                $"{op}: f returned {y.Length} outputs at one point and {expected} at another; expected a fixed output count.");
        return y;
    }

    /// <summary>One central difference at step t along v (or along the coordinate <paramref name="axis"/>):
    /// the estimate and its rounding floor per output.</summary>
    private static (double[] D, double[] Floor) Central(Func<double[], double[]> f, double[] x, double[]? v, int axis,
        double t, ref int m, string op, double[]? noise)
    {
        var xp = (double[])x.Clone();
        var xm = (double[])x.Clone();
        double denominator;
        if (v is null)
        {
            xp[axis] = x[axis] + t;
            xm[axis] = x[axis] - t;
            denominator = xp[axis] - xm[axis]; // the step actually taken
        }
        else
        {
            for (int i = 0; i < x.Length; i++)
            {
                xp[i] = x[i] + t * v[i];
                xm[i] = x[i] - t * v[i];
            }
            denominator = 2 * t;
        }
        double[] fp = Evaluate(f, xp, m, op);
        double[] fm = Evaluate(f, xm, fp.Length, op);
        m = fp.Length;
        var d = new double[m];
        var floor = new double[m];
        for (int k = 0; k < m; k++)
        {
            d[k] = (fp[k] - fm[k]) / denominator;
            floor[k] = 2 * Math.Max(Eps * Math.Max(Math.Abs(fp[k]), Math.Abs(fm[k])), noise is null || k >= noise.Length ? 0 : noise[k]) / denominator;
        }
        return (d, floor);
    }

    private static FdEstimate Estimate(Func<double[], double[]> f, double[] x, double[]? v, int axis, double h0,
        FiniteDifferenceOptions o, string op, double[]? noise)
    {
        int m = -1;
        if (o.Method == FiniteDifferenceMethod.Central)
        {
            var (d, floor) = Central(f, x, v, axis, h0, ref m, op, noise);
            var unknown = new double[m];
            Array.Fill(unknown, double.NaN);
            return new FdEstimate(d, floor, unknown);
        }
        return Ridders(f, x, v, axis, h0, o.RichardsonLevels, op, noise);
    }

    /// <summary>
    /// Ridders' extrapolation with step ratio 2: row i holds D(h₀/2ⁱ) and its extrapolations
    /// T[i, j] = T[i, j−1] + (T[i, j−1] − T[i−1, j−1]) / (4ʲ − 1). Each output keeps the entry with the smallest
    /// error estimate max(|T[i, j] − T[i, j−1]|, |T[i, j] − T[i−1, j−1]|) and stops when the diagonal's error
    /// grows past twice the best. A row with a non-finite value (a step that left f's domain) restarts the
    /// tableau at the next, smaller step.
    /// </summary>
    private static FdEstimate Ridders(Func<double[], double[]> f, double[] x, double[]? v, int axis, double h0,
        int levels, string op, double[]? noise)
    {
        // A tableau that has not converged (its error estimate is large: f curves too much over h₀) is retried
        // from h₀/10 and h₀/100; each output keeps the estimate with the smallest error.
        FdEstimate result = RiddersTableau(f, x, v, axis, h0, levels, op, noise);
        for (int retry = 1; retry <= 2; retry++)
        {
            bool converged = true;
            for (int k = 0; k < result.Value.Length; k++)
                converged &= result.ErrorEstimate[k] <= RetryThreshold * Math.Max(1, Math.Abs(result.Value[k]));
            if (converged) break;
            h0 /= 10;
            FdEstimate smaller = RiddersTableau(f, x, v, axis, h0, levels, op, noise);
            for (int k = 0; k < result.Value.Length; k++)
            {
                if (smaller.ErrorEstimate[k] < result.ErrorEstimate[k] || double.IsNaN(result.ErrorEstimate[k]))
                {
                    result.Value[k] = smaller.Value[k];
                    result.ErrorEstimate[k] = smaller.ErrorEstimate[k];
                    result.RoundingFloor[k] = smaller.RoundingFloor[k];
                }
            }
        }
        return result;
    }

    /// <summary>A Richardson estimate whose error estimate exceeds this (relative to max(1, |value|)) is retried
    /// with a smaller initial step.</summary>
    private const double RetryThreshold = 1e-10;

    private static FdEstimate RiddersTableau(Func<double[], double[]> f, double[] x, double[]? v, int axis, double h0,
        int levels, string op, double[]? noise)
    {
        int m = -1;
        double[][]? prev = null;
        double[] best = [], err = [], floorBest = [];
        bool[] done = [];
        double h = h0;
        int rows = 0, attempts = 0;
        while (rows < levels && attempts < 2 * levels)
        {
            attempts++;
            var (d, floor) = Central(f, x, v, axis, h, ref m, op, noise);
            if (prev is null && best.Length == 0)
            {
                best = (double[])d.Clone();
                err = new double[m];
                Array.Fill(err, double.PositiveInfinity);
                floorBest = (double[])floor.Clone();
                done = new bool[m];
            }
            bool finite = true;
            foreach (double dk in d) finite &= double.IsFinite(dk);
            if (!finite)
            {
                if (rows == 0) best = (double[])d.Clone();
                prev = null; // restart the tableau at a smaller step
                rows = 0;
                h /= 2;
                continue;
            }

            var cur = new double[rows + 1][];
            cur[0] = d;
            if (rows == 0)
            {
                for (int k = 0; k < m; k++)
                    if (!double.IsFinite(best[k]) || double.IsPositiveInfinity(err[k]))
                    {
                        best[k] = d[k];
                        floorBest[k] = floor[k];
                    }
            }
            double fac = 1;
            for (int j = 1; j <= rows; j++)
            {
                fac *= 4;
                cur[j] = new double[m];
                for (int k = 0; k < m; k++)
                {
                    cur[j][k] = cur[j - 1][k] + (cur[j - 1][k] - prev![j - 1][k]) / (fac - 1);
                    double e = Math.Max(Math.Abs(cur[j][k] - cur[j - 1][k]), Math.Abs(cur[j][k] - prev[j - 1][k]));
                    if (!done[k] && e <= err[k])
                    {
                        err[k] = e;
                        best[k] = cur[j][k];
                        floorBest[k] = 2 * floor[k]; // the extrapolation weights at most double the rounding
                    }
                }
            }
            if (rows > 0)
            {
                bool allDone = true;
                for (int k = 0; k < m; k++)
                {
                    if (!done[k] && Math.Abs(cur[rows][k] - prev![rows - 1][k]) >= 2 * err[k]) done[k] = true;
                    allDone &= done[k];
                }
                if (allDone) break;
            }
            prev = cur;
            rows++;
            h /= 2;
        }
        return new FdEstimate(best, floorBest, err);
    }
}
