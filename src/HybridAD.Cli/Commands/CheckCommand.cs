using System.CommandLine;
using System.Globalization;
using HybridAD.Checking;
using HybridAD.Rules;

namespace HybridAD.Cli.Commands;

/// <summary>
/// <c>hybridad check</c>: HybridAD's derivatives of the worked examples — gradients, JVPs, VJPs (through the
/// adjoint identity), Jacobians in both modes, R → R derivatives — and of every elemental rule, against finite
/// differences, printed as reports; then the notes' "why AD and not differences" example. Exits with 1 if any
/// check fails.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var richardson = new Option<bool>("--richardson")
        {
            Description = "Use Richardson-extrapolated central differences as the reference (default: central differences).",
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the random directions v of the VJP checks (⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩).",
            DefaultValueFactory = _ => CheckOptions.Default.Seed,
        };
        var command = new Command("check", "Check HybridAD's derivatives of the worked examples and of every elemental rule against finite differences.")
        {
            richardson,
            seed,
        };
        command.SetAction(parseResult => Run(Console.Out, parseResult.GetValue(richardson), parseResult.GetValue(seed)));
        return command;
    }

    /// <summary>Runs every check, prints the reports, returns the exit code (0 when all pass).</summary>
    internal static int Run(TextWriter output, bool richardson, int seed)
    {
        var options = CheckOptions.Default with
        {
            Seed = seed,
            Differences = richardson ? FiniteDifferenceOptions.Richardson : FiniteDifferenceOptions.Central,
        };
        CheckOptions Named(string label) => options with { Label = label };

        output.WriteLine($"HybridAD derivative checks against {options.Differences.Describe()}");
        output.WriteLine();
        var reports = new List<CheckReport>
        {
            Checker.CheckGrad(WorkedExamples.Logistic, WorkedExamples.LogisticPoint, Named("(a) logistic RSS L(w)")),
            Checker.CheckJvp(WorkedExamples.Logistic, WorkedExamples.LogisticPoint, [0.6, -0.8, 0.3], Named("(a) logistic RSS L(w)")),
            Checker.CheckVjp(WorkedExamples.Logistic, WorkedExamples.LogisticPoint, 1.0, Named("(a) logistic RSS L(w)")),
            Checker.CheckJacobian(WorkedExamples.LogisticResiduals, WorkedExamples.LogisticPoint, JacobianMode.Forward, Named("(a) residuals r(w) ∈ ℝ²")),
            Checker.CheckJacobian(WorkedExamples.LogisticResiduals, WorkedExamples.LogisticPoint, JacobianMode.Reverse, Named("(a) residuals r(w) ∈ ℝ²")),
            Checker.CheckJvp(WorkedExamples.LogisticResiduals, WorkedExamples.LogisticPoint, [0.6, -0.8, 0.3], Named("(a) residuals r(w) ∈ ℝ²")),
            Checker.CheckVjp(WorkedExamples.LogisticResiduals, WorkedExamples.LogisticPoint, [1.0, -2.0], Named("(a) residuals r(w) ∈ ℝ²")),
            Checker.CheckGrad(WorkedExamples.SinCos, WorkedExamples.SinCosPoint, Named("(b) (sin(x₁/x₂) + x₁/x₂ − e^x₂)·(x₁/x₂ − e^x₂)")),
            Checker.CheckJvp(WorkedExamples.SinCos, WorkedExamples.SinCosPoint, [1.0, 1.0], Named("(b) (sin(x₁/x₂) + x₁/x₂ − e^x₂)·(x₁/x₂ − e^x₂)")),
            Checker.CheckVjp(WorkedExamples.SinCos, WorkedExamples.SinCosPoint, -0.5, Named("(b) (sin(x₁/x₂) + x₁/x₂ − e^x₂)·(x₁/x₂ − e^x₂)")),
            Checker.CheckDerivative(WorkedExamples.Quartic, 2.0, Named("(c) −(5x²)·x²")),
            Checker.CheckDerivative(WorkedExamples.LogSqrtLog, 2.0, Named("(d) log x + √(log x)")),
        };
        List<CheckReport> rules = ElementalRuleChecks(options);
        return Print(output, reports, rules, () => WhyAd(output));
    }

    /// <summary>Prints the worked-example reports in full, the rule checks as one summary line (failures in
    /// full), then the "why AD" lines; returns 0 when everything passed, else 1.</summary>
    internal static int Print(TextWriter output, IReadOnlyList<CheckReport> examples, IReadOnlyList<CheckReport> rules, Func<bool> whyAd)
    {
        foreach (CheckReport r in examples)
        {
            output.WriteLine(r);
            output.WriteLine();
        }

        if (rules.Count > 0)
        {
            CheckReport worst = rules.MaxBy(r => r.Passed ? r.MaxRelError : double.PositiveInfinity)!;
            int failedRules = rules.Count(r => !r.Passed);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(failedRules == 0 ? "PASS" : "FAIL")} elemental rules: {RuleCatalog.Elementals.Count} rules, {rules.Count} checks (forward Jacobian and reverse gradient at {PointsPerRule} points each), {failedRules} failed; worst max rel err {worst.MaxRelError:0.###e+00} ({worst.Label})"));
            foreach (CheckReport r in rules.Where(r => !r.Passed)) output.WriteLine(r);
            output.WriteLine();
        }

        bool whyAdHolds = whyAd();
        int total = examples.Count + rules.Count + 1;
        int failed = examples.Count(r => !r.Passed) + rules.Count(r => !r.Passed) + (whyAdHolds ? 0 : 1);
        output.WriteLine();
        output.WriteLine($"{total} checks, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private const int PointsPerRule = 3;

    /// <summary>Every elemental rule at <see cref="PointsPerRule"/> points of its domain, away from its kinks:
    /// forward-mode Jacobian and reverse-mode gradient against finite differences.</summary>
    internal static List<CheckReport> ElementalRuleChecks(CheckOptions options)
    {
        var random = new Random(options.Seed);
        var reports = new List<CheckReport>();
        foreach (ElementalRule rule in RuleCatalog.Elementals)
        {
            double p = rule.ParameterDomain is { } pd ? Math.Round(pd.Lo + (pd.Hi - pd.Lo) * random.NextDouble(), 2) : 0;
            for (int k = 0; k < PointsPerRule; k++)
            {
                double[] x = SmoothPoint(rule, p, random);
                string label = string.Create(CultureInfo.InvariantCulture,
                    $"{rule.Name} at ({string.Join(", ", x.Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)))}){(rule.ParameterDomain is null ? "" : $", p = {p}")}");
                reports.Add(Checker.CheckJacobian(xs => [rule.Apply(xs, p)], x, JacobianMode.Forward, options with { Label = label }));
                reports.Add(Checker.CheckGrad(xs => rule.Apply(xs, p), x, options with { Label = label }));
            }
        }
        return reports;
    }

    /// <summary>A random point inside the rule's domain whose neighbourhood (±5% of the domain's width) is free
    /// of kinks: smooth, with the same signs of the partials.</summary>
    private static double[] SmoothPoint(ElementalRule rule, double p, Random random)
    {
        var x = new double[rule.Arity];
        var partials = new double[rule.Arity];
        var moved = new double[rule.Arity];
        var movedPartials = new double[rule.Arity];
        while (true)
        {
            for (int i = 0; i < x.Length; i++)
            {
                var (lo, hi) = rule.Domains[i];
                x[i] = Math.Round(lo + (0.1 + 0.8 * random.NextDouble()) * (hi - lo), 3);
            }
            if (!rule.Traits.HasFlag(RuleTraits.HasKinks)) return x;
            rule.Partials(x, p, partials);
            bool smooth = rule.SmoothAt(x);
            for (int c = 0; c < (1 << (2 * x.Length)) && smooth; c++)
            {
                for (int i = 0; i < x.Length; i++)
                {
                    int s = ((c >> (2 * i)) & 3) - 1; // −1, 0, 1 (2 repeats 1)
                    moved[i] = x[i] + Math.Min(s, 1) * 0.05 * (rule.Domains[i].Hi - rule.Domains[i].Lo);
                }
                rule.Partials(moved, p, movedPartials);
                smooth = rule.SmoothAt(moved);
                for (int i = 0; i < x.Length && smooth; i++) smooth = Math.Sign(movedPartials[i]) == Math.Sign(partials[i]);
            }
            if (smooth) return x;
        }
    }

    /// <summary>
    /// The source notes' example: f(x) = Σ xᵢ², n = 1000, xᵢ = i, ∂f/∂x₁ = 2. The forward difference with
    /// h = √ε misses it completely; both AD modes are exact. Returns false if an AD mode is not exactly 2.
    /// </summary>
    internal static bool WhyAd(TextWriter output)
    {
        var x = new double[1000];
        for (int i = 0; i < x.Length; i++) x[i] = i + 1;
        static Scalar SumOfSquares(Scalar[] xs)
        {
            Scalar s = 0;
            foreach (Scalar xi in xs) s += xi * xi;
            return s;
        }
        var e1 = new double[x.Length];
        e1[0] = 1;
        double h = Math.Sqrt(Math.Pow(2, -52));
        double forwardDifference = FiniteDifferences.ForwardDifference(SumOfSquares, x, 0, h);
        double central = FiniteDifferences.Jvp(SumOfSquares, x, e1);
        double forward = AD.Jvp(SumOfSquares, x.ToScalars(), e1.ToScalars()).Tangent.Value;
        double reverse = AD.Grad(SumOfSquares, x)[0];
        bool exact = forward == 2 && reverse == 2;

        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        string E(double v) => v == 2 ? "exact" : "error " + Math.Abs(v - 2).ToString("0.##e+00", CultureInfo.InvariantCulture);
        output.WriteLine($"{(exact ? "PASS" : "FAIL")} why AD and not differences: f(x) = Σ xᵢ², n = 1000, xᵢ = i, ∂f/∂x₁ = 2 (f(x) = {F(SumOfSquares(x.ToScalars()).Value)})");
        output.WriteLine($"  forward difference (f(x + h·e₁) − f(x))/h, h = √ε: {F(forwardDifference),-20} {E(forwardDifference)}");
        output.WriteLine($"  central difference, h = ε^(1/3)·max(|x₁|, 1):      {F(central),-20} {E(central)}");
        output.WriteLine($"  HybridAD forward mode (Jvp along e₁):              {F(forward),-20} {E(forward)}");
        output.WriteLine($"  HybridAD reverse mode (Grad):                      {F(reverse),-20} {E(reverse)}");
        return exact;
    }
}
