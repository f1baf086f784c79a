using HybridAD.Data;

namespace HybridAD.Networks;

/// <summary>Data sets as tensors: the feature matrix X (one example per row) and the targets c — one-hot rows for k
/// outputs, or the 0/1 label itself for a binary problem with one output (logistic regression).</summary>
public static class Batches
{
    /// <summary>X ∈ ℝ^(N×p): the data set's features, one example per row (a copy).</summary>
    public static Tensor Features(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Tensor.FromSpan(data.Features, data.Count, data.FeatureCount);
    }

    /// <summary>c ∈ {0,1}^(N×k): one-hot rows of the labels (the notes' hot-encoded c).</summary>
    public static Tensor OneHot(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Tensor.FromArray(data.OneHot(), data.Count, data.ClassCount);
    }

    /// <summary>c ∈ {0,1}^(N×outputs): one-hot rows (outputs = k), or the labels as one column (outputs = 1, two
    /// classes).</summary>
    /// <exception cref="ArgumentException">outputs is neither k nor 1 with two classes.</exception>
    public static Tensor Targets(Dataset data, int outputs)
    {
        ArgumentNullException.ThrowIfNull(data);
        int[] all = new int[data.Count];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        return Rows(data, all, outputs).C;
    }

    /// <summary>The rows <paramref name="indices"/> of a data set as (X, c) tensors, in that order, with one-hot
    /// targets.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the data set.</exception>
    public static (Tensor X, Tensor C) Rows(Dataset data, ReadOnlySpan<int> indices) => Rows(data, indices, data?.ClassCount ?? 0);

    /// <summary>The rows <paramref name="indices"/> as (X, c) with targets for a network of <paramref name="outputs"/>
    /// outputs (see <see cref="Targets"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the data set.</exception>
    /// <exception cref="ArgumentException">outputs is neither k nor 1 with two classes.</exception>
    public static (Tensor X, Tensor C) Rows(Dataset data, ReadOnlySpan<int> indices, int outputs)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckOutputs(data, outputs);
        bool binary = outputs == 1 && data.ClassCount == 2;
        int p = data.FeatureCount, k = binary ? 1 : data.ClassCount, n = indices.Length;
        var x = new double[n * p];
        var c = new double[n * k];
        ReadOnlySpan<double> f = data.Features;
        ReadOnlySpan<int> labels = data.Labels;
        for (int r = 0; r < n; r++)
        {
            int i = indices[r];
            if ((uint)i >= (uint)data.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), i, $"Batches.Rows: index {i} is outside the data set of {data.Count} examples.");
            f.Slice(i * p, p).CopyTo(x.AsSpan(r * p, p));
            if (binary) c[r] = labels[i];
            else c[r * k + labels[i]] = 1;
        }
        return (Tensor.Own(x, [n, p]), Tensor.Own(c, [n, k]));
    }

    /// <summary>Checks a network of <paramref name="outputs"/> outputs can classify the data: one output per class,
    /// or one output for two classes.</summary>
    /// <exception cref="ArgumentException">Neither holds (the message names both counts).</exception>
    public static void CheckOutputs(Dataset data, int outputs)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (outputs == data.ClassCount || (outputs == 1 && data.ClassCount == 2)) return;
        throw new ArgumentException(
            $"The data has {data.ClassCount} classes; the network's output layer has {outputs} outputs (expected one per class, or one output for two classes).");
    }
}
