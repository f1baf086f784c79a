using System.Globalization;

namespace HybridAD.Checking;

/// <summary>
/// How close a derivative must be to its reference, scaled with the magnitudes involved. Entry i passes when
/// <code>|actualᵢ − referenceᵢ| ≤ Absolute·M + Relative·|referenceᵢ| + floorᵢ</code>
/// where M = max(1, maxⱼ |referenceⱼ|) is the scale of the whole derivative (so small entries of a large
/// gradient are held to the gradient's scale, not to their own) and floorᵢ is the finite-difference
/// reference's rounding floor 32·ε·max|f|/h (zero when the reference is an exact derivative). For the adjoint
/// identity of a VJP check, M is the scale of the terms Σₖ |uₖ·(J·v)ₖ| of the inner product.
/// </summary>
/// <remarks>
/// Defaults: <see cref="CentralDifferences"/> (10⁻⁶, 10⁻⁶) against central differences, whose own error is
/// of order ε^(2/3) ≈ 4·10⁻¹¹ for well-scaled functions; <see cref="Richardson"/> (10⁻⁸, 10⁻⁸) against
/// Richardson extrapolation; <see cref="Analytic"/> (10⁻¹², 10⁻¹⁰) between two exact derivatives (HybridAD's
/// and a hand-written one, or two modes), which differ by rounding only. A wrong derivative is typically off by
/// O(1) relative, far outside all three.
/// </remarks>
public readonly record struct Tolerance
{
    /// <summary>A tolerance; both parts must be non-negative and finite.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A part is negative, NaN or infinite.</exception>
    public Tolerance(double absolute, double relative)
    {
        if (!(absolute >= 0 && double.IsFinite(absolute)))
            throw new ArgumentOutOfRangeException(nameof(absolute), absolute, "Expected a non-negative, finite absolute tolerance.");
        if (!(relative >= 0 && double.IsFinite(relative)))
            throw new ArgumentOutOfRangeException(nameof(relative), relative, "Expected a non-negative, finite relative tolerance.");
        Absolute = absolute;
        Relative = relative;
    }

    /// <summary>The absolute part, multiplied by the magnitude M.</summary>
    public double Absolute { get; }

    /// <summary>The relative part, multiplied by |referenceᵢ|.</summary>
    public double Relative { get; }

    /// <summary>(10⁻⁶, 10⁻⁶): the default against central differences.</summary>
    public static Tolerance CentralDifferences { get; } = new(1e-6, 1e-6);

    /// <summary>(10⁻⁸, 10⁻⁸): the default against Richardson extrapolation.</summary>
    public static Tolerance Richardson { get; } = new(1e-8, 1e-8);

    /// <summary>(10⁻¹², 10⁻¹⁰): the default between two exact derivatives (rounding differences only).</summary>
    public static Tolerance Analytic { get; } = new(1e-12, 1e-10);

    /// <summary>The default tolerance against a finite-difference reference computed with <paramref name="options"/>.</summary>
    public static Tolerance For(FiniteDifferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Method == FiniteDifferenceMethod.Central ? CentralDifferences : Richardson;
    }

    /// <summary>The bound for one entry: Absolute·M + Relative·|reference| + floor.</summary>
    public double Bound(double reference, double magnitude, double floor = 0) =>
        Absolute * magnitude + Relative * Math.Abs(reference) + floor;

    /// <summary><c>|err| ≤ 1e-06·M + 1e-06·|ref|</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"|err| ≤ {Absolute:0.##e+00}·M + {Relative:0.##e+00}·|ref|");
}
