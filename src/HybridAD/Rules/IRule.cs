namespace HybridAD.Rules;

/// <summary>What kind of derivative a rule has: lets tools (traces, cost model, checkers) treat linear and
/// zero-derivative operations specially without a switch on names.</summary>
[Flags]
public enum RuleTraits
{
    /// <summary>A general nonlinear rule.</summary>
    None = 0,
    /// <summary>The operation is linear in its inputs: its partials are constants.</summary>
    Linear = 1,
    /// <summary>The derivative is zero wherever it exists (e.g. a constant).</summary>
    ZeroDerivative = 2,
    /// <summary>The rule has points where it is not differentiable (a kink); a documented one-sided or
    /// averaged derivative is used there, and <c>SmoothAt</c> says where.</summary>
    HasKinks = 4,
}

/// <summary>
/// An elemental function of one argument y = φ(x; p), declared once: its primal and its local partial
/// ∂φ/∂x side by side. Forward mode derives ẏ = ∂φ/∂x · ẋ and reverse mode x̄ += ∂φ/∂x · ȳ from this one
/// partial. <c>p</c> is an optional constant parameter (the exponent of <c>x^c</c>), ignored by most rules.
/// </summary>
public interface IUnaryRule
{
    /// <summary>The name shown in traces and error messages.</summary>
    static abstract string Name { get; }
    /// <summary>y = φ(x; p) on doubles.</summary>
    static abstract double Primal(double x, double p);
    /// <summary>∂φ/∂x at x, given y = φ(x). Written once over <see cref="IReal{T}"/>, so it is itself
    /// differentiable (higher-order derivatives use it with <typeparamref name="T"/> = <see cref="Scalar"/>).</summary>
    static abstract T Partial<T>(T x, T y, double p) where T : IReal<T>;
    /// <summary>A sampling interval where φ is defined, smooth and well conditioned (for checkers and
    /// random-program generators).</summary>
    static virtual (double Lo, double Hi) Domain => (-3, 3);
    /// <summary>False at points where φ is not differentiable (the documented convention applies there).</summary>
    static virtual bool SmoothAt(double x) => true;
    /// <summary>A sampling interval for the constant parameter p (checkers and random-program generators), or
    /// null when the rule ignores p.</summary>
    static virtual (double Lo, double Hi)? ParameterDomain => null;
    /// <summary>Linear / zero-derivative / kinked.</summary>
    static virtual RuleTraits Traits => RuleTraits.None;
    /// <summary>Optional: y = φ(x; p) over a whole span with a SIMD kernel (tensors use it). Returns false, having
    /// written nothing, when the rule has none (the default): the span is then evaluated with
    /// <see cref="Primal"/> element by element. A kernel must agree with <see cref="Primal"/> to a few ulps
    /// (tests check every rule's kernel for lengths 0..256); <paramref name="y"/> may be
    /// <paramref name="x"/>.</summary>
    static virtual bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p) => false;
}

/// <summary>
/// An elemental function of two arguments y = φ(a, b), declared once: its primal and both local partials
/// (∂φ/∂a, ∂φ/∂b) side by side.
/// </summary>
public interface IBinaryRule
{
    /// <summary>The name shown in traces and error messages.</summary>
    static abstract string Name { get; }
    /// <summary>y = φ(a, b) on doubles.</summary>
    static abstract double Primal(double a, double b);
    /// <summary>(∂φ/∂a, ∂φ/∂b) at (a, b), given y = φ(a, b).</summary>
    static abstract (T DA, T DB) Partials<T>(T a, T b, T y) where T : IReal<T>;
    /// <summary>Sampling interval for a.</summary>
    static virtual (double Lo, double Hi) DomainA => (-3, 3);
    /// <summary>Sampling interval for b.</summary>
    static virtual (double Lo, double Hi) DomainB => (-3, 3);
    /// <summary>False where φ is not differentiable.</summary>
    static virtual bool SmoothAt(double a, double b) => true;
    /// <summary>Linear / zero-derivative / kinked.</summary>
    static virtual RuleTraits Traits => RuleTraits.None;
    /// <summary>Optional: y = φ(a, b) over whole spans with a SIMD kernel (tensors use it). Returns false, having
    /// written nothing, when the rule has none (the default): the spans are then evaluated with
    /// <see cref="Primal"/> element by element. <paramref name="y"/> may be <paramref name="a"/> or
    /// <paramref name="b"/>.</summary>
    static virtual bool PrimalSpan(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y) => false;
}
