using HybridAD.Tracing;
using static HybridAD.Scalar;

namespace HybridAD.Tests.Tracing;

/// <summary>Renderings of traces: text alignment, Markdown escaping, LaTeX notation, DOT structure, number formats.</summary>
public class TraceRendererTests
{
    private static readonly EvaluationTrace Trace = Tracer.Trace(x => Abs(x[0] - x[1]) * Tanh(x[0]) / x[1], [0.5, 2.0]);

    [Fact]
    public void Text_ColumnsAlign_IgnoringCombiningMarks()
    {
        string text = TraceRenderer.Render(Trace.Adjoint(), TraceFormat.Text);
        string[] rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int bar = TraceRenderer.DisplayWidth(rows[0][..rows[0].IndexOf('│')]);
        foreach (string row in rows.Skip(2))
            Assert.Equal(bar, TraceRenderer.DisplayWidth(row[..row.IndexOf('│')]));
        Assert.Equal(3, TraceRenderer.DisplayWidth("v̄₅x"));
    }

    [Fact]
    public void Markdown_EscapesPipes()
    {
        string md = TraceRenderer.Render(Trace, TraceFormat.Markdown);
        Assert.Contains(@"v₁ = v₋₁ − v₀", md);
        Assert.Contains(@"\|v₁\|", md); // |v₁| inside a table cell
        Assert.All(md.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("|", line));
    }

    [Fact]
    public void Latex_UsesTheNotesNotation()
    {
        string tex = TraceRenderer.Render(Trace.Tangent(0), TraceFormat.Latex);
        Assert.Contains(@"$v_{2} = \lvert v_{1} \rvert$", tex);
        Assert.Contains(@"$\dot{v}_{3} = (1 - {v_{3}}^2) \cdot \dot{v}_{-1}$", tex);
        Assert.Contains(@"\dot{v}_{-1} = \dot{x}_{1}", tex);
        Assert.EndsWith("\\end{tabular}\n", tex);
    }

    [Fact]
    public void Dot_HasOneEdgePerVariableArgument()
    {
        string dot = TraceRenderer.ToDot(Trace, Trace.Tangent(1), Trace.Adjoint());
        int args = Trace.Steps.Sum(s => s.Operands.Count(o => !o.IsConstant));
        int edges = dot.Split('\n').Count(l => l.Contains("->") && !l.Contains("-> y"));
        Assert.Equal(args, edges);
        Assert.Contains("shape=doublecircle", dot);
        Assert.Contains("v̇", dot);
        Assert.Contains("v̄", dot);
        Assert.Equal(TraceRenderer.ToDot(Trace), TraceRenderer.Render(Trace, TraceFormat.Dot));
    }

    [Fact]
    public void Numbers_DigitsFullAndNegativeZero()
    {
        EvaluationTrace t = Tracer.Trace(x => x[0] * -1e-9, [1.0]);
        string two = TraceRenderer.Render(t, TraceFormat.Text);
        Assert.Contains(" 0.00", two);
        Assert.DoesNotContain("-0.00", two);
        Assert.Contains("-1E-09", TraceRenderer.Render(t, TraceFormat.Text, new TraceRenderOptions { FullPrecision = true }));
        Assert.Contains("1.000000", TraceRenderer.Render(t, TraceFormat.Text, new TraceRenderOptions { Digits = 6 }));
    }

    [Fact]
    public void AlignedLayout_PutsEachStatementBesideItsStep()
    {
        EvaluationTrace t = Tracer.Trace(x => Sin(x[0]) * x[0], [1.0]);
        string text = TraceRenderer.Render(t.Adjoint(), TraceFormat.Text, new TraceRenderOptions { Layout = AdjointLayout.Aligned });
        string[] rows = text.Split('\n');
        Assert.Contains("v̄₀ = v̄₂·v₁", rows.Single(r => r.StartsWith("v₂ = v₁·v₀")));
        Assert.Contains("v̄₀ += v̄₁·cos(v₀)", rows.Single(r => r.StartsWith("v₁ = sin(v₀)")));
        Assert.Contains("x̄₁ = v̄₀", rows.Single(r => r.StartsWith("v₀ = x₁")));
    }
}
