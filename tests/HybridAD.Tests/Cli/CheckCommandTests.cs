using HybridAD;
using HybridAD.Checking;
using HybridAD.Cli.Commands;

namespace HybridAD.Tests.Cli;

/// <summary><c>hybridad check</c>: every report passes on the worked examples and the rules, the "why AD" line
/// shows the failed forward difference, and a failed check makes the exit code non-zero.</summary>
public class CheckCommandTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ChecksTheWorkedExamplesAndEveryRule(bool richardson)
    {
        var output = new StringWriter();
        int exit = CheckCommand.Run(output, richardson, seed: 20240611);
        string text = output.ToString();
        Assert.True(exit == 0, text);
        Assert.DoesNotContain("FAIL", text);
        Assert.Contains(richardson ? "Richardson-extrapolated central differences" : "central differences (h = 6.06e-06", text);
        foreach (string check in new[] { "PASS CheckGrad [(a)", "PASS CheckJvp [(a)", "PASS CheckVjp [(a)", "PASS CheckJacobian [(a) residuals",
                     "PASS CheckGrad [(b)", "PASS CheckVjp [(b)", "PASS CheckDerivative [(c)", "PASS CheckDerivative [(d)", "PASS elemental rules" })
            Assert.Contains(check, text);
        Assert.Contains("forward difference (f(x + h·e₁) − f(x))/h, h = √ε: 0 ", text);
        Assert.Contains("HybridAD forward mode (Jvp along e₁):              2                    exact", text);
        Assert.Contains("HybridAD reverse mode (Grad):                      2                    exact", text);
        Assert.Matches(@"\n\d+ checks, 0 failed", text);
    }

    [Fact]
    public void EveryElementalRuleIsChecked()
    {
        List<CheckReport> reports = CheckCommand.ElementalRuleChecks(CheckOptions.Default);
        Assert.Equal(HybridAD.Rules.RuleCatalog.Elementals.Count * 3 * 2, reports.Count);
        Assert.All(reports, r => Assert.True(r.Passed, r.ToString()));
    }

    [Fact]
    public void WhyAdLineReportsTheNumbers()
    {
        var output = new StringWriter();
        Assert.True(CheckCommand.WhyAd(output));
        Assert.Contains("f(x) = 333833500", output.ToString());
        Assert.Contains("error 2e+00", output.ToString());
    }

    [Fact]
    public void AFailedCheckMakesTheExitCodeNonZero()
    {
        var wrongSin = CustomRule.Create("wrong_sin", 1, x => Math.Sin(x[0]), (x, _) => [Scalar.Sin(x[0])]);
        CheckReport failed = Checker.CheckRule(wrongSin, [0.4]);
        CheckReport passed = Checker.CheckGrad(x => x[0] * x[1], [1.0, 2.0]);
        var output = new StringWriter();
        Assert.Equal(1, CheckCommand.Print(output, [passed, failed], [], () => true));
        Assert.Contains("FAIL CheckRule [wrong_sin]", output.ToString());
        Assert.Contains("3 checks, 1 failed", output.ToString());

        output = new StringWriter();
        Assert.Equal(1, CheckCommand.Print(output, [passed], [failed], () => true));
        Assert.Contains("FAIL elemental rules", output.ToString());
        Assert.Equal(1, CheckCommand.Print(new StringWriter(), [passed], [], () => false)); // an inexact AD mode fails too
        Assert.Equal(0, CheckCommand.Print(new StringWriter(), [passed], [passed], () => true));
    }

    [Fact]
    public void TheCommandParsesItsOptionsAndRuns()
    {
        var output = new StringWriter();
        var previous = Console.Out;
        int exit;
        try
        {
            Console.SetOut(output);
            exit = CheckCommand.Create().Parse(["--seed", "5"]).Invoke();
        }
        finally { Console.SetOut(previous); }
        Assert.Equal(0, exit);
        Assert.Contains("checks, 0 failed", output.ToString());
    }
}
