using HybridAD;
using HybridAD.Checking;
using HybridAD.Rules;
using LanguageExt;
using static HybridAD.Scalar;

namespace HybridAD.Tests.Checking;

/// <summary>The checkers pass on correct derivatives, and FAIL — by report, not exception — on wrong ones,
/// naming the worst entry.</summary>
public class CheckerTests
{
    private static readonly double[] LogisticPoint = [-1, 1.5, 0.5];
    private static readonly double[] SinCosPoint = [1.5, 0.5];

    /// <summary>sin with a deliberately wrong partial: ∂ = sin x instead of cos x.</summary>
    private static readonly CustomRule WrongSin = CustomRule.Create("wrong_sin", 1,
        primal: x => Math.Sin(x[0]), partials: (x, y) => [Sin(x[0])]);

    /// <summary>x·y with a correct JVP and a VJP that swaps the partials.</summary>
    private static readonly CustomRule SwappedVjp = CustomRule.FromJvpVjp("swapped_vjp", 2,
        primal: x => x[0] * x[1],
        jvp: (x, v) => x[1] * v[0] + x[0] * v[1],
        vjp: (x, u) => [u * x[0], u * x[1]]);

    private static Scalar[] Vector(Scalar[] x) => [x[0] * Sin(x[1]), Exp(x[0] - x[2]), x[1] * x[2] / (1 + Square(x[0]))];

    [Fact]
    public void CorrectDerivativesPassAgainstBothReferences()
    {
        var richardson = CheckOptions.Default with { Differences = FiniteDifferenceOptions.Richardson };
        CheckReport[] reports =
        [
            Checker.CheckGrad(WorkedExamplesTests.Logistic, LogisticPoint),
            Checker.CheckGrad(WorkedExamplesTests.Logistic, LogisticPoint, richardson),
            Checker.CheckGrad(WorkedExamplesTests.SinCos, SinCosPoint),
            Checker.CheckJvp(WorkedExamplesTests.SinCos, SinCosPoint, [0.6, -0.8]),
            Checker.CheckVjp(WorkedExamplesTests.SinCos, SinCosPoint, 1.7),
            Checker.CheckDerivative(x => Log(x) + Sqrt(Log(x)), 2.0),
            Checker.CheckJvp(Vector, [0.3, 1.1, -0.4], [1.0, -2.0, 0.5], richardson),
            Checker.CheckVjp(Vector, [0.3, 1.1, -0.4], [1.0, -2.0, 0.5]),
            Checker.CheckJacobian(Vector, [0.3, 1.1, -0.4], JacobianMode.Forward),
            Checker.CheckJacobian(Vector, [0.3, 1.1, -0.4], JacobianMode.Reverse, richardson),
        ];
        foreach (CheckReport r in reports)
        {
            Assert.True(r.Passed, r.ToString());
            Assert.True(r.MaxRelError < 1e-6, r.ToString());
            Assert.StartsWith("PASS", r.ToString());
        }
        Assert.Equal(3, reports[0].Count);
        Assert.Equal(9, reports[8].Count);
        Assert.Equal(3, reports[7].Count); // three random probes
        Assert.True(CheckReport.All(reports).IsSuccess);
    }

    [Fact]
    public void ReportFieldsDescribeTheComparison()
    {
        CheckReport r = Checker.CheckGrad(WorkedExamplesTests.Logistic, LogisticPoint, CheckOptions.Default with { Label = "logistic" });
        Assert.Equal("CheckGrad", r.Check);
        Assert.Equal("logistic", r.Label);
        Assert.Contains("reverse-mode gradient", r.Tested);
        Assert.Contains("central differences", r.Reference);
        Assert.Equal(Tolerance.CentralDifferences, r.Tolerance);
        Assert.Equal(1, r.Magnitude); // all partials are below 1
        Assert.InRange(r.WorstIndex, 0, 2);
        Assert.Equal($"∂f/∂x[{r.WorstIndex}]", r.WorstCoordinate);
        double[] exact = [0.129297943112215, 0.0593925877703805, 0.543473691377497];
        Assert.Equal(exact[r.WorstIndex], r.WorstActual, 12);
        Assert.True(r.MaxAbsError > 0 && r.MaxAbsError < 1e-8, r.ToString()); // finite differences are not exact
        string text = r.ToString();
        Assert.Contains("PASS CheckGrad [logistic]", text);
        Assert.Contains("worst ∂f/∂x[", text);
        Assert.Contains("|err| ≤ 1e-06·M + 1e-06·|ref|", text);
        Assert.Equal(3, text.Split('\n').Length);
    }

    [Fact]
    public void AWrongPartialFailsByReportNotException()
    {
        CheckReport rule = Checker.CheckRule(WrongSin, [0.4]);
        Assert.False(rule.Passed, rule.ToString());
        Assert.Equal(2, rule.Count); // forward and reverse
        Assert.StartsWith("FAIL CheckRule [wrong_sin]", rule.ToString());
        Assert.Equal(Math.Cos(0.4), rule.WorstReference, 8);
        Assert.Equal(Math.Sin(0.4), rule.WorstActual, 12);
        Assert.True(rule.MaxRelError > 0.5);
        Assert.True(rule.ToValidation().IsFail);
        Assert.True(rule.ToEither().IsLeft);
        Assert.Equal("failed", rule.Match(_ => "passed", _ => "failed"));

        // The same wrong rule inside a larger function: CheckGrad points at the coordinate it touches.
        CheckReport grad = Checker.CheckGrad(x => x[0] * x[0] + WrongSin.Invoke(x[1]) * 3, [1.0, 0.4]);
        Assert.False(grad.Passed);
        Assert.Equal("∂f/∂x[1]", grad.WorstCoordinate);
        Assert.Contains(" > ", grad.ToString().Split('\n')[2]);

        CheckReport jvp = Checker.CheckJvp(x => WrongSin.Invoke(x[0]), [0.4], [1.0]);
        Assert.False(jvp.Passed);
        CheckReport derivative = Checker.CheckDerivative(x => WrongSin.Invoke(x), 0.4);
        Assert.False(derivative.Passed);
    }

    [Fact]
    public void TheAdjointIdentityCatchesAWrongVjpThatJvpChecksMiss()
    {
        Func<Scalar[], Scalar> f = x => SwappedVjp.Invoke(x[0], x[1]);
        double[] x = [2.0, -3.0];
        Assert.True(Checker.CheckJvp(f, x, [0.5, 0.25]).Passed); // forward mode uses the (correct) JVP
        CheckReport vjp = Checker.CheckVjp(f, x, 1.0);
        Assert.False(vjp.Passed, vjp.ToString());
        Assert.Contains("⟨u, J·v", vjp.WorstCoordinate);
        Assert.False(Checker.CheckRule(SwappedVjp, x).Passed);
        CheckReport rule = Checker.CheckRule(SwappedVjp, x);
        Assert.StartsWith("reverse", rule.WorstCoordinate);
    }

    [Fact]
    public void AUsersOwnDerivativeFunctions()
    {
        Func<Scalar[], Scalar> f = x => Log(x[0]) * x[1];
        Func<double[], double[]> right = x => [x[1] / x[0], Math.Log(x[0])];
        Func<double[], double[]> wrong = x => [x[1], Math.Log(x[0])];
        double[] x = [2.0, 3.0];
        Assert.True(Checker.CheckUserGradient(f, right, x).Passed);
        Assert.True(Checker.CheckUserGradient(f, right, x, Against.FiniteDifferences).Passed);
        CheckReport bad = Checker.CheckUserGradient(f, wrong, x);
        Assert.False(bad.Passed);
        Assert.Equal("∂f/∂x[0]", bad.WorstCoordinate);
        Assert.Equal(3.0, bad.WorstActual);
        Assert.Equal(1.5, bad.WorstReference);
        Assert.Equal(Tolerance.Analytic, bad.Tolerance);
        Assert.False(Checker.CheckUserGradient(f, wrong, x, Against.FiniteDifferences).Passed);

        // derivative, JVP, VJP and Jacobian of f(x) = (x₀x₁, sin x₀): J = [[x₁, x₀], [cos x₀, 0]]
        Func<Scalar[], Scalar[]> g = x => [x[0] * x[1], Sin(x[0])];
        Func<double[], double[,]> jac = x => new[,] { { x[1], x[0] }, { Math.Cos(x[0]), 0 } };
        Func<double[], double[], double[]> jvp = (x, v) => [x[1] * v[0] + x[0] * v[1], Math.Cos(x[0]) * v[0]];
        Func<double[], double[], double[]> vjp = (x, u) => [x[1] * u[0] + Math.Cos(x[0]) * u[1], x[0] * u[0]];
        Func<double[], double[], double[]> vjpUntransposed = (x, u) => [x[1] * u[0] + x[0] * u[1], Math.Cos(x[0]) * u[0]];
        foreach (Against against in new[] { Against.HybridAD, Against.FiniteDifferences })
        {
            Assert.True(Checker.CheckUserDerivative(Cos, t => -Math.Sin(t), 0.9, against).Passed);
            Assert.False(Checker.CheckUserDerivative(Cos, Math.Sin, 0.9, against).Passed);
            Assert.True(Checker.CheckUserJacobian(g, jac, x, against).Passed);
            Assert.True(Checker.CheckUserJvp(g, jvp, x, [0.7, -0.2], against).Passed);
            CheckReport v = Checker.CheckUserVjp(g, vjp, x, [1.0, -2.0], against);
            Assert.True(v.Passed, v.ToString());
            CheckReport vBad = Checker.CheckUserVjp(g, vjpUntransposed, x, [1.0, -2.0], against);
            Assert.False(vBad.Passed, vBad.ToString());
        }
    }

    [Fact]
    public void AResultOfTheWrongShapeIsAFailedCheck()
    {
        Func<Scalar[], Scalar> f = x => x[0] * x[1];
        CheckReport r = Checker.CheckUserGradient(f, _ => [1.0], [2.0, 3.0]);
        Assert.False(r.Passed);
        Assert.Contains("expected 2 entries", r.WorstCoordinate);
        Assert.True(double.IsNaN(r.MaxAbsError));
        Assert.StartsWith("FAIL", r.ToString());

        CheckReport j = Checker.CheckUserJacobian(x => [x[0], x[1]], _ => new double[1, 2], [2.0, 3.0]);
        Assert.False(j.Passed);
        Assert.Contains("1×2, expected 2×2", j.WorstCoordinate);

        CheckReport v = Checker.CheckUserVjp(x => [x[0], x[1]], (_, _) => [1.0], [2.0, 3.0], [1.0, 1.0]);
        Assert.False(v.Passed);
    }

    [Fact]
    public void ANaNDerivativeFails()
    {
        var nanRule = CustomRule.Create("nan_partial", 1, x => x[0], (x, y) => [new Scalar(double.NaN)]);
        CheckReport r = Checker.CheckGrad(x => nanRule.Invoke(x[0]) + x[1], [1.0, 2.0]);
        Assert.False(r.Passed);
        Assert.True(double.IsNaN(r.MaxAbsError));
        Assert.Equal("∂f/∂x[0]", r.WorstCoordinate);
    }

    [Fact]
    public void TolerancesAreOverridableAndScaleWithMagnitude()
    {
        Func<Scalar[], Scalar> f = x => Square(x[0]) + 3 * x[1];
        double[] x = [1.0, 2.0];
        Func<double[], double[]> slightlyOff = x => [2 * x[0] * (1 + 1e-4), 3];
        Assert.False(Checker.CheckUserGradient(f, slightlyOff, x, Against.FiniteDifferences).Passed);
        Assert.True(Checker.CheckUserGradient(f, slightlyOff, x, Against.FiniteDifferences,
            CheckOptions.Default with { Tolerance = new Tolerance(1e-3, 1e-3) }).Passed);

        // A small entry of a large gradient is held to the gradient's scale M, not to its own.
        Func<Scalar[], Scalar> g = x => 1e6 * x[0] + 1e-3 * x[1];
        Func<double[], double[]> smallEntryOff = _ => [1e6, 1e-3 + 1e-4];
        CheckReport scaled = Checker.CheckUserGradient(g, smallEntryOff, x);
        Assert.Equal(1e6, scaled.Magnitude);
        Assert.False(scaled.Passed); // 1e-4 > 1e-12·1e6 + 1e-10·1e-3
        Assert.True(Checker.CheckUserGradient(g, smallEntryOff, x, Against.HybridAD,
            CheckOptions.Default with { Tolerance = new Tolerance(1e-9, 0) }).Passed); // 1e-4 ≤ 1e-9·1e6

        Assert.Throws<ArgumentOutOfRangeException>(() => new Tolerance(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tolerance(0, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => CheckOptions.Default with { Probes = 0 });
    }

    [Fact]
    public void AllAccumulatesEveryFailure()
    {
        CheckReport ok = Checker.CheckGrad(WorkedExamplesTests.SinCos, SinCosPoint);
        CheckReport bad1 = Checker.CheckRule(WrongSin, [0.4]);
        CheckReport bad2 = Checker.CheckRule(SwappedVjp, [2.0, -3.0]);
        Validation<CheckReport, Seq<CheckReport>> all = CheckReport.All([ok, bad1, bad2]);
        Assert.True(all.IsFail);
        Seq<CheckReport> failures = all.FailToSeq();
        Assert.Equal(2, failures.Count);
        Assert.Equal("wrong_sin", failures.Head.Label);
        Assert.True(CheckReport.All([ok]).IsSuccess);
    }

    [Fact]
    public void MisuseThrowsWithAClearMessage()
    {
        var e1 = Assert.Throws<ArgumentException>(() => Checker.CheckJvp(WorkedExamplesTests.SinCos, SinCosPoint, [1.0]));
        Assert.Contains("expected 2", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Checker.CheckVjp(Vector, [0.3, 1.1, -0.4], [1.0, 2.0]));
        Assert.Contains("length 2", e2.Message);
        Assert.Throws<ArgumentException>(() => Checker.CheckGrad(WorkedExamplesTests.SinCos, []));
        Assert.Throws<ArgumentException>(() => Checker.CheckGrad(WorkedExamplesTests.SinCos, [double.PositiveInfinity, 1.0]));
        Assert.Throws<ArgumentException>(() => Checker.CheckRule(WrongSin, [1.0, 2.0]));
    }

    [Fact]
    public void EveryElementalRuleAgreesWithRichardsonDifferences()
    {
        var options = CheckOptions.Default with { Differences = FiniteDifferenceOptions.Richardson };
        var random = new Random(7);
        foreach (ElementalRule rule in RuleCatalog.Elementals)
        {
            double p = rule.ParameterDomain is { } pd ? pd.Lo + (pd.Hi - pd.Lo) * random.NextDouble() : 0;
            for (int trial = 0; trial < 5; trial++)
            {
                var x = new double[rule.Arity];
                do
                {
                    for (int i = 0; i < x.Length; i++)
                    {
                        var (lo, hi) = rule.Domains[i];
                        x[i] = lo + 0.05 * (hi - lo) + 0.9 * (hi - lo) * random.NextDouble();
                    }
                } while (!rule.SmoothAt(x) || (rule.Traits.HasFlag(RuleTraits.HasKinks) && NearTie(x)));
                CheckReport r = Checker.CheckJacobian(xs => [rule.Apply(xs, p)], x, JacobianMode.Forward,
                    options with { Label = $"{rule.Name} at ({string.Join(", ", x)}), p = {p}" });
                Assert.True(r.Passed, r.ToString());
                CheckReport rev = Checker.CheckGrad(xs => rule.Apply(xs, p), x, options with { Label = rule.Name });
                Assert.True(rev.Passed, rev.ToString());
            }
        }
    }

    /// <summary>Away from the kinks of relu/abs (0) and min/max (a tie) by more than the largest step.</summary>
    private static bool NearTie(double[] x) =>
        x.Length == 1 ? Math.Abs(x[0]) < 0.01 : Math.Abs(x[0] - x[1]) < 0.01 || Math.Abs(x[0]) < 0.01 && Math.Abs(x[1]) < 0.01;
}
