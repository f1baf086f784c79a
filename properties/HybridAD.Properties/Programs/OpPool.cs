using HybridAD.Rules;
using static HybridAD.Scalar;

namespace HybridAD.Properties.Programs;

/// <summary>
/// Every operation random programs draw from: all of <see cref="RuleCatalog.Elementals"/> (found by reflection,
/// so a new rule is covered without editing this suite) plus the suite's custom rules, which must obey the same
/// properties as the built-in ones.
/// </summary>
internal static class OpPool
{
    /// <summary>log cosh x from its partial tanh x = sinh x / cosh x.</summary>
    internal static readonly CustomRule LogCosh = CustomRule.Create("logcosh", 1,
        primal: x => Math.Log(Math.Cosh(x[0])),
        partials: (x, _) => [Sinh(x[0]) / Cosh(x[0])]);

    /// <summary>a·b + c, three inputs: recorded on the tape as a chain of two-input nodes.</summary>
    internal static readonly CustomRule Fma3 = CustomRule.Create("fma3", 3,
        primal: x => x[0] * x[1] + x[2],
        partials: (x, _) => [x[1], x[0], new Scalar(1)]);

    /// <summary>a·eᵇ from its JVP and VJP (forward mode uses the JVP, reverse mode the VJP).</summary>
    internal static readonly CustomRule ScaledExp = CustomRule.FromJvpVjp("scaled_exp", 2,
        primal: x => x[0] * Math.Exp(x[1]),
        jvp: (x, v) => Exp(x[1]) * v[0] + x[0] * Exp(x[1]) * v[1],
        vjp: (x, u) => [u * Exp(x[1]), u * x[0] * Exp(x[1])]);

    public static IReadOnlyList<Op> All { get; } = Build();

    public static int IndexOf(string name)
    {
        for (int i = 0; i < All.Count; i++)
            if (All[i].Name == name) return i;
        throw new KeyNotFoundException(name);
    }

    private static Op[] Build()
    {
        var ops = new List<Op>();
        foreach (ElementalRule rule in RuleCatalog.Elementals) ops.Add(Op.FromRule(rule));
        // log cosh x loses its digits to cancellation near 0 (cosh x ≈ 1): sample it where it is well conditioned.
        ops.Add(Op.FromCustomRule(LogCosh, [(0.5, 3)],
            x => Math.Log(Math.Cosh(x[0])),
            (x, d) => d[0] = Math.Tanh(x[0])));
        ops.Add(Op.FromCustomRule(Fma3, [(-3, 3), (-3, 3), (-3, 3)],
            x => x[0] * x[1] + x[2],
            (x, d) => { d[0] = x[1]; d[1] = x[0]; d[2] = 1; }));
        ops.Add(Op.FromCustomRule(ScaledExp, [(-3, 3), (-2, 2)],
            x => x[0] * Math.Exp(x[1]),
            (x, d) => { d[0] = Math.Exp(x[1]); d[1] = x[0] * Math.Exp(x[1]); }));
        return ops.ToArray();
    }
}
