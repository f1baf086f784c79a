using HybridAD.Tracing;

namespace HybridAD.Tests.Tracing;

/// <summary>The expression parser behind <c>hybridad trace --expr</c>: grammar, values, derivatives, and errors.</summary>
public class ScalarExpressionTests
{
    private static double Eval(string text, params (string Name, double Value)[] at)
    {
        ScalarExpression e = ScalarExpression.Parse(text);
        return e.Compile([.. at.Select(a => a.Name)])([.. at.Select(a => new Scalar(a.Value))])[0].Value;
    }

    [Theory]
    [InlineData("1 - 2 - 3", -4)]
    [InlineData("8 / 4 / 2", 1)]
    [InlineData("2 + 3 * 4", 14)]
    [InlineData("(2 + 3) * 4", 20)]
    [InlineData("2 ^ 3 ^ 2", 512)]
    [InlineData("-2 ^ 2", -4)]
    [InlineData("2 ^ -1", 0.5)]
    [InlineData("--3", 3)]
    [InlineData("+4 * .5", 2)]
    [InlineData("2e-1 * 10", 2)]
    [InlineData("max(1, 2) + min(1, 2)", 3)]
    [InlineData("hypot(3, 4)", 5)]
    [InlineData("sqrt(16) + cube(2) + square(3) + recip(4)", 21.25)]
    public void Constants_FollowPrecedenceAndAssociativity(string text, double expected) =>
        Assert.Equal(expected, Eval(text), 14);

    [Fact]
    public void Variables_AndFunctions()
    {
        Assert.Equal(-9, Eval("-x^2", ("x", 3)), 14);
        Assert.Equal(Math.Sin(1.5 / 0.5) + 3 - Math.Exp(0.5), Eval("sin(x1/x2) + x1/x2 - exp(x2)", ("x1", 1.5), ("x2", 0.5)), 14);
        Assert.Equal(Math.PI, Eval("pi"), 15);
        Assert.Equal(Math.Log(2), Eval("ln(a)", ("a", 2)), 15);
        Assert.Equal(Math.Atan2(1, 2), Eval("atan2(y, x)", ("x", 2), ("y", 1)), 15);
        Assert.Equal(1 / (1 + Math.Exp(-0.3)), Eval("sigmoid(t)", ("t", 0.3)), 15);
        ScalarExpression e = ScalarExpression.Parse("b*a + a");
        Assert.Equal(["b", "a"], e.Variables.ToArray());
        ScalarExpression multi = ScalarExpression.Parse("x*y, x+y, 3");
        Assert.Equal(3, multi.OutputCount);
        Assert.Equal([6.0, 5.0, 3.0], multi.Compile(["x", "y"])([2.0, 3.0]).ToDoubles());
    }

    [Fact]
    public void Compiled_IsDifferentiable_AndExpandedSigmoidAgrees()
    {
        ScalarExpression e = ScalarExpression.Parse("sigmoid(2*x - y) * y^1.5");
        double[] g1 = AD.Grad(x => e.Compile(["x", "y"])(x)[0], [0.3, 0.8]);
        double[] g2 = AD.Grad(x => e.Compile(["x", "y"], expandSigmoid: true)(x)[0], [0.3, 0.8]);
        double s = 1 / (1 + Math.Exp(-(0.6 - 0.8)));
        Assert.Equal(2 * s * (1 - s) * Math.Pow(0.8, 1.5), g1[0], 13);
        Assert.Equal(g1[0], g2[0], 13);
        Assert.Equal(g1[1], g2[1], 13);
        // x^c with a constant exponent is the elemental powc; x^y the general power.
        EvaluationTrace t = Tracer.Trace(x => e.Compile(["x", "y"])(x), [0.3, 0.8]);
        Assert.Equal(["affine", "sigmoid", "powc", "*"], t.Steps.Skip(2).Select(st => st.Op));
        Assert.Equal(1.5, t[3].Parameter);
        Assert.Equal("pow", Tracer.Trace(x => ScalarExpression.Parse("x^y").Compile(["x", "y"])(x), [2.0, 3.0])[1].Op);
    }

    [Theory]
    [InlineData("x*(y + 2", 9, "')'", "the end of the expression")]
    [InlineData("", 1, "a number, a variable, a function call or '('", "the end of the expression")]
    [InlineData("x + * y", 5, "a number, a variable, a function call or '('", "'*'")]
    [InlineData("x + 3 y", 7, "an operator, ',' or the end of the expression", "'y'")]
    [InlineData("sinx(y)", 1, "a known function", "'sinx'")]
    [InlineData("sin x", 5, "'(' after the function sin", "'x'")]
    [InlineData("atan2(x)", 8, "',' and the second argument of atan2", "')'")]
    [InlineData("sin(x, y)", 6, "')' (sin takes one argument)", "','")]
    [InlineData("x $ y", 3, "a number, a name, an operator", "'$'")]
    [InlineData("(x))", 4, "an operator, ',' or the end of the expression", "')'")]
    public void SyntaxErrors_GivePositionExpectedAndFound(string text, int position, string expected, string found)
    {
        var e = Assert.Throws<ExpressionSyntaxException>(() => ScalarExpression.Parse(text));
        Assert.Equal(position, e.Position);
        Assert.Contains(expected, e.Expected);
        Assert.Equal(found, e.Found);
        Assert.Contains($"position {position}", e.Message);
        Assert.Contains("^", e.Message); // a caret under the column
    }

    [Fact]
    public void DeepNesting_IsAnErrorNotAStackOverflow()
    {
        string deep = new string('(', 100_000) + "x" + new string(')', 100_000);
        var e = Assert.Throws<ExpressionSyntaxException>(() => ScalarExpression.Parse(deep));
        Assert.Contains("levels of nesting", e.Expected);
    }

    [Fact]
    public void Compile_ChecksVariables()
    {
        ScalarExpression e = ScalarExpression.Parse("x + z");
        Assert.Contains("'z'", Assert.Throws<ArgumentException>(() => e.Compile(["x"])).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => e.Compile(["x", "z", "x"])).Message);
        Func<Scalar[], Scalar[]> f = e.Compile(["x", "z", "unused"]);
        Assert.Equal(3.0, f([1.0, 2.0, 9.0])[0].Value);
        Assert.Contains("expected 3", Assert.Throws<ArgumentException>(() => f([1.0])).Message);
    }
}
