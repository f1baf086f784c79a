using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using HybridAD.Core;
using Spectre.Console;

namespace HybridAD.Cli.Commands.Bench;

/// <summary>
/// Floors under the scalar-code Rosenbrock targets (JVP ≤ 4× the primal, gradient ≤ 10× the hand-written one):
/// the same loop over value types simpler than <see cref="Scalar"/>, and the memory traffic of a tape of the size
/// the gradient records. They do no AD bookkeeping at all, so no implementation of the design the targets are
/// set for (one value type for every mode, a Wengert list of nodes) can beat them. Shared by
/// <c>hybridad bench scalar-floors</c> and its tests.
/// </summary>
public static class ScalarFloors
{
    /// <summary>A dual number and nothing else: primal and tangent. The fastest forward mode there is, and the
    /// one a separate forward-only type would get.</summary>
    public readonly struct PlainDual(double value, double tangent)
    {
        /// <summary>The primal.</summary>
        public readonly double V = value;
        /// <summary>The tangent.</summary>
        public readonly double T = tangent;

        /// <summary>A constant.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static implicit operator PlainDual(double v) => new(v, 0);
        /// <summary>a + b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static PlainDual operator +(PlainDual a, PlainDual b) => new(a.V + b.V, a.T + b.T);
        /// <summary>a − b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static PlainDual operator -(PlainDual a, PlainDual b) => new(a.V - b.V, a.T - b.T);
        /// <summary>a · b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static PlainDual operator *(PlainDual a, PlainDual b) => new(a.V * b.V, a.T * b.V + a.V * b.T);
    }

    /// <summary>A dual number with a tag word that every op combines (<c>ta | tb</c>), as any value that knows
    /// which call perturbs it must carry: the same 24 bytes as <see cref="Scalar"/>, but no test, no other
    /// mode and no slow path.</summary>
    public readonly struct TaggedDual(double value, double tangent, long tag)
    {
        /// <summary>The primal.</summary>
        public readonly double V = value;
        /// <summary>The tangent.</summary>
        public readonly double T = tangent;
        /// <summary>The tag (0 for a constant).</summary>
        public readonly long Tag = tag;

        /// <summary>A constant.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static implicit operator TaggedDual(double v) => new(v, 0, 0);
        /// <summary>a + b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TaggedDual operator +(TaggedDual a, TaggedDual b) => new(a.V + b.V, a.T + b.T, a.Tag | b.Tag);
        /// <summary>a − b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TaggedDual operator -(TaggedDual a, TaggedDual b) => new(a.V - b.V, a.T - b.T, a.Tag | b.Tag);
        /// <summary>a · b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TaggedDual operator *(TaggedDual a, TaggedDual b) =>
            new(a.V * b.V, a.T * b.V + a.V * b.T, a.Tag | b.Tag);
    }

    /// <summary>Rosenbrock over <see cref="PlainDual"/>, written as <see cref="RosenbrockScalar.F"/> is.</summary>
    public static PlainDual F(PlainDual[] x)
    {
        PlainDual s = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            PlainDual t = x[i + 1] - x[i] * x[i];
            PlainDual u = 1 - x[i];
            s += 100 * t * t + u * u;
        }
        return s;
    }

    /// <summary>Rosenbrock over <see cref="TaggedDual"/>, written as <see cref="RosenbrockScalar.F"/> is.</summary>
    public static TaggedDual F(TaggedDual[] x)
    {
        TaggedDual s = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            TaggedDual t = x[i + 1] - x[i] * x[i];
            TaggedDual u = 1 - x[i];
            s += 100 * t * t + u * u;
        }
        return s;
    }

    /// <summary>The JVP floor without tags: fills the dual inputs from x and v (as <c>AD.Jvp</c> does) and runs
    /// the loop. Returns (f, ∇f·v).</summary>
    public static (double Value, double Tangent) PlainJvp(double[] x, double[] v, PlainDual[] inputs)
    {
        SameLengths(x, v, inputs.Length);
        for (int i = 0; i < x.Length; i++) inputs[i] = new PlainDual(x[i], v[i]);
        PlainDual y = F(inputs);
        return (y.V, y.T);
    }

    /// <summary>The JVP floor with a tag word: as <see cref="PlainJvp"/>, over <see cref="TaggedDual"/>.</summary>
    public static (double Value, double Tangent) TaggedJvp(double[] x, double[] v, TaggedDual[] inputs)
    {
        SameLengths(x, v, inputs.Length);
        for (int i = 0; i < x.Length; i++) inputs[i] = new TaggedDual(x[i], v[i], 1);
        TaggedDual y = F(inputs);
        return (y.V, y.T);
    }

    private static void SameLengths(double[] x, double[] v, int inputs)
    {
        if (v.Length != x.Length || inputs != x.Length)
            throw new ArgumentException($"x, v and the input buffer must have one length; got {x.Length}, {v.Length} and {inputs}.");
    }

    /// <summary>The memory traffic of a tape of <paramref name="count"/> nodes, and nothing else: writes the
    /// nodes in creation order (as recording does) and reads them back from the last (as the sweep does), with
    /// no lookups, tests or arithmetic beyond a checksum. Returns Σ (In0 + W0) over the nodes, which is
    /// count(count − 1)/2 + count/2 exactly for count below 2²⁶.</summary>
    internal static double TapeTraffic(TapeNode[] nodes, int count)
    {
        if ((uint)count > (uint)nodes.Length)
            throw new ArgumentException($"The node buffer has {nodes.Length} entries; {count} were asked for.", nameof(nodes));
        for (int i = 0; i < count; i++) nodes[i] = new TapeNode(i, i, 0.5, 0.5);
        double sum = 0;
        for (int i = count - 1; i >= 0; i--) sum += nodes[i].In0 + nodes[i].W0;
        return sum;
    }

    /// <summary>The node count of one gradient recording of <see cref="RosenbrockScalar.F"/> (the sink, the
    /// inputs and 8 ops per term).</summary>
    public static int TapeNodes(int n) => checked((int)RosenbrockScalar.RecordedOps(n) + 1);
}

/// <summary><c>hybridad bench scalar-floors --n N [--json]</c>: the scalar Rosenbrock figures of
/// <c>rosenbrock-scalar</c> next to the floors of <see cref="ScalarFloors"/>, all medians from one process.</summary>
internal static class ScalarFloorsBench
{
    public static Command Create() => RosenbrockScalarBench.SizeCommand("scalar-floors",
        "Scalar Rosenbrock: HybridAD's JVP and gradient next to the fastest a plain dual, a tagged dual and a tape's memory traffic can be (medians).",
        (size, json) => Report(Run(size), json));

    /// <summary>One run's medians in milliseconds.</summary>
    internal readonly record struct Result(int N, double PrimalMs, double HandGradMs, double PlainDualMs, double TaggedDualMs,
        double TapeTrafficMs, double JvpMs, double GradMs);

    internal static Result Run(int n)
    {
        RosenbrockScalarBench.Result scalar = RosenbrockScalarBench.Run(n);
        double[] x = RosenbrockScalar.Point(n);
        var ones = new double[n];
        Array.Fill(ones, 1.0);
        var plain = new ScalarFloors.PlainDual[n];
        var tagged = new ScalarFloors.TaggedDual[n];
        int nodes = ScalarFloors.TapeNodes(n);
        var tape = new TapeNode[nodes];

        double sink = 0;
        double plainMs = Measure.MedianMs(() => sink += ScalarFloors.PlainJvp(x, ones, plain).Tangent);
        double taggedMs = Measure.MedianMs(() => sink += ScalarFloors.TaggedJvp(x, ones, tagged).Tangent);
        double trafficMs = Measure.MedianMs(() => sink += ScalarFloors.TapeTraffic(tape, nodes));
        GC.KeepAlive(sink);
        return new Result(n, scalar.PrimalMs, scalar.HandGradMs, plainMs, taggedMs, trafficMs, scalar.JvpMs, scalar.GradMs);
    }

    private static void Report(Result r, bool json)
    {
        if (json)
        {
            Console.WriteLine(ToJson(r));
            return;
        }
        var table = new Table().Title($"scalar-floors, n = {r.N} (medians)").AddColumn("").AddColumn("ms").AddColumn("ratio");
        table.AddRow("plain-double primal", F(r.PrimalMs), "1");
        table.AddRow("JVP floor: plain dual {V, T}", F(r.PlainDualMs), $"{r.PlainDualMs / r.PrimalMs:F1}× primal");
        table.AddRow("JVP floor: tagged dual {V, T, tag}", F(r.TaggedDualMs), $"{r.TaggedDualMs / r.PrimalMs:F1}× primal");
        table.AddRow("HybridAD JVP over Scalar", F(r.JvpMs), $"{r.JvpMs / r.PrimalMs:F1}× primal (target ≤ 4×)");
        table.AddRow("hand-written gradient", F(r.HandGradMs), "1");
        table.AddRow($"gradient floor: tape traffic ({ScalarFloors.TapeNodes(r.N)} × 24 B, written and read)",
            F(r.TapeTrafficMs), $"{r.TapeTrafficMs / r.HandGradMs:F1}× hand");
        table.AddRow("HybridAD gradient over Scalar", F(r.GradMs), $"{r.GradMs / r.HandGradMs:F1}× hand (target ≤ 10×)");
        AnsiConsole.Write(table);
    }

    /// <summary>The <c>--json</c> line: exactly one object.</summary>
    internal static string ToJson(Result r) =>
        Measure.Json(("workload", "scalar-floors"), ("n", r.N), ("primal_ms", r.PrimalMs), ("hand_grad_ms", r.HandGradMs),
            ("plain_dual_ms", r.PlainDualMs), ("tagged_dual_ms", r.TaggedDualMs), ("tape_traffic_ms", r.TapeTrafficMs),
            ("jvp_ms", r.JvpMs), ("grad_ms", r.GradMs));

    private static string F(double ms) => ms.ToString(ms < 1 ? "F4" : "F3", CultureInfo.InvariantCulture);
}
