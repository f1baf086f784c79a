using System.Collections.Immutable;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text;

namespace HybridAD.Training;

/// <summary>Classification metrics over predicted and actual class labels.</summary>
public static class Metrics
{
    /// <summary>
    /// The predicted class of each row of a row-major <paramref name="rows"/>×<paramref name="classes"/> score
    /// matrix (probabilities, log-probabilities or logits): the index of the row's largest score, the first one on
    /// ties. A row containing NaN predicts the index of its first NaN (as <see cref="TensorPrimitives.IndexOfMax{T}(ReadOnlySpan{T})"/>),
    /// which is then almost surely counted wrong rather than silently right.
    /// </summary>
    /// <exception cref="ArgumentException">The scores' length is not rows × classes.</exception>
    public static int[] ArgMaxRows(ReadOnlySpan<double> scores, int rows, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (scores.Length != (long)rows * classes)
            throw new ArgumentException(
                $"ArgMaxRows: the scores have {scores.Length} values; expected rows × classes = {rows} × {classes} = {(long)rows * classes}.",
                nameof(scores));
        var predicted = new int[rows];
        for (int i = 0; i < rows; i++) predicted[i] = TensorPrimitives.IndexOfMax(scores.Slice(i * classes, classes));
        return predicted;
    }

    /// <summary>The fraction of positions where <paramref name="predicted"/> equals <paramref name="actual"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static double Accuracy(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted)
    {
        if (actual.Length != predicted.Length)
            throw new ArgumentException(
                $"Accuracy: {predicted.Length} predictions for {actual.Length} labels; expected one per label.", nameof(predicted));
        if (actual.Length == 0)
            throw new ArgumentException("Accuracy: no labels; expected at least one.", nameof(actual));
        int correct = 0;
        for (int i = 0; i < actual.Length; i++) if (actual[i] == predicted[i]) correct++;
        return (double)correct / actual.Length;
    }
}

/// <summary>
/// A k×k confusion matrix: entry [a, p] counts the examples of actual class a predicted as class p. The diagonal
/// holds the correct predictions. Immutable.
/// </summary>
/// <example><code>
/// var cm = ConfusionMatrix.Compute(test.Labels, Metrics.ArgMaxRows(probs, test.Count, 10), 10);
/// cm.Accuracy;                         // e.g. 0.9461
/// Console.WriteLine(cm.ToText(test.ClassNames));
/// </code></example>
public sealed class ConfusionMatrix
{
    private readonly int[] _counts;

    private ConfusionMatrix(int classCount, int[] counts)
    {
        ClassCount = classCount;
        _counts = counts;
    }

    /// <summary>Counts (actual, predicted) pairs over k = <paramref name="classCount"/> classes.</summary>
    /// <exception cref="ArgumentException">The spans differ in length, or a label is outside 0..k−1 (the message
    /// names its position and value).</exception>
    public static ConfusionMatrix Compute(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (actual.Length != predicted.Length)
            throw new ArgumentException(
                $"ConfusionMatrix: {predicted.Length} predictions for {actual.Length} labels; expected one per label.",
                nameof(predicted));
        var counts = new int[classCount * classCount];
        for (int i = 0; i < actual.Length; i++)
        {
            int a = actual[i], p = predicted[i];
            if ((uint)a >= (uint)classCount)
                throw new ArgumentException($"ConfusionMatrix: actual label {i} is {a}; expected a class in 0..{classCount - 1}.", nameof(actual));
            if ((uint)p >= (uint)classCount)
                throw new ArgumentException($"ConfusionMatrix: prediction {i} is {p}; expected a class in 0..{classCount - 1}.", nameof(predicted));
            counts[a * classCount + p]++;
        }
        return new ConfusionMatrix(classCount, counts);
    }

    /// <summary>The number of classes k.</summary>
    public int ClassCount { get; }

    /// <summary>The number of examples of actual class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => _counts[actual * ClassCount + predicted];

    /// <summary>The counts, row-major (row = actual class, column = predicted class).</summary>
    public ImmutableArray<int> Counts => [.. _counts];

    /// <summary>The number of examples.</summary>
    public int Total => _counts.Sum();

    /// <summary>The number of correct predictions (the trace).</summary>
    public int Correct
    {
        get
        {
            int c = 0;
            for (int i = 0; i < ClassCount; i++) c += this[i, i];
            return c;
        }
    }

    /// <summary>Correct / total (NaN with no examples).</summary>
    public double Accuracy => Total == 0 ? double.NaN : (double)Correct / Total;

    /// <summary>Recall of class c: [c, c] / (examples of actual class c); NaN when the class has no examples.</summary>
    public double Recall(int c)
    {
        int row = 0;
        for (int p = 0; p < ClassCount; p++) row += this[c, p];
        return row == 0 ? double.NaN : (double)this[c, c] / row;
    }

    /// <summary>Precision of class c: [c, c] / (predictions of class c); NaN when c was never predicted.</summary>
    public double Precision(int c)
    {
        int col = 0;
        for (int a = 0; a < ClassCount; a++) col += this[a, c];
        return col == 0 ? double.NaN : (double)this[c, c] / col;
    }

    /// <summary>
    /// The matrix as an aligned text table: one row per actual class, one column per predicted class, the recall
    /// of each row at its end, the precision of each column in the last line, and the accuracy.
    /// </summary>
    /// <exception cref="ArgumentException">The names list does not have one name per class.</exception>
    public string ToText(IReadOnlyList<string>? classNames = null)
    {
        if (classNames is not null && classNames.Count != ClassCount)
            throw new ArgumentException($"ToText: {classNames.Count} class names for {ClassCount} classes.", nameof(classNames));
        string Name(int i) => classNames?[i] ?? i.ToString(CultureInfo.InvariantCulture);
        const string corner = "actual \\ predicted";
        int nameWidth = Math.Max(corner.Length, Enumerable.Range(0, ClassCount).Max(i => Name(i).Length));
        nameWidth = Math.Max(nameWidth, "precision".Length);
        int cell = Math.Max(6, Math.Max(_counts.DefaultIfEmpty(0).Max().ToString(CultureInfo.InvariantCulture).Length,
            Enumerable.Range(0, ClassCount).Max(i => Name(i).Length)) + 1);

        var sb = new StringBuilder();
        sb.Append(corner.PadRight(nameWidth));
        for (int p = 0; p < ClassCount; p++) sb.Append(Name(p).PadLeft(cell));
        sb.Append("  recall".PadLeft(cell + 2)).Append('\n');
        for (int a = 0; a < ClassCount; a++)
        {
            sb.Append(Name(a).PadRight(nameWidth));
            for (int p = 0; p < ClassCount; p++) sb.Append(this[a, p].ToString(CultureInfo.InvariantCulture).PadLeft(cell));
            sb.Append(Ratio(Recall(a)).PadLeft(cell + 2)).Append('\n');
        }
        sb.Append("precision".PadRight(nameWidth));
        for (int p = 0; p < ClassCount; p++) sb.Append(Ratio(Precision(p)).PadLeft(cell));
        sb.Append('\n');
        sb.Append($"accuracy {Ratio(Accuracy)} ({Correct}/{Total})\n");
        return sb.ToString();
    }

    private static string Ratio(double v) => double.IsNaN(v) ? "-" : v.ToString("0.000", CultureInfo.InvariantCulture);
}
