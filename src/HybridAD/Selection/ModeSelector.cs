using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace HybridAD.Selection;

/// <summary>
/// Chooses forward or reverse mode for a Jacobian from a cost model, and explains the choice.
/// </summary>
/// <remarks>
/// <para>A Jacobian J ∈ ℝ^(m×n) costs ⌈n/k⌉ forward sweeps, each carrying k tangent directions, or one recording and
/// ⌈m/k⌉ reverse sweeps, each carrying k adjoint directions (k = 1 on scalar values). With f's recorded work — the
/// sums over its operations of work units × per-rule weights, P (primal), T (tangent) and A (adjoint), its N
/// tape nodes, and the sampled fractions c_fwd and c_rev of the tape one tangent or adjoint sweep actually works on
/// (dependency cones; the rest is symbolic zeros) — and this machine's <see cref="CostCalibration"/> (nanoseconds
/// per unit):</para>
/// <code>
/// forward = ⌈n/k⌉ · (t_P·P + k·t_T·T·c_fwd + o_fwd)
/// reverse = (t_P·P + t_T·T + t_N·N) + ⌈m/k⌉ · (t_skip·N + k·t_A·A·c_rev + o_rev)
/// </code>
/// <para>Two cases need no model: with one input (n = 1) a single tangent sweep gives the whole Jacobian, so
/// forward mode is chosen (this includes f : ℝ → ℝ); with one output (m = 1, n &gt; 1) a single adjoint sweep gives
/// the gradient (the cheap gradient principle), so reverse mode is chosen.</para>
/// </remarks>
public static partial class ModeSelector
{
    /// <summary>Which clause of the selection rule decided (each selector words its reason from it).</summary>
    private enum SelectionCase { OneInput, ScalarValued, NoOutputs, Cheaper }

    private const string NoOutputsReason = "f has no outputs (m = 0): the Jacobian is empty; reverse mode records once and makes no sweep.";

    /// <summary>The selection rule, shared by the scalar and the tensor selector: n = 1 is forward (one tangent sweep
    /// gives the whole Jacobian, nothing recorded), m ≤ 1 is reverse (the cheap gradient principle; nothing to sweep
    /// for m = 0), otherwise the mode with the smaller prediction (forward on a tie). <c>Ratio</c> is the dearer
    /// prediction over the cheaper one.</summary>
    private static (JacobianMode Mode, SelectionCase Case, double Ratio) Select(int n, int m, in SweepCost forward, in SweepCost reverse)
    {
        double ratio = Math.Max(forward.TotalMs, reverse.TotalMs) / Math.Max(1e-12, Math.Min(forward.TotalMs, reverse.TotalMs));
        if (n == 1) return (JacobianMode.Forward, SelectionCase.OneInput, ratio);
        if (m <= 1) return (JacobianMode.Reverse, m == 1 ? SelectionCase.ScalarValued : SelectionCase.NoOutputs, ratio);
        return (forward.TotalMs <= reverse.TotalMs ? JacobianMode.Forward : JacobianMode.Reverse, SelectionCase.Cheaper, ratio);
    }

    /// <summary>Profiles of functions already seen by <see cref="JacobianMode.Auto"/>, per input length; collected with the delegate.</summary>
    private static readonly ConditionalWeakTable<Func<Scalar[], Scalar[]>, ConcurrentDictionary<int, FunctionProfile>> s_profiles = new();

    /// <summary>
    /// The mode <see cref="JacobianMode.Auto"/> runs. n = 1 decides without evaluating f. Otherwise f's work
    /// profile is recorded once (the first time this delegate is seen with this input length; later calls reuse
    /// it) and the cheaper mode under <see cref="CostCalibration.Current"/> is chosen.
    /// </summary>
    internal static JacobianMode Choose(Func<Scalar[], Scalar[]> f, Scalar[] x)
    {
        if (x.Length == 1) return JacobianMode.Forward;
        FunctionProfile profile = s_profiles.GetOrCreateValue(f).GetOrAdd(x.Length, _ => FunctionProfile.Record(f, x));
        if (profile.OutputCount <= 1) return JacobianMode.Reverse;
        return Decide(profile, CostCalibration.Current).Mode;
    }

    /// <summary>
    /// Records f at x, measures one primal evaluation, and returns the decision Auto would make, with both
    /// predictions and the reason. Costs a recording and a few evaluations of f.
    /// </summary>
    /// <example><code>
    /// ModeDecision d = ModeSelector.Explain(x => new[] { x[0] * x[1], Scalar.Sin(x[0]) }, [1.0, 2.0]);
    /// Console.WriteLine(d); // the mode, the reason, forward vs reverse predicted ms, the measured primal
    /// </code></example>
    /// <param name="f">The function.</param>
    /// <param name="x">The point.</param>
    /// <param name="calibration">The machine calibration (default <see cref="CostCalibration.Current"/>).</param>
    /// <param name="blockSize">k, the directions per sweep (1 for scalar values).</param>
    /// <exception cref="ArgumentException">x is empty, or the block size is not positive.</exception>
    public static ModeDecision Explain(Func<Scalar[], Scalar[]> f, double[] x, CostCalibration? calibration = null, int blockSize = 1)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        FunctionProfile profile = FunctionProfile.Record(f, x);
        s_profiles.GetOrCreateValue(f)[x.Length] = profile;
        ModeDecision d = Decide(profile, calibration ?? CostCalibration.Current, blockSize);
        return d with { MeasuredPrimalMs = MeasurePrimalMs(f, x.ToScalars()) };
    }

    /// <summary>Explain at a point of <see cref="Scalar"/>s (their primal values).</summary>
    public static ModeDecision Explain(Func<Scalar[], Scalar[]> f, Scalar[] x, CostCalibration? calibration = null, int blockSize = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Explain(f, x.ToDoubles(), calibration, blockSize);
    }

    /// <summary>
    /// The decision for a recorded profile under a calibration (no evaluation, no measurement): deterministic, so
    /// it can be checked and documented.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The block size is not positive.</exception>
    public static ModeDecision Decide(FunctionProfile profile, CostCalibration calibration, int blockSize = 1)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        int n = profile.InputCount, m = profile.OutputCount, k = blockSize;
        const double NsPerMs = 1e6;
        CostCalibration c = calibration;

        double primalNs = c.NsPerPrimalUnit * profile.PrimalWork;
        double forwardSweepNs = primalNs + k * c.NsPerTangentUnit * profile.TangentWork * profile.ForwardConeFraction + c.NsPerForwardSweep;
        double recordNs = primalNs + c.NsPerTangentUnit * profile.TangentWork + c.NsPerRecordedNode * profile.RecordedNodes + c.NsPerReverseSweep;
        double reverseSweepNs = c.NsPerSkippedNode * profile.RecordedNodes
            + k * c.NsPerAdjointUnit * profile.AdjointWork * profile.ReverseConeFraction + c.NsPerReverseSweep;
        int fSweeps = (n + k - 1) / k, rSweeps = (m + k - 1) / k;
        var forward = new SweepCost(fSweeps, forwardSweepNs / NsPerMs, 0, profile.RecordedNodes - n, 0);
        var reverse = new SweepCost(rSweeps, reverseSweepNs / NsPerMs, recordNs / NsPerMs, profile.RecordedNodes,
            profile.TapeBytes + k * profile.AdjointBytesPerDirection);

        var ci = CultureInfo.InvariantCulture;
        (JacobianMode mode, SelectionCase why, double ratio) = Select(n, m, forward, reverse);
        string reason = why switch
        {
            SelectionCase.OneInput => string.Format(ci,
                "f has one input (n = 1): one forward tangent sweep gives the whole {0}×1 Jacobian, with no tape; reverse mode would record a tape and make m = {0} adjoint sweeps.",
                m),
            SelectionCase.ScalarValued => string.Format(ci,
                "f is scalar-valued (m = 1): one reverse sweep gives the whole gradient at a small multiple of one evaluation (the cheap gradient principle, w_grad ≈ {0:F1} here), while forward mode needs n = {1} tangent sweeps.",
                reverse.TotalMs / (primalNs / NsPerMs), n),
            SelectionCase.NoOutputs => NoOutputsReason,
            _ => string.Format(ci,
                "forward mode needs ⌈n/k⌉ = {0} tangent sweep(s) of {1} each = {2}; reverse mode records the tape once ({3}) and makes ⌈m/k⌉ = {4} adjoint sweep(s) of {5} each = {6}; {7} mode is predicted {8:F1}× cheaper.",
                fSweeps, ModeDecision.Ms(forward.MsPerSweep), ModeDecision.Ms(forward.TotalMs), ModeDecision.Ms(reverse.SetupMs),
                rSweeps, ModeDecision.Ms(reverse.MsPerSweep), ModeDecision.Ms(reverse.TotalMs),
                mode == JacobianMode.Forward ? "forward" : "reverse", ratio),
        };

        return new ModeDecision
        {
            Mode = mode,
            Reason = reason,
            InputCount = n,
            OutputCount = m,
            BlockSize = k,
            Forward = forward,
            Reverse = reverse,
            PredictedPrimalMs = primalNs / NsPerMs,
            Profile = profile,
            Calibration = c,
        };
    }

    /// <summary>The median of a few timed evaluations of f on constants (the first, which may compile, is dropped
    /// unless it alone took longer than the budget).</summary>
    private static double MeasurePrimalMs(Func<Scalar[], Scalar[]> f, Scalar[] x)
    {
        long t0 = Stopwatch.GetTimestamp();
        f(x);
        double first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        if (first > 100) return first;
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 3 || (times.Count < 51 && total.ElapsedMilliseconds < 50))
        {
            t0 = Stopwatch.GetTimestamp();
            f(x);
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
