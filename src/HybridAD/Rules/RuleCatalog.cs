using System.Reflection;
using HybridAD.Core;

namespace HybridAD.Rules;

/// <summary>
/// One elemental function as data: its name, arity, sampling domains, traits, and its primal, partials and
/// differentiable application, all taken from the rule struct (<see cref="IUnaryRule"/> or
/// <see cref="IBinaryRule"/>) it describes. Tools that must treat every elemental function — checkers,
/// random-program generators, traces — enumerate <see cref="RuleCatalog.Elementals"/> instead of naming rules,
/// so a rule added to <see cref="Elementals"/> is picked up without editing them.
/// </summary>
/// <example><code>
/// foreach (ElementalRule rule in RuleCatalog.Elementals)
///     Console.WriteLine($"{rule.Name}/{rule.Arity} on {rule.Domains[0]}");
/// ElementalRule sin = RuleCatalog.Get("sin");
/// Scalar y = sin.Apply([new Scalar(0.5)]);        // sin 0.5, differentiable like Scalar.Sin
/// </code></example>
public abstract class ElementalRule
{
    private protected ElementalRule(string name, Type ruleType, int arity, (double Lo, double Hi)[] domains,
        (double Lo, double Hi)? parameterDomain, RuleTraits traits)
    {
        Name = name;
        RuleType = ruleType;
        Arity = arity;
        Domains = domains;
        ParameterDomain = parameterDomain;
        Traits = traits;
    }

    /// <summary>The rule's name, as in traces and error messages (<c>"sin"</c>, <c>"+"</c>, …).</summary>
    public string Name { get; }

    /// <summary>The rule struct this entry describes (e.g. <c>typeof(Elementals.Sin)</c>).</summary>
    public Type RuleType { get; }

    /// <summary>The number of arguments: 1 (<see cref="IUnaryRule"/>) or 2 (<see cref="IBinaryRule"/>).</summary>
    public int Arity { get; }

    /// <summary>The sampling interval of each argument, where the function is defined, smooth (away from the
    /// points <see cref="SmoothAt"/> rejects) and well conditioned.</summary>
    public IReadOnlyList<(double Lo, double Hi)> Domains { get; }

    /// <summary>The sampling interval of the constant parameter p (the exponent of <c>x^c</c>), or null when
    /// the rule has no parameter.</summary>
    public (double Lo, double Hi)? ParameterDomain { get; }

    /// <summary>Linear / zero-derivative / kinked.</summary>
    public RuleTraits Traits { get; }

    /// <summary>y = φ(args; p) on doubles.</summary>
    /// <exception cref="ArgumentException">args.Length is not <see cref="Arity"/>.</exception>
    public abstract double Primal(ReadOnlySpan<double> args, double parameter = 0);

    /// <summary>The local partials ∂φ/∂argᵢ at args (first order, on doubles), written to
    /// <paramref name="partials"/> (length <see cref="Arity"/>).</summary>
    /// <exception cref="ArgumentException">A span's length is not <see cref="Arity"/>.</exception>
    public abstract void Partials(ReadOnlySpan<double> args, double parameter, Span<double> partials);

    /// <summary>False at points where φ is not differentiable (the rule's documented convention applies there).</summary>
    /// <exception cref="ArgumentException">args.Length is not <see cref="Arity"/>.</exception>
    public abstract bool SmoothAt(ReadOnlySpan<double> args);

    /// <summary>φ(args; p) on <see cref="Scalar"/>s, differentiable in every mode exactly like the corresponding
    /// function on <see cref="Scalar"/> (it goes through the same engine).</summary>
    /// <exception cref="ArgumentException">args.Length is not <see cref="Arity"/>.</exception>
    public abstract Scalar Apply(ReadOnlySpan<Scalar> args, double parameter = 0);

    /// <summary>True when every argument lies inside its sampling interval <see cref="Domains"/> (closed).</summary>
    /// <exception cref="ArgumentException">args.Length is not <see cref="Arity"/>.</exception>
    public bool InDomain(ReadOnlySpan<double> args)
    {
        CheckArity(args.Length);
        for (int i = 0; i < args.Length; i++)
            if (!(args[i] >= Domains[i].Lo && args[i] <= Domains[i].Hi)) return false;
        return true;
    }

    /// <summary><c>name/arity</c>, e.g. <c>sin/1</c>.</summary>
    public override string ToString() => $"{Name}/{Arity}";

    private protected void CheckArity(int count)
    {
        if (count != Arity)
            throw new ArgumentException($"Rule '{Name}' takes {Arity} argument{(Arity == 1 ? "" : "s")}; got {count}.");
    }
}

/// <summary>
/// The catalog of HybridAD's elemental functions, discovered once by reflection over the rule structs in
/// <see cref="Elementals"/> (every public struct implementing <see cref="IUnaryRule"/> or
/// <see cref="IBinaryRule"/>), in declaration order.
/// </summary>
public static class RuleCatalog
{
    /// <summary>Every elemental function, unary and binary.</summary>
    public static IReadOnlyList<ElementalRule> Elementals { get; } = Discover(typeof(HybridAD.Rules.Elementals));

    /// <summary>The elemental function named <paramref name="name"/> (as <see cref="ElementalRule.Name"/>).</summary>
    /// <exception cref="KeyNotFoundException">No rule has that name; the message lists the known names.</exception>
    public static ElementalRule Get(string name)
    {
        foreach (ElementalRule rule in Elementals)
            if (rule.Name == name) return rule;
        throw new KeyNotFoundException(
            $"No elemental rule is named '{name}'; expected one of: {string.Join(", ", Elementals.Select(r => r.Name))}.");
    }

    /// <summary>The rules declared as nested structs of <paramref name="container"/>.</summary>
    internal static IReadOnlyList<ElementalRule> Discover(Type container)
    {
        var rules = new List<ElementalRule>();
        foreach (Type t in container.GetNestedTypes(BindingFlags.Public))
        {
            if (!t.IsValueType || t.IsGenericTypeDefinition) continue;
            Type? entry = typeof(IUnaryRule).IsAssignableFrom(t) ? typeof(UnaryEntry<>)
                : typeof(IBinaryRule).IsAssignableFrom(t) ? typeof(BinaryEntry<>) : null;
            if (entry is null) continue;
            rules.Add((ElementalRule)Activator.CreateInstance(entry.MakeGenericType(t))!);
        }
        return rules.AsReadOnly();
    }

    private sealed class UnaryEntry<R>() : ElementalRule(R.Name, typeof(R), 1, [R.Domain], R.ParameterDomain, R.Traits)
        where R : struct, IUnaryRule
    {
        public override double Primal(ReadOnlySpan<double> args, double parameter = 0)
        {
            CheckArity(args.Length);
            return R.Primal(args[0], parameter);
        }

        public override void Partials(ReadOnlySpan<double> args, double parameter, Span<double> partials)
        {
            CheckArity(args.Length);
            CheckArity(partials.Length);
            double y = R.Primal(args[0], parameter);
            partials[0] = R.Partial<R64>(args[0], y, parameter).V;
        }

        public override bool SmoothAt(ReadOnlySpan<double> args)
        {
            CheckArity(args.Length);
            return R.SmoothAt(args[0]);
        }

        public override Scalar Apply(ReadOnlySpan<Scalar> args, double parameter = 0)
        {
            CheckArity(args.Length);
            return Engine.Unary<R>(args[0], parameter);
        }
    }

    private sealed class BinaryEntry<R>() : ElementalRule(R.Name, typeof(R), 2, [R.DomainA, R.DomainB], null, R.Traits)
        where R : struct, IBinaryRule
    {
        public override double Primal(ReadOnlySpan<double> args, double parameter = 0)
        {
            CheckArity(args.Length);
            return R.Primal(args[0], args[1]);
        }

        public override void Partials(ReadOnlySpan<double> args, double parameter, Span<double> partials)
        {
            CheckArity(args.Length);
            CheckArity(partials.Length);
            double y = R.Primal(args[0], args[1]);
            (R64 da, R64 db) = R.Partials<R64>(args[0], args[1], y);
            partials[0] = da.V;
            partials[1] = db.V;
        }

        public override bool SmoothAt(ReadOnlySpan<double> args)
        {
            CheckArity(args.Length);
            return R.SmoothAt(args[0], args[1]);
        }

        public override Scalar Apply(ReadOnlySpan<Scalar> args, double parameter = 0)
        {
            CheckArity(args.Length);
            return Engine.Binary<R>(args[0], args[1]);
        }
    }
}
