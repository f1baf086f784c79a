using System.Globalization;
using HybridAD.Rules;

namespace HybridAD.Properties.Programs;

/// <summary>
/// An operation random programs are built from: an elemental rule of <see cref="RuleCatalog"/> or one of the
/// suite's custom rules. It knows how to apply itself to <see cref="Scalar"/>s (the code under test), to
/// doubles (the generator's bookkeeping), its first-order partials on doubles (magnitude scales only), its
/// sampling domains, and how to print itself.
/// </summary>
internal sealed class Op
{
    /// <summary>Arguments must lie this fraction of their domain's width inside it.</summary>
    internal const double DomainMargin = 0.02;

    /// <summary>A kinked operation's arguments must stay this fraction of the domain's width from any kink.</summary>
    internal const double KinkMargin = 0.05;

    private readonly Func<Scalar[], double, Scalar> _apply;
    private readonly Func<double[], double, double> _primal;
    private readonly Action<double[], double, double[]> _partials;
    private readonly Func<double[], bool> _smoothAt;

    private Op(string name, int arity, (double Lo, double Hi)[] domains, (double Lo, double Hi)? parameterDomain, bool kinked,
        bool isCustom, Func<Scalar[], double, Scalar> apply, Func<double[], double, double> primal,
        Action<double[], double, double[]> partials, Func<double[], bool> smoothAt)
    {
        Name = name;
        Arity = arity;
        Domains = domains;
        ParameterDomain = parameterDomain;
        Kinked = kinked;
        IsCustom = isCustom;
        _apply = apply;
        _primal = primal;
        _partials = partials;
        _smoothAt = smoothAt;
    }

    public string Name { get; }
    public int Arity { get; }
    public (double Lo, double Hi)[] Domains { get; }
    public (double Lo, double Hi)? ParameterDomain { get; }
    public bool Kinked { get; }
    public bool IsCustom { get; }

    public static Op FromRule(ElementalRule rule) => new(rule.Name, rule.Arity, rule.Domains.ToArray(), rule.ParameterDomain,
        rule.Traits.HasFlag(RuleTraits.HasKinks), isCustom: false,
        apply: (args, p) => rule.Apply(args, p),
        primal: (args, p) => rule.Primal(args, p),
        partials: (args, p, d) => rule.Partials(args, p, d),
        smoothAt: args => rule.SmoothAt(args));

    public static Op FromCustomRule(CustomRule rule, (double Lo, double Hi)[] domains, Func<double[], double> primal,
        Action<double[], double[]> partials) => new(rule.Name, rule.Arity, domains, null, kinked: false, isCustom: true,
        apply: (args, _) => rule.Invoke(args),
        primal: (args, _) => primal(args),
        partials: (args, _, d) => partials(args, d),
        smoothAt: _ => true);

    public Scalar Apply(Scalar[] args, double p) => _apply(args, p);

    public double Primal(double[] args, double p) => _primal(args, p);

    public double[] Partials(double[] args, double p)
    {
        var d = new double[Arity];
        _partials(args, p, d);
        return d;
    }

    /// <summary>Arguments inside the domains by <see cref="DomainMargin"/>, and — for a kinked operation — at
    /// least <see cref="KinkMargin"/> from any kink: smooth, with the same sign pattern of partials, at every
    /// corner and face centre of the box args ± δ.</summary>
    public bool Accepts(double[] args, double p)
    {
        for (int j = 0; j < Arity; j++)
        {
            var (lo, hi) = Domains[j];
            double m = DomainMargin * (hi - lo);
            if (!(args[j] >= lo + m && args[j] <= hi - m)) return false;
        }
        if (!Kinked) return true;
        if (!_smoothAt(args)) return false;
        int[] centre = Signs(args, p);
        var moved = new double[Arity];
        int corners = (int)Math.Pow(3, Arity);
        for (int c = 0; c < corners; c++)
        {
            int code = c;
            for (int j = 0; j < Arity; j++)
            {
                int s = code % 3 - 1;
                code /= 3;
                moved[j] = args[j] + s * KinkMargin * (Domains[j].Hi - Domains[j].Lo);
            }
            if (!_smoothAt(moved) || !Signs(moved, p).AsSpan().SequenceEqual(centre)) return false;
        }
        return true;
    }

    /// <summary>True when <paramref name="moved"/> is still a point where the operation is defined and, for a
    /// kinked one, on the same side of every kink as <paramref name="centre"/> (used to bound finite-difference
    /// steps).</summary>
    public bool SameSide(double[] centre, double[] moved, double p)
    {
        for (int j = 0; j < Arity; j++)
            if (!(moved[j] >= Domains[j].Lo && moved[j] <= Domains[j].Hi)) return false;
        if (!Kinked) return true;
        return _smoothAt(moved) && Signs(moved, p).AsSpan().SequenceEqual(Signs(centre, p));
    }

    private int[] Signs(double[] args, double p)
    {
        double[] d = Partials(args, p);
        var s = new int[d.Length];
        for (int i = 0; i < d.Length; i++) s[i] = Math.Sign(d[i]);
        return s;
    }

    /// <summary>A readable application: infix for + − × ÷, <c>x^c</c> for a constant power, a call otherwise.</summary>
    public string Format(string[] args, double p) => Name switch
    {
        "+" or "-" or "*" or "/" => $"({args[0]} {Name} {args[1]})",
        "neg" => $"-{args[0]}",
        "powc" => $"{args[0]}^{Number(p)}",
        _ => $"{Name}({string.Join(", ", args)})",
    };

    public static string Number(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    public override string ToString() => $"{Name}/{Arity}";
}
