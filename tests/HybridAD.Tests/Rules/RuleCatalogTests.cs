using System.Reflection;
using HybridAD;
using HybridAD.Rules;

namespace HybridAD.Tests.Rules;

/// <summary>The rule catalog finds every rule struct and each entry behaves exactly like its rule.</summary>
public class RuleCatalogTests
{
    [Fact]
    public void FindsEveryRuleStructWithItsMetadata()
    {
        Type[] ruleTypes = typeof(Elementals).GetNestedTypes(BindingFlags.Public)
            .Where(t => t.IsValueType && (typeof(IUnaryRule).IsAssignableFrom(t) || typeof(IBinaryRule).IsAssignableFrom(t)))
            .ToArray();
        Assert.Equal(ruleTypes.Length, RuleCatalog.Elementals.Count);
        Assert.Equal(ruleTypes.ToHashSet(), RuleCatalog.Elementals.Select(r => r.RuleType).ToHashSet());

        // The foundation issue's list of elemental functions is all there.
        string[] expected =
        [
            "+", "-", "*", "/", "neg", "recip", "powc", "pow", "sqrt", "square", "cube", "exp", "expm1", "log", "log1p",
            "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "sigmoid", "softplus",
            "relu", "abs", "min", "max", "hypot",
        ];
        Assert.Subset(RuleCatalog.Elementals.Select(r => r.Name).ToHashSet(), expected.ToHashSet());

        ElementalRule div = RuleCatalog.Get("/");
        Assert.Equal(2, div.Arity);
        Assert.Equal((0.25, 3.0), div.Domains[1]);
        ElementalRule powc = RuleCatalog.Get("powc");
        Assert.Equal((-3.0, 3.0), powc.ParameterDomain);
        Assert.Null(RuleCatalog.Get("sin").ParameterDomain);
        Assert.True(RuleCatalog.Get("relu").Traits.HasFlag(RuleTraits.HasKinks));
        Assert.True(RuleCatalog.Get("+").Traits.HasFlag(RuleTraits.Linear));
        Assert.False(RuleCatalog.Get("abs").SmoothAt([0.0]));
        Assert.True(RuleCatalog.Get("abs").SmoothAt([0.5]));
        var e = Assert.Throws<KeyNotFoundException>(() => RuleCatalog.Get("nope"));
        Assert.Contains("sin", e.Message);
        Assert.Throws<ArgumentException>(() => RuleCatalog.Get("sin").Primal([1.0, 2.0]));
    }

    [Fact]
    public void EntriesMatchTheScalarFunctionsAndTheirDerivatives()
    {
        Assert.Equal(Math.Sin(0.5), RuleCatalog.Get("sin").Apply([new Scalar(0.5)]).Value);
        Assert.Equal(Scalar.Atan2(0.3, 0.9).Value, RuleCatalog.Get("atan2").Apply([new Scalar(0.3), new Scalar(0.9)]).Value);
        Assert.Equal(Math.Pow(1.7, 2.5), RuleCatalog.Get("powc").Primal([1.7], 2.5));

        foreach (ElementalRule rule in RuleCatalog.Elementals)
        {
            var x = new double[rule.Arity];
            for (int i = 0; i < x.Length; i++) x[i] = rule.Domains[i].Lo + (0.37 + 0.21 * i) * (rule.Domains[i].Hi - rule.Domains[i].Lo);
            double p = rule.ParameterDomain is { } pd ? 0.5 * (pd.Lo + pd.Hi) + 0.7 : 0;
            Assert.Equal(rule.Primal(x, p), rule.Apply(x.ToScalars(), p).Value);
            var partials = new double[rule.Arity];
            rule.Partials(x, p, partials);
            double[] viaAd = AD.Grad(xs => rule.Apply(xs, p), x);
            for (int i = 0; i < x.Length; i++) Assert.Equal(partials[i], viaAd[i], 14);
            Assert.True(rule.InDomain(x));
        }
    }
}
