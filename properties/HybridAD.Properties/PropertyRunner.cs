using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using HybridAD.Properties.Programs;

namespace HybridAD.Properties;

/// <summary>A property was falsified; the message carries FsCheck's report (with the shrunk program) and the
/// environment setting that replays the run.</summary>
public sealed class PropertyFailedException(string message, Exception inner) : Exception(message, inner);

/// <summary>A property's assertion, with the numbers involved.</summary>
public sealed class PropertyViolation(string message) : Exception(message);

/// <summary>What one property run covered: cases, discarded cases, and which ops its programs used.</summary>
internal sealed class Coverage
{
    private readonly int[] _ops = new int[OpPool.All.Count];
    private int _cases, _discarded;

    /// <summary>Below this many cases (only with a low <c>HYBRIDAD_PROPERTY_CASES</c>) coverage is not asserted.</summary>
    public const int MinCasesForCoverage = 500;

    public int Cases => _cases;
    public int Discarded => _discarded;

    public void Record(RandomProgram p)
    {
        Interlocked.Increment(ref _cases);
        for (int k = p.InputCount; k < p.Nodes.Length; k++) Interlocked.Increment(ref _ops[p.Nodes[k].Op]);
    }

    public void Discard() => Interlocked.Increment(ref _discarded);

    /// <summary>One line for the test log: cases, discards, and the least and most used ops.</summary>
    public string Summary()
    {
        int min = int.MaxValue, max = 0;
        string minName = "", maxName = "";
        for (int i = 0; i < _ops.Length; i++)
        {
            if (_ops[i] < min) { min = _ops[i]; minName = OpPool.All[i].Name; }
            if (_ops[i] > max) { max = _ops[i]; maxName = OpPool.All[i].Name; }
        }
        return $"{Cases} cases ({Discarded} discarded); each of the {_ops.Length} ops used {min}× ({minName}) to {max}× ({maxName})";
    }

    public int Count(int op) => _ops[op];

    /// <summary>Fails unless every op of the pool — every elemental rule and every custom rule — was used.</summary>
    public void AssertEveryOpCovered(string property, int atLeast = 1)
    {
        // With HYBRIDAD_PROPERTY_CASES set very low there are too few programs to demand every rule.
        if (Cases < MinCasesForCoverage) return;
        var missing = new List<string>();
        for (int i = 0; i < _ops.Length; i++)
            if (_ops[i] < atLeast) missing.Add($"{OpPool.All[i].Name} ({_ops[i]}×)");
        Assert.True(missing.Count == 0,
            $"{property}: these rules were used fewer than {atLeast} times in {Cases} generated programs: {string.Join(", ", missing)}. " +
            "Every rule must be covered: check its Domain (the generator samples arguments there).");
    }
}

/// <summary>
/// Runs FsCheck properties inside xUnit facts with a fixed, replayable seed.
/// </summary>
/// <remarks>
/// <para>The seed is fixed (<see cref="DefaultSeed"/>), so CI runs the same cases every time. To replay a failing
/// run, or to explore with other seeds, set <c>HYBRIDAD_PROPERTY_SEED</c>:
/// <c>HYBRIDAD_PROPERTY_SEED=12345,67891</c> (FsCheck's seed and gamma, as printed in the failure message),
/// <c>HYBRIDAD_PROPERTY_SEED=12345</c> (gamma defaults), or <c>HYBRIDAD_PROPERTY_SEED=random</c> (a fresh seed,
/// printed on failure). <c>HYBRIDAD_PROPERTY_CASES=N</c> runs N cases per property instead of the default.</para>
/// </remarks>
internal static class PropertyRunner
{
    public const string SeedVariable = "HYBRIDAD_PROPERTY_SEED";
    public const string CasesVariable = "HYBRIDAD_PROPERTY_CASES";

    /// <summary>The CI seed: FsCheck's (seed, gamma); gamma must be odd.</summary>
    public static readonly (ulong Seed, ulong Gamma) DefaultSeed = (20240611UL, 0x9E3779B97F4A7C15UL);

    /// <summary>Cases per property in CI (6 properties over random programs: 12,000 cases).</summary>
    public const int DefaultCases = 2000;

    public static int Cases
    {
        get
        {
            string? s = Environment.GetEnvironmentVariable(CasesVariable);
            return s is not null && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : DefaultCases;
        }
    }

    /// <summary>The seed in use: <see cref="SeedVariable"/> if set, else <see cref="DefaultSeed"/>.</summary>
    public static (ulong Seed, ulong Gamma) Seed() => ParseSeed(Environment.GetEnvironmentVariable(SeedVariable));

    /// <summary>Parses a <see cref="SeedVariable"/> value: null or empty → the default, <c>random</c>,
    /// <c>seed</c>, <c>seed,gamma</c> or <c>(seed,gamma)</c> (gamma is made odd).</summary>
    public static (ulong Seed, ulong Gamma) ParseSeed(string? value)
    {
        string? s = value?.Trim();
        if (string.IsNullOrEmpty(s)) return DefaultSeed;
        if (s.Equals("random", StringComparison.OrdinalIgnoreCase))
            return ((ulong)Random.Shared.NextInt64(), (ulong)Random.Shared.NextInt64() | 1);
        string[] parts = s.Trim('(', ')').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2 || !ulong.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong seed)
            || (parts.Length == 2 && !ulong.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
            throw new ArgumentException($"{SeedVariable}='{s}': expected 'seed', 'seed,gamma' (unsigned integers) or 'random'.");
        ulong gamma = parts.Length == 2 ? ulong.Parse(parts[1], CultureInfo.InvariantCulture) : DefaultSeed.Gamma;
        return (seed, gamma | 1);
    }

    /// <summary>Programs of a shape, with shrinking to minimal valid programs.</summary>
    public static Arbitrary<RandomProgram> Programs(ProgramShape shape) =>
        Arb.From(
            Gen.Sized(size => Gen.Choose(0, int.MaxValue - 1).Select(seed => ProgramGenerator.Generate(new Random(seed), shape, size))),
            ProgramGenerator.Shrink);

    /// <summary>
    /// Checks <paramref name="property"/> (which throws <see cref="PropertyViolation"/> when it does not hold)
    /// over <see cref="Cases"/> programs; returns the coverage. A failure rethrows FsCheck's report — original
    /// and shrunk program — with the replay setting.
    /// </summary>
    public static Coverage Check(string name, ProgramShape shape, Action<RandomProgram, Coverage> property)
    {
        var coverage = new Coverage();
        var (seed, gamma) = Seed();
        int cases = Cases;
        Config config = Config.QuickThrowOnFailure.WithMaxTest(cases).WithReplay(seed, gamma).WithQuietOnSuccess(true);
        try
        {
            FsCheck.Check.One(config, Prop.ForAll(Programs(shape), (RandomProgram p) => property(p, coverage)));
        }
        catch (Exception e) when (e is not PropertyFailedException)
        {
            throw new PropertyFailedException(
                $"Property '{name}' failed. Replay this run with {SeedVariable}={seed},{gamma}\n{e.Message}", e);
        }
        Assert.True(coverage.Cases >= cases, $"{name}: FsCheck ran {coverage.Cases} cases, expected {cases}.");
        return coverage;
    }
}
