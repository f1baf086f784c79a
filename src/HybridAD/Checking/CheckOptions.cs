namespace HybridAD.Checking;

/// <summary>What a user's own derivative function is compared with.</summary>
public enum Against
{
    /// <summary>HybridAD's exact derivative of the same function (default tolerance <see cref="Tolerance.Analytic"/>).</summary>
    HybridAD,
    /// <summary>Finite differences (default tolerance <see cref="Tolerance.For"/> the method used).</summary>
    FiniteDifferences,
}

/// <summary>
/// Options of the checkers in <see cref="Checker"/>. Immutable; derive variants with <c>with</c>:
/// <c>CheckOptions.Default with { Tolerance = new Tolerance(1e-9, 1e-9), Label = "loss" }</c>.
/// </summary>
public sealed record CheckOptions
{
    /// <summary>Central differences, default tolerances, seed 20240611, 3 probes.</summary>
    public static CheckOptions Default { get; } = new();

    /// <summary>How the finite-difference reference is computed (default: central differences).</summary>
    public FiniteDifferenceOptions Differences { get; init; } = FiniteDifferenceOptions.Central;

    /// <summary>The tolerance; null for the default of the reference (<see cref="Tolerance.CentralDifferences"/>,
    /// <see cref="Tolerance.Richardson"/> or <see cref="Tolerance.Analytic"/>).</summary>
    public Tolerance? Tolerance { get; init; }

    /// <summary>A name for the function, shown in the report.</summary>
    public string? Label { get; init; }

    /// <summary>The seed of the random directions v of the VJP checks (deterministic by default).</summary>
    public int Seed { get; init; } = 20240611;

    /// <summary>How many random directions v a VJP check tries (default 3, at least 1).</summary>
    public int Probes
    {
        get => _probes;
        init
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(Probes), value, "Expected at least one probe.");
            _probes = value;
        }
    }
    private readonly int _probes = 3;

    internal Tolerance ToleranceAgainstDifferences => Tolerance ?? Checking.Tolerance.For(Differences);
    internal Tolerance ToleranceAgainstHybridAD => Tolerance ?? Checking.Tolerance.Analytic;
}
