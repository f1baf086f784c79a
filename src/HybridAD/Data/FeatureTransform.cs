using System.Collections.Immutable;
using System.Numerics.Tensors;

namespace HybridAD.Data;

/// <summary>How features are rescaled before training.</summary>
public enum FeatureScaling
{
    /// <summary>Features are used as they are.</summary>
    None,
    /// <summary>Min–max scaling to [0, 1]: x′ = (x − min) / (max − min), min and max per feature.</summary>
    MinMax,
    /// <summary>Standardization (z-score): x′ = (x − mean) / std, per feature (population std, divisor N).</summary>
    Standardize,
}

/// <summary>
/// A per-feature affine rescaling x′ⱼ = (xⱼ − Offsetⱼ) / Scaleⱼ, fitted on one data set (the training set) and
/// applied unchanged to others (the test set, new inputs), so test data never leaks into the statistics.
/// </summary>
/// <remarks>
/// <para><see cref="FeatureScaling.MinMax"/>: Offset = min, Scale = max − min over the training set, which maps the
/// training features onto [0, 1]; test values outside the training range map outside [0, 1] (deliberately not
/// clipped). <see cref="FeatureScaling.Standardize"/>: Offset = mean, Scale = population standard deviation.
/// A constant feature (max = min, or std = 0) gets Scale = 1, so it maps to 0 instead of dividing by zero.</para>
/// <para>The transform is stored in the model file (<c>input_transform</c>) so that a saved model can be
/// applied to raw inputs later.</para>
/// </remarks>
/// <example><code>
/// var t = FeatureTransform.Fit(split.Train, FeatureScaling.Standardize);
/// Dataset train = t.Apply(split.Train), test = t.Apply(split.Test); // train statistics reused on test
/// </code></example>
public sealed class FeatureTransform
{
    /// <summary>A transform with explicit offsets and scales (e.g. read from a model file).</summary>
    /// <exception cref="ArgumentException">The arrays differ in length, or a value is not finite, or a scale is 0.</exception>
    public FeatureTransform(FeatureScaling kind, ImmutableArray<double> offset, ImmutableArray<double> scale)
    {
        if (offset.IsDefault || scale.IsDefault)
            throw new ArgumentException("FeatureTransform: offset and scale are required.");
        if (offset.Length != scale.Length)
            throw new ArgumentException(
                $"FeatureTransform: offset has {offset.Length} values but scale has {scale.Length}; expected one of each per feature.");
        for (int j = 0; j < offset.Length; j++)
        {
            if (!double.IsFinite(offset[j]) || !double.IsFinite(scale[j]) || scale[j] == 0)
                throw new ArgumentException(
                    $"FeatureTransform: feature {j} has offset {offset[j]} and scale {scale[j]}; expected finite values " +
                    "and a non-zero scale.");
        }
        Kind = kind;
        Offset = offset;
        Scale = scale;
    }

    /// <summary>Which statistics the transform was fitted from (informational once fitted).</summary>
    public FeatureScaling Kind { get; }

    /// <summary>Subtracted from each feature (min or mean).</summary>
    public ImmutableArray<double> Offset { get; }

    /// <summary>Each feature is divided by this after the subtraction (range or standard deviation; never 0).</summary>
    public ImmutableArray<double> Scale { get; }

    /// <summary>The number of features this transform expects.</summary>
    public int FeatureCount => Offset.Length;

    /// <summary>The identity transform on <paramref name="featureCount"/> features (offset 0, scale 1).</summary>
    public static FeatureTransform Identity(int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        var zeros = new double[featureCount];
        var ones = new double[featureCount];
        Array.Fill(ones, 1.0);
        return new FeatureTransform(FeatureScaling.None, [.. zeros], [.. ones]);
    }

    /// <summary>Fits the transform of kind <paramref name="kind"/> on <paramref name="data"/> (the training set).</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is empty.</exception>
    public static FeatureTransform Fit(Dataset data, FeatureScaling kind)
    {
        ArgumentNullException.ThrowIfNull(data);
        int n = data.Count, p = data.FeatureCount;
        if (kind == FeatureScaling.None) return Identity(p);
        if (n == 0)
            throw new ArgumentException("FeatureTransform.Fit: the data set is empty; expected at least one example.", nameof(data));
        var offset = new double[p];
        var scale = new double[p];
        var x = data.Features;
        if (kind == FeatureScaling.MinMax)
        {
            x[..p].CopyTo(offset);
            var max = x[..p].ToArray();
            for (int i = 1; i < n; i++)
            {
                var row = x.Slice(i * p, p);
                TensorPrimitives.Min(offset, row, offset);
                TensorPrimitives.Max(max, row, max);
            }
            for (int j = 0; j < p; j++)
            {
                double range = max[j] - offset[j];
                scale[j] = range > 0 ? range : 1.0;
            }
        }
        else if (kind == FeatureScaling.Standardize)
        {
            // Two passes (mean, then squared deviations): stable for features with a large offset.
            for (int i = 0; i < n; i++) TensorPrimitives.Add(offset, x.Slice(i * p, p), offset);
            TensorPrimitives.Divide(offset, n, offset);
            var dev = new double[p];
            var sq = new double[p];
            for (int i = 0; i < n; i++)
            {
                TensorPrimitives.Subtract(x.Slice(i * p, p), offset, dev);
                TensorPrimitives.MultiplyAdd(dev, dev, sq, sq);
            }
            for (int j = 0; j < p; j++)
            {
                double std = Math.Sqrt(sq[j] / n);
                scale[j] = std > 0 ? std : 1.0;
            }
        }
        else
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected None, MinMax or Standardize.");
        }
        return new FeatureTransform(kind, [.. offset], [.. scale]);
    }

    /// <summary>The transformed data set (same labels and names).</summary>
    /// <exception cref="ArgumentException">The data set has a different number of features.</exception>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckWidth(data.FeatureCount, "data set");
        int p = FeatureCount;
        var y = new double[data.Count * p];
        var x = data.Features;
        for (int i = 0; i < data.Count; i++)
            Apply(x.Slice(i * p, p), y.AsSpan(i * p, p));
        return data.WithFeatures(y);
    }

    /// <summary>Transforms one example <paramref name="row"/> into <paramref name="destination"/> (may be the same span).</summary>
    /// <exception cref="ArgumentException">A span's length is not <see cref="FeatureCount"/>.</exception>
    public void Apply(ReadOnlySpan<double> row, Span<double> destination)
    {
        CheckWidth(row.Length, "row");
        CheckWidth(destination.Length, "destination");
        TensorPrimitives.Subtract(row, Offset.AsSpan(), destination);
        TensorPrimitives.Divide(destination, Scale.AsSpan(), destination);
    }

    private void CheckWidth(int width, string what)
    {
        if (width != FeatureCount)
            throw new ArgumentException(
                $"FeatureTransform: the {what} has {width} features; this transform was fitted on {FeatureCount}.");
    }
}
