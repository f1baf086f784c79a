using System.Globalization;
using System.Text;

namespace HybridAD.Selection;

/// <summary>The predicted cost of one mode: how many sweeps, what each costs, and what it stores.</summary>
/// <param name="Sweeps">⌈n/k⌉ tangent sweeps (forward) or ⌈m/k⌉ adjoint sweeps (reverse).</param>
/// <param name="MsPerSweep">Predicted milliseconds per sweep.</param>
/// <param name="SetupMs">Predicted one-time cost: 0 forward; the recording of the tape reverse.</param>
/// <param name="OpsPerSweep">Operations per sweep: the evaluation's ops forward, the tape's nodes reverse.</param>
/// <param name="TapeBytes">Bytes kept for the sweeps: 0 forward (tangents travel with the values); the tape
/// plus the adjoint vector reverse.</param>
public readonly record struct SweepCost(int Sweeps, double MsPerSweep, double SetupMs, long OpsPerSweep, long TapeBytes)
{
    /// <summary>SetupMs + Sweeps × MsPerSweep.</summary>
    public double TotalMs => SetupMs + Sweeps * MsPerSweep;
}

/// <summary>
/// Why <see cref="AD.Jacobian(Func{Scalar[], Scalar[]}, Scalar[], JacobianMode)"/> in <see cref="JacobianMode.Auto"/>
/// runs forward or reverse mode: both predictions, the primal cost, the choice and the reason in words.
/// </summary>
public sealed record ModeDecision
{
    /// <summary>The chosen mode (<see cref="JacobianMode.Forward"/> or <see cref="JacobianMode.Reverse"/>).</summary>
    public required JacobianMode Mode { get; init; }

    /// <summary>The reason, in words.</summary>
    public required string Reason { get; init; }

    /// <summary>n, the number of inputs.</summary>
    public required int InputCount { get; init; }

    /// <summary>m, the number of outputs.</summary>
    public required int OutputCount { get; init; }

    /// <summary>k, the directions one sweep carries (1 on scalar values).</summary>
    public required int BlockSize { get; init; }

    /// <summary>Forward mode: ⌈n/k⌉ tangent sweeps.</summary>
    public required SweepCost Forward { get; init; }

    /// <summary>Reverse mode: one recording and ⌈m/k⌉ adjoint sweeps.</summary>
    public required SweepCost Reverse { get; init; }

    /// <summary>Predicted time of one evaluation of f.</summary>
    public required double PredictedPrimalMs { get; init; }

    /// <summary>Measured time of one evaluation of f on constants (from <see cref="ModeSelector.Explain(Func{Scalar[], Scalar[]}, double[], CostCalibration?, int)"/>;
    /// null when the decision was made without measuring).</summary>
    public double? MeasuredPrimalMs { get; init; }

    /// <summary>The work profile of f the prediction used.</summary>
    public required FunctionProfile Profile { get; init; }

    /// <summary>The machine calibration the prediction used.</summary>
    public required CostCalibration Calibration { get; init; }

    /// <summary>Predicted forward-mode Jacobian time.</summary>
    public double PredictedForwardMs => Forward.TotalMs;

    /// <summary>Predicted reverse-mode Jacobian time.</summary>
    public double PredictedReverseMs => Reverse.TotalMs;

    /// <summary>Predicted w_tan of f: one tangent sweep over one primal evaluation.</summary>
    public double WTan => Forward.MsPerSweep / PredictedPrimalMs;

    /// <summary>Predicted w_grad of f: one recording and one adjoint sweep over one primal evaluation.</summary>
    public double WGrad => (Reverse.SetupMs + Reverse.MsPerSweep) / PredictedPrimalMs;

    /// <summary>A multi-line explanation: the choice and reason, both predictions, the primal cost, the operations.</summary>
    public override string ToString()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(ci, $"Jacobian of f : R^{InputCount} -> R^{OutputCount}: {Mode.ToString().ToLowerInvariant()} mode.\n");
        sb.Append(Reason).Append('\n');
        sb.Append(ci, $"  forward: {Forward.Sweeps} tangent sweep(s) x {Ms(Forward.MsPerSweep)} = {Ms(PredictedForwardMs)} predicted ({Forward.OpsPerSweep} ops per sweep, no tape)\n");
        sb.Append(ci, $"  reverse: recording {Ms(Reverse.SetupMs)} + {Reverse.Sweeps} adjoint sweep(s) x {Ms(Reverse.MsPerSweep)} = {Ms(PredictedReverseMs)} predicted ({Reverse.OpsPerSweep} tape nodes, {Reverse.TapeBytes} bytes)\n");
        sb.Append(ci, $"  primal: {Ms(PredictedPrimalMs)} predicted");
        if (MeasuredPrimalMs is double measured) sb.Append(ci, $", {Ms(measured)} measured");
        sb.Append(ci, $"; w_tan {WTan:F2}, w_grad {WGrad:F2} for this f\n");
        sb.Append("  ops: ").Append(string.Join(", ", Profile.Rules.Select(r => $"{r.Rule} x{r.Count.ToString(ci)}"))).Append('\n');
        sb.Append("  calibration: ").Append(Calibration).Append('\n');
        return sb.ToString();
    }

    internal static string Ms(double ms) => ms switch
    {
        >= 100 => ms.ToString("F0", CultureInfo.InvariantCulture) + " ms",
        >= 1 => ms.ToString("F2", CultureInfo.InvariantCulture) + " ms",
        _ => (ms * 1000).ToString("F1", CultureInfo.InvariantCulture) + " µs",
    };
}
