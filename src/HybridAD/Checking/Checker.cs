using System.Globalization;

namespace HybridAD.Checking;

/// <summary>
/// Derivative checkers: HybridAD's derivatives (or a user's own derivative function) against finite
/// differences or against HybridAD, each returning a <see cref="CheckReport"/> — max absolute and relative
/// error, the worst entry, the tolerance, pass/fail. A failed check is a report, never an exception;
/// exceptions are kept for misuse (an empty x, a direction of the wrong length, a NaN coordinate).
/// </summary>
/// <remarks>
/// <para>What each check compares, with J = J_f(x) ∈ ℝ^(m×n):</para>
/// <list type="bullet">
/// <item><see cref="CheckDerivative"/>: <see cref="AD.Derivative"/> (forward mode) with the difference quotient of f.</item>
/// <item><see cref="CheckGrad"/>: <see cref="AD.Grad(Func{Scalar[], Scalar}, double[])"/> (reverse mode) with
/// ∂f/∂xᵢ ≈ (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / (2hᵢ), coordinate by coordinate.</item>
/// <item><see cref="CheckJvp(Func{Scalar[], Scalar[]}, double[], double[], CheckOptions?)"/>: <see cref="AD.Jvp(Func{Scalar[], Scalar[]}, Scalar[], Scalar[])"/>
/// (forward mode) with the difference quotient of t ↦ f(x + t·v) — J·v without forming J.</item>
/// <item><see cref="CheckVjp(Func{Scalar[], Scalar[]}, double[], double[], CheckOptions?)"/>: the pullback
/// Jᵀ·u of <see cref="AD.Vjp(Func{Scalar[], Scalar[]}, Scalar[])"/> (reverse mode) through the adjoint identity
/// ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ for <see cref="CheckOptions.Probes"/> random directions v, J·v by finite
/// differences: a VJP is checked at the cost of a few evaluations of f, without forming J.</item>
/// <item><see cref="CheckJacobian"/>: <see cref="AD.Jacobian(Func{Scalar[], Scalar[]}, Scalar[], JacobianMode)"/>
/// in the mode given with the finite-difference Jacobian.</item>
/// <item><see cref="CheckRule"/>: a <see cref="CustomRule"/>'s partials, through forward and reverse mode.</item>
/// <item><c>CheckUser…</c>: a hand-written derivative, gradient, Jacobian, JVP or VJP function against
/// HybridAD's (<see cref="Against.HybridAD"/>) or against finite differences.</item>
/// </list>
/// <para>Pass criterion per entry, from <see cref="Tolerance"/>: |actual − reference| ≤ Absolute·M +
/// Relative·|reference| + 32·ε·max|f|/h (the last term only for a finite-difference reference: the smallest
/// change its step can resolve), with M = max(1, maxⱼ |referenceⱼ|).</para>
/// <para>Functions of several outputs are checked on their flattened outputs; tensor-valued functions add
/// overloads that flatten the same way.</para>
/// </remarks>
/// <example><code>
/// using static HybridAD.Checking.Checker;
/// Func&lt;Scalar[], Scalar&gt; f = x => Scalar.Log(x[0]) * x[1];
/// Console.WriteLine(CheckGrad(f, [2.0, 3.0]));                       // PASS CheckGrad: …
/// Console.WriteLine(CheckUserGradient(f, x => [x[1] / x[0], Math.Log(x[0])], [2.0, 3.0]));
/// CheckReport wrong = CheckUserGradient(f, x => [x[1], Math.Log(x[0])], [2.0, 3.0]);
/// // wrong.Passed == false; wrong.WorstCoordinate == "∂f/∂x[0]"
/// </code></example>
public static class Checker
{
    private const double FloorSafety = 32;

    // ==================================================================== HybridAD against finite differences

    /// <summary>HybridAD's forward-mode derivative f′(x) of f : ℝ → ℝ against finite differences.</summary>
    public static CheckReport CheckDerivative(Func<Scalar, Scalar> f, double x, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        options ??= CheckOptions.Default;
        double[] point = [x];
        FdCore.RequireFinite(point, "x", nameof(CheckDerivative));
        double actual = AD.Derivative(f)(x).Value;
        FdEstimate fd = FdCore.Axis(FdCore.OnDoubles(f), point, 0, options.Differences, nameof(CheckDerivative));
        return Compare(nameof(CheckDerivative), options, "HybridAD forward-mode derivative", options.Differences.Describe(),
            [actual], fd.Value, fd.RoundingFloor, _ => "f′(x)", options.ToleranceAgainstDifferences);
    }

    /// <summary>HybridAD's reverse-mode gradient ∇f(x) of f : ℝⁿ → ℝ against finite differences, coordinate by
    /// coordinate.</summary>
    public static CheckReport CheckGrad(Func<Scalar[], Scalar> f, double[] x, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        options ??= CheckOptions.Default;
        FdCore.RequireFinite(x, "x", nameof(CheckGrad));
        double[] actual = AD.Grad(f, x);
        FdJacobian fd = FdCore.Jacobian(FdCore.OnDoubles(f), x, options.Differences, nameof(CheckGrad));
        return Compare(nameof(CheckGrad), options, "HybridAD reverse-mode gradient", options.Differences.Describe(),
            actual, Row(fd.Value), Row(fd.RoundingFloor), i => $"∂f/∂x[{i}]", options.ToleranceAgainstDifferences);
    }

    /// <summary>HybridAD's forward-mode directional derivative ∇f(x)·v of f : ℝⁿ → ℝ against finite differences.</summary>
    /// <exception cref="ArgumentException">v's length differs from x's, x is empty, or a coordinate is not finite.</exception>
    public static CheckReport CheckJvp(Func<Scalar[], Scalar> f, double[] x, double[] v, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return CheckJvp(FdCore.Lift(f), x, v, options);
    }

    /// <summary>HybridAD's forward-mode Jacobian-vector product J_f(x)·v against the finite difference of
    /// t ↦ f(x + t·v), output by output.</summary>
    /// <exception cref="ArgumentException">v's length differs from x's, x is empty, or a coordinate is not finite.</exception>
    public static CheckReport CheckJvp(Func<Scalar[], Scalar[]> f, double[] x, double[] v, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        options ??= CheckOptions.Default;
        FdCore.RequireFinite(x, "x", nameof(CheckJvp));
        FdCore.RequireDirection(x, v, "the direction v", nameof(CheckJvp));
        double[] actual = AD.Jvp(f, x, v).Tangent;
        FdEstimate fd = FdCore.Along(FdCore.OnDoubles(f), x, v, options.Differences, nameof(CheckJvp));
        return Compare(nameof(CheckJvp), options, "HybridAD forward-mode J·v", options.Differences.Describe() + " along v",
            actual, fd.Value, fd.RoundingFloor, k => $"(J·v)[{k}]", options.ToleranceAgainstDifferences);
    }

    /// <summary>HybridAD's reverse-mode pullback u·∇f(x) of a scalar f, checked through the adjoint identity
    /// (see <see cref="CheckVjp(Func{Scalar[], Scalar[]}, double[], double[], CheckOptions?)"/>).</summary>
    public static CheckReport CheckVjp(Func<Scalar[], Scalar> f, double[] x, double u, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return CheckVjp(FdCore.Lift(f), x, [u], options);
    }

    /// <summary>
    /// HybridAD's reverse-mode pullback Jᵀ·u (from <see cref="AD.Vjp(Func{Scalar[], Scalar[]}, Scalar[])"/>)
    /// through the adjoint identity ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩: for each of <see cref="CheckOptions.Probes"/> random
    /// directions v (uniform in [−1, 1]ⁿ, from <see cref="CheckOptions.Seed"/>), ⟨Jᵀ·u, v⟩ is compared with
    /// ⟨u, J·v⟩, J·v by finite differences — J is never formed. M is the scale of the inner product's terms,
    /// maxᵥ Σₖ |uₖ·(J·v)ₖ|.
    /// </summary>
    /// <exception cref="ArgumentException">u's length is not f's output count, x is empty, or a coordinate is not finite.</exception>
    public static CheckReport CheckVjp(Func<Scalar[], Scalar[]> f, double[] x, double[] u, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        options ??= CheckOptions.Default;
        FdCore.RequireFinite(x, "x", nameof(CheckVjp));
        FdCore.RequireFinite(u, "u", nameof(CheckVjp));
        var (_, pullback) = AD.Vjp(f, x.ToScalars());
        double[] jtu = pullback(u.ToScalars()).ToDoubles();
        return AdjointIdentity(nameof(CheckVjp), options, "HybridAD reverse-mode Jᵀ·u", options.Differences.Describe() + " along v",
            x, u, jtu, v => FdCore.Along(FdCore.OnDoubles(f), x, v, options.Differences, nameof(CheckVjp)),
            options.ToleranceAgainstDifferences);
    }

    /// <summary>HybridAD's Jacobian (in <paramref name="mode"/>) of f : ℝⁿ → ℝᵐ against the finite-difference
    /// Jacobian, entry by entry.</summary>
    public static CheckReport CheckJacobian(Func<Scalar[], Scalar[]> f, double[] x, JacobianMode mode = JacobianMode.Auto,
        CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        options ??= CheckOptions.Default;
        FdCore.RequireFinite(x, "x", nameof(CheckJacobian));
        double[,] actual = AD.Jacobian(f, x, mode);
        FdJacobian fd = FdCore.Jacobian(FdCore.OnDoubles(f), x, options.Differences, nameof(CheckJacobian));
        int n = x.Length;
        return Compare(nameof(CheckJacobian), options, $"HybridAD Jacobian ({mode.ToString().ToLowerInvariant()} mode)",
            options.Differences.Describe(), Flat(actual), Flat(fd.Value), Flat(fd.RoundingFloor), k => $"J[{k / n},{k % n}]",
            options.ToleranceAgainstDifferences);
    }

    /// <summary>
    /// A custom rule's derivative — its partials, or its JVP and VJP — against finite differences of its primal:
    /// the gradient of φ at <paramref name="x"/> through forward mode (n JVPs, which use the rule's JVP if it
    /// has one) and through reverse mode (which uses its partials or VJP), 2n entries in one report.
    /// </summary>
    /// <exception cref="ArgumentException">x's length is not the rule's arity, or a coordinate is not finite.</exception>
    public static CheckReport CheckRule(CustomRule rule, double[] x, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        options ??= CheckOptions.Default;
        FdCore.RequireFinite(x, "x", nameof(CheckRule));
        if (x.Length != rule.Arity)
            throw new ArgumentException($"CheckRule: x has length {x.Length}, but rule '{rule.Name}' takes {rule.Arity} inputs; expected {rule.Arity}.", nameof(x));
        Func<Scalar[], Scalar[]> phi = args => [rule.Invoke(args)];
        double[,] forward = AD.Jacobian(phi, x, JacobianMode.Forward);
        double[,] reverse = AD.Jacobian(phi, x, JacobianMode.Reverse);
        FdJacobian fd = FdCore.Jacobian(FdCore.OnDoubles(phi), x, options.Differences, nameof(CheckRule));
        int n = x.Length;
        var actual = new double[2 * n];
        var expected = new double[2 * n];
        var floor = new double[2 * n];
        for (int i = 0; i < n; i++)
        {
            actual[i] = forward[0, i];
            actual[n + i] = reverse[0, i];
            expected[i] = expected[n + i] = fd.Value[0, i];
            floor[i] = floor[n + i] = fd.RoundingFloor[0, i];
        }
        return Compare(nameof(CheckRule), options with { Label = options.Label ?? rule.Name },
            "custom rule's derivative in forward and reverse mode", options.Differences.Describe(), actual, expected, floor,
            k => $"{(k < n ? "forward" : "reverse")} ∂{rule.Name}/∂x[{k % n}]", options.ToleranceAgainstDifferences);
    }

    // ==================================================================== a user's own derivative function

    /// <summary>A hand-written derivative f′ of f : ℝ → ℝ against HybridAD's forward-mode derivative or against
    /// finite differences.</summary>
    public static CheckReport CheckUserDerivative(Func<Scalar, Scalar> f, Func<double, double> derivative, double x,
        Against against = Against.HybridAD, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(derivative);
        options ??= CheckOptions.Default;
        double[] point = [x];
        FdCore.RequireFinite(point, "x", nameof(CheckUserDerivative));
        double actual = derivative(x);
        if (against == Against.HybridAD)
            return Compare(nameof(CheckUserDerivative), options, "user derivative", "HybridAD forward-mode derivative",
                [actual], [AD.Derivative(f)(x).Value], null, _ => "f′(x)", options.ToleranceAgainstHybridAD);
        FdEstimate fd = FdCore.Axis(FdCore.OnDoubles(f), point, 0, options.Differences, nameof(CheckUserDerivative));
        return Compare(nameof(CheckUserDerivative), options, "user derivative", options.Differences.Describe(),
            [actual], fd.Value, fd.RoundingFloor, _ => "f′(x)", options.ToleranceAgainstDifferences);
    }

    /// <summary>A hand-written gradient of f : ℝⁿ → ℝ against HybridAD's reverse-mode gradient or against finite
    /// differences. A gradient of the wrong length is a failed check.</summary>
    public static CheckReport CheckUserGradient(Func<Scalar[], Scalar> f, Func<double[], double[]> gradient, double[] x,
        Against against = Against.HybridAD, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(gradient);
        options ??= CheckOptions.Default;
        FdCore.RequireFinite(x, "x", nameof(CheckUserGradient));
        double[]? actual = gradient((double[])x.Clone());
        Func<int, string> coordinate = i => $"∂f/∂x[{i}]";
        if (against == Against.HybridAD)
            return Compare(nameof(CheckUserGradient), options, "user gradient", "HybridAD reverse-mode gradient",
                actual, AD.Grad(f, x), null, coordinate, options.ToleranceAgainstHybridAD);
        FdJacobian fd = FdCore.Jacobian(FdCore.OnDoubles(f), x, options.Differences, nameof(CheckUserGradient));
        return Compare(nameof(CheckUserGradient), options, "user gradient", options.Differences.Describe(),
            actual, Row(fd.Value), Row(fd.RoundingFloor), coordinate, options.ToleranceAgainstDifferences);
    }

    /// <summary>A hand-written Jacobian of f : ℝⁿ → ℝᵐ against HybridAD's or finite differences. A Jacobian of
    /// the wrong shape is a failed check.</summary>
    public static CheckReport CheckUserJacobian(Func<Scalar[], Scalar[]> f, Func<double[], double[,]> jacobian, double[] x,
        Against against = Against.HybridAD, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(jacobian);
        options ??= CheckOptions.Default;
        FdCore.RequireFinite(x, "x", nameof(CheckUserJacobian));
        double[,]? actual = jacobian((double[])x.Clone());
        int n = x.Length;
        Func<int, string> coordinate = k => $"J[{k / n},{k % n}]";
        if (against == Against.HybridAD)
        {
            double[,] reference = AD.Jacobian(f, x);
            if (actual is not null && actual.GetLength(1) != n) actual = null;
            return Compare(nameof(CheckUserJacobian), options, "user Jacobian", "HybridAD Jacobian",
                actual is null ? null : Flat(actual), Flat(reference), null, coordinate, options.ToleranceAgainstHybridAD,
                ShapeNote(actual, reference));
        }
        FdJacobian fd = FdCore.Jacobian(FdCore.OnDoubles(f), x, options.Differences, nameof(CheckUserJacobian));
        return Compare(nameof(CheckUserJacobian), options, "user Jacobian", options.Differences.Describe(),
            actual is null || actual.GetLength(1) != n ? null : Flat(actual), Flat(fd.Value), Flat(fd.RoundingFloor), coordinate,
            options.ToleranceAgainstDifferences, ShapeNote(actual, fd.Value));
    }

    /// <summary>A hand-written JVP (x, v) ↦ J_f(x)·v against HybridAD's forward mode or finite differences.</summary>
    public static CheckReport CheckUserJvp(Func<Scalar[], Scalar[]> f, Func<double[], double[], double[]> jvp, double[] x,
        double[] v, Against against = Against.HybridAD, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(jvp);
        options ??= CheckOptions.Default;
        FdCore.RequireFinite(x, "x", nameof(CheckUserJvp));
        FdCore.RequireDirection(x, v, "the direction v", nameof(CheckUserJvp));
        double[]? actual = jvp((double[])x.Clone(), (double[])v.Clone());
        Func<int, string> coordinate = k => $"(J·v)[{k}]";
        if (against == Against.HybridAD)
            return Compare(nameof(CheckUserJvp), options, "user J·v", "HybridAD forward-mode J·v",
                actual, AD.Jvp(f, x, v).Tangent, null, coordinate, options.ToleranceAgainstHybridAD);
        FdEstimate fd = FdCore.Along(FdCore.OnDoubles(f), x, v, options.Differences, nameof(CheckUserJvp));
        return Compare(nameof(CheckUserJvp), options, "user J·v", options.Differences.Describe() + " along v",
            actual, fd.Value, fd.RoundingFloor, coordinate, options.ToleranceAgainstDifferences);
    }

    /// <summary>
    /// A hand-written VJP (x, u) ↦ J_f(x)ᵀ·u through the adjoint identity ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ for random v,
    /// with J·v from HybridAD's forward mode or from finite differences. A result of the wrong length is a failed check.
    /// </summary>
    public static CheckReport CheckUserVjp(Func<Scalar[], Scalar[]> f, Func<double[], double[], double[]> vjp, double[] x,
        double[] u, Against against = Against.HybridAD, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(vjp);
        options ??= CheckOptions.Default;
        FdCore.RequireFinite(x, "x", nameof(CheckUserVjp));
        FdCore.RequireFinite(u, "u", nameof(CheckUserVjp));
        double[]? jtu = vjp((double[])x.Clone(), (double[])u.Clone());
        if (against == Against.HybridAD)
        {
            return AdjointIdentity(nameof(CheckUserVjp), options, "user Jᵀ·u", "HybridAD forward-mode J·v",
                x, u, jtu, v =>
                {
                    double[] jv = AD.Jvp(f, x, v).Tangent;
                    return new FdEstimate(jv, new double[jv.Length], new double[jv.Length]);
                }, options.ToleranceAgainstHybridAD);
        }
        return AdjointIdentity(nameof(CheckUserVjp), options, "user Jᵀ·u", options.Differences.Describe() + " along v",
            x, u, jtu, v => FdCore.Along(FdCore.OnDoubles(f), x, v, options.Differences, nameof(CheckUserVjp)),
            options.ToleranceAgainstDifferences);
    }

    // ==================================================================== the comparison (flat, shape-agnostic)

    /// <summary>⟨Jᵀu, v⟩ against ⟨u, J·v⟩ for the options' random directions v.</summary>
    private static CheckReport AdjointIdentity(string check, CheckOptions options, string tested, string reference,
        double[] x, double[] u, double[]? jtu, Func<double[], FdEstimate> jv, Tolerance tolerance)
    {
        var random = new Random(options.Seed);
        int probes = options.Probes;
        var actual = new double[probes];
        var expected = new double[probes];
        var floor = new double[probes];
        double magnitude = 1;
        bool shapeOk = jtu is not null && jtu.Length == x.Length;
        for (int p = 0; p < probes; p++)
        {
            var v = new double[x.Length];
            for (int j = 0; j < v.Length; j++) v[j] = 2 * random.NextDouble() - 1;
            FdEstimate d = jv(v);
            if (d.Value.Length != u.Length)
                throw new ArgumentException(
                    $"{check}: the cotangent u has length {u.Length}, but f has {d.Value.Length} outputs; expected {d.Value.Length}.", nameof(u));
            double s = 0, terms = 0, fl = 0;
            for (int k = 0; k < u.Length; k++)
            {
                s += u[k] * d.Value[k];
                terms += Math.Abs(u[k] * d.Value[k]);
                fl += Math.Abs(u[k]) * d.RoundingFloor[k];
            }
            expected[p] = s;
            floor[p] = fl;
            magnitude = Math.Max(magnitude, terms);
            if (shapeOk)
            {
                double a = 0;
                for (int j = 0; j < v.Length; j++) a += jtu![j] * v[j];
                actual[p] = a;
            }
        }
        string? note = shapeOk ? null : $"Jᵀ·u has length {(jtu is null ? "null" : jtu.Length.ToString(CultureInfo.InvariantCulture))}, expected {x.Length}";
        return Compare(check, options, tested + " (⟨Jᵀ·u, v⟩)", reference + " (⟨u, J·v⟩)", shapeOk ? actual : null, expected, floor,
            p => $"⟨u, J·v{Subscript(p + 1)}⟩", tolerance, note, magnitude);
    }

    /// <summary>
    /// Compares flat <paramref name="actual"/> with <paramref name="expected"/> entry by entry; a null
    /// <paramref name="actual"/> or one of the wrong length is a failed check with a shape note.
    /// </summary>
    internal static CheckReport Compare(string check, CheckOptions options, string tested, string reference,
        double[]? actual, double[] expected, double[]? floor, Func<int, string> coordinate, Tolerance tolerance,
        string? shapeNote = null, double? magnitude = null)
    {
        double m = 1;
        foreach (double e in expected)
            if (double.IsFinite(e)) m = Math.Max(m, Math.Abs(e));
        if (magnitude is { } given) m = Math.Max(m, given);

        if (actual is null || actual.Length != expected.Length)
        {
            return new CheckReport
            {
                Check = check, Label = options.Label, Tested = tested, Reference = reference, Count = expected.Length,
                MaxAbsError = double.NaN, MaxRelError = double.NaN, WorstIndex = -1,
                WorstCoordinate = shapeNote ?? $"shape: {(actual is null ? "null" : $"{actual.Length} entries")}, expected {expected.Length} entries",
                WorstActual = double.NaN, WorstReference = double.NaN, WorstBound = double.NaN,
                Tolerance = tolerance, Magnitude = m, Passed = false,
            };
        }

        double maxAbs = 0, maxRel = 0, worstRatio = -1;
        int worst = -1;
        double worstBound = 0;
        bool passed = true;
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual[i], e = expected[i];
            double err = Math.Abs(a - e);
            double bound = tolerance.Bound(e, m, floor is null ? 0 : FloorSafety * floor[i]);
            double scale = Math.Max(Math.Abs(a), Math.Abs(e));
            double rel = err == 0 ? 0 : err / scale;
            double ratio = double.IsNaN(err) ? double.PositiveInfinity : err == 0 ? 0 : bound > 0 ? err / bound : double.PositiveInfinity;
            if (double.IsNaN(err)) { maxAbs = double.NaN; maxRel = double.NaN; }
            else
            {
                if (!double.IsNaN(maxAbs)) maxAbs = Math.Max(maxAbs, err);
                if (!double.IsNaN(maxRel)) maxRel = Math.Max(maxRel, rel);
            }
            if (!(err <= bound)) passed = false;
            if (ratio > worstRatio) // a NaN entry has ratio +∞: the first one is the worst
            {
                worstRatio = ratio;
                worst = i;
                worstBound = bound;
            }
        }
        return new CheckReport
        {
            Check = check, Label = options.Label, Tested = tested, Reference = reference, Count = expected.Length,
            MaxAbsError = maxAbs, MaxRelError = maxRel, WorstIndex = worst,
            WorstCoordinate = worst >= 0 ? coordinate(worst) : "",
            WorstActual = worst >= 0 ? actual[worst] : double.NaN,
            WorstReference = worst >= 0 ? expected[worst] : double.NaN,
            WorstBound = worst >= 0 ? worstBound : double.NaN,
            Tolerance = tolerance, Magnitude = m, Passed = passed,
        };
    }

    private static string? ShapeNote(double[,]? actual, double[,] reference) =>
        actual is not null && actual.GetLength(0) == reference.GetLength(0) && actual.GetLength(1) == reference.GetLength(1)
            ? null
            : $"shape: the Jacobian is {(actual is null ? "null" : $"{actual.GetLength(0)}×{actual.GetLength(1)}")}, expected {reference.GetLength(0)}×{reference.GetLength(1)}";

    private static double[] Row(double[,] m)
    {
        var r = new double[m.GetLength(1)];
        for (int j = 0; j < r.Length; j++) r[j] = m[0, j];
        return r;
    }

    private static double[] Flat(double[,] m)
    {
        int rows = m.GetLength(0), cols = m.GetLength(1);
        var r = new double[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) r[i * cols + j] = m[i, j];
        return r;
    }

    private static string Subscript(int i) =>
        string.Concat(i.ToString(CultureInfo.InvariantCulture).Select(c => (char)('₀' + (c - '0'))));
}
