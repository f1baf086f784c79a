using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace HybridAD.Selection;

/// <summary>
/// What a unit of work costs on this machine, measured: nanoseconds per primal, tangent and adjoint work unit,
/// per recorded tape node, and per sweep. With a <see cref="FunctionProfile"/> it predicts each mode's time.
/// Also carries the notes' ratios measured on a calibration program: w_tan = TIME{F, F′ẋ}/TIME{F}
/// (the notes: 2 … 2.5) and w_grad = TIME{F, ȳᵀF′}/TIME{F} (the notes: 3 … 4).
/// </summary>
/// <remarks>
/// <see cref="Current"/> is measured once per machine (about half a second) and cached in a JSON file
/// (<see cref="CachePath"/>; set the environment variable <c>HYBRIDAD_CALIBRATION_FILE</c> to move it, or
/// <c>HYBRIDAD_CALIBRATION=reference</c> to use the fixed <see cref="Reference"/> values and never measure).
/// <see cref="Measure"/> re-measures and replaces the cache (<c>hybridad calibrate</c> does that).
/// </remarks>
public sealed partial record CostCalibration
{
    /// <summary>Changes when the cost model, its weights or the measured engine change: older cache files are then
    /// re-measured. 7: the scalar engine's faster forward and constant paths (session 3).</summary>
    internal const int ModelVersion = 7;

    /// <summary>ns per primal work unit (f evaluated on constants).</summary>
    public double NsPerPrimalUnit { get; init; }

    /// <summary>ns per tangent work unit (the extra work of a dual-number evaluation).</summary>
    public double NsPerTangentUnit { get; init; }

    /// <summary>ns per recorded tape node beyond evaluating φ and its partials (appending the node).</summary>
    public double NsPerRecordedNode { get; init; }

    /// <summary>ns per adjoint work unit in a backward sweep (nodes in the swept output's dependency cone).</summary>
    public double NsPerAdjointUnit { get; init; }

    /// <summary>ns per tape node a backward sweep visits and skips (its adjoint is a symbolic zero), plus the
    /// clearing of the adjoint vector.</summary>
    public double NsPerSkippedNode { get; init; }

    /// <summary>Fixed ns per tangent sweep (a Jvp call: the level, input and output arrays).</summary>
    public double NsPerForwardSweep { get; init; }

    /// <summary>Fixed ns per adjoint sweep (a pullback call: the adjoint and result arrays).</summary>
    public double NsPerReverseSweep { get; init; }

    /// <summary>w_tan measured on the calibration program: one Jvp over one primal evaluation.</summary>
    public double WTan { get; init; }

    /// <summary>w_grad measured on the calibration program: one recording plus one adjoint sweep over one primal.</summary>
    public double WGrad { get; init; }

    /// <summary>Where these numbers came from: "measured", "cache", or "reference".</summary>
    public string Source { get; init; } = "reference";

    /// <summary>When they were measured (UTC).</summary>
    public DateTimeOffset MeasuredAt { get; init; }

    /// <summary>The machine and runtime they belong to (a cache file for another is re-measured).</summary>
    public string Fingerprint { get; init; } = "";

    /// <summary>Fixed values of the order measured on the 2-core x64 build machine, for reproducible decisions
    /// (tests, documentation); real decisions use <see cref="Current"/>.</summary>
    public static CostCalibration Reference { get; } = new()
    {
        NsPerPrimalUnit = 3.5,
        NsPerTangentUnit = 3,
        NsPerRecordedNode = 15,
        NsPerAdjointUnit = 3,
        NsPerSkippedNode = 1.5,
        NsPerForwardSweep = 500,
        NsPerReverseSweep = 200,
        WTan = 2,
        WGrad = 6,
        NsPerGemmFlop = 0.025,
        NsPerGemmElement = 0.4,
        GemmTransposedFactor = 1.3,
        NsPerTensorElement = 0.5,
        NsPerMovedElement = 0.6,
        NsPerTensorOp = 300,
        NsPerTensorForwardSweep = 1500,
        NsPerTensorReverseSweep = 1500,
        Source = "reference",
        Fingerprint = "reference",
    };

    private static readonly Lock s_lock = new();
    private static CostCalibration? s_current;

    /// <summary>
    /// This machine's calibration: from the cache file when it belongs to this machine, runtime and model version;
    /// otherwise measured now (once per process) and cached.
    /// </summary>
    public static CostCalibration Current
    {
        get
        {
            CostCalibration? c = Volatile.Read(ref s_current);
            if (c is not null) return c;
            lock (s_lock)
            {
                if (s_current is not null) return s_current;
                if (string.Equals(Environment.GetEnvironmentVariable("HYBRIDAD_CALIBRATION"), "reference", StringComparison.OrdinalIgnoreCase))
                    c = Reference;
                else
                    c = (CachePath is { } path ? Load(path) : null) ?? MeasureAndSave();
                Volatile.Write(ref s_current, c);
                return c;
            }
        }
    }

    /// <summary>Measures this machine now (about half a second), makes it <see cref="Current"/> and writes the cache.</summary>
    public static CostCalibration Measure()
    {
        lock (s_lock)
        {
            CostCalibration c = MeasureAndSave();
            Volatile.Write(ref s_current, c);
            return c;
        }
    }

    /// <summary>Measures without touching <see cref="Current"/> or the cache (tests).</summary>
    internal static CostCalibration MeasureWithoutSaving() => Calibrator.Run();

    private static CostCalibration MeasureAndSave()
    {
        CostCalibration c = Calibrator.Run();
        if (CachePath is { } path) c.TrySave(path);
        return c;
    }

    /// <summary>The cache file: <c>HYBRIDAD_CALIBRATION_FILE</c>, else <c>HybridAD/calibration.json</c> under the
    /// local application-data folder; null when there is no such folder.</summary>
    public static string? CachePath
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable("HYBRIDAD_CALIBRATION_FILE");
            if (!string.IsNullOrWhiteSpace(env)) return env;
            string dir = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            return string.IsNullOrEmpty(dir) ? null : Path.Combine(dir, "HybridAD", "calibration.json");
        }
    }

    /// <summary>The fingerprint of this machine, runtime and cost model.</summary>
    internal static string MachineFingerprint =>
        string.Join('|', Environment.MachineName, Environment.ProcessorCount, RuntimeInformation.ProcessArchitecture,
            RuntimeInformation.FrameworkDescription, typeof(CostCalibration).Assembly.GetName().Version, ModelVersion);

    /// <summary>A calibration read from <paramref name="path"/>, or null when the file is missing, unreadable,
    /// malformed, or belongs to another machine, runtime or model version.</summary>
    internal static CostCalibration? Load(string path)
    {
        try
        {
            if (!File.Exists(path)) return null;
            CostCalibration? c = JsonSerializer.Deserialize<CostCalibration>(File.ReadAllText(path));
            if (c is null || c.Fingerprint != MachineFingerprint || !c.IsPlausible()) return null;
            return c with { Source = "cache" };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Writes this calibration to <paramref name="path"/>; false when it cannot be written or is not
    /// plausible (a rate that is not finite and positive).</summary>
    internal bool TrySave(string path)
    {
        if (!IsPlausible()) return false;
        try
        {
            string? dir = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            string tmp = path + "." + Environment.ProcessId + ".tmp";
            File.WriteAllText(tmp, JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
            File.Move(tmp, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Every rate finite and positive.</summary>
    internal bool IsPlausible()
    {
        static bool Ok(double v) => double.IsFinite(v) && v > 0;
        return Ok(NsPerPrimalUnit) && Ok(NsPerTangentUnit) && Ok(NsPerRecordedNode) && Ok(NsPerAdjointUnit) && Ok(NsPerSkippedNode)
            && Ok(NsPerForwardSweep) && Ok(NsPerReverseSweep) && Ok(WTan) && Ok(WGrad) && TensorRatesPlausible();
    }

    /// <summary>The measurement: a calibration program with a typical mix of operations (constant weights times
    /// variables, products, sums, tanh, exp, sin, a division), and a trivial one for the per-sweep overheads.
    /// The program records about 17 000 tape nodes — the size of a typical Jacobian workload, large enough that
    /// the tape and each sweep's adjoint vector live on the large-object heap and outgrow the L1/L2 caches, as
    /// they do in the workloads where the choice of mode matters.</summary>
    internal static class Calibrator
    {
        private const int N = 64, M = 64;

        /// <summary>h = tanh(C·x + 0.1); uⱼ = hⱼ·hⱼ₊₁ + exp(−hⱼ²)·sin(xⱼ); yₖ = Σⱼ Dₖⱼ·uⱼ / (1 + hₖ²).</summary>
        internal static Scalar[] Program(Scalar[] x)
        {
            var h = new Scalar[N];
            for (int j = 0; j < N; j++)
            {
                Scalar acc = 0.1;
                for (int i = 0; i < N; i++) acc += Weight(j, i) * x[i];
                h[j] = Scalar.Tanh(acc);
            }
            var u = new Scalar[N];
            for (int j = 0; j < N; j++) u[j] = h[j] * h[(j + 1) % N] + Scalar.Exp(-Scalar.Square(h[j])) * Scalar.Sin(x[j]);
            var y = new Scalar[M];
            for (int k = 0; k < M; k++)
            {
                Scalar acc = 0;
                for (int j = 0; j < N; j++) acc += Weight(k + 7, j) * u[j];
                y[k] = acc / (1 + Scalar.Square(h[k % N]));
            }
            return y;
        }

        /// <summary>Constant weights, computed once (their cost must not count as the program's).</summary>
        private static readonly double[,] s_weights = MakeWeights();

        private static double[,] MakeWeights()
        {
            var w = new double[N + M + 7, N];
            for (int a = 0; a < w.GetLength(0); a++)
                for (int b = 0; b < N; b++) w[a, b] = Math.Sin(1.3 * a + 0.7 * b) / 4;
            return w;
        }

        private static double Weight(int a, int b) => s_weights[a, b];

        private static Scalar[] Trivial(Scalar[] x) => [x[0] * x[1]];

        /// <summary>The program plus a thin output 2·x₀, whose adjoint sweep skips almost every node.</summary>
        private static Scalar[] WithThinOutput(Scalar[] x) => [.. Program(x), 2 * x[0]];

        /// <summary>The same recording with four of the program's outputs and the thin one.</summary>
        private static Scalar[] FourAndThin(Scalar[] x) => [.. Program(x)[..4], 2 * x[0]];

        /// <summary>
        /// Measures, on the thread's CPU clock and through the code paths a Jacobian runs (so allocation and
        /// garbage-collection costs come in their real proportions): the primal; one tangent sweep (a Jvp); reverse
        /// Jacobians of all M + 1 outputs and of 4 + 1 (one recording each; their difference prices M − 4 adjoint
        /// sweeps, the rest is the recording); an adjoint sweep from the thin output (it visits and skips every
        /// node: the per-node skip cost); and a trivial function for the fixed cost per sweep. Each rate is divided
        /// by the work the sweep did on this program (its sampled dependency cone), the same way predictions
        /// multiply it back for another function.
        /// </summary>
        internal static CostCalibration Run()
        {
            var x = new double[N];
            for (int i = 0; i < N; i++) x[i] = 0.1 * Math.Cos(i);
            Scalar[] xs = x.ToScalars();
            var direction = new Scalar[N];
            direction[0] = 1;
            var thin = new Scalar[M + 1];
            thin[M] = 1;
            Scalar[] tx = [0.5, 0.25];
            Scalar[] tdir = [1.0, 0.0];
            FunctionProfile p = FunctionProfile.Record(Program, x);          // cones of the program's own outputs
            long nodes = FunctionProfile.Record(WithThinOutput, x).RecordedNodes;
            var (_, pullback) = AD.Vjp(WithThinOutput, xs);
            var (_, tinyPullback) = AD.Vjp(Trivial, tx);

            Action primal = () => Program(xs);
            Action jvp = () => AD.Jvp(Program, xs, direction);
            Action reverseAll = () => AD.Jacobian(WithThinOutput, xs, JacobianMode.Reverse);
            Action reverseFew = () => AD.Jacobian(FourAndThin, xs, JacobianMode.Reverse);
            Action thinSweep = () => pullback(thin);
            Action tinyJvp = () => AD.Jvp(Trivial, tx, tdir);
            Action tinySweep = () => tinyPullback([1.0]);
            WarmUp([primal, jvp, reverseAll, reverseFew, thinSweep, tinyJvp, tinySweep], [primal, jvp, reverseAll, reverseFew]);

            double tPrimal = PerCallNs(primal), tJvp = PerCallNs(jvp);
            double tAll = PerCallNs(reverseAll), tFew = PerCallNs(reverseFew), tThin = PerCallNs(thinSweep);
            double oF = PerCallNs(tinyJvp), oR = PerCallNs(tinySweep);
            double floor = 0.02 * tPrimal;
            double tSweep = Math.Max((tAll - tFew) / (M - 4), floor);      // one adjoint sweep of a program output
            double tRecord = Math.Max(tFew - 4 * tSweep - tThin, tPrimal);

            double tP = tPrimal / p.PrimalWork;
            double tT = Math.Max(tJvp - tPrimal - oF, floor) / (p.TangentWork * p.ForwardConeFraction);
            double tSkip = Math.Max(tThin - oR, floor) / nodes;
            double tA = Math.Max(tSweep - tSkip * nodes - oR, floor) / (p.AdjointWork * p.ReverseConeFraction);
            double tR = Math.Max(tRecord - tPrimal - tT * p.TangentWork - oR, floor) / nodes;
            return new CostCalibration
            {
                NsPerPrimalUnit = tP,
                NsPerTangentUnit = tT,
                NsPerRecordedNode = tR,
                NsPerAdjointUnit = tA,
                NsPerSkippedNode = tSkip,
                NsPerForwardSweep = oF,
                NsPerReverseSweep = oR,
                // A JVP and a gradient each evaluate the primal: a ratio below 1 is timing noise (seen once in a
                // full parallel test run), so the ratios are at least 1.
                WTan = Math.Max(1, tJvp / tPrimal),
                WGrad = Math.Max(1, (tRecord + tSweep) / tPrimal),
                Source = "measured",
            }.WithTensorRates(TensorCalibrator.Run()) with
            {
                MeasuredAt = DateTimeOffset.UtcNow,
                Fingerprint = MachineFingerprint,
            };
        }

        /// <summary>
        /// Runs everything until the JIT has settled: tiered compilation first runs unoptimized code and promotes
        /// hot methods in the background (in steps: instrumented, then optimized code), later under load. Stops once
        /// the summed time of the measured actions has not improved by 3 % for 0.4 s of this thread's CPU time (at
        /// least 0.6 s; at most 4 s of CPU time or 15 s of wall time).
        /// </summary>
        internal static void WarmUp(Action[] all, Action[] measured)
        {
            var wall = Stopwatch.StartNew();
            double start = ThreadClock.NowNs(), best = double.MaxValue, lastGain = 0;
            while (wall.ElapsedMilliseconds < 15_000)
            {
                foreach (Action a in all) a();
                double t = 0;
                foreach (Action a in measured) t += QuickNs(a);
                double cpuMs = (ThreadClock.NowNs() - start) / 1e6;
                if (t < 0.97 * best) lastGain = cpuMs;
                best = Math.Min(best, t);
                if ((cpuMs - lastGain >= 400 && cpuMs >= 600) || cpuMs >= 4000) break;
            }
        }

        /// <summary>One call's time from a batch of about 1 ms.</summary>
        private static double QuickNs(Action a)
        {
            int batch = 1;
            double t;
            while ((t = Time(a, batch, wallClock: false)) < 1e6 && batch < 1 << 20) batch *= 2;
            return t / batch;
        }

        /// <summary>The median time of one call, in ns: batches of at least 0.2 ms, for about 25 ms.</summary>
        internal static double PerCallNs(Action a) => PerCallNs(a, wallClock: false);

        /// <summary>The median ns per call of <paramref name="a"/>: on the calling thread's CPU clock (other
        /// processes do not inflate it), or with <paramref name="wallClock"/> on the wall clock — required for work
        /// that runs on several threads (the parallel GEMM, large elementwise passes), whose calling thread's CPU
        /// time counts only its own share: measured on the 2-core build machine, GEMM rates of 40–89 GFLOP/s and a
        /// transposed-operand factor of 0.53–1.88 from one calibration to the next on the CPU clock.</summary>
        internal static double PerCallNs(Action a, bool wallClock)
        {
            int batch = 1;
            while (true)
            {
                double t = Time(a, batch, wallClock);
                if (t >= 0.2e6 || batch >= 1 << 20) break;
                batch *= 2;
            }
            var samples = new List<double>();
            var total = Stopwatch.StartNew();
            while (samples.Count < 7 || (total.ElapsedMilliseconds < 25 && samples.Count < 500))
                samples.Add(Time(a, batch, wallClock) / batch);
            samples.Sort();
            return samples[samples.Count / 2];
        }

        /// <summary>ns for <paramref name="count"/> calls, on the thread's CPU clock where available, or on the wall
        /// clock.</summary>
        private static double Time(Action a, int count, bool wallClock)
        {
            if (wallClock)
            {
                long w0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < count; i++) a();
                return Stopwatch.GetElapsedTime(w0).TotalMilliseconds * 1e6;
            }
            double t0 = ThreadClock.NowNs();
            for (int i = 0; i < count; i++) a();
            return ThreadClock.NowNs() - t0;
        }
    }

    /// <summary>The rates and ratios on one line.</summary>
    public override string ToString() =>
        FormattableString.Invariant(
            $"w_tan {WTan:F2}, w_grad {WGrad:F2}; ns per unit: primal {NsPerPrimalUnit:F2}, tangent {NsPerTangentUnit:F2}, adjoint {NsPerAdjointUnit:F2}; ns per node: recorded {NsPerRecordedNode:F2}, skipped {NsPerSkippedNode:F2}; ns per sweep: forward {NsPerForwardSweep:F0}, reverse {NsPerReverseSweep:F0}; tensors: {TensorRates} ({Source})");
}
