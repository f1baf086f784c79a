using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HybridAD.Data;

/// <summary>
/// An immutable labelled data set for classification: <see cref="Count"/> examples, each a row of
/// <see cref="FeatureCount"/> doubles and a class label in 0..<see cref="ClassCount"/>−1.
/// </summary>
/// <remarks>
/// <para>Features are stored row-major in one flat array — example i is
/// <c>Features[i·FeatureCount .. (i+1)·FeatureCount)</c> — which is exactly the matrix form of the notes,
/// X ∈ ℝ^(N×p) with one example per row, ready to become a tensor without copying (see
/// <see cref="FeatureMatrix"/>). Every transformation (<see cref="Select"/>, <see cref="Slice"/>,
/// <see cref="FeatureTransform.Apply(Dataset)"/>, splits) returns a new data set.</para>
/// </remarks>
/// <example><code>
/// Dataset iris = Datasets.Iris();
/// iris.Count;            // 150
/// iris.FeatureCount;     // 4
/// iris.Row(0).ToArray(); // [5.1, 3.5, 1.4, 0.2]
/// iris.Labels[0];        // 0 (setosa)
/// double[,] x = iris.ToMatrix();
/// </code></example>
public sealed class Dataset
{
    private readonly double[] _features;
    private readonly int[] _labels;

    /// <summary>Takes ownership of the arrays (callers inside the library pass fresh arrays only).</summary>
    internal Dataset(double[] features, int[] labels, int featureCount, int classCount,
        ImmutableArray<string> featureNames, ImmutableArray<string> classNames)
    {
        _features = features;
        _labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
        FeatureNames = featureNames;
        ClassNames = classNames;
    }

    /// <summary>
    /// A data set from a row-major feature array (copied) of <c>labels.Length × featureCount</c> values and
    /// labels in 0..<paramref name="classCount"/>−1. Names default to x1..xp and 0..k−1.
    /// </summary>
    /// <exception cref="ArgumentException">The feature array's length is not labels.Length × featureCount, a
    /// feature is not finite, a label is outside 0..classCount−1, or a names list has the wrong length.</exception>
    public static Dataset Create(ReadOnlySpan<double> features, ReadOnlySpan<int> labels, int featureCount,
        int classCount, IReadOnlyList<string>? featureNames = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (features.Length != (long)labels.Length * featureCount)
            throw new ArgumentException(
                $"Dataset.Create: features has {features.Length} values; expected labels.Length × featureCount = " +
                $"{labels.Length} × {featureCount} = {(long)labels.Length * featureCount}.", nameof(features));
        for (int i = 0; i < features.Length; i++)
        {
            if (!double.IsFinite(features[i]))
                throw new ArgumentException(
                    $"Dataset.Create: feature {i % featureCount} of example {i / featureCount} is {features[i]}; " +
                    "expected a finite number.", nameof(features));
        }
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException(
                    $"Dataset.Create: label of example {i} is {labels[i]}; expected a class in 0..{classCount - 1} " +
                    $"({classCount} classes).", nameof(labels));
        }
        return new Dataset(features.ToArray(), labels.ToArray(), featureCount, classCount,
            Names(featureNames, featureCount, "feature", i => $"x{i + 1}"),
            Names(classNames, classCount, "class", i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>A data set from a feature matrix (one example per row, copied) and its labels.</summary>
    /// <exception cref="ArgumentException">The matrix has a different number of rows than there are labels, or
    /// see <see cref="Create(ReadOnlySpan{double}, ReadOnlySpan{int}, int, int, IReadOnlyList{string}?, IReadOnlyList{string}?)"/>.</exception>
    public static Dataset FromMatrix(double[,] features, int[] labels, int classCount,
        IReadOnlyList<string>? featureNames = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.GetLength(0) != labels.Length)
            throw new ArgumentException(
                $"Dataset.FromMatrix: the matrix has {features.GetLength(0)} rows but there are {labels.Length} labels; " +
                "expected one label per row.", nameof(labels));
        var flat = MemoryMarshal.CreateReadOnlySpan(
            ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(features)), features.Length);
        return Create(flat, labels, features.GetLength(1), classCount, featureNames, classNames);
    }

    /// <summary>The number of examples N.</summary>
    public int Count => _labels.Length;

    /// <summary>The number of features p per example.</summary>
    public int FeatureCount { get; }

    /// <summary>The number of classes k; labels are 0..k−1.</summary>
    public int ClassCount { get; }

    /// <summary>The feature (column) names, p of them (from the CSV header, or x1..xp).</summary>
    public ImmutableArray<string> FeatureNames { get; }

    /// <summary>The class names, k of them (declared, or "0".."k−1").</summary>
    public ImmutableArray<string> ClassNames { get; }

    /// <summary>All features, row-major: N·p values, example i at [i·p, (i+1)·p).</summary>
    public ReadOnlySpan<double> Features => _features;

    /// <summary>The features as read-only memory (for building tensors without a copy).</summary>
    public ReadOnlyMemory<double> FeatureMemory => _features;

    /// <summary>The N labels.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>The features of example <paramref name="index"/> (p values).</summary>
    public ReadOnlySpan<double> Row(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Expected an example index in 0..{Count - 1}.");
        return _features.AsSpan(index * FeatureCount, FeatureCount);
    }

    /// <summary>The features as a new N×p matrix.</summary>
    public double[,] ToMatrix()
    {
        var m = new double[Count, FeatureCount];
        _features.AsSpan().CopyTo(
            MemoryMarshal.CreateSpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(m)), m.Length));
        return m;
    }

    /// <summary>The features as a new row-major array (N·p values).</summary>
    public double[] FeatureMatrix() => (double[])_features.Clone();

    /// <summary>The labels as a new array.</summary>
    public int[] LabelArray() => (int[])_labels.Clone();

    /// <summary>The labels one-hot encoded, row-major N×k: row i has a 1 in column labels[i], zeros elsewhere
    /// (the notes' c ∈ {0,1}^k).</summary>
    public double[] OneHot()
    {
        var y = new double[Count * ClassCount];
        for (int i = 0; i < Count; i++) y[i * ClassCount + _labels[i]] = 1.0;
        return y;
    }

    /// <summary>How many examples each class has (k counts).</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        foreach (int label in _labels) counts[label]++;
        return counts;
    }

    /// <summary>The examples at <paramref name="indices"/>, in that order (repeats allowed).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside 0..N−1.</exception>
    public Dataset Select(ReadOnlySpan<int> indices)
    {
        int p = FeatureCount;
        var x = new double[indices.Length * p];
        var y = new int[indices.Length];
        for (int r = 0; r < indices.Length; r++)
        {
            int i = indices[r];
            if ((uint)i >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), i,
                    $"Dataset.Select: index {i} at position {r} is outside 0..{Count - 1}.");
            _features.AsSpan(i * p, p).CopyTo(x.AsSpan(r * p, p));
            y[r] = _labels[i];
        }
        return new Dataset(x, y, p, ClassCount, FeatureNames, ClassNames);
    }

    /// <summary>The <paramref name="count"/> examples starting at <paramref name="start"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside 0..N.</exception>
    public Dataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || (long)start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count),
                $"Dataset.Slice({start}, {count}): expected a range inside 0..{Count} (the data set has {Count} examples).");
        int p = FeatureCount;
        return new Dataset(_features.AsSpan(start * p, count * p).ToArray(), _labels.AsSpan(start, count).ToArray(),
            p, ClassCount, FeatureNames, ClassNames);
    }

    /// <summary>A data set with the same labels and names and new features of the same shape (takes ownership).</summary>
    internal Dataset WithFeatures(double[] features) =>
        new(features, _labels, FeatureCount, ClassCount, FeatureNames, ClassNames);

    /// <summary>"Dataset(150 examples × 4 features, 3 classes)".</summary>
    public override string ToString() => $"Dataset({Count} examples × {FeatureCount} features, {ClassCount} classes)";

    private static ImmutableArray<string> Names(IReadOnlyList<string>? names, int count, string what, Func<int, string> fallback)
    {
        if (names is null)
        {
            var b = ImmutableArray.CreateBuilder<string>(count);
            for (int i = 0; i < count; i++) b.Add(fallback(i));
            return b.MoveToImmutable();
        }
        if (names.Count != count)
            throw new ArgumentException($"Dataset: {names.Count} {what} names given; expected {count}.");
        return names.ToImmutableArray();
    }
}
