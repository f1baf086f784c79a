using System.Text;

namespace HybridAD.Properties.Programs;

/// <summary>One operation of a program: an op of <see cref="OpPool"/> applied to earlier nodes, each argument
/// optionally shifted by a constant (the generator's way of moving an argument into the op's domain).</summary>
internal sealed record Node(int Op, int[] Args, double[] Shifts, double Parameter)
{
    public static Node Input { get; } = new(-1, [], [], 0);
    public bool IsInput => Op < 0;
}

/// <summary>
/// A random scalar program — a DAG of elemental operations over n inputs with m outputs — together with the
/// point, direction and cotangent it is tested at. Nodes [0, n) are the inputs; every other node refers only to
/// earlier ones; every node is reachable from an output (see <see cref="Compact"/>). Immutable.
/// </summary>
internal sealed class RandomProgram
{
    public RandomProgram(int inputCount, Node[] nodes, int[] outputs, double[] point, double[] direction, double[] cotangent)
    {
        InputCount = inputCount;
        Nodes = nodes;
        Outputs = outputs;
        Point = point;
        Direction = direction;
        Cotangent = cotangent;
    }

    public int InputCount { get; }
    public Node[] Nodes { get; }
    public int[] Outputs { get; }
    public double[] Point { get; }
    public double[] Direction { get; }
    public double[] Cotangent { get; }

    public int OperationCount => Nodes.Length - InputCount;

    // ------------------------------------------------------------------ evaluation

    /// <summary>The program as a HybridAD function: the code under test.</summary>
    public Scalar[] Run(Scalar[] x)
    {
        var values = new Scalar[Nodes.Length];
        for (int i = 0; i < InputCount; i++) values[i] = x[i];
        for (int k = InputCount; k < Nodes.Length; k++)
        {
            Node node = Nodes[k];
            var args = new Scalar[node.Args.Length];
            for (int j = 0; j < args.Length; j++)
                args[j] = node.Shifts[j] == 0 ? values[node.Args[j]] : values[node.Args[j]] + node.Shifts[j];
            values[k] = OpPool.All[node.Op].Apply(args, node.Parameter);
        }
        var y = new Scalar[Outputs.Length];
        for (int i = 0; i < y.Length; i++) y[i] = values[Outputs[i]];
        return y;
    }

    /// <summary>The first output, as a function ℝⁿ → ℝ.</summary>
    public Scalar RunScalar(Scalar[] x) => Run(x)[0];

    /// <summary>The arguments of node k given all node values.</summary>
    public double[] ArgsOf(int k, double[] values)
    {
        Node node = Nodes[k];
        var args = new double[node.Args.Length];
        for (int j = 0; j < args.Length; j++) args[j] = values[node.Args[j]] + node.Shifts[j];
        return args;
    }

    /// <summary>Every node's value on doubles (the generator's bookkeeping, independent of HybridAD's engine).</summary>
    public double[] Values(double[] x)
    {
        var values = new double[Nodes.Length];
        for (int i = 0; i < InputCount; i++) values[i] = x[i];
        for (int k = InputCount; k < Nodes.Length; k++)
            values[k] = OpPool.All[Nodes[k].Op].Primal(ArgsOf(k, values), Nodes[k].Parameter);
        return values;
    }

    /// <summary>
    /// The magnitude scale of the directional derivative along w, per output: the forward derivative with every
    /// partial and every tangent replaced by its absolute value, Σ over paths of |∏ partials|·|wᵢ| — the size
    /// of the terms that forward and reverse mode add up, whatever cancels.
    /// </summary>
    public double[] AbsoluteTangents(double[] w, double[]? at = null)
    {
        double[] values = Values(at ?? Point);
        var t = new double[Nodes.Length];
        for (int i = 0; i < InputCount; i++) t[i] = Math.Abs(w[i]);
        for (int k = InputCount; k < Nodes.Length; k++)
        {
            Node node = Nodes[k];
            double[] d = OpPool.All[node.Op].Partials(ArgsOf(k, values), node.Parameter);
            double s = 0;
            for (int j = 0; j < d.Length; j++) s += Math.Abs(d[j]) * t[node.Args[j]];
            t[k] = s;
        }
        var r = new double[Outputs.Length];
        for (int i = 0; i < r.Length; i++) r[i] = t[Outputs[i]];
        return r;
    }

    /// <summary>
    /// The magnitude scale of the second directional derivative along (w1, w2), per output: the second-order
    /// forward pass (hyper-dual numbers) with every partial, second partial and tangent replaced by its absolute
    /// value — ṫ₁₂ = Σⱼ |∂φ/∂aⱼ|·ṫ₁₂(aⱼ) + Σⱼₗ |∂²φ/∂aⱼ∂aₗ|·ṫ₁(aⱼ)·ṫ₂(aₗ) — the size of the terms a
    /// second derivative adds up. Second partials of an op come from central differences of its first partials
    /// (accurate to ~10⁻¹⁰, ample for a scale, and independent of nested AD).
    /// </summary>
    public double[] AbsoluteSecondTangents(double[] w1, double[] w2, double[]? at = null)
    {
        double[] values = Values(at ?? Point);
        var t1 = new double[Nodes.Length];
        var t2 = new double[Nodes.Length];
        var t12 = new double[Nodes.Length];
        for (int i = 0; i < InputCount; i++)
        {
            t1[i] = Math.Abs(w1[i]);
            t2[i] = Math.Abs(w2[i]);
        }
        for (int k = InputCount; k < Nodes.Length; k++)
        {
            Node node = Nodes[k];
            Op op = OpPool.All[node.Op];
            double[] args = ArgsOf(k, values);
            double[] d = op.Partials(args, node.Parameter);
            double[,] d2 = AbsSecondPartials(op, args, node.Parameter);
            double a1 = 0, a2 = 0, a12 = 0;
            for (int j = 0; j < d.Length; j++)
            {
                double dj = Math.Abs(d[j]);
                a1 += dj * t1[node.Args[j]];
                a2 += dj * t2[node.Args[j]];
                a12 += dj * t12[node.Args[j]];
                for (int l = 0; l < d.Length; l++) a12 += d2[j, l] * t1[node.Args[j]] * t2[node.Args[l]];
            }
            t1[k] = a1;
            t2[k] = a2;
            t12[k] = a12;
        }
        var r = new double[Outputs.Length];
        for (int i = 0; i < r.Length; i++) r[i] = t12[Outputs[i]];
        return r;
    }

    private static double[,] AbsSecondPartials(Op op, double[] args, double p)
    {
        int n = args.Length;
        var r = new double[n, n];
        for (int l = 0; l < n; l++)
        {
            double h = 1e-5 * Math.Max(Math.Abs(args[l]), 1);
            var plus = (double[])args.Clone();
            var minus = (double[])args.Clone();
            plus[l] += h;
            minus[l] -= h;
            double[] dp = op.Partials(plus, p), dm = op.Partials(minus, p);
            for (int j = 0; j < n; j++) r[j, l] = Math.Abs(dp[j] - dm[j]) / (plus[l] - minus[l]);
        }
        for (int j = 0; j < n; j++)
            for (int l = 0; l < j; l++) r[j, l] = r[l, j] = Math.Max(r[j, l], r[l, j]);
        return r;
    }

    /// <summary>
    /// The rounding noise of each output of an evaluation on doubles, to first order:
    /// ε·Σₖ |vₖ|·Aₖ, where Aₖ is the absolute adjoint of node k (Σ over paths to the output of |∏ partials|) —
    /// each node's rounding error ε·|vₖ| propagated to the output, whatever cancels. Finite differences cannot
    /// resolve changes below this.
    /// </summary>
    public double[] RoundingNoise(double[]? at = null)
    {
        const double eps = 2.220446049250313e-16;
        double[] values = Values(at ?? Point);
        var partials = new double[Nodes.Length][];
        for (int k = InputCount; k < Nodes.Length; k++)
            partials[k] = OpPool.All[Nodes[k].Op].Partials(ArgsOf(k, values), Nodes[k].Parameter);
        var noise = new double[Outputs.Length];
        for (int o = 0; o < Outputs.Length; o++)
        {
            var adjoint = new double[Nodes.Length];
            adjoint[Outputs[o]] = 1;
            double sum = 0;
            for (int k = Nodes.Length - 1; k >= 0; k--)
            {
                if (adjoint[k] == 0) continue;
                sum += Math.Abs(values[k]) * adjoint[k];
                if (k < InputCount) continue;
                Node node = Nodes[k];
                double[] args = ArgsOf(k, values);
                for (int j = 0; j < node.Args.Length; j++)
                {
                    double a = Math.Abs(partials[k][j]) * adjoint[k];
                    adjoint[node.Args[j]] += a;
                    if (node.Shifts[j] != 0) sum += Math.Abs(args[j]) * a; // rounding of the shifted argument
                }
            }
            noise[o] = eps * sum;
        }
        return noise;
    }

    /// <summary>
    /// A rounding-noise estimate for one partial derivative ∂f/∂xᵢ computed by AD (a sum of products of
    /// partials whose terms total the first-order scale S₁, each carrying a few ε, plus the primal values'
    /// rounding propagated through the second derivative): ε·((ops + 1)·S₁ + max|v|·S₂).
    /// </summary>
    public double DerivativeNoise(int i, double[]? at = null)
    {
        const double eps = 2.220446049250313e-16;
        double[] e = new double[InputCount];
        e[i] = 1;
        double[] ones = Enumerable.Repeat(1.0, InputCount).ToArray();
        double maxValue = 0;
        foreach (double v in Values(at ?? Point)) maxValue = Math.Max(maxValue, Math.Abs(v));
        return eps * ((OperationCount + 1) * AbsoluteTangents(e, at)[0] + maxValue * AbsoluteSecondTangents(e, ones, at)[0]);
    }

    /// <summary>The largest |value| of any node at the point: the scale of rounding in an evaluation.</summary>
    public double MaxAbsValue()
    {
        double m = 0;
        foreach (double v in Values(Point)) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    /// <summary>The depth: the longest chain of operations from an input to an output.</summary>
    public int Depth()
    {
        var depth = new int[Nodes.Length];
        int max = 0;
        for (int k = InputCount; k < Nodes.Length; k++)
        {
            foreach (int a in Nodes[k].Args) depth[k] = Math.Max(depth[k], depth[a] + 1);
            max = Math.Max(max, depth[k]);
        }
        return max;
    }

    /// <summary>Nodes whose value is used more than once (by several operations or outputs).</summary>
    public int SharedNodeCount()
    {
        var uses = new int[Nodes.Length];
        for (int k = InputCount; k < Nodes.Length; k++)
            foreach (int a in Nodes[k].Args) uses[a]++;
        foreach (int o in Outputs) uses[o]++;
        int shared = 0;
        for (int k = InputCount; k < Nodes.Length; k++)
            if (uses[k] > 1) shared++;
        return shared;
    }

    /// <summary>
    /// Valid at its point: every operation's arguments inside its domain (with margin) and away from its kinks,
    /// every value finite and at most <see cref="ProgramGenerator.MaxMagnitude"/> in size.
    /// </summary>
    public bool IsValid()
    {
        var values = new double[Nodes.Length];
        for (int i = 0; i < InputCount; i++) values[i] = Point[i];
        for (int k = InputCount; k < Nodes.Length; k++)
        {
            Node node = Nodes[k];
            Op op = OpPool.All[node.Op];
            double[] args = ArgsOf(k, values);
            if (!op.Accepts(args, node.Parameter)) return false;
            double v = op.Primal(args, node.Parameter);
            if (!double.IsFinite(v) || Math.Abs(v) > ProgramGenerator.MaxMagnitude) return false;
            values[k] = v;
        }
        return true;
    }

    /// <summary>
    /// True when every operation keeps its arguments in its domain and on the same side of every kink along the
    /// segment x ± t·d for |t| ≤ <paramref name="t"/> (checked at ±t, ±t/2 and ±t/4): a finite-difference
    /// stencil of that half-width is then valid.
    /// </summary>
    public bool SafeAlong(double[] d, double t)
    {
        double[] centre = Values(Point);
        foreach (double s in (ReadOnlySpan<double>)[1, -1, 0.5, -0.5, 0.25, -0.25])
        {
            var x = new double[InputCount];
            for (int i = 0; i < x.Length; i++) x[i] = Point[i] + s * t * d[i];
            var values = new double[Nodes.Length];
            for (int i = 0; i < InputCount; i++) values[i] = x[i];
            for (int k = InputCount; k < Nodes.Length; k++)
            {
                Node node = Nodes[k];
                Op op = OpPool.All[node.Op];
                double[] args = ArgsOf(k, values);
                if (!op.SameSide(ArgsOf(k, centre), args, node.Parameter)) return false;
                values[k] = op.Primal(args, node.Parameter);
                if (!double.IsFinite(values[k])) return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ structure edits (for shrinking)

    /// <summary>
    /// Drops the nodes no output reaches and the inputs nothing uses (with their point and direction
    /// coordinates), renumbering the rest. At least one input is kept.
    /// </summary>
    public RandomProgram Compact()
    {
        var live = new bool[Nodes.Length];
        foreach (int o in Outputs) live[o] = true;
        for (int k = Nodes.Length - 1; k >= InputCount; k--)
            if (live[k])
                foreach (int a in Nodes[k].Args) live[a] = true;
        bool anyInput = false;
        for (int i = 0; i < InputCount; i++) anyInput |= live[i];
        if (!anyInput) live[0] = true;

        var map = new int[Nodes.Length];
        var nodes = new List<Node>();
        var point = new List<double>();
        var direction = new List<double>();
        int inputs = 0;
        for (int k = 0; k < Nodes.Length; k++)
        {
            if (!live[k]) { map[k] = -1; continue; }
            map[k] = nodes.Count;
            if (k < InputCount)
            {
                inputs++;
                point.Add(Point[k]);
                direction.Add(Direction[k]);
                nodes.Add(Node.Input);
            }
            else
            {
                Node n = Nodes[k];
                nodes.Add(n with { Args = n.Args.Select(a => map[a]).ToArray() });
            }
        }
        return new RandomProgram(inputs, nodes.ToArray(), Outputs.Select(o => map[o]).ToArray(),
            point.ToArray(), direction.ToArray(), Cotangent);
    }

    public RandomProgram With(Node[]? nodes = null, int[]? outputs = null, double[]? point = null, double[]? direction = null,
        double[]? cotangent = null) =>
        new(InputCount, nodes ?? Nodes, outputs ?? Outputs, point ?? Point, direction ?? Direction, cotangent ?? Cotangent);

    // ------------------------------------------------------------------ printing

    /// <summary>
    /// A readable program: shared values get a name (<c>t5 = …</c>), the rest is inlined; then the outputs and the
    /// point, direction and cotangent, e.g.
    /// <code>
    /// t3 = exp((x0 - 1.25))
    /// y0 = (sin(t3) * t3)
    /// at x = [0.5], v = [1], u = [-0.25]
    /// </code>
    /// </summary>
    public override string ToString()
    {
        var uses = new int[Nodes.Length];
        for (int k = InputCount; k < Nodes.Length; k++)
            foreach (int a in Nodes[k].Args) uses[a]++;
        foreach (int o in Outputs) uses[o]++;

        var text = new string[Nodes.Length];
        var s = new StringBuilder();
        s.Append(Invariant($"{InputCount} input{(InputCount == 1 ? "" : "s")}, {OperationCount} operation{(OperationCount == 1 ? "" : "s")}, depth {Depth()}, {Outputs.Length} output{(Outputs.Length == 1 ? "" : "s")}:"));
        s.AppendLine();
        for (int i = 0; i < InputCount; i++) text[i] = $"x{i}";
        for (int k = InputCount; k < Nodes.Length; k++)
        {
            Node node = Nodes[k];
            var args = new string[node.Args.Length];
            for (int j = 0; j < args.Length; j++)
            {
                string a = text[node.Args[j]];
                double shift = node.Shifts[j];
                args[j] = shift == 0 ? a : shift > 0 ? $"({a} + {Op.Number(shift)})" : $"({a} - {Op.Number(-shift)})";
            }
            string expr = OpPool.All[node.Op].Format(args, node.Parameter);
            if (uses[k] > 1)
            {
                s.Append("  t").Append(k).Append(" = ").Append(expr).AppendLine();
                text[k] = $"t{k}";
            }
            else text[k] = expr;
        }
        for (int i = 0; i < Outputs.Length; i++) s.Append("  y").Append(i).Append(" = ").Append(text[Outputs[i]]).AppendLine();
        s.Append("  at x = ").Append(Vector(Point)).Append(", v = ").Append(Vector(Direction)).Append(", u = ").Append(Vector(Cotangent));
        return s.ToString();
    }

    private static string Vector(double[] v) => "[" + string.Join(", ", v.Select(Op.Number)) + "]";

    private static string Invariant(FormattableString s) => s.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
