using HybridAD.Core;

namespace HybridAD;

/// <summary>
/// A user-defined primitive y = φ(x₁, …, x_k): its primal on doubles and its local partials (or its JVP and
/// VJP). It works in forward, reverse and nested use exactly like a built-in elemental function: the primal
/// is evaluated on doubles, the partials on <see cref="Scalar"/>s (so they are themselves differentiable for
/// higher-order derivatives).
/// </summary>
/// <example><code>
/// // log(1 + x²) with a hand-written derivative 2x/(1+x²)
/// var logOnePlusSquare = CustomRule.Create("log1p_sq", 1,
///     primal: x => Math.Log(1 + x[0] * x[0]),
///     partials: (x, y) => [2 * x[0] / (1 + x[0] * x[0])]);
/// double d = AD.Derivative(x => logOnePlusSquare.Invoke(x))(1.0).Value; // 1
/// </code></example>
public sealed class CustomRule
{
    private readonly Func<double[], double> _primal;
    private readonly Func<Scalar[], Scalar, Scalar[]>? _partials;
    private readonly Func<Scalar[], Scalar[], Scalar>? _jvp;
    private readonly Func<Scalar[], Scalar, Scalar[]>? _vjp;

    private CustomRule(string name, int arity, Func<double[], double> primal, Func<Scalar[], Scalar, Scalar[]>? partials,
        Func<Scalar[], Scalar[], Scalar>? jvp, Func<Scalar[], Scalar, Scalar[]>? vjp)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (arity < 1) throw new ArgumentOutOfRangeException(nameof(arity), arity, "A custom rule needs at least one input.");
        Name = name;
        Arity = arity;
        _primal = primal ?? throw new ArgumentNullException(nameof(primal));
        _partials = partials;
        _jvp = jvp;
        _vjp = vjp;
    }

    /// <summary>The rule's name (traces and error messages).</summary>
    public string Name { get; }

    /// <summary>The number of inputs k.</summary>
    public int Arity { get; }

    /// <summary>
    /// A rule from its primal φ(x) and its partials (∂φ/∂x₁, …, ∂φ/∂x_k) at (x, y = φ(x)). Both modes derive
    /// from the partials: ẏ = Σ ∂φ/∂xᵢ·ẋᵢ and x̄ᵢ += ∂φ/∂xᵢ·ȳ.
    /// </summary>
    public static CustomRule Create(string name, int arity, Func<double[], double> primal, Func<Scalar[], Scalar, Scalar[]> partials) =>
        new(name, arity, primal, partials ?? throw new ArgumentNullException(nameof(partials)), null, null);

    /// <summary>
    /// A rule from its primal, its JVP (x, v) ↦ ∇φ(x)·v (used by forward mode) and its VJP (x, ū) ↦ ū·∇φ(x)
    /// (used by reverse mode, which records the partials ∇φ = VJP(x, 1)).
    /// </summary>
    public static CustomRule FromJvpVjp(string name, int arity, Func<double[], double> primal,
        Func<Scalar[], Scalar[], Scalar> jvp, Func<Scalar[], Scalar, Scalar[]> vjp) =>
        new(name, arity, primal, null, jvp ?? throw new ArgumentNullException(nameof(jvp)),
            vjp ?? throw new ArgumentNullException(nameof(vjp)));

    /// <summary>Applies the rule: φ(args), differentiable in every mode.</summary>
    /// <exception cref="ArgumentException">The number of arguments is not <see cref="Arity"/>, or the rule's
    /// partials / VJP returned the wrong number of values.</exception>
    public Scalar Invoke(params Scalar[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length != Arity)
            throw new ArgumentException($"Custom rule '{Name}': expected {Arity} arguments, got {args.Length}.", nameof(args));

        long topKey = 0;
        foreach (Scalar a in args)
        {
            a.EnsureOpen();
            topKey = Math.Max(topKey, a.Key);
        }
        if (topKey == 0)
        {
            var values = new double[Arity];
            for (int i = 0; i < Arity; i++) values[i] = args[i].V;
            return new Scalar(_primal(values));
        }

        Level top = LevelTable.Get(topKey);
        // Primal one level down (recursively, through this same rule), then the partials there.
        var lower = new Scalar[Arity];
        for (int i = 0; i < Arity; i++) lower[i] = args[i].Key == topKey ? top.PrimalOf(args[i]) : args[i];
        Scalar y = Invoke(lower);

        if (!top.IsTape && _jvp is not null)
        {
            var f = (ForwardLevel)top;
            var tangents = new Scalar[Arity];
            for (int i = 0; i < Arity; i++) tangents[i] = args[i].Key == topKey ? f.TangentOf(args[i]) : default;
            return f.Make(y, _jvp(lower, tangents));
        }

        Scalar[] partials = _partials is not null ? _partials(lower, y) : _vjp!(lower, new Scalar(1));
        if (partials is null || partials.Length != Arity)
            throw new ArgumentException(
                $"Custom rule '{Name}': its {(_partials is not null ? "partials function" : "VJP")} returned {partials?.Length ?? 0} partials, but the rule has {Arity} inputs; expected {Arity}.");

        if (top.IsTape)
        {
            var tape = (Tape)top;
            Scalar result = default;
            bool any = false;
            for (int i = 0; i < Arity; i++)
            {
                if (args[i].Key != topKey) continue;
                // n-ary as a chain of two-input nodes: r₁ = (x₁, w₁; x₂, w₂), r₂ = (r₁, 1; x₃, w₃), …
                result = any
                    ? tape.PushNested(result.Slot, new Scalar(1), args[i].Slot, partials[i], y)
                    : tape.PushNested(args[i].Slot, partials[i], 0, default, y);
                any = true;
            }
            tape.Log?.Op(result.Slot, Name, y.V);
            return result;
        }

        var level = (ForwardLevel)top;
        Scalar tangent = default;
        for (int i = 0; i < Arity; i++)
            if (args[i].Key == topKey) tangent += partials[i] * level.TangentOf(args[i]);
        return level.Make(y, tangent);
    }
}
