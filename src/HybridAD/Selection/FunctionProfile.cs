using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using HybridAD.Core;

namespace HybridAD.Selection;

/// <summary>How many operations of one rule a recording made, the work units they did, and their weights.</summary>
/// <param name="Rule">The rule's name.</param>
/// <param name="Count">How many operations were recorded.</param>
/// <param name="Units">Their work units (= <paramref name="Count"/> for scalar ops; elements or flops for tensor ops).</param>
/// <param name="Weights">The rule's cost weights (<see cref="CostWeights.Of"/>).</param>
public readonly record struct RuleWork(string Rule, long Count, double Units, OpCost Weights);

/// <summary>
/// What one recorded evaluation of f : ℝⁿ → ℝᵐ costs, in machine-independent work: the operations by rule, the
/// primal, tangent and adjoint work they sum to (units × weights), and the tape the reverse mode keeps.
/// Combined with a <see cref="CostCalibration"/> it predicts the time of each mode.
/// </summary>
public sealed class FunctionProfile
{
    internal FunctionProfile(int inputCount, int outputCount, long recordedNodes, ImmutableArray<RuleWork> rules, long extraBytes,
        double forwardCone = 1, double reverseCone = 1)
    {
        InputCount = inputCount;
        OutputCount = outputCount;
        RecordedNodes = recordedNodes;
        Rules = rules;
        ForwardConeFraction = forwardCone;
        ReverseConeFraction = reverseCone;
        long logged = 0;
        foreach (RuleWork r in rules)
        {
            PrimalWork += r.Units * r.Weights.Primal;
            TangentWork += r.Units * r.Weights.Tangent;
            AdjointWork += r.Units * r.Weights.Adjoint;
            logged += r.Count;
        }
        // Nodes no rule claimed (inputs, the links of a multi-input custom rule) are still visited by the sweep.
        AdjointWork += Math.Max(0, recordedNodes - logged);
        TapeBytes = recordedNodes * Unsafe.SizeOf<TapeNode>() + extraBytes;
    }

    /// <summary>n, the number of inputs.</summary>
    public int InputCount { get; }

    /// <summary>m, the number of outputs.</summary>
    public int OutputCount { get; }

    /// <summary>The tape nodes one recording makes (inputs included): the operation count of a reverse sweep.</summary>
    public long RecordedNodes { get; }

    /// <summary>The recorded operations by rule, most frequent first.</summary>
    public ImmutableArray<RuleWork> Rules { get; }

    /// <summary>Σ units × primal weight: the work of one evaluation of f.</summary>
    public double PrimalWork { get; }

    /// <summary>Σ units × tangent weight: the extra work of one tangent direction.</summary>
    public double TangentWork { get; }

    /// <summary>Σ units × adjoint weight (every node at least once): the work of one adjoint direction.</summary>
    public double AdjointWork { get; }

    /// <summary>The fraction of the tape a tangent sweep for one input direction works on (its forward dependency
    /// cone; the rest carries symbolic-zero tangents), averaged over up to three sampled inputs.</summary>
    public double ForwardConeFraction { get; }

    /// <summary>The fraction of the tape an adjoint sweep for one output works on (its backward dependency cone;
    /// the sweep skips nodes with a zero adjoint), averaged over up to three sampled outputs.</summary>
    public double ReverseConeFraction { get; }

    /// <summary>Bytes the tape keeps between recording and sweeps (nodes and any tensor data).</summary>
    public long TapeBytes { get; }

    /// <summary>Adjoint storage one sweep needs: a double per node (times the block size k).</summary>
    public long AdjointBytesPerDirection => RecordedNodes * sizeof(double);

    /// <summary>
    /// Records f once at the primal values of x (as constants, so nothing is recorded into an enclosing call) on a
    /// tape that counts operations by rule.
    /// </summary>
    /// <exception cref="ArgumentException">x is empty.</exception>
    /// <exception cref="InvalidOperationException">f returned null.</exception>
    public static FunctionProfile Record(Func<Scalar[], Scalar[]> f, ReadOnlySpan<double> x)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (x.IsEmpty) throw new ArgumentException("Profile: the input x is empty; expected at least one element.", nameof(x));
        var log = new TapeLog(keepEntries: false);
        var tape = new Tape("Jacobian mode probe") { Log = log };
        try
        {
            var inputs = new Scalar[x.Length];
            for (int i = 0; i < x.Length; i++) inputs[i] = tape.Input(new Scalar(x[i]));
            // Read the input slots before f runs: f may overwrite the array it is given.
            var inputSlots = new int[inputs.Length];
            for (int i = 0; i < inputs.Length; i++) inputSlots[i] = inputs[i].Slot;
            Scalar[] ys = f(inputs) ?? throw new InvalidOperationException("Jacobian: f returned null; expected an array of outputs.");
            tape.Close();
            OpTally[] tallies = log.Tallies;
            Array.Sort(tallies, (a, b) => b.Count.CompareTo(a.Count));
            var rules = ImmutableArray.CreateBuilder<RuleWork>(tallies.Length);
            long extra = 0;
            foreach (OpTally t in tallies)
            {
                rules.Add(new RuleWork(t.Rule, t.Count, t.Units, CostWeights.Of(t.Rule)));
                extra += t.ExtraBytes;
            }
            var outputSlots = new List<int>(ys.Length);
            foreach (Scalar y in ys) outputSlots.Add(y.Key == tape.Key ? y.Slot : 0);
            return new FunctionProfile(x.Length, ys.Length, tape.Count - 1, rules.MoveToImmutable(), extra,
                ForwardCone(tape, inputSlots), ReverseCone(tape, [.. outputSlots]));
        }
        finally { tape.Release(); }
    }

    /// <summary>Up to three sample positions: first, middle, last.</summary>
    private static int[] Samples(int count) => count <= 3 ? [.. Enumerable.Range(0, count)] : [0, count / 2, count - 1];

    /// <summary>The average fraction of nodes that are a sampled input or depend on it (one forward pass each).</summary>
    internal static double ForwardCone(Tape tape, int[] inputSlots)
    {
        int count = tape.Count;
        if (count <= 1 || inputSlots.Length == 0) return 1;
        TapeNode[] nodes = tape.Nodes;
        var reached = new bool[count];
        double sum = 0;
        int[] samples = Samples(inputSlots.Length);
        foreach (int s in samples)
        {
            Array.Clear(reached);
            int start = inputSlots[s], hits = 1;
            reached[start] = true;
            for (int i = start + 1; i < count; i++)
                if (reached[nodes[i].In0] || reached[nodes[i].In1]) { reached[i] = true; hits++; }
            sum += (double)hits / (count - 1);
        }
        return sum / samples.Length;
    }

    /// <summary>The average fraction of nodes that are a sampled output or that it depends on (one backward pass each).</summary>
    internal static double ReverseCone(Tape tape, int[] outputSlots)
    {
        int count = tape.Count;
        if (count <= 1 || outputSlots.Length == 0) return 1;
        TapeNode[] nodes = tape.Nodes;
        var reached = new bool[count];
        double sum = 0;
        int[] samples = Samples(outputSlots.Length);
        foreach (int s in samples)
        {
            Array.Clear(reached);
            int start = outputSlots[s], hits = 0;
            if (start == 0) continue; // a constant output: its sweep does nothing
            reached[start] = true;
            for (int i = start; i > 0; i--)
            {
                if (!reached[i]) continue;
                hits++;
                reached[nodes[i].In0] = true;
                reached[nodes[i].In1] = true;
            }
            sum += (double)hits / (count - 1);
        }
        return sum / samples.Length;
    }

    /// <summary>Record with the primal values of Scalar inputs.</summary>
    internal static FunctionProfile Record(Func<Scalar[], Scalar[]> f, Scalar[] x)
    {
        var values = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i].EnsureOpen();
            values[i] = x[i].Value;
        }
        return Record(f, values);
    }
}
