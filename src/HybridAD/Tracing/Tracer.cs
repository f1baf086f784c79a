using System.Collections.Immutable;
using HybridAD.Core;
using HybridAD.Rules;

namespace HybridAD.Tracing;

/// <summary>How <see cref="Tracer"/> records and names a trace.</summary>
public sealed record TraceOptions
{
    /// <summary>Names of the inputs (x₁ … xₙ by default; trailing digits print as subscripts).</summary>
    public IReadOnlyList<string>? InputNames { get; init; }

    /// <summary>Names of the outputs (y for one output, y₁ … y_m for several, by default).</summary>
    public IReadOnlyList<string>? OutputNames { get; init; }

    /// <summary>
    /// Merge chains of constant-coefficient linear operations (+, −, negation, multiplication or division by a
    /// constant) whose intermediate results are used once into one affine step vᵢ = Σ cⱼ·vⱼ + c₀, as the notes
    /// write v₁ = v₋₂ + v₋₁ + 1.5·v₀. True by default; false gives one step per recorded operation.
    /// </summary>
    public bool MergeLinear { get; init; } = true;
}

/// <summary>
/// Records evaluation traces: one run of f on a reverse-mode tape that also logs which elemental made each
/// node, then grouped into the notes' steps. The partials on the tape are the ones every mode uses, so the
/// tangent and adjoint traces derived from a trace agree with <see cref="AD.Jvp(Func{Scalar[], Scalar[]}, Scalar[], Scalar[])"/>
/// and <see cref="AD.Grad(Func{Scalar[], Scalar})"/>.
/// </summary>
public static class Tracer
{
    /// <summary>
    /// The evaluation trace of f : ℝⁿ → ℝᵐ at x: every elemental step with its value, inputs v_{1−n} … v₀,
    /// intermediates v₁ … v_l, outputs last.
    /// </summary>
    /// <example><code>
    /// var trace = Tracer.Trace(x => new[] { x[0] * x[1], Scalar.Sin(x[0]) }, [1.0, 2.0]);
    /// trace[1].Value; // v₁ = v₋₁·v₀ = 2
    /// </code></example>
    /// <exception cref="ArgumentException">x is empty, or the names do not match n or m.</exception>
    public static EvaluationTrace Trace(Func<Scalar[], Scalar[]> f, double[] x, TraceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        Check.NotEmpty(x, nameof(Trace), nameof(x));
        options ??= new TraceOptions();
        if (options.InputNames is { } names && names.Count != x.Length)
            throw new ArgumentException(
                $"Trace: {names.Count} input names were given for {x.Length} inputs; expected {x.Length}.", nameof(options));

        var tape = new Tape(nameof(Trace), pooled: false) { Log = new TapeLog(keepEntries: true) };
        var inputs = new Scalar[x.Length];
        Scalar[] ys;
        try
        {
            for (int i = 0; i < x.Length; i++) inputs[i] = tape.Input(new Scalar(x[i]));
            ys = f(inputs) ?? throw new InvalidOperationException("Trace: f returned null; expected an array of outputs.");
        }
        finally { tape.Close(); }

        if (options.OutputNames is { } outNames && outNames.Count != ys.Length)
            throw new ArgumentException(
                $"Trace: {outNames.Count} output names were given, but f returned {ys.Length} outputs; expected {ys.Length}.",
                nameof(options));
        return Build(tape, inputs, ys, options);
    }

    /// <summary>The evaluation trace of a scalar-valued f : ℝⁿ → ℝ at x (one output, named y unless given).</summary>
    /// <example><code>
    /// var trace = Tracer.Trace(x => Scalar.Exp(x[0]) * x[1], [0.0, 3.0]);
    /// trace.Adjoint().Gradient; // (3, 1)
    /// </code></example>
    public static EvaluationTrace Trace(Func<Scalar[], Scalar> f, double[] x, TraceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Trace(xs => [f(xs)], x, options);
    }

    // ------------------------------------------------------------------ from tape nodes to steps

    private static EvaluationTrace Build(Tape tape, Scalar[] inputs, Scalar[] ys, TraceOptions options)
    {
        int count = tape.Count, n = inputs.Length;
        TapeNode[] nodes = tape.Nodes;

        var entryOf = new int[count];
        Array.Fill(entryOf, -1);
        List<TapeLogEntry> entries = tape.Log!.Entries;
        for (int e = 0; e < entries.Count; e++) entryOf[entries[e].Node] = e;

        var uses = new int[count];
        var consumer = new int[count];
        for (int i = 1; i < count; i++)
        {
            if (nodes[i].In0 != 0) { uses[nodes[i].In0]++; consumer[nodes[i].In0] = i; }
            if (nodes[i].In1 != 0) { uses[nodes[i].In1]++; consumer[nodes[i].In1] = i; }
        }

        var isInput = new bool[count];
        foreach (Scalar s in inputs) isInput[s.Slot] = true;

        // Outputs: a node of this tape, a constant (or a value of an enclosing call: constant to this trace).
        var outputNode = new int[ys.Length];
        var isOutput = new bool[count];
        for (int k = 0; k < ys.Length; k++)
        {
            Scalar y = ys[k];
            if (y.Key == tape.Key) { outputNode[k] = y.Slot; isOutput[y.Slot] = true; }
            else
            {
                if (y.Key > tape.Key) throw new PerturbationEscapedException(Level.IdOf(y.Key));
                y.EnsureOpen();
                outputNode[k] = 0;
            }
        }

        // Group nodes into steps, from the last node back: a node joins its consumer's step when it is an
        // unlogged link of a multi-input custom rule, or (merging linear chains) a linear op used once by a linear op.
        var root = new int[count];
        for (int i = count - 1; i >= 1; i--)
        {
            root[i] = i;
            if (isInput[i] || isOutput[i] || uses[i] != 1) continue;
            int c = consumer[i];
            bool link = entryOf[i] < 0;
            // A negation stays a step of its own (the notes' v = −z before exp(v)).
            bool fuse = options.MergeLinear && IsLinear(nodes[i], entryOf[i], entries) && IsLinear(nodes[c], entryOf[c], entries)
                && entries[entryOf[c]].Op != "neg";
            if (link || fuse) root[i] = root[c];
        }

        // Order: inputs, then step roots in recording order, with outputs nobody consumes moved last.
        var order = new List<int>(count);
        var movedOutputs = new List<int>();
        var moved = new bool[count];
        foreach (Scalar s in inputs) order.Add(s.Slot);
        foreach (int node in outputNode)
            if (node != 0 && !isInput[node] && uses[node] == 0 && !moved[node])
            {
                moved[node] = true;
                movedOutputs.Add(node);
            }
        for (int i = 1; i < count; i++)
            if (root[i] == i && !isInput[i] && !moved[i]) order.Add(i);
        order.AddRange(movedOutputs);

        var indexOf = new int[count];
        for (int p = 0; p < order.Count; p++) indexOf[order[p]] = p - n + 1;

        IReadOnlyList<string> inputNames = options.InputNames ?? DefaultNames("x", n);
        var steps = ImmutableArray.CreateBuilder<TraceStep>(order.Count);
        var stack = new Stack<(Item, int, double)>();
        for (int p = 0; p < order.Count; p++)
        {
            int r = order[p];
            if (p < n)
            {
                steps.Add(new TraceStep(p - n + 1, StepKind.Input, "input", [], inputs[p].V, 0, 0, false, inputNames[p]));
                continue;
            }
            steps.Add(MakeStep(tape, r, root, indexOf, entryOf, entries, stack, steps, n));
        }

        IReadOnlyList<string> outputNames = options.OutputNames ?? (ys.Length == 1 ? ["y"] : DefaultNames("y", ys.Length));
        var outputs = ImmutableArray.CreateBuilder<TraceOutput>(ys.Length);
        for (int k = 0; k < ys.Length; k++)
        {
            int node = outputNode[k];
            outputs.Add(node == 0
                ? new TraceOutput(k, outputNames[k], null, ys[k].V)
                : new TraceOutput(k, outputNames[k], indexOf[node], steps[indexOf[node] + n - 1].Value));
        }
        return new EvaluationTrace(n, steps.MoveToImmutable(), outputs.MoveToImmutable());
    }

    private static IReadOnlyList<string> DefaultNames(string stem, int count)
    {
        var names = new string[count];
        for (int i = 0; i < count; i++) names[i] = stem + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return names;
    }

    /// <summary>Linear in its active arguments with constant coefficients: +, −, negation, and · or / by a constant.</summary>
    private static bool IsLinear(in TapeNode node, int entry, List<TapeLogEntry> entries)
    {
        if (entry < 0) return false;
        TapeLogEntry e = entries[entry];
        if (e.Kind is LogKind.Input or LogKind.Other) return false;
        if ((e.Traits & RuleTraits.Linear) != 0) return true;
        if (e.Kind != LogKind.Binary) return false;
        return e.Op switch
        {
            "*" => (node.In0 == 0) != (node.In1 == 0),
            "/" => node.In0 != 0 && node.In1 == 0,
            _ => false,
        };
    }

    private enum Item : byte { Node, Leaf, Constant }

    private static TraceStep MakeStep(Tape tape, int r, int[] root, int[] indexOf, int[] entryOf, List<TapeLogEntry> entries,
        Stack<(Item, int, double)> stack, ImmutableArray<TraceStep>.Builder steps, int n)
    {
        TapeNode[] nodes = tape.Nodes;
        TapeNode rn = nodes[r];
        int index = indexOf[r];
        bool single = (rn.In0 == 0 || root[rn.In0] != r) && (rn.In1 == 0 || root[rn.In1] != r);
        TapeLogEntry? entry = entryOf[r] >= 0 ? entries[entryOf[r]] : null;

        TraceOperand Var(int node, double partial) =>
            TraceOperand.Variable(indexOf[node], steps[indexOf[node] + n - 1].Value, partial);

        if (single && entry is { Kind: LogKind.Unary or LogKind.Binary } e)
        {
            // One elemental, arguments as written: variables with their own partial, constants by value.
            var ops = ImmutableArray.CreateBuilder<TraceOperand>(2);
            ops.Add(rn.In0 != 0 ? Var(rn.In0, tape.PartialValue(r, 0)) : TraceOperand.Constant(e.A));
            if (e.Kind == LogKind.Binary)
                ops.Add(rn.In1 != 0 ? Var(rn.In1, tape.PartialValue(r, 1)) : TraceOperand.Constant(e.B));
            return new TraceStep(index, StepKind.Elemental, e.Op, ops.ToImmutable(), e.Value, e.Parameter, 0, false, null);
        }

        // A group (a merged linear chain, or a custom rule's chain of links): walk its tree from the root in
        // written order (first argument first, explicit stack), multiplying partials along each path:
        // c_rj = Σ over paths r → j of the product of the edge partials. Constant terms (the 1 in 1 − v) are
        // summed the same way into the affine step's offset.
        var operands = new List<TraceOperand>();
        double offset = 0;
        bool offsetFirst = false;
        stack.Clear();
        stack.Push((Item.Node, r, 1.0));
        while (stack.Count > 0)
        {
            var (kind, node, mult) = stack.Pop();
            switch (kind)
            {
                case Item.Constant:
                    if (operands.Count == 0 && offset == 0) offsetFirst = true;
                    offset += mult;
                    break;
                case Item.Leaf:
                    int j = indexOf[node];
                    int at = operands.FindIndex(o => o.Index == j);
                    if (at < 0) operands.Add(Var(node, mult));
                    else operands[at] = operands[at] with { Partial = operands[at].Partial + mult };
                    break;
                default:
                    TapeNode tn = nodes[node];
                    TapeLogEntry? ne = entryOf[node] >= 0 ? entries[entryOf[node]] : null;
                    for (int edge = 1; edge >= 0; edge--) // pushed last to first: popped first to last
                    {
                        int input = edge == 0 ? tn.In0 : tn.In1;
                        if (input != 0)
                        {
                            double w = mult * tape.PartialValue(node, edge);
                            stack.Push((root[input] == r ? Item.Node : Item.Leaf, input, w));
                        }
                        else if (ne is { } c && ConstantTerm(c, edge) is var term && term != 0)
                            stack.Push((Item.Constant, 0, mult * term));
                    }
                    break;
            }
        }

        if (entry is { Kind: LogKind.Other } custom)
            return new TraceStep(index, StepKind.Custom, custom.Op, [.. operands], custom.Value, custom.Parameter, 0, false, null);
        if (entry is not { } root0)
            throw new InvalidOperationException($"Trace: tape node {r} was recorded without a name; cannot trace it.");
        return new TraceStep(index, StepKind.Affine, "affine", [.. operands], root0.Value, 0, offset, offsetFirst, null);
    }

    /// <summary>The constant term a linear node's constant argument at <paramref name="edge"/> adds:
    /// c in x + c and c − x, −c in x − c; 0 for a constant factor or divisor, which scales instead.</summary>
    private static double ConstantTerm(in TapeLogEntry e, int edge) => (e.Kind, e.Op, edge) switch
    {
        (LogKind.Binary, "+", 0) => e.A,
        (LogKind.Binary, "+", 1) => e.B,
        (LogKind.Binary, "-", 0) => e.A,
        (LogKind.Binary, "-", 1) => -e.B,
        _ => 0,
    };
}
