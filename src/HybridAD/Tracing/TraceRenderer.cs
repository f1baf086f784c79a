using System.Globalization;
using System.Text;
using static HybridAD.Tracing.Notation;

namespace HybridAD.Tracing;

/// <summary>Output format of <see cref="TraceRenderer"/>.</summary>
public enum TraceFormat
{
    /// <summary>A plain-text table in the notes' notation (Unicode: v₋₁, v̇₁, v̄₅).</summary>
    Text,
    /// <summary>A Markdown (GitHub) table.</summary>
    Markdown,
    /// <summary>A LaTeX <c>tabular</c> with the cells in math mode.</summary>
    Latex,
    /// <summary>The computational graph in Graphviz DOT.</summary>
    Dot,
}

/// <summary>How the reverse adjoint trace is laid out beside the primal trace.</summary>
public enum AdjointLayout
{
    /// <summary>Both columns top to bottom: the primal steps in order, the adjoint statements in the order the
    /// reverse sweep executes them (seed, then steps l … 1, then x̄).</summary>
    Sequential,
    /// <summary>As in the notes' tables: each adjoint statement v̄ⱼ += v̄ᵢ·c_ij beside the primal step i that it
    /// reverses, read from the bottom up.</summary>
    Aligned,
}

/// <summary>Number format and layout of a rendering.</summary>
public sealed record TraceRenderOptions
{
    /// <summary>Decimals of computed values (2 by default, as in the notes).</summary>
    public int Digits { get; init; } = 2;

    /// <summary>Print every value in full (shortest round-trip) precision instead of <see cref="Digits"/> decimals.</summary>
    public bool FullPrecision { get; init; }

    /// <summary>Layout of the adjoint trace (sequential by default).</summary>
    public AdjointLayout Layout { get; init; } = AdjointLayout.Sequential;

    internal Numbers Numbers => new(Math.Clamp(Digits, 0, 17), FullPrecision);
}

/// <summary>
/// Renders evaluation traces as the notes print them: the forward primal trace beside the forward tangent trace,
/// or beside the reverse adjoint trace (with every <c>+=</c> where a value fans out), as plain text, Markdown or
/// LaTeX tables, and the computational graph as DOT.
/// </summary>
/// <example><code>
/// var trace = Tracer.Trace(x => Scalar.Sin(x[0] / x[1]), [1.5, 0.5]);
/// string table = TraceRenderer.Render(trace.Tangent(0), TraceFormat.Markdown);
/// string dot = TraceRenderer.Render(trace, TraceFormat.Dot);
/// </code></example>
public static class TraceRenderer
{
    /// <summary>The primal trace alone (or, for <see cref="TraceFormat.Dot"/>, the graph).</summary>
    public static string Render(EvaluationTrace trace, TraceFormat format, TraceRenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trace);
        options ??= new TraceRenderOptions();
        if (format == TraceFormat.Dot) return ToDot(trace, null, null, options);
        Style s = StyleOf(format);
        var rows = PrimalRows(trace, s, options.Numbers);
        return Table(format, ["Forward primal trace", ""], rows.Select(r => new[] { r.Statement, r.Value }).ToList());
    }

    /// <summary>The forward primal trace beside the forward tangent trace v̇ for the tangent's direction.</summary>
    public static string Render(TangentTrace tangent, TraceFormat format, TraceRenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tangent);
        options ??= new TraceRenderOptions();
        EvaluationTrace trace = tangent.Trace;
        if (format == TraceFormat.Dot) return ToDot(trace, tangent, null, options);
        Style s = StyleOf(format);
        Numbers f = options.Numbers;
        var primal = PrimalRows(trace, s, f);
        var rows = new List<string[]>();
        int n = trace.InputCount;
        for (int p = 0; p < trace.Steps.Length; p++)
        {
            TraceStep step = trace.Steps[p];
            string rhs = step.Kind == StepKind.Input
                ? Decorate(step.Name ?? "x", s, '\u0307')
                : TangentSum(step, s, f);
            rows.Add([primal[p].Statement, primal[p].Value, Dot(step.Index, s) + " = " + rhs, Value(tangent.Values[p], f, s)]);
        }
        for (int k = 0; k < trace.OutputCount; k++)
        {
            TraceOutput y = trace.Outputs[k];
            string rhs = y.StepIndex is int i ? Dot(i, s) : "0";
            rows.Add([primal[n + trace.Length + k].Statement, primal[n + trace.Length + k].Value,
                Decorate(y.Name, s, '\u0307') + " = " + rhs, Value(tangent.OutputTangents[k], f, s)]);
        }
        string dir = Tuple(tangent.Direction, s);
        string? stem = CommonStem(trace.Steps.Take(n).Select(st => st.Name ?? "x"));
        string symbol = stem is null ? "" : Decorate(stem, s, '\u0307') + " = ";
        string head = s == Style.Text ? $"Forward tangent trace, {symbol}{dir}" : $"Forward tangent trace, ${symbol}{dir}$";
        return Table(format, ["Forward primal trace", "", head, ""], rows);
    }

    /// <summary>The forward primal trace beside the reverse adjoint trace v̄, listed in reverse (execution) order
    /// with every accumulation (<c>+=</c>) shown; <see cref="TraceRenderOptions.Layout"/> chooses sequential or
    /// the notes' aligned layout.</summary>
    public static string Render(AdjointTrace adjoint, TraceFormat format, TraceRenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(adjoint);
        options ??= new TraceRenderOptions();
        EvaluationTrace trace = adjoint.Trace;
        if (format == TraceFormat.Dot) return ToDot(trace, null, adjoint, options);
        Style s = StyleOf(format);
        Numbers f = options.Numbers;
        var primal = PrimalRows(trace, s, f);
        int n = trace.InputCount;

        // The adjoint statements as (text, value), with the primal row each belongs to in the aligned layout.
        var right = new List<(string Statement, string Value, int Row)>();
        foreach (AdjointStatement st in adjoint.Statements)
        {
            if (st.Kind == AdjointStatementKind.Seed)
            {
                TraceOutput y = trace.Outputs[st.Source];
                right.Add(($"{Bar(st.Target, s)} {(st.Accumulates ? "+=" : "=")} {Decorate(y.Name, s, '\u0304')}",
                    Value(st.Total, f, s), n + trace.Length + st.Source));
                continue;
            }
            TraceStep source = trace[st.Source];
            var (negative, factor) = AsFactor(Partial(source, st.Argument, s, f), s);
            string rhs = (negative ? Minus(s) : "") + (factor.Length == 0 ? Bar(st.Source, s) : Times(Bar(st.Source, s), factor, s));
            right.Add(($"{Bar(st.Target, s)} {(st.Accumulates ? "+=" : "=")} {rhs}", Value(st.Total, f, s), trace.Position(st.Source)));
        }
        for (int i = 0; i < n; i++)
        {
            TraceStep input = trace.Steps[i];
            right.Add(($"{Decorate(input.Name ?? "x", s, '\u0304')} = {Bar(input.Index, s)}", Value(adjoint.Gradient[i], f, s), i));
        }

        var rows = new List<string[]>();
        if (options.Layout == AdjointLayout.Sequential)
        {
            int count = Math.Max(primal.Count, right.Count);
            for (int r = 0; r < count; r++)
            {
                var (ps, pv) = r < primal.Count ? primal[r] : ("", "");
                var (rs, rv, _) = r < right.Count ? right[r] : ("", "", 0);
                rows.Add([ps, pv, rs, rv]);
            }
        }
        else
        {
            for (int r = 0; r < primal.Count; r++)
            {
                bool first = true;
                foreach (var (rs, rv, row) in right)
                {
                    if (row != r) continue;
                    rows.Add(first ? [primal[r].Statement, primal[r].Value, rs, rv] : ["", "", rs, rv]);
                    first = false;
                }
                if (first) rows.Add([primal[r].Statement, primal[r].Value, "", ""]);
            }
        }
        string seed = Tuple(adjoint.Seed, s);
        string order = options.Layout == AdjointLayout.Sequential ? "in execution order" : "read bottom to top";
        string? stem = CommonStem(trace.Outputs.Select(y => y.Name));
        string symbol = stem is null ? "" : Decorate(stem, s, '\u0304') + " = ";
        string head = s == Style.Text ? $"Reverse adjoint trace, {symbol}{seed}, {order}" : $"Reverse adjoint trace, ${symbol}{seed}$, {order}";
        return Table(format, ["Forward primal trace", "", head, ""], rows);
    }

    // ------------------------------------------------------------------ rows

    /// <summary>The name stem all the names share (x for x1, x2; w for w0, w1, w2), or null when they differ.</summary>
    private static string? CommonStem(IEnumerable<string> names)
    {
        string? stem = null;
        foreach (string name in names)
        {
            string st = name.TrimEnd("0123456789".ToCharArray());
            if (st.Length == 0 || (stem is not null && stem != st)) return null;
            stem = st;
        }
        return stem;
    }

    /// <summary>"1" for one number, "(1, 0)" for several.</summary>
    private static string Tuple(IReadOnlyList<double> v, Style s)
    {
        string items = string.Join(", ", v.Select(d => Value(d, Numbers.RoundTrip, s)));
        return v.Count == 1 ? items : "(" + items + ")";
    }

    private static Style StyleOf(TraceFormat format) => format == TraceFormat.Latex ? Style.Latex : Style.Text;

    /// <summary>One row per step (inputs, intermediates), then one per output.</summary>
    private static List<(string Statement, string Value)> PrimalRows(EvaluationTrace trace, Style s, Numbers f)
    {
        var rows = new List<(string, string)>(trace.Steps.Length + trace.OutputCount);
        foreach (TraceStep step in trace.Steps)
            rows.Add(($"{Var(step.Index, s)} = {Primal(step, s, f)}", Value(step.Value, f, s)));
        foreach (TraceOutput y in trace.Outputs)
            rows.Add(($"{Name(y.Name, s)} = {(y.StepIndex is int i ? Var(i, s) : Constant(y.Value, f))}", Value(y.Value, f, s)));
        return rows;
    }

    // ------------------------------------------------------------------ tables

    private static string Table(TraceFormat format, string[] header, List<string[]> rows) => format switch
    {
        TraceFormat.Markdown => Markdown(header, rows),
        TraceFormat.Latex => Latex(header, rows),
        _ => Text(header, rows),
    };

    /// <summary>Columns padded by display width (combining dots and bars take no room); statement columns left,
    /// value columns right; a bar between the two halves.</summary>
    private static string Text(string[] header, List<string[]> rows)
    {
        int cols = header.Length;
        var width = new int[cols];
        foreach (string[] r in rows)
            for (int c = 0; c < cols; c++) width[c] = Math.Max(width[c], DisplayWidth(r[c]));
        // The headers span a statement column and its value column; the last header may run past its columns.
        for (int c = 0; c < cols - 2; c += 2)
        {
            int need = DisplayWidth(header[c]) - (width[c] + 2 + width[c + 1]);
            if (need > 0) width[c] += need;
        }
        var sb = new StringBuilder();
        void Line(string[] cells, bool isHeader)
        {
            var line = new StringBuilder();
            for (int c = 0; c < cols; c += 2)
            {
                if (c > 0) line.Append(" │ ");
                if (isHeader) line.Append(Pad(cells[c], width[c] + 2 + width[c + 1], left: true));
                else line.Append(Pad(cells[c], width[c], left: true)).Append("  ").Append(Pad(cells[c + 1], width[c + 1], left: false));
            }
            sb.Append(line.ToString().TrimEnd()).Append('\n');
        }
        Line(header, true);
        var rule = new string[cols];
        for (int c = 0; c < cols; c += 2)
            rule[c] = new string('─', Math.Max(width[c] + 2 + width[c + 1], c == cols - 2 ? DisplayWidth(header[c]) : 0));
        sb.Append(string.Join("─┼─", Enumerable.Range(0, cols / 2).Select(c => rule[2 * c]))).Append('\n');
        foreach (string[] r in rows) Line(r, false);
        return sb.ToString();
    }

    private static string Pad(string s, int width, bool left)
    {
        int pad = Math.Max(0, width - DisplayWidth(s));
        return left ? s + new string(' ', pad) : new string(' ', pad) + s;
    }

    /// <summary>Characters that take a column: combining marks (U+0300–U+036F) take none.</summary>
    internal static int DisplayWidth(string s)
    {
        int w = 0;
        foreach (char c in s) if (c < '\u0300' || c > '\u036F') w++;
        return w;
    }

    private static string Markdown(string[] header, List<string[]> rows)
    {
        static string Cell(string c) => c.Replace("|", "\\|");
        var sb = new StringBuilder();
        sb.Append("| ").Append(string.Join(" | ", header.Select(Cell))).Append(" |\n");
        sb.Append('|').Append(string.Join("|", header.Select((_, c) => c % 2 == 0 ? ":---" : "---:"))).Append("|\n");
        foreach (string[] r in rows) sb.Append("| ").Append(string.Join(" | ", r.Select(Cell))).Append(" |\n");
        return sb.ToString();
    }

    private static string Latex(string[] header, List<string[]> rows)
    {
        int cols = header.Length;
        var sb = new StringBuilder();
        sb.Append(@"\begin{tabular}{").Append(string.Join("|", Enumerable.Range(0, cols / 2).Select(_ => "lr"))).Append("}\n");
        sb.Append(string.Join(" & ", Enumerable.Range(0, cols / 2).Select(c =>
            $@"\multicolumn{{2}}{{{(c < cols / 2 - 1 ? "l|" : "l")}}}{{{header[2 * c]}}}"))).Append(@" \\").Append('\n');
        sb.Append(@"\hline").Append('\n');
        foreach (string[] r in rows)
            sb.Append(string.Join(" & ", r.Select(c => c.Length == 0 ? "" : "$" + c + "$"))).Append(@" \\").Append('\n');
        sb.Append(@"\end{tabular}").Append('\n');
        return sb.ToString();
    }

    // ------------------------------------------------------------------ DOT

    /// <summary>The computational graph in Graphviz DOT: one node per step (inputs as boxes, labelled with the
    /// step and its value, and v̇ or v̄ when given), one edge per argument labelled with the local partial c_ij,
    /// and the outputs as double circles.</summary>
    public static string ToDot(EvaluationTrace trace, TangentTrace? tangent = null, AdjointTrace? adjoint = null,
        TraceRenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trace);
        options ??= new TraceRenderOptions();
        Numbers f = options.Numbers;
        const Style s = Style.Text;
        static string Id(int i) => i < 0 ? "vm" + (-i).ToString(CultureInfo.InvariantCulture) : "v" + i.ToString(CultureInfo.InvariantCulture);
        static string Esc(string t) => t.Replace("\\", "\\\\").Replace("\"", "\\\"");

        var sb = new StringBuilder();
        sb.Append("digraph trace {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", shape=ellipse];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
        for (int p = 0; p < trace.Steps.Length; p++)
        {
            TraceStep step = trace.Steps[p];
            var lines = new List<string> { $"{Var(step.Index, s)} = {Primal(step, s, f)}", Value(step.Value, f) };
            if (tangent is not null) lines.Add($"{Dot(step.Index, s)} = {Value(tangent.Values[p], f)}");
            if (adjoint is not null) lines.Add($"{Bar(step.Index, s)} = {Value(adjoint.Values[p], f)}");
            string shape = step.Kind == StepKind.Input ? ", shape=box" : "";
            sb.Append($"  {Id(step.Index)} [label=\"{string.Join("\\n", lines.Select(Esc))}\"{shape}];\n");
        }
        foreach (TraceStep step in trace.Steps)
            foreach (TraceOperand o in step.Operands)
                if (!o.IsConstant)
                    sb.Append($"  {Id(o.Index)} -> {Id(step.Index)} [label=\"{Esc(Value(o.Partial, f))}\"];\n");
        foreach (TraceOutput y in trace.Outputs)
        {
            string id = "y" + (y.Position + 1).ToString(CultureInfo.InvariantCulture);
            sb.Append($"  {id} [label=\"{Esc(Name(y.Name, s))}\\n{Value(y.Value, f)}\", shape=doublecircle];\n");
            if (y.StepIndex is int i) sb.Append($"  {Id(i)} -> {id};\n");
        }
        sb.Append("}\n");
        return sb.ToString();
    }
}
