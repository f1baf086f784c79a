using System.Reflection;
using HybridAD.Core;
using HybridAD.Rules;
using static HybridAD.Scalar;

namespace HybridAD.Tests.Rules;

/// <summary>
/// Every elemental function against its analytic first and second derivatives (written independently of the
/// rule, e.g. tan′ = 1/cos² where the rule uses 1 + tan²), at several points, to 1e-12 relative, in forward
/// mode, reverse mode, and all four nestings for the second derivative. A reflection test makes sure no rule
/// in <see cref="Elementals"/> is missing from the tables, and that each table entry really calls its rule.
/// </summary>
public class ElementalsTests
{
    public sealed record UnaryCase(
        string Label, string Rule, Func<Scalar, Scalar> F,
        Func<double, double> Primal, Func<double, double> D1, Func<double, double> D2, double[] Points);

    public sealed record BinaryCase(
        string Label, string Rule, Func<Scalar, Scalar, Scalar> F,
        Func<double, double, double> Primal, Func<double, double, (double DA, double DB)> D1,
        Func<double, double, double[,]> D2, (double A, double B)[] Points);

    private static readonly double[] General = [-1.3, 0.4, 2.1];

    private static double Sech2(double x) => 1 / (Math.Cosh(x) * Math.Cosh(x));

    internal static readonly UnaryCase[] Unaries =
    [
        new("Neg", "Neg", x => -x, x => -x, _ => -1, _ => 0, General),
        new("Recip", "Recip", Reciprocal, x => 1 / x, x => -1 / (x * x), x => 2 / (x * x * x), [-2, 0.5, 3]),
        new("Pow(x,3)", "PowConst", x => Pow(x, 3.0), x => x * x * x, x => 3 * x * x, x => 6 * x, [-1.5, 0.7, 2]),
        new("Pow(x,0.5)", "PowConst", x => Pow(x, 0.5), Math.Sqrt, x => 0.5 / Math.Sqrt(x),
            x => -0.25 / (x * Math.Sqrt(x)), [0.3, 2, 5]),
        new("Pow(x,-1.5)", "PowConst", x => Pow(x, -1.5), x => Math.Pow(x, -1.5), x => -1.5 * Math.Pow(x, -2.5),
            x => 3.75 * Math.Pow(x, -3.5), [0.4, 1.3, 3]),
        new("Sqrt", "Sqrt", Sqrt, Math.Sqrt, x => 0.5 / Math.Sqrt(x), x => -0.25 / (x * Math.Sqrt(x)), [0.25, 2, 9]),
        new("Square", "Square", Square, x => x * x, x => 2 * x, _ => 2, General),
        new("Cube", "Cube", Cube, x => x * x * x, x => 3 * x * x, x => 6 * x, General),
        new("Exp", "Exp", Exp, Math.Exp, Math.Exp, Math.Exp, General),
        new("Expm1", "Expm1", Expm1, x => Math.Exp(x) - 1, Math.Exp, Math.Exp, General),
        new("Log", "Log", Log, Math.Log, x => 1 / x, x => -1 / (x * x), [0.3, 1.7, 4]),
        new("Log1p", "Log1p", Log1p, x => Math.Log(1 + x), x => 1 / (1 + x), x => -1 / ((1 + x) * (1 + x)), [-0.5, 0.4, 3]),
        new("Sin", "Sin", Sin, Math.Sin, Math.Cos, x => -Math.Sin(x), General),
        new("Cos", "Cos", Cos, Math.Cos, x => -Math.Sin(x), x => -Math.Cos(x), General),
        new("Tan", "Tan", Tan, Math.Tan, x => 1 / (Math.Cos(x) * Math.Cos(x)),
            x => 2 * Math.Sin(x) / (Math.Cos(x) * Math.Cos(x) * Math.Cos(x)), [-1.1, 0.4, 1.2]),
        new("Asin", "Asin", Asin, Math.Asin, x => 1 / Math.Sqrt(1 - x * x), x => x / Math.Pow(1 - x * x, 1.5), [-0.7, 0.2, 0.6]),
        new("Acos", "Acos", Acos, Math.Acos, x => -1 / Math.Sqrt(1 - x * x), x => -x / Math.Pow(1 - x * x, 1.5), [-0.7, 0.2, 0.6]),
        new("Atan", "Atan", Atan, Math.Atan, x => 1 / (1 + x * x), x => -2 * x / ((1 + x * x) * (1 + x * x)), General),
        new("Sinh", "Sinh", Sinh, Math.Sinh, Math.Cosh, Math.Sinh, General),
        new("Cosh", "Cosh", Cosh, Math.Cosh, Math.Sinh, Math.Cosh, General),
        new("Tanh", "Tanh", Tanh, Math.Tanh, Sech2, x => -2 * Math.Tanh(x) * Sech2(x), General),
        new("Sigmoid", "Sigmoid", Sigmoid, x => 1 / (1 + Math.Exp(-x)), x => Sech2(x / 2) / 4,
            x => -Sech2(x / 2) * Math.Tanh(x / 2) / 4, [-2.5, 0.4, 2.1]),
        new("Softplus", "Softplus", Softplus, x => Math.Log(1 + Math.Exp(x)), x => 1 / (1 + Math.Exp(-x)),
            x => Sech2(x / 2) / 4, [-2.5, 0.4, 2.1]),
        new("Relu", "Relu", Relu, x => x > 0 ? x : 0, x => x > 0 ? 1 : 0, _ => 0, General),
        new("Abs", "Abs", Abs, Math.Abs, x => Math.Sign(x), _ => 0, General),
    ];

    private static double[,] Zero2 => new double[2, 2];

    private static double R2(double a, double b) => a * a + b * b;

    internal static readonly BinaryCase[] Binaries =
    [
        new("Add", "Add", (a, b) => a + b, (a, b) => a + b, (_, _) => (1, 1), (_, _) => Zero2,
            [(1.3, -0.7), (0.4, 2.2)]),
        new("Sub", "Sub", (a, b) => a - b, (a, b) => a - b, (_, _) => (1, -1), (_, _) => Zero2,
            [(1.3, -0.7), (0.4, 2.2)]),
        new("Mul", "Mul", (a, b) => a * b, (a, b) => a * b, (a, b) => (b, a), (_, _) => new double[,] { { 0, 1 }, { 1, 0 } },
            [(1.3, -0.7), (0.4, 2.2)]),
        new("Div", "Div", (a, b) => a / b, (a, b) => a / b, (a, b) => (1 / b, -a / (b * b)),
            (a, b) => new double[,] { { 0, -1 / (b * b) }, { -1 / (b * b), 2 * a / (b * b * b) } },
            [(1.3, -0.7), (0.4, 2.2)]),
        new("Pow", "Pow", Pow, Math.Pow, (a, b) => (b * Math.Pow(a, b - 1), Math.Pow(a, b) * Math.Log(a)),
            (a, b) => new double[,]
            {
                { b * (b - 1) * Math.Pow(a, b - 2), Math.Pow(a, b - 1) * (1 + b * Math.Log(a)) },
                { Math.Pow(a, b - 1) * (1 + b * Math.Log(a)), Math.Pow(a, b) * Math.Log(a) * Math.Log(a) },
            },
            [(1.3, -0.7), (0.4, 2.2), (2.5, 3)]),
        new("Atan2", "Atan2", Atan2, Math.Atan2, (a, b) => (b / R2(a, b), -a / R2(a, b)),
            (a, b) => new double[,]
            {
                { -2 * a * b / (R2(a, b) * R2(a, b)), (a * a - b * b) / (R2(a, b) * R2(a, b)) },
                { (a * a - b * b) / (R2(a, b) * R2(a, b)), 2 * a * b / (R2(a, b) * R2(a, b)) },
            },
            [(1.3, -0.7), (0.4, 2.2), (-1, -2)]),
        new("Min", "Min", Min, Math.Min, (a, b) => a < b ? (1, 0) : (0, 1), (_, _) => Zero2, [(1.3, -0.7), (0.4, 2.2)]),
        new("Max", "Max", Max, Math.Max, (a, b) => a > b ? (1, 0) : (0, 1), (_, _) => Zero2, [(1.3, -0.7), (0.4, 2.2)]),
        new("Hypot", "Hypot", Hypot, (a, b) => Math.Sqrt(a * a + b * b),
            (a, b) => (a / Math.Sqrt(R2(a, b)), b / Math.Sqrt(R2(a, b))),
            (a, b) => new double[,]
            {
                { b * b / Math.Pow(R2(a, b), 1.5), -a * b / Math.Pow(R2(a, b), 1.5) },
                { -a * b / Math.Pow(R2(a, b), 1.5), a * a / Math.Pow(R2(a, b), 1.5) },
            },
            [(1.3, -0.7), (0.4, 2.2), (3, 4)]),
    ];

    public static TheoryData<string> UnaryLabels => [.. Unaries.Select(u => u.Label)];
    public static TheoryData<string> BinaryLabels => [.. Binaries.Select(b => b.Label)];

    private static UnaryCase U(string label) => Unaries.Single(u => u.Label == label);
    private static BinaryCase B(string label) => Binaries.Single(b => b.Label == label);

    // ------------------------------------------------------------------ coverage of the rules table

    private static IEnumerable<Type> RuleTypes(Type ruleInterface) =>
        typeof(Elementals).GetNestedTypes(BindingFlags.Public).Where(t => t.IsValueType && ruleInterface.IsAssignableFrom(t));

    [Fact]
    public void EveryRuleInElementalsHasACase()
    {
        var unaryRules = RuleTypes(typeof(IUnaryRule)).Select(t => t.Name).ToHashSet();
        var binaryRules = RuleTypes(typeof(IBinaryRule)).Select(t => t.Name).ToHashSet();
        Assert.True(unaryRules.Count >= 20, $"found only {unaryRules.Count} unary rules by reflection");
        Assert.True(binaryRules.Count >= 9, $"found only {binaryRules.Count} binary rules by reflection");

        var missing = unaryRules.Except(Unaries.Select(u => u.Rule))
            .Concat(binaryRules.Except(Binaries.Select(b => b.Rule))).ToList();
        Assert.True(missing.Count == 0, "rules without a test case: " + string.Join(", ", missing));
        var unknown = Unaries.Select(u => u.Rule).Except(unaryRules)
            .Concat(Binaries.Select(b => b.Rule).Except(binaryRules)).ToList();
        Assert.True(unknown.Count == 0, "test cases naming no rule: " + string.Join(", ", unknown));
    }

    private static string RuleName(string structName) =>
        (string)typeof(Elementals).GetNestedType(structName)!.GetProperty("Name", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    /// <summary>The last op a recording tape logs is the one the case's function applies (so the table
    /// really tests the rule it names).</summary>
    [Fact]
    public void EachCaseCallsTheRuleItNames()
    {
        foreach (var u in Unaries)
        {
            var tape = new Tape("test") { Log = new TapeLog(keepEntries: true) };
            try
            {
                u.F(tape.Input(new Scalar(u.Points[0])));
                Assert.Equal(RuleName(u.Rule), tape.Log.Entries[^1].Op);
            }
            finally { tape.Release(); }
        }
        foreach (var b in Binaries)
        {
            var tape = new Tape("test") { Log = new TapeLog(keepEntries: true) };
            try
            {
                b.F(tape.Input(new Scalar(b.Points[0].A)), tape.Input(new Scalar(b.Points[0].B)));
                Assert.Equal(RuleName(b.Rule), tape.Log.Entries[^1].Op);
            }
            finally { tape.Release(); }
        }
    }

    // ------------------------------------------------------------------ unary

    [Theory]
    [MemberData(nameof(UnaryLabels))]
    public void Unary_OnConstants_IsThePrimalAndStaysConstant(string label)
    {
        var u = U(label);
        foreach (double x in u.Points)
        {
            Scalar y = u.F(x);
            Assert.True(y.IsConstant);
            Approx.Rel(u.Primal(x), y.Value, 1e-14, $"{label}({x})");
        }
    }

    [Theory]
    [MemberData(nameof(UnaryLabels))]
    public void Unary_Forward(string label)
    {
        var u = U(label);
        foreach (double x in u.Points)
        {
            Approx.Rel(u.D1(x), AD.Derivative(u.F)(x).Value, 1e-12, $"Derivative {label} at {x}");
            var (y, t) = AD.Jvp(xs => u.F(xs[0]), [x], [3.0]);
            Approx.Rel(u.Primal(x), y.Value, 1e-14, $"Jvp value {label} at {x}");
            Approx.Rel(3 * u.D1(x), t.Value, 1e-12, $"Jvp tangent {label} at {x}");
        }
    }

    [Theory]
    [MemberData(nameof(UnaryLabels))]
    public void Unary_Reverse(string label)
    {
        var u = U(label);
        foreach (double x in u.Points)
        {
            var (y, g) = AD.ValueAndGrad(xs => u.F(xs[0]))([x]);
            Approx.Rel(u.Primal(x), y.Value, 1e-14, $"value {label} at {x}");
            Approx.Rel(u.D1(x), g[0].Value, 1e-12, $"Grad {label} at {x}");
            var (v, pullback) = AD.Vjp(xs => u.F(xs[0]), [x]);
            Approx.Rel(u.Primal(x), v.Value, 1e-14);
            Approx.Rel(-2.5 * u.D1(x), pullback(-2.5)[0].Value, 1e-12, $"Vjp {label} at {x}");
        }
    }

    [Theory]
    [MemberData(nameof(UnaryLabels))]
    public void Unary_SecondDerivative_InEveryNesting(string label)
    {
        var u = U(label);
        Func<Scalar[], Scalar> fv = xs => u.F(xs[0]);
        foreach (double x in u.Points)
        {
            double expected = u.D2(x);
            // forward over forward
            Approx.Rel(expected, AD.Derivative(AD.Derivative(u.F))(x).Value, 1e-12, $"FoF {label} at {x}");
            // forward over reverse
            Approx.Rel(expected, AD.Derivative(s => AD.Grad(fv)([s])[0])(x).Value, 1e-12, $"FoR {label} at {x}");
            // reverse over forward
            Approx.Rel(expected, AD.Grad(xs => AD.Derivative(u.F)(xs[0]))([x])[0].Value, 1e-12, $"RoF {label} at {x}");
            // reverse over reverse
            Approx.Rel(expected, AD.Grad(xs => AD.Grad(fv)(xs)[0])([x])[0].Value, 1e-12, $"RoR {label} at {x}");
            // and the first derivative is unchanged by the nesting (value of the inner call)
            var (d1, _) = AD.Jvp(xs => AD.Derivative(u.F)(xs[0]), [x], [1.0]);
            Approx.Rel(u.D1(x), d1.Value, 1e-12, $"D1 under Jvp {label} at {x}");
        }
    }

    // ------------------------------------------------------------------ binary

    [Theory]
    [MemberData(nameof(BinaryLabels))]
    public void Binary_OnConstants_IsThePrimal(string label)
    {
        var b = B(label);
        foreach (var (x, y) in b.Points)
        {
            Scalar r = b.F(x, y);
            Assert.True(r.IsConstant);
            Approx.Rel(b.Primal(x, y), r.Value, 1e-14, $"{label}({x}, {y})");
        }
    }

    [Theory]
    [MemberData(nameof(BinaryLabels))]
    public void Binary_Forward(string label)
    {
        var b = B(label);
        Func<Scalar[], Scalar> f = xs => b.F(xs[0], xs[1]);
        foreach (var (x, y) in b.Points)
        {
            var (da, db) = b.D1(x, y);
            var (v0, t0) = AD.Jvp(f, [x, y], [1.0, 0.0]);
            var (_, t1) = AD.Jvp(f, [x, y], [0.0, 1.0]);
            var (_, t2) = AD.Jvp(f, [x, y], [2.0, -3.0]);
            Approx.Rel(b.Primal(x, y), v0.Value, 1e-14);
            Approx.Rel(da, t0.Value, 1e-12, $"{label} d/da at ({x}, {y})");
            Approx.Rel(db, t1.Value, 1e-12, $"{label} d/db at ({x}, {y})");
            Approx.Abs(2 * da - 3 * db, t2.Value, 1e-12 * (2 * Math.Abs(da) + 3 * Math.Abs(db)), $"{label} J·v");
            // one operand a constant: the other one's partial alone
            Approx.Rel(da, AD.Derivative(s => b.F(s, y))(x).Value, 1e-12, $"{label} d/da, b constant");
            Approx.Rel(db, AD.Derivative(s => b.F(x, s))(y).Value, 1e-12, $"{label} d/db, a constant");
        }
    }

    [Theory]
    [MemberData(nameof(BinaryLabels))]
    public void Binary_Reverse(string label)
    {
        var b = B(label);
        Func<Scalar[], Scalar> f = xs => b.F(xs[0], xs[1]);
        foreach (var (x, y) in b.Points)
        {
            var (da, db) = b.D1(x, y);
            var (v, g) = AD.ValueAndGrad(f)([x, y]);
            Approx.Rel(b.Primal(x, y), v.Value, 1e-14);
            Approx.Rel(da, g[0].Value, 1e-12, $"{label} d/da at ({x}, {y})");
            Approx.Rel(db, g[1].Value, 1e-12, $"{label} d/db at ({x}, {y})");
            Approx.Rel(da, AD.Grad(s => b.F(s[0], y), [x])[0], 1e-12, $"{label} d/da, b constant");
            Approx.Rel(db, AD.Grad(s => b.F(x, s[0]), [y])[0], 1e-12, $"{label} d/db, a constant");
            var (_, pullback) = AD.Vjp(f, [x, y]);
            Approx.Rel([-2 * da, -2 * db], pullback(-2), 1e-12, $"{label} Vjp");
        }
    }

    [Theory]
    [MemberData(nameof(BinaryLabels))]
    public void Binary_SecondDerivatives_InEveryNesting(string label)
    {
        var b = B(label);
        Func<Scalar[], Scalar> f = xs => b.F(xs[0], xs[1]);
        foreach (var (x, y) in b.Points)
        {
            double[,] h = b.D2(x, y);
            double[] p = [x, y];
            // forward over reverse
            Approx.Matrix(h, AD.Hessian(f, p), 1e-12, $"{label} Hessian FoR at ({x}, {y})");
            // reverse over reverse
            Approx.Matrix(h, AD.Jacobian(AD.Grad(f), p.ToScalars(), JacobianMode.Reverse).ToDoubles(), 1e-12, $"{label} RoR");
            // reverse over forward: row j of H is ∇ₓ (∇f(x)·eⱼ)
            var rof = new double[2, 2];
            var fof = new double[2, 2];
            for (int j = 0; j < 2; j++)
            {
                int jj = j;
                Scalar[] row = AD.Grad(xs => AD.Jvp(f, xs, Approx.Unit(2, jj)).Tangent)(p.ToScalars());
                for (int k = 0; k < 2; k++) rof[j, k] = row[k].Value;
                // forward over forward: eₖᵀ H eⱼ by a Jvp of a Jvp
                for (int k = 0; k < 2; k++)
                {
                    int kk = k;
                    fof[j, k] = AD.Jvp(xs => AD.Jvp(f, xs, Approx.Unit(2, jj)).Tangent, p.ToScalars(), Approx.Unit(2, kk)).Tangent.Value;
                }
            }
            Approx.Matrix(h, rof, 1e-12, $"{label} RoF");
            Approx.Matrix(h, fof, 1e-12, $"{label} FoF");
        }
    }
}
