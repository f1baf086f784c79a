using HybridAD.Training;

namespace HybridAD.Data;

/// <summary>
/// How to divide a data set into a training and a test set: by the test set's size (a fraction or a count),
/// in file order (the last examples are the test set) or after a seeded shuffle, optionally stratified.
/// </summary>
/// <remarks>
/// <para>Without a seed the split keeps the file order: the first N − t examples train, the last t test (the
/// convention for digits: first 1500 / last 297). With a seed the examples are first permuted by
/// <see cref="Prng"/>(seed), so the same seed always gives the same split, on every machine.</para>
/// <para>Stratified (requires a seed): each class is shuffled and split separately, so every class keeps its
/// proportion in both sets (important for files sorted by class, like Iris). The test count per class is
/// round(fraction·class size); the result keeps each set in the shuffled order, classes interleaved by the
/// same permutation.</para>
/// </remarks>
/// <example><code>
/// DataSplit s = SplitSpec.TestFraction(0.2, seed: 7).Apply(Datasets.Iris()); // 120 train, 30 test
/// DataSplit d = SplitSpec.TestCount(297).Apply(all);                         // last 297 rows test
/// </code></example>
public sealed record SplitSpec
{
    private SplitSpec(double? fraction, int? count, long? seed, bool stratified)
    {
        if (fraction is double f && !(f > 0 && f < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), f, "Expected a test fraction strictly between 0 and 1.");
        if (count is int c && c < 1)
            throw new ArgumentOutOfRangeException(nameof(count), c, "Expected a test count of at least 1.");
        if (stratified && seed is null)
            throw new ArgumentException("A stratified split shuffles within each class; give it a seed.", nameof(seed));
        if (stratified && fraction is null)
            throw new ArgumentException("A stratified split takes a test fraction (applied to every class), not a count.", nameof(count));
        Fraction = fraction;
        Count = count;
        Seed = seed;
        Stratified = stratified;
    }

    /// <summary>The test set's share of the examples, when the split is by fraction.</summary>
    public double? Fraction { get; }

    /// <summary>The test set's number of examples, when the split is by count.</summary>
    public int? Count { get; }

    /// <summary>The shuffle seed, or null to keep the file order.</summary>
    public long? Seed { get; }

    /// <summary>Whether each class is split separately in the same proportion.</summary>
    public bool Stratified { get; }

    /// <summary>The test set is round(<paramref name="fraction"/>·N) examples (0 &lt; fraction &lt; 1).</summary>
    public static SplitSpec TestFraction(double fraction, long? seed = null, bool stratified = false) =>
        new(fraction, null, seed, stratified);

    /// <summary>The test set is <paramref name="count"/> examples.</summary>
    public static SplitSpec TestCount(int count, long? seed = null) => new(null, count, seed, false);

    /// <summary>Splits <paramref name="data"/> (the result has no feature transform).</summary>
    /// <exception cref="ArgumentException">The split would leave the training or test set empty.</exception>
    public DataSplit Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int n = data.Count;
        if (Stratified) return ApplyStratified(data);

        int testCount = Count ?? (int)Math.Round(Fraction!.Value * n, MidpointRounding.AwayFromZero);
        if (testCount < 1 || testCount > n - 1)
            throw new ArgumentException(
                $"Split: {Describe()} of {n} examples gives {testCount} test and {n - testCount} training examples; " +
                "expected at least one of each.");
        int[] order = Seed is long s ? new Prng(s).Permutation(n) : Identity(n);
        int trainCount = n - testCount;
        return new DataSplit(data.Select(order.AsSpan(0, trainCount)), data.Select(order.AsSpan(trainCount)), null);
    }

    private DataSplit ApplyStratified(Dataset data)
    {
        int n = data.Count, k = data.ClassCount;
        int[] order = new Prng(Seed!.Value).Permutation(n);
        var counts = data.ClassCounts();
        var testQuota = new int[k];
        for (int c = 0; c < k; c++)
            testQuota[c] = (int)Math.Round(Fraction!.Value * counts[c], MidpointRounding.AwayFromZero);
        var train = new List<int>(n);
        var test = new List<int>(n);
        var taken = new int[k];
        var labels = data.Labels;
        foreach (int i in order)
        {
            int c = labels[i];
            if (taken[c]++ < testQuota[c]) test.Add(i);
            else train.Add(i);
        }
        if (train.Count == 0 || test.Count == 0)
            throw new ArgumentException(
                $"Split: {Describe()} of {n} examples gives {test.Count} test and {train.Count} training examples; " +
                "expected at least one of each.");
        return new DataSplit(data.Select(train.ToArray()), data.Select(test.ToArray()), null);
    }

    private string Describe() =>
        (Count is int c ? $"a test count of {c}" : $"a test fraction of {Fraction}") +
        (Stratified ? " (stratified)" : "");

    private static int[] Identity(int n)
    {
        var a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }
}

/// <summary>
/// A training set, a test set, and the feature transform that was fitted on the training set and applied to
/// both (null when the features are unscaled).
/// </summary>
/// <param name="Train">The examples to train on.</param>
/// <param name="Test">The held-out examples.</param>
/// <param name="Transform">The transform already applied to both sets, fitted on the raw training set; keep it
/// to transform new inputs the same way (it is saved in the model file).</param>
public sealed record DataSplit(Dataset Train, Dataset Test, FeatureTransform? Transform)
{
    /// <summary>
    /// Fits <paramref name="scaling"/> on the training set and applies it to both sets (the test set is scaled
    /// with the training statistics). A split that is already scaled cannot be scaled again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The split already carries a transform.</exception>
    public DataSplit Scaled(FeatureScaling scaling)
    {
        if (scaling == FeatureScaling.None) return this;
        if (Transform is not null)
            throw new InvalidOperationException(
                $"This split is already scaled ({Transform.Kind}); scale the raw split instead of scaling twice.");
        var t = FeatureTransform.Fit(Train, scaling);
        return new DataSplit(t.Apply(Train), t.Apply(Test), t);
    }
}
