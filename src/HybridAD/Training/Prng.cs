using System.Numerics;
using System.Runtime.CompilerServices;

namespace HybridAD.Training;

/// <summary>
/// A small, fast, seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64) used for weight
/// initialization, shuffling and data splits. The same seed gives the same sequence on every machine, .NET
/// version and operating system: the algorithm is fixed and written here in full, unlike
/// <see cref="System.Random"/>, whose seeded sequence the runtime does not promise to keep.
/// </summary>
/// <remarks>
/// <para>Determinism: every draw is a pure function of (seed, stream, number of draws so far). Uniform doubles
/// take the top 53 bits of one 64-bit output; a normal draw takes exactly two uniform draws (Box–Muller, the
/// second variate is discarded) so the number of outputs consumed never depends on the values drawn.</para>
/// <para>Not thread-safe: a generator is a mutable cursor over its sequence. Use one per thread, or derive
/// independent generators with <see cref="Prng(long, long)"/> (for example one stream per layer or epoch).</para>
/// <para>Not cryptographically secure.</para>
/// </remarks>
/// <example><code>
/// var rng = new Prng(seed: 42);
/// double u = rng.NextDouble();          // in [0, 1)
/// double z = rng.NextNormal();          // standard normal
/// int[] order = rng.Permutation(10);    // a seeded shuffle of 0..9
/// var epoch3 = new Prng(seed: 42, stream: 3); // an independent stream, e.g. the shuffle of epoch 3
/// </code></example>
public sealed class Prng
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A generator whose sequence is determined by <paramref name="seed"/>.</summary>
    public Prng(long seed) : this(seed, 0) { }

    /// <summary>
    /// A generator for stream <paramref name="stream"/> of <paramref name="seed"/>: different streams of the
    /// same seed give statistically independent sequences, so a training run can derive, say, one stream per
    /// epoch for its shuffles and resume at any epoch without replaying earlier draws.
    /// </summary>
    public Prng(long seed, long stream)
    {
        // SplitMix64 expands the (seed, stream) pair into the 256-bit state, as the xoshiro authors recommend.
        ulong sm = unchecked((ulong)seed) ^ Mix(unchecked((ulong)stream) + 0xD1B54A32D192ED03UL);
        _s0 = SplitMix(ref sm);
        _s1 = SplitMix(ref sm);
        _s2 = SplitMix(ref sm);
        _s3 = SplitMix(ref sm);
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 1; // the all-zero state is the one fixed point; never reached in practice
    }

    /// <summary>A generator with an explicit xoshiro256 state (for tests against the reference vectors).</summary>
    internal Prng(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        if ((s0 | s1 | s2 | s3) == 0)
            throw new ArgumentException("The xoshiro256 state must not be all zeros.");
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>The next 64 random bits (xoshiro256**).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1): the top 53 bits of one 64-bit draw, times 2⁻⁵³.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextUniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>
    /// A standard normal variate N(0, 1) by the Box–Muller transform: z = √(−2 ln u₁)·cos(2π u₂) with
    /// u₁ ∈ (0, 1], u₂ ∈ [0, 1). Consumes exactly two 64-bit draws.
    /// </summary>
    public double NextNormal()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]: the logarithm stays finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A normal variate N(<paramref name="mean"/>, <paramref name="std"/>²).</summary>
    public double NextNormal(double mean, double std) => mean + std * NextNormal();

    /// <summary>A uniform integer in [0, <paramref name="n"/>), without modulo bias (Lemire's method).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is not positive.</exception>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ulong range = (ulong)n;
        ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
        if (low < range)
        {
            ulong threshold = (0UL - range) % range;
            while (low < threshold)
                high = Math.BigMul(NextUInt64(), range, out low);
        }
        return (int)high;
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates, from the last element down).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A uniformly random permutation of 0..<paramref name="n"/>−1.</summary>
    public int[] Permutation(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle(p.AsSpan());
        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>The SplitMix64 finalizer (a bijective 64-bit mixer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>SplitMix64's output sequence from a raw state (for tests against the reference vector).</summary>
    internal static ulong SplitMixNext(ref ulong state) => SplitMix(ref state);
}
