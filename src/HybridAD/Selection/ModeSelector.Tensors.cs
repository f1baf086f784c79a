using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace HybridAD.Selection;

// The selector for tensor functions: the same argument as for Scalars (⌈n/k⌉ tangent sweeps vs a recording and
// ⌈m/k⌉ adjoint sweeps), priced per recorded tensor operation with the tensor rates of the calibration.
public static partial class ModeSelector
{
    /// <summary>Decisions already made by <see cref="JacobianMode.Auto"/> for a tensor function, per input shape and
    /// block size; collected with the delegate.</summary>
    private static readonly ConditionalWeakTable<Func<Tensor, Tensor>, ConcurrentDictionary<string, TensorModeDecision>> s_tensorDecisions = new();

    private static string ShapeKey(int[] dims, int blockSize) => string.Join('x', dims) + "/k" + blockSize.ToString(CultureInfo.InvariantCulture);

    /// <summary>The cached decision for f at x's shape, or null when this (delegate, shape, k) has not been decided.</summary>
    internal static TensorModeDecision? Cached(Func<Tensor, Tensor> f, int[] dims, int blockSize) =>
        s_tensorDecisions.TryGetValue(f, out var byShape) && byShape.TryGetValue(ShapeKey(dims, blockSize), out var d) ? d : null;

    /// <summary>Remembers a decision for f at this shape and block size.</summary>
    internal static void Remember(Func<Tensor, Tensor> f, int[] dims, int blockSize, TensorModeDecision d) =>
        s_tensorDecisions.GetOrCreateValue(f)[ShapeKey(dims, blockSize)] = d;

    /// <summary>Forgets every cached tensor decision of f (tests; a function whose cost changed).</summary>
    internal static void Forget(Func<Tensor, Tensor> f) => s_tensorDecisions.Remove(f);

    /// <summary>
    /// Records f at x (one evaluation), measures one primal evaluation, and returns the decision
    /// <see cref="JacobianMode.Auto"/> makes for <see cref="TensorAD.Jacobian"/>: both predictions, the measured primal,
    /// the choice and the reason in words. The decision is also cached for f at x's shape.
    /// </summary>
    /// <param name="f">The function.</param>
    /// <param name="x">The point.</param>
    /// <param name="calibration">The machine calibration (default <see cref="CostCalibration.Current"/>).</param>
    /// <param name="blockSize">k, directions per sweep (0: the default the Jacobian uses).</param>
    /// <example><code>
    /// TensorModeDecision d = ModeSelector.Explain(x => Tensor.MatMul(a, Tensor.Tanh(Tensor.MatMul(b, x))), x0);
    /// Console.WriteLine(d); // mode, reason, forward vs reverse predicted, measured primal
    /// </code></example>
    public static TensorModeDecision Explain(Func<Tensor, Tensor> f, Tensor x, CostCalibration? calibration = null, int blockSize = 0)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfNegative(blockSize);
        var rec = TensorAD.Record(f, x, nameof(Explain));
        TensorModeDecision d = Decide(rec.Profile(), calibration ?? CostCalibration.Current, blockSize);
        if (calibration is null) Remember(f, x.Dims, blockSize, d);
        return d with { MeasuredPrimalMs = MeasurePrimalMs(f, x) };
    }

    /// <summary>
    /// The decision for a recorded tensor profile under a calibration (no evaluation): deterministic.
    /// </summary>
    /// <remarks>
    /// With k directions per sweep (default: <see cref="TensorAD"/>'s block size), per recorded operation: the
    /// primal (a GEMM at t_flop·flops + t_elem·elements for a matrix product; t_ew per element and flop for an
    /// elementwise pass; t_move per element moved), its tangent for k directions if the tangent sweep reaches it,
    /// its adjoint for k cotangents if the adjoint sweep does (a product whose perturbed operand is x, or that
    /// makes f(x), meets identity columns there: a copy, not a product), plus t_op per operation and pass:
    /// <code>
    /// forward = ⌈n/k⌉ · (primal + tangents(k) + o_fwd) + (⌈n/k⌉ &gt; 1 ? m·n·t_move : 0)
    /// reverse = primal + ⌈m/k⌉ · (adjoints(k) + (rows native ? 0 : k·n·t_move) + o_rev) + (⌈m/k⌉ &gt; 1 ? m·n·t_move/4 : 0)
    /// </code>
    /// (forward blocks are columns of J, scattered into it when there are several; reverse blocks are rows of J,
    /// written directly by a product with x (<see cref="TensorProfile.RowsNative"/>) or transposed, and copied
    /// contiguously when there are several). n = 1 is always forward and m = 1 always reverse, whatever the
    /// prediction.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The block size is negative.</exception>
    public static TensorModeDecision Decide(TensorProfile profile, CostCalibration calibration, int blockSize = 0)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentOutOfRangeException.ThrowIfNegative(blockSize);
        CostCalibration c = calibration;
        int n = profile.InputCount, m = profile.OutputCount;
        int kf = blockSize > 0 ? Math.Min(blockSize, n) : TensorAD.DefaultBlock(n, n, n);
        int kr = blockSize > 0 ? Math.Min(blockSize, Math.Max(1, m)) : TensorAD.DefaultBlock(m, n, m);
        const double NsPerMs = 1e6;

        // A matrix-vector product (one row or one column) packs nothing and reuses no load: it streams the matrix
        // once, one multiply-add per element loaded, at about a quarter of the GEMM's flop rate.
        double Gemm(double rows, double inner, double cols, double extraElements) =>
            rows == 1 || cols == 1
                ? 4 * c.NsPerGemmFlop * 2 * rows * inner * cols + c.NsPerTensorElement * (rows * cols + extraElements)
                : c.NsPerGemmFlop * 2 * rows * inner * cols + c.NsPerGemmElement * (rows * inner + inner * cols + rows * cols + extraElements);

        double primal = 0;
        double tangent = 0, adjoint = 0;
        foreach (TensorOpWork op in profile.Ops)
        {
            var (gm, gp, gn) = op.Gemm;
            primal += c.NsPerTensorOp + op.Kind switch
            {
                TensorWorkKind.MatMul => Gemm(gm, gp, gn, 0),
                TensorWorkKind.Elementwise => c.NsPerTensorElement * op.Cost.PrimalFlops,
                _ => c.NsPerMovedElement * op.OutputLength,
            };
            if (op.OnForwardPath)
                tangent += c.NsPerTensorOp + op.Kind switch
                {
                    // Identity columns through a product: a copy of the other operand's columns, none when one block
                    // takes them all (the tangent is that operand itself).
                    TensorWorkKind.MatMul when op.ReadsSeed => kf == n ? 0 : c.NsPerMovedElement * kf * op.OutputLength,
                    // k directions widen the perturbed operand's free dimension: (M, P, N·k) or k products (M, P, N).
                    TensorWorkKind.MatMul => op.PerturbedLeft ? Gemm(gm * kf, gp, gn, 0) : Gemm(gm, gp, gn * kf, 0),
                    // The partial once per pass (it is the primal's kind of work), then a multiply per direction.
                    TensorWorkKind.Elementwise => c.NsPerTensorElement * (op.Cost.PrimalFlops / 4 + kf * op.OutputLength),
                    _ => c.NsPerMovedElement * kf * op.OutputLength,
                };
            if (op.OnReversePath)
                adjoint += c.NsPerTensorOp + op.Kind switch
                {
                    TensorWorkKind.MatMul when op.WritesOutput => c.NsPerMovedElement * kr * (op.PerturbedLeft ? gm * gp : gp * gn),
                    TensorWorkKind.MatMul => c.GemmTransposedFactor * (op.PerturbedLeft ? Gemm(gm, gn * kr, gp, 0) : Gemm(gp, gm, gn * kr, 0)),
                    TensorWorkKind.Elementwise => c.NsPerTensorElement * (op.Cost.PrimalFlops / 4 + kr * op.OutputLength),
                    _ => c.NsPerMovedElement * kr * op.OutputLength,
                };
        }
        static int rSweepsOf(int m, int kr) => m == 0 ? 0 : (m + kr - 1) / kr;
        int fSweeps = (n + kf - 1) / kf, rSweeps = rSweepsOf(m, kr);
        double forwardSweep = primal + tangent + c.NsPerTensorForwardSweep;
        double assemble = fSweeps > 1 ? c.NsPerMovedElement * (double)m * n : 0;
        double reverseSweep = adjoint + (profile.RowsNative ? 0 : c.NsPerMovedElement * (double)kr * n) + c.NsPerTensorReverseSweep;
        double reverseSetup = primal + (rSweepsOf(m, kr) > 1 ? c.NsPerMovedElement / 4 * (double)m * n : 0);
        int ops = profile.Ops.Length;
        var forward = new SweepCost(fSweeps, forwardSweep / NsPerMs, assemble / NsPerMs, ops, 0);
        var reverse = new SweepCost(rSweeps, reverseSweep / NsPerMs, reverseSetup / NsPerMs, ops, 0);

        var ci = CultureInfo.InvariantCulture;
        (JacobianMode mode, SelectionCase why, double ratio) = Select(n, m, forward, reverse);
        string reason = why switch
        {
            SelectionCase.OneInput => string.Format(ci,
                "f has one input (n = 1): one forward tangent sweep gives the whole {0}×1 Jacobian with no recording; reverse mode would record and pull m = {0} cotangents.", m),
            SelectionCase.ScalarValued => string.Format(ci,
                "f is scalar-valued (m = 1): one reverse sweep gives the whole gradient at a small multiple of one evaluation (the cheap gradient principle), while forward mode needs n = {0} tangent directions ({1} predicted against {2}).",
                n, ModeDecision.Ms(forward.TotalMs), ModeDecision.Ms(reverse.TotalMs)),
            SelectionCase.NoOutputs => NoOutputsReason,
            _ => string.Format(ci,
                "forward mode pushes ⌈n/k⌉ = {0} block(s) of k = {1} tangent directions through f, {2} each = {3}; reverse mode records f once ({4}) and pulls ⌈m/k⌉ = {5} block(s) of k = {6} cotangents, {7} each = {8}; {9} mode is predicted {10:F2}× cheaper.",
                fSweeps, kf, ModeDecision.Ms(forward.MsPerSweep), ModeDecision.Ms(forward.TotalMs), ModeDecision.Ms(reverse.SetupMs),
                rSweeps, kr, ModeDecision.Ms(reverse.MsPerSweep), ModeDecision.Ms(reverse.TotalMs),
                mode == JacobianMode.Forward ? "forward" : "reverse", ratio),
        };

        return new TensorModeDecision
        {
            Mode = mode,
            Reason = reason,
            InputCount = n,
            OutputCount = m,
            ForwardBlockSize = kf,
            ReverseBlockSize = kr,
            Forward = forward,
            Reverse = reverse,
            PredictedPrimalMs = primal / NsPerMs,
            Profile = profile,
            Calibration = c,
        };
    }

    /// <summary>The median of a few timed evaluations of f on constants (at most about 50 ms), after a warm-up of
    /// two rounds of at least 30 calls and 100 ms, each followed by a pause in which the runtime's background
    /// compiler promotes f's code to its optimised tier (a fresh process otherwise times unoptimised kernels, many
    /// times slower: measured 0.6 ms instead of 0.02 ms for A·tanh(B·x) at n = 1000).</summary>
    private static double MeasurePrimalMs(Func<Tensor, Tensor> f, Tensor x)
    {
        long t0 = Stopwatch.GetTimestamp();
        GC.KeepAlive(f(x).Values.Data);
        double first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        if (first > 100) return first;
        for (int round = 0; round < 2; round++)
        {
            var warm = Stopwatch.StartNew();
            for (int calls = 0; (calls < 30 || warm.ElapsedMilliseconds < 100) && warm.ElapsedMilliseconds < 300; calls++)
                GC.KeepAlive(f(x).Values.Data);
            Thread.Sleep(120);
        }
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 5 || (times.Count < 101 && total.ElapsedMilliseconds < 50))
        {
            t0 = Stopwatch.GetTimestamp();
            GC.KeepAlive(f(x).Values.Data);
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}

/// <summary>
/// Why <see cref="TensorAD.Jacobian"/> in <see cref="JacobianMode.Auto"/> runs forward or reverse mode on a tensor
/// function: both predictions, the primal cost (predicted, and measured by <see cref="ModeSelector.Explain(Func{Tensor, Tensor}, Tensor, CostCalibration?, int)"/>),
/// the choice and the reason in words.
/// </summary>
public sealed record TensorModeDecision
{
    /// <summary>The chosen mode.</summary>
    public required JacobianMode Mode { get; init; }

    /// <summary>The reason, in words.</summary>
    public required string Reason { get; init; }

    /// <summary>n, the elements of x.</summary>
    public required int InputCount { get; init; }

    /// <summary>m, the elements of f(x).</summary>
    public required int OutputCount { get; init; }

    /// <summary>k of forward mode: tangent directions per sweep.</summary>
    public required int ForwardBlockSize { get; init; }

    /// <summary>k of reverse mode: cotangents per sweep.</summary>
    public required int ReverseBlockSize { get; init; }

    /// <summary>Forward mode: ⌈n/k⌉ block sweeps (SetupMs: assembling J from several blocks).</summary>
    public required SweepCost Forward { get; init; }

    /// <summary>Reverse mode: the recording (SetupMs, with copying the blocks' rows into J when there are several)
    /// and ⌈m/k⌉ block sweeps.</summary>
    public required SweepCost Reverse { get; init; }

    /// <summary>Predicted time of one evaluation of f.</summary>
    public required double PredictedPrimalMs { get; init; }

    /// <summary>Measured time of one evaluation of f (from Explain; null when decided without measuring).</summary>
    public double? MeasuredPrimalMs { get; init; }

    /// <summary>The recorded operations the prediction used.</summary>
    public required TensorProfile Profile { get; init; }

    /// <summary>The calibration the prediction used.</summary>
    public required CostCalibration Calibration { get; init; }

    /// <summary>Predicted forward-mode Jacobian time.</summary>
    public double PredictedForwardMs => Forward.TotalMs;

    /// <summary>Predicted reverse-mode Jacobian time.</summary>
    public double PredictedReverseMs => Reverse.TotalMs;

    /// <summary>A multi-line explanation: the choice and reason, both predictions, the primal, the operations.</summary>
    public override string ToString()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        sb.Append(ci, $"Jacobian of f : R^{InputCount} -> R^{OutputCount} (tensors): {Mode.ToString().ToLowerInvariant()} mode.\n");
        sb.Append(Reason).Append('\n');
        sb.Append(ci, $"  forward: {Forward.Sweeps} sweep(s) of k = {ForwardBlockSize} x {ModeDecision.Ms(Forward.MsPerSweep)}");
        if (Forward.SetupMs > 0) sb.Append(ci, $" + assembling J {ModeDecision.Ms(Forward.SetupMs)}");
        sb.Append(ci, $" = {ModeDecision.Ms(PredictedForwardMs)} predicted\n");
        sb.Append(ci, $"  reverse: recording{(Reverse.Sweeps > 1 ? " and assembling J" : "")} {ModeDecision.Ms(Reverse.SetupMs)} + {Reverse.Sweeps} sweep(s) of k = {ReverseBlockSize} x {ModeDecision.Ms(Reverse.MsPerSweep)} = {ModeDecision.Ms(PredictedReverseMs)} predicted\n");
        sb.Append(ci, $"  primal: {ModeDecision.Ms(PredictedPrimalMs)} predicted");
        if (MeasuredPrimalMs is double measured) sb.Append(ci, $", {ModeDecision.Ms(measured)} measured");
        sb.Append('\n');
        sb.Append("  ops: ").Append(Profile).Append('\n');
        sb.Append("  calibration: ").Append(Calibration.TensorRates).Append(" (").Append(Calibration.Source).Append(")\n");
        return sb.ToString();
    }
}
