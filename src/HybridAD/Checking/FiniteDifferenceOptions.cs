using System.Globalization;

namespace HybridAD.Checking;

/// <summary>How <see cref="FiniteDifferences"/> approximates a derivative.</summary>
public enum FiniteDifferenceMethod
{
    /// <summary>
    /// The central difference D(h) = (f(x + h·v) − f(x − h·v)) / (2h), two evaluations per direction, with the
    /// step h = s·max(|xᵢ|, 1), s = ε^(1/3) ≈ 6.06·10⁻⁶. Its truncation error is h²/6·f‴ and its rounding error
    /// about ε·|f|/h; this h balances the two, for an error of order ε^(2/3) ≈ 4·10⁻¹¹ (relative to the scales
    /// of f and x).
    /// </summary>
    Central,

    /// <summary>
    /// Richardson extrapolation of central differences (Ridders' method): D(h₀), D(h₀/2), D(h₀/4), … are
    /// combined in a Neville tableau T[i, j] = T[i, j−1] + (T[i, j−1] − T[i−1, j−1]) / (4ʲ − 1), each column
    /// cancelling the next even power of h from the error expansion D(h) = f′ + c₂h² + c₄h⁴ + …; the entry with
    /// the smallest estimated error is returned, and the tableau stops when the error grows. A tableau that
    /// has not converged (estimated error above 10⁻¹⁰·max(1, |value|), typically because f curves strongly
    /// over h₀) is retried from h₀/10 and h₀/100, keeping the best. Typically 10⁻¹²–10⁻¹⁰ relative, at
    /// 2·<see cref="FiniteDifferenceOptions.RichardsonLevels"/> evaluations per direction (three times that at
    /// most). The initial step is h₀ = s·max(|xᵢ|, 1) with s = 10⁻³.
    /// </summary>
    Richardson,
}

/// <summary>
/// Options of the finite-difference approximations: the method and its step. Immutable; derive variants with
/// <c>with</c>: <c>FiniteDifferenceOptions.Richardson with { StepScale = 1e-4 }</c>.
/// </summary>
/// <remarks>
/// The step of coordinate i is h = <see cref="EffectiveStepScale"/>·max(|xᵢ|, 1): relative to xᵢ for large
/// coordinates, absolute near zero. A step along a general direction v moves every coordinate by at most its own
/// step: t = s·minᵢ (max(|xᵢ|, 1) / |vᵢ|) over the vᵢ ≠ 0. Along a coordinate axis the step is rounded so that
/// x ± h is exactly representable and the difference is divided by the step actually taken.
/// </remarks>
public sealed record FiniteDifferenceOptions
{
    /// <summary>ε^(1/3) ≈ 6.06·10⁻⁶ (ε = 2⁻⁵² the machine epsilon): the step scale of central differences.</summary>
    public static readonly double CentralStepScale = Math.Cbrt(Math.Pow(2, -52));

    /// <summary>10⁻³: the initial step scale of Richardson extrapolation (the tableau halves it each level).</summary>
    public const double RichardsonStepScale = 1e-3;

    /// <summary>Central differences with h = ε^(1/3)·max(|xᵢ|, 1) (the default).</summary>
    public static FiniteDifferenceOptions Central { get; } = new();

    /// <summary>Richardson-extrapolated central differences with h₀ = 10⁻³·max(|xᵢ|, 1) and 6 levels.</summary>
    public static FiniteDifferenceOptions Richardson { get; } = new() { Method = FiniteDifferenceMethod.Richardson };

    /// <summary>The method (default <see cref="FiniteDifferenceMethod.Central"/>).</summary>
    public FiniteDifferenceMethod Method { get; init; } = FiniteDifferenceMethod.Central;

    /// <summary>The step scale s in h = s·max(|xᵢ|, 1); null for the method's default
    /// (<see cref="CentralStepScale"/> or <see cref="RichardsonStepScale"/>). Must be positive and finite.</summary>
    public double? StepScale
    {
        get => _stepScale;
        init
        {
            if (value is { } s && !(s > 0 && double.IsFinite(s)))
                throw new ArgumentOutOfRangeException(nameof(StepScale), s, "The step scale must be positive and finite.");
            _stepScale = value;
        }
    }
    private readonly double? _stepScale;

    /// <summary>The maximum number of step halvings in the Richardson tableau (default 6, at least 2).</summary>
    public int RichardsonLevels
    {
        get => _levels;
        init
        {
            if (value < 2 || value > 20)
                throw new ArgumentOutOfRangeException(nameof(RichardsonLevels), value, "Expected between 2 and 20 levels.");
            _levels = value;
        }
    }
    private readonly int _levels = 6;

    /// <summary>The step scale in use: <see cref="StepScale"/> or the method's default.</summary>
    public double EffectiveStepScale =>
        _stepScale ?? (Method == FiniteDifferenceMethod.Central ? CentralStepScale : RichardsonStepScale);

    /// <summary>A one-line description, e.g. <c>central differences (h = 6.06e-06·max(|xᵢ|, 1))</c>.</summary>
    public string Describe() => Method == FiniteDifferenceMethod.Central
        ? string.Create(CultureInfo.InvariantCulture, $"central differences (h = {EffectiveStepScale:0.##e+00}·max(|xᵢ|, 1))")
        : string.Create(CultureInfo.InvariantCulture,
            $"Richardson-extrapolated central differences (h₀ = {EffectiveStepScale:0.##e+00}·max(|xᵢ|, 1), {RichardsonLevels} levels)");
}
