using HybridAD.Core;
using HybridAD.Rules;

namespace HybridAD.Tests.Rules;

/// <summary>
/// The recipe of docs/adding-a-rule.md, followed literally (the struct is declared here instead of in
/// Rules/Elementals.cs): one struct with the primal and the partial side by side, applied through
/// <c>Engine.Unary</c>, works in every mode and nesting with no other code.
/// </summary>
public class NewRuleRecipeTests
{
    /// <summary>log₂ x; ∂ = 1/(x ln 2).</summary>
    private readonly struct Log2 : IUnaryRule
    {
        public static string Name => "log2";
        public static double Primal(double x, double p) => Math.Log2(x);
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Const(1 / Math.Log(2)) / x;
        public static (double Lo, double Hi) Domain => (0.1, 5);
    }

    /// <summary>softsign x = x/(1 + |x|); ∂ = 1/(1 + |x|)², a branch on the value written over T.</summary>
    private readonly struct Softsign : IUnaryRule
    {
        public static string Name => "softsign";
        public static double Primal(double x, double p) => x / (1 + Math.Abs(x));
        public static T Partial<T>(T x, T y, double p) where T : IReal<T>
        {
            T d = T.Const(1) + (T.ValueOf(x) >= 0 ? x : -x);
            return T.Const(1) / (d * d);
        }
    }

    private static Scalar L2(Scalar x) => Engine.Unary<Log2>(x);
    private static Scalar SoftsignOf(Scalar x) => Engine.Unary<Softsign>(x);

    [Fact]
    public void ANewRule_WorksInEveryModeAndNesting()
    {
        const double x = 1.7;
        double d1 = 1 / (x * Math.Log(2)), d2 = -1 / (x * x * Math.Log(2));
        Assert.Equal(Math.Log2(x), L2(x).Value);
        Approx.Rel(d1, AD.Derivative(L2)(x).Value, 1e-15);
        Approx.Rel(d1, AD.Grad(v => L2(v[0]), [x])[0], 1e-15);
        foreach (var (outer, dOut) in NestingTests.D)
            foreach (var (inner, dIn) in NestingTests.D)
                Approx.Rel(d2, dOut(dIn(L2))(x).Value, 1e-14, $"{outer}∘{inner}");

        foreach (double s in new[] { -2.0, 0.5 })
        {
            double a = 1 + Math.Abs(s);
            Approx.Rel(1 / (a * a), AD.Derivative(SoftsignOf)(s).Value, 1e-15);
            Approx.Rel(1 / (a * a), AD.Grad(v => SoftsignOf(v[0]), [s])[0], 1e-15);
            Approx.Rel(-2 * Math.Sign(s) / (a * a * a), AD.Derivative(AD.Derivative(SoftsignOf))(s).Value, 1e-14);
            Approx.Rel(-2 * Math.Sign(s) / (a * a * a), AD.Hessian(v => SoftsignOf(v[0]), [s])[0, 0], 1e-14);
        }
    }
}
