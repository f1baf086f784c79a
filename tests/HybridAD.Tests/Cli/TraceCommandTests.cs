using HybridAD.Cli.Commands;

namespace HybridAD.Tests.Cli;

/// <summary><c>hybridad trace</c>: the notes' tables end to end, formats, and input errors.</summary>
public class TraceCommandTests
{
    private static (int Code, string Out, string Err) Run(TraceCommand.Request r)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TraceCommand.Run(r, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Logistic_PrintsTheNotesAdjointTable()
    {
        var (code, text, _) = Run(new TraceCommand.Request { Example = "logistic" });
        Assert.Equal(0, code);
        foreach (string s in new[]
        {
            "v₁ = v₋₂ + v₋₁ + 1.5·v₀", "1.25", "v₂ = v₋₂ + 1.5·v₋₁ − v₀", "0.75", "v₃ = σ(v₁)", "0.78", "v₅ = 0 − v₃", "-0.78",
            "v₇ = v₅²", "0.60", "v₉ = v₇ + v₈", "0.71", "L = v₉",
            "v̄₉ = L̄", "v̄₅ = v̄₇·2v₅", "-1.55", "v̄₆ = v̄₈·2v₆", "0.64", "v̄₁ = v̄₃·v₃(1 − v₃)", "0.27", "-0.14",
            "v̄₋₂ += v̄₁", "w̄₀ = v̄₋₂", "0.13", "0.06", "0.54",
        })
            Assert.Contains(s, text);
        // The gradient rows read (0.13, 0.06, 0.54).
        string[] lines = text.Split('\n');
        Assert.EndsWith("0.13", lines.Single(l => l.Contains("w̄₀ = v̄₋₂")).TrimEnd());
        Assert.EndsWith("0.06", lines.Single(l => l.Contains("w̄₁ = v̄₋₁")).TrimEnd());
        Assert.EndsWith("0.54", lines.Single(l => l.Contains("w̄₂ = v̄₀")).TrimEnd());
    }

    [Fact]
    public void Logistic_Expanded_ShowsFourElementalsPerSigma()
    {
        var (code, text, _) = Run(new TraceCommand.Request { Example = "logistic", Expand = true, Sweep = "primal" });
        Assert.Equal(0, code);
        Assert.Contains("v₃ = −v₁", text);
        Assert.Contains("v₄ = exp(v₃)", text);
        Assert.Contains("v₅ = 1 + v₄", text);
        Assert.Contains("v₆ = 1/v₅", text);
        Assert.DoesNotContain("σ", text);
    }

    [Fact]
    public void SinCos_PrintsTheNotesTangentTable()
    {
        var (code, text, _) = Run(new TraceCommand.Request { Example = "sincos" });
        Assert.Equal(0, code);
        foreach (string s in new[] { "v₁ = v₋₁/v₀", "3.0000", "v₂ = sin(v₁)", "0.1411", "1.6487", "1.3513", "1.4924", "v̇₂ = cos(v₁)·v̇₁", "-1.9800", "0.0200", "y\u0307 = v̇₆", "3.0118" })
            Assert.Contains(s, text);
    }

    [Fact]
    public void Formats()
    {
        Assert.Contains("|:---|---:|:---|---:|", Run(new TraceCommand.Request { Example = "logistic", Format = "markdown" }).Out);
        string latex = Run(new TraceCommand.Request { Example = "logistic", Format = "latex" }).Out;
        Assert.Contains(@"\begin{tabular}", latex);
        Assert.Contains(@"$\bar{v}_{5} = \bar{v}_{7} \cdot 2 v_{5}$", latex);
        Assert.Contains(@"$v_{3} = \sigma(v_{1})$", latex);
        string dot = Run(new TraceCommand.Request { Example = "sincos", Format = "dot" }).Out;
        Assert.StartsWith("digraph trace {", dot);
        Assert.Contains("vm1 -> v1", dot);
        Assert.Contains("v̇₆ = 3.0118", dot);
        string full = Run(new TraceCommand.Request { Example = "logistic", Full = true }).Out;
        Assert.Contains("0.707121381244987", full);
        Assert.Contains("1.25", full);
    }

    [Fact]
    public void Expression_TracesBothSweeps()
    {
        var (code, text, _) = Run(new TraceCommand.Request { Expression = "x*y + sin(x), exp(-x^2)/y", At = "x=0.5,y=2" });
        Assert.Equal(0, code);
        Assert.Contains("Forward tangent trace", text);
        Assert.Contains("Reverse adjoint trace", text);
        Assert.Contains("v₁ = v₋₁·v₀", text);
        Assert.Contains("f₁ = v₆", text);
        double expected = 2 + Math.Cos(0.5); // ∂f₁/∂x = y + cos x
        Assert.Contains(expected.ToString("F2", System.Globalization.CultureInfo.InvariantCulture), text);
    }

    [Fact]
    public void Errors_NameThePositionAndWhatWasExpected()
    {
        var (code, _, err) = Run(new TraceCommand.Request { Expression = "x*(y + 2", At = "x=1,y=2" });
        Assert.Equal(2, code);
        Assert.Contains("position 9", err);
        Assert.Contains("expected ')'", err);
        Assert.Contains("the end of the expression", err);

        (code, _, err) = Run(new TraceCommand.Request { Expression = "x + z", At = "x=1" });
        Assert.Equal(2, code);
        Assert.Contains("'z'", err);
        Assert.DoesNotContain("(Parameter", err);

        (code, _, err) = Run(new TraceCommand.Request { Expression = "x", At = "x:1" });
        Assert.Equal(2, code);
        Assert.Contains("not name=number", err);

        (code, _, err) = Run(new TraceCommand.Request { Example = "rosenbrock" });
        Assert.Equal(2, code);
        Assert.Contains("logistic or sincos", err);

        (code, _, err) = Run(new TraceCommand.Request { Example = "sincos", Direction = "1,0,0" });
        Assert.Equal(2, code);
        Assert.Contains("expected 2", err);

        (code, _, err) = Run(new TraceCommand.Request());
        Assert.Equal(2, code);
        Assert.Contains("--expr", err);
    }
}
