using System.Globalization;
using HybridAD.Checking;
using HybridAD.Properties.Programs;

namespace HybridAD.Properties;

/// <summary>Shared pieces of the properties: Richardson references with a step that is safe for the program,
/// and the comparisons with their magnitude-scaled tolerances.</summary>
internal static class Oracles
{
    /// <summary>FD reference tolerance: relative 10⁻⁶ of the larger of |reference| and the magnitude scale.</summary>
    public const double FiniteDifferenceTolerance = 1e-6;

    /// <summary>Between AD modes: relative 10⁻¹² of the magnitude scale (the size of the terms summed).</summary>
    public const double ModeTolerance = 1e-12;

    /// <summary>Between nested AD modes (second derivatives): relative 10⁻¹² of the second-order magnitude scale.</summary>
    public const double SecondOrderModeTolerance = 1e-12;

    /// <summary>The Richardson options for finite differences of <paramref name="p"/> along every direction in
    /// <paramref name="directions"/>: the default initial step 10⁻³·max(|xᵢ|, 1), halved until no operation's
    /// argument leaves its domain or crosses a kink within the stencil; null if none is safe (discard the case).</summary>
    public static FiniteDifferenceOptions? SafeRichardson(RandomProgram p, IEnumerable<double[]> directions)
    {
        double scale = FiniteDifferenceOptions.RichardsonStepScale;
        double[][] dirs = directions.ToArray();
        for (int halvings = 0; halvings < 14; halvings++, scale /= 2)
        {
            bool safe = true;
            foreach (double[] d in dirs)
            {
                double t = double.PositiveInfinity;
                for (int i = 0; i < d.Length; i++)
                    if (d[i] != 0) t = Math.Min(t, Math.Max(Math.Abs(p.Point[i]), 1) / Math.Abs(d[i]));
                if (double.IsPositiveInfinity(t)) continue;
                if (!p.SafeAlong(d, scale * t)) { safe = false; break; }
            }
            if (safe) return FiniteDifferenceOptions.Richardson with { StepScale = scale };
        }
        return null;
    }

    /// <summary>
    /// The rounding noise of <paramref name="noise"/>(point) over a finite-difference stencil along d: the
    /// largest of its values at x and x ± t₀·d (t₀ the initial step of <paramref name="fd"/>). At a stationary
    /// point the centre alone underestimates it (a partial that vanishes at x does not at x ± t).
    /// </summary>
    public static double[] StencilNoise(RandomProgram p, double[] d, FiniteDifferenceOptions fd, Func<double[]?, double[]> noise)
    {
        double t = double.PositiveInfinity;
        for (int i = 0; i < d.Length; i++)
            if (d[i] != 0) t = Math.Min(t, Math.Max(Math.Abs(p.Point[i]), 1) / Math.Abs(d[i]));
        double[] result = noise(null);
        if (double.IsPositiveInfinity(t)) return result;
        t *= fd.EffectiveStepScale;
        foreach (int sign in (ReadOnlySpan<int>)[1, -1])
        {
            var x = new double[d.Length];
            for (int i = 0; i < x.Length; i++) x[i] = p.Point[i] + sign * t * d[i];
            double[] n = noise(x);
            for (int k = 0; k < result.Length; k++) result[k] = Math.Max(result[k], n[k]);
        }
        return result;
    }

    public static double[] Axis(int n, int i)
    {
        var e = new double[n];
        e[i] = 1;
        return e;
    }

    public static IEnumerable<double[]> Axes(int n) => Enumerable.Range(0, n).Select(i => Axis(n, i));

    /// <summary>Fails unless |actual − reference| ≤ bound, with every number in the message.</summary>
    public static void Close(string what, double actual, double reference, double bound, string detail = "")
    {
        double err = Math.Abs(actual - reference);
        if (!(err <= bound))
            throw new PropertyViolation(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {actual:R} vs {reference:R}, |err| {err:E3} > bound {bound:E3}{(detail.Length > 0 ? "; " + detail : "")}"));
    }

    /// <summary>
    /// An AD value against a finite-difference reference: true when |actual − reference| ≤ bound; false when it
    /// is not but the reference's own (Richardson) error estimate is comparable to the bound — the reference
    /// cannot judge this case, which is then discarded (and counted); otherwise a <see cref="PropertyViolation"/>.
    /// </summary>
    public static bool CloseOrUnjudgeable(string what, double actual, double reference, double bound, double referenceError, string detail)
    {
        if (Math.Abs(actual - reference) <= bound) return true;
        if (!(referenceError <= bound / 2)) return false;
        Close(what, actual, reference, bound, detail + string.Create(CultureInfo.InvariantCulture, $", reference error estimate {referenceError:E2}"));
        return true;
    }

    public static void Same(string what, double actual, double reference)
    {
        if (!actual.Equals(reference))
            throw new PropertyViolation(string.Create(CultureInfo.InvariantCulture, $"{what}: {actual:R} vs {reference:R}, expected identical"));
    }
}
