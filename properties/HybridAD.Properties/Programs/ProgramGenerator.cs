namespace HybridAD.Properties.Programs;

/// <summary>The shape of the programs a property needs: how many inputs and outputs.</summary>
internal sealed record ProgramShape(int MinInputs, int MaxInputs, int MinOutputs, int MaxOutputs)
{
    /// <summary>ℝⁿ → ℝ, n ∈ [1, 4].</summary>
    public static ProgramShape Scalar { get; } = new(1, 4, 1, 1);
    /// <summary>ℝⁿ → ℝᵐ, n ∈ [1, 4], m ∈ [1, 3].</summary>
    public static ProgramShape Vector { get; } = new(1, 4, 1, 3);
    /// <summary>ℝ → ℝ.</summary>
    public static ProgramShape Univariate { get; } = new(1, 1, 1, 1);
}

/// <summary>
/// Generates random programs (DAGs over every op of <see cref="OpPool"/>, with shared subexpressions, depth at
/// most <see cref="MaxDepth"/>) valid at a random point, and shrinks failing ones to minimal valid programs.
/// </summary>
/// <remarks>
/// Generation is deterministic given the <see cref="Random"/> (seeded from FsCheck's seed). Each new node draws
/// an op uniformly, arguments from the existing nodes (the latest node to build depth, an already-used node to
/// share a value, or any node), and — when an argument falls outside the op's domain or near one of its
/// kinks at the point — shifts it by a constant to a random target inside (printed as <c>(t3 + 0.42)</c>); now
/// and then it shifts an argument to exactly 0, where rules tend to branch.
/// Values are kept finite and below <see cref="MaxMagnitude"/> in size.
/// </remarks>
internal static class ProgramGenerator
{
    public const int MaxDepth = 8;
    public const double MaxMagnitude = 1e3;

    /// <summary>The largest number of operations, at FsCheck size 100.</summary>
    public const int MaxOperations = 30;

    public static RandomProgram Generate(Random rng, ProgramShape shape, int size)
    {
        int n = rng.Next(shape.MinInputs, shape.MaxInputs + 1);
        var point = new double[n];
        var direction = new double[n];
        for (int i = 0; i < n; i++)
        {
            point[i] = Math.Round(4 * rng.NextDouble() - 2, 3);
            direction[i] = Math.Round(2 * rng.NextDouble() - 1, 3);
        }

        var nodes = new List<Node>();
        var values = new List<double>();
        var depth = new List<int>();
        var uses = new List<int>();
        for (int i = 0; i < n; i++)
        {
            nodes.Add(Node.Input);
            values.Add(point[i]);
            depth.Add(0);
            uses.Add(0);
        }

        int maxOps = 2 + Math.Clamp(size, 0, 100) * (MaxOperations - 2) / 100;
        int opCount = rng.Next(Math.Max(1, maxOps / 3), maxOps + 1);
        for (int k = 0; k < opCount; k++)
        {
            Node? node = null;
            double value = 0;
            for (int attempt = 0; attempt < 30 && node is null; attempt++)
            {
                int opIndex = rng.Next(OpPool.All.Count);
                Op op = OpPool.All[opIndex];
                var args = new int[op.Arity];
                for (int j = 0; j < args.Length; j++) args[j] = PickArgument(rng, depth, uses);
                double p = op.ParameterDomain is { } pd ? Math.Round(pd.Lo + (pd.Hi - pd.Lo) * rng.NextDouble(), 2) : 0;
                double[]? shifts = FitArguments(rng, op, args, values, p);
                if (shifts is null) continue;
                var argValues = new double[args.Length];
                for (int j = 0; j < args.Length; j++) argValues[j] = values[args[j]] + shifts[j];
                value = op.Primal(argValues, p);
                if (!double.IsFinite(value) || Math.Abs(value) > MaxMagnitude) continue;
                node = new Node(opIndex, args, shifts, p);
            }
            if (node is null) continue; // rare: no op fitted here; the program is just shorter
            int d = 0;
            foreach (int a in node.Args)
            {
                d = Math.Max(d, depth[a] + 1);
                uses[a]++;
            }
            nodes.Add(node);
            values.Add(value);
            depth.Add(d);
            uses.Add(0);
        }
        if (nodes.Count == n)
        {
            // Nothing fitted at all (vanishingly rare): a sum of the inputs.
            nodes.Add(new Node(OpPool.IndexOf("+"), [0, n - 1], [0, 0], 0));
        }

        int m = rng.Next(shape.MinOutputs, shape.MaxOutputs + 1);
        var outputs = new int[m];
        outputs[0] = nodes.Count - 1;
        for (int i = 1; i < m; i++)
        {
            // Prefer an operation whose value nothing uses yet.
            int start = rng.Next(n, nodes.Count);
            outputs[i] = start;
            for (int q = 0; q < nodes.Count - n; q++)
            {
                int k = n + (start - n + q) % (nodes.Count - n);
                if (uses[k] == 0 && !outputs.AsSpan(0, i).Contains(k)) { outputs[i] = k; break; }
            }
        }
        var cotangent = new double[m];
        for (int i = 0; i < m; i++) cotangent[i] = Math.Round(2 * rng.NextDouble() - 1, 3);

        RandomProgram program = new RandomProgram(n, nodes.ToArray(), outputs, point, direction, cotangent).Compact();
        if (program.Direction.All(v => v == 0))
        {
            var v = (double[])program.Direction.Clone();
            v[0] = 1;
            program = program.With(direction: v);
        }
        if (!program.IsValid()) throw new InvalidOperationException("The generator produced an invalid program:\n" + program);
        return program;
    }

    /// <summary>The latest usable node (depth), a value nothing uses yet (so inputs and operations end up
    /// in the program rather than dead), an already-used node (sharing), or any usable node.</summary>
    private static int PickArgument(Random rng, List<int> depth, List<int> uses)
    {
        double r = rng.NextDouble();
        if (r < 0.35)
        {
            for (int k = depth.Count - 1; k >= 0; k--)
                if (depth[k] < MaxDepth) return k;
        }
        else if (r < 0.6)
        {
            int k = FindFrom(rng, depth, k => uses[k] == 0);
            if (k >= 0) return k;
        }
        else if (r < 0.8)
        {
            int k = FindFrom(rng, depth, k => uses[k] > 0);
            if (k >= 0) return k;
        }
        while (true)
        {
            int k = rng.Next(depth.Count);
            if (depth[k] < MaxDepth) return k;
        }
    }

    /// <summary>A node of depth below the limit satisfying <paramref name="accept"/>, scanning from a random
    /// start; −1 if none.</summary>
    private static int FindFrom(Random rng, List<int> depth, Func<int, bool> accept)
    {
        int start = rng.Next(depth.Count);
        for (int i = 0; i < depth.Count; i++)
        {
            int k = (start + i) % depth.Count;
            if (depth[k] < MaxDepth && accept(k)) return k;
        }
        return -1;
    }

    /// <summary>Shifts (0 where none is needed) that put the arguments inside the op's domain and away from its
    /// kinks, or null if none was found.</summary>
    private static double[]? FitArguments(Random rng, Op op, int[] args, List<double> values, double p)
    {
        var shifts = new double[args.Length];
        var a = new double[args.Length];
        for (int j = 0; j < args.Length; j++) a[j] = values[args[j]];
        // Now and then an argument exactly 0 (v + (−v) is exact): rules often branch there (pow at b = 0).
        if (rng.NextDouble() < 0.06)
        {
            int j = rng.Next(args.Length);
            var (lo, hi) = op.Domains[j];
            if (lo < 0 && hi > 0 && values[args[j]] != 0)
            {
                shifts[j] = -values[args[j]];
                a[j] = 0;
                if (op.Accepts(a, p)) return shifts;
                shifts[j] = 0;
                a[j] = values[args[j]];
            }
        }
        if (op.Accepts(a, p)) return shifts;
        for (int attempt = 0; attempt < 20; attempt++)
        {
            for (int j = 0; j < args.Length; j++)
            {
                var (lo, hi) = op.Domains[j];
                double w = hi - lo;
                bool inside = values[args[j]] >= lo + 0.1 * w && values[args[j]] <= hi - 0.1 * w;
                // Out of the domain: always move; kinked op: move some arguments off the kink at random.
                if (!inside || (op.Kinked && rng.NextDouble() < 0.6))
                {
                    double target = lo + 0.1 * w + 0.8 * w * rng.NextDouble();
                    shifts[j] = Math.Round(target - values[args[j]], 2);
                }
                else shifts[j] = 0;
                a[j] = values[args[j]] + shifts[j];
            }
            if (op.Accepts(a, p)) return shifts;
        }
        return null;
    }

    // ------------------------------------------------------------------ shrinking

    /// <summary>
    /// Smaller valid programs, most aggressive first: one output instead of several; an output or an operation
    /// replaced by one of its arguments; a shift removed; the parameter, point, direction and cotangent rounded.
    /// Every candidate is compacted, valid at its point, and strictly smaller (<see cref="Smaller"/>), so
    /// shrinking terminates.
    /// </summary>
    public static IEnumerable<RandomProgram> Shrink(RandomProgram p)
    {
        foreach (RandomProgram c in Candidates(p))
        {
            RandomProgram compact = c.Compact();
            if (compact.Direction.All(v => v == 0)) continue;
            if (Smaller(compact, p) && compact.IsValid()) yield return compact;
        }
    }

    private static IEnumerable<RandomProgram> Candidates(RandomProgram p)
    {
        // One output.
        if (p.Outputs.Length > 1)
            for (int i = 0; i < p.Outputs.Length; i++)
                yield return p.With(outputs: [p.Outputs[i]], cotangent: [p.Cotangent[i]]);

        // An output replaced by one of its node's arguments.
        for (int i = 0; i < p.Outputs.Length; i++)
        {
            Node node = p.Nodes[p.Outputs[i]];
            foreach (int a in node.Args.Distinct())
            {
                var outputs = (int[])p.Outputs.Clone();
                outputs[i] = a;
                yield return p.With(outputs: outputs);
            }
        }

        // An operation bypassed: every use of node k refers to one of k's arguments instead.
        for (int k = p.Nodes.Length - 1; k >= p.InputCount; k--)
        {
            foreach (int a in p.Nodes[k].Args.Distinct())
            {
                var nodes = new Node[p.Nodes.Length];
                for (int q = 0; q < nodes.Length; q++)
                {
                    Node node = p.Nodes[q];
                    nodes[q] = node.Args.Contains(k) ? node with { Args = node.Args.Select(x => x == k ? a : x).ToArray() } : node;
                }
                yield return p.With(nodes: nodes, outputs: p.Outputs.Select(o => o == k ? a : o).ToArray());
            }
        }

        // A shift removed or simplified; a parameter simplified.
        for (int k = p.InputCount; k < p.Nodes.Length; k++)
        {
            Node node = p.Nodes[k];
            for (int j = 0; j < node.Shifts.Length; j++)
            {
                if (node.Shifts[j] == 0) continue;
                foreach (double simpler in Simpler(node.Shifts[j]).Prepend(0))
                {
                    var shifts = (double[])node.Shifts.Clone();
                    shifts[j] = simpler;
                    yield return Replace(p, k, node with { Shifts = shifts });
                }
            }
            if (node.Parameter != 0)
                foreach (double simpler in Simpler(node.Parameter))
                    yield return Replace(p, k, node with { Parameter = simpler });
        }

        // Simpler numbers for the point, direction and cotangent.
        foreach (var (vector, rebuild) in new (double[], Func<double[], RandomProgram>)[]
                 {
                     (p.Point, v => p.With(point: v)),
                     (p.Direction, v => p.With(direction: v)),
                     (p.Cotangent, v => p.With(cotangent: v)),
                 })
        {
            for (int i = 0; i < vector.Length; i++)
                foreach (double simpler in Simpler(vector[i]))
                {
                    var v = (double[])vector.Clone();
                    v[i] = simpler;
                    yield return rebuild(v);
                }
        }
    }

    private static RandomProgram Replace(RandomProgram p, int k, Node node)
    {
        var copy = (Node[])p.Nodes.Clone();
        copy[k] = node;
        return p.With(nodes: copy);
    }

    /// <summary>The same number with fewer decimals: 0, then integer, then one decimal.</summary>
    private static IEnumerable<double> Simpler(double x)
    {
        foreach (double s in new[] { 0, Math.Round(x), Math.Round(x, 1) })
            if (Decimals(s) < Decimals(x)) yield return s;
    }

    /// <summary>How many decimals x needs (0 for 0 and integers; 17 when not a short decimal).</summary>
    private static int Decimals(double x)
    {
        if (x == 0) return -1; // zero is simplest of all
        for (int d = 0; d <= 6; d++)
            if (Math.Round(x, d) == x) return d;
        return 17;
    }

    /// <summary>A well-founded order: fewer operations, then outputs, inputs, shifts, then simpler numbers.</summary>
    public static bool Smaller(RandomProgram a, RandomProgram b)
    {
        (int, int, int, int, int) Measure(RandomProgram p)
        {
            int shifts = 0, digits = 0;
            for (int k = p.InputCount; k < p.Nodes.Length; k++)
            {
                foreach (double s in p.Nodes[k].Shifts)
                {
                    if (s != 0) shifts++;
                    digits += Decimals(s) + 1;
                }
                digits += Decimals(p.Nodes[k].Parameter) + 1;
            }
            foreach (double x in p.Point) digits += Decimals(x) + 1;
            foreach (double x in p.Direction) digits += Decimals(x) + 1;
            foreach (double x in p.Cotangent) digits += Decimals(x) + 1;
            return (p.OperationCount, p.Outputs.Length, p.InputCount, shifts, digits);
        }
        return Measure(a).CompareTo(Measure(b)) < 0;
    }
}
