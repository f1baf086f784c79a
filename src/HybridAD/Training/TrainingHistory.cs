using System.Collections.Immutable;
using System.Text.Json;

namespace HybridAD.Training;

/// <summary>
/// What one epoch of training produced: the mean training loss over the epoch's steps, the accuracy on the
/// training and test sets after the epoch, and the wall-clock seconds it took.
/// </summary>
/// <param name="Epoch">The 1-based epoch number.</param>
/// <param name="TrainLoss">The mean training loss over the epoch (NaN if it diverged).</param>
/// <param name="TrainAccuracy">The fraction of training examples classified correctly, in [0, 1].</param>
/// <param name="TestAccuracy">The test-set accuracy in [0, 1], or null without a test set.</param>
/// <param name="Seconds">The epoch's duration in seconds.</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TrainAccuracy, double? TestAccuracy, double Seconds)
{
    /// <summary>
    /// One line of JSON, the <c>--json</c> output of <c>hybridad train</c>:
    /// <c>{"epoch":1,"train_loss":0.52,"train_accuracy":0.91,"test_accuracy":0.89,"seconds":0.006}</c>
    /// (a non-finite loss and a missing test accuracy are written as null).
    /// </summary>
    public string ToJson() =>
        "{\"epoch\":" + Epoch +
        ",\"train_loss\":" + NumberOrNull(TrainLoss) +
        ",\"train_accuracy\":" + NumberOrNull(TrainAccuracy) +
        ",\"test_accuracy\":" + NumberOrNull(TestAccuracy) +
        ",\"seconds\":" + NumberOrNull(Seconds) + "}";

    private static string NumberOrNull(double? v) => v is double d && double.IsFinite(d) ? JsonOut.Number(d) : "null";

    /// <summary>Parses one object written by <see cref="ToJson"/> (null loss → NaN, null test accuracy → null).</summary>
    /// <exception cref="ModelFormatException">The text is not such an object.</exception>
    public static EpochRecord FromJson(string json, string source = "epoch JSON")
    {
        var r = new JsonIn(source);
        using var doc = r.Parse(json);
        return Read(r, doc.RootElement, "$");
    }

    internal static EpochRecord Read(JsonIn r, JsonElement e, string path)
    {
        r.Object(e, path);
        int epoch = r.Int(r.Required(e, "epoch", path), $"{path}.epoch", 1);
        double loss = r.DoubleOrNaN(r.Required(e, "train_loss", path), $"{path}.train_loss");
        double trainAcc = r.DoubleOrNaN(r.Required(e, "train_accuracy", path), $"{path}.train_accuracy");
        double? testAcc = r.Optional(e, "test_accuracy") is { } t ? r.Double(t, $"{path}.test_accuracy") : null;
        double seconds = r.DoubleOrNaN(r.Required(e, "seconds", path), $"{path}.seconds");
        return new EpochRecord(epoch, loss, trainAcc, testAcc, seconds);
    }
}

/// <summary>
/// The per-epoch records of a training run, in epoch order. Immutable: <see cref="Add"/> returns a new history
/// (training is a fold that threads the history through the epochs).
/// </summary>
/// <example><code>
/// var h = TrainingHistory.Empty.Add(new EpochRecord(1, 0.9, 0.7, 0.68, 0.01))
///                              .Add(new EpochRecord(2, 0.5, 0.85, 0.83, 0.01));
/// File.WriteAllText("curves.svg", HistoryPlot.ToSvg(h));
/// </code></example>
public sealed record TrainingHistory
{
    private TrainingHistory(ImmutableArray<EpochRecord> epochs) => Epochs = epochs;

    /// <summary>The history of a run that has not trained yet.</summary>
    public static TrainingHistory Empty { get; } = new([]);

    /// <summary>A history from records with strictly increasing epoch numbers.</summary>
    /// <exception cref="ArgumentException">The epochs are not strictly increasing.</exception>
    public static TrainingHistory From(IEnumerable<EpochRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var h = Empty;
        foreach (var r in records) h = h.Add(r);
        return h;
    }

    /// <summary>The records, first epoch first.</summary>
    public ImmutableArray<EpochRecord> Epochs { get; }

    /// <summary>The number of records.</summary>
    public int Count => Epochs.Length;

    /// <summary>The last record, or null when empty.</summary>
    public EpochRecord? Last => Epochs.IsEmpty ? null : Epochs[^1];

    /// <summary>A history with <paramref name="record"/> appended.</summary>
    /// <exception cref="ArgumentException">The record's epoch is not after the last one's.</exception>
    public TrainingHistory Add(EpochRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Epoch < 1)
            throw new ArgumentException($"TrainingHistory: epoch {record.Epoch}; expected epochs numbered from 1.", nameof(record));
        if (Last is { } last && record.Epoch <= last.Epoch)
            throw new ArgumentException(
                $"TrainingHistory: epoch {record.Epoch} comes after epoch {last.Epoch}; expected a later epoch.", nameof(record));
        return new TrainingHistory(Epochs.Add(record));
    }

    /// <summary>The records as JSON lines (one <see cref="EpochRecord.ToJson"/> object per line).</summary>
    public string ToJsonLines() => string.Concat(Epochs.Select(e => e.ToJson() + "\n"));

    /// <summary>Structural equality over the records.</summary>
    public bool Equals(TrainingHistory? other) => other is not null && Epochs.SequenceEqual(other.Epochs);

    /// <summary>A hash of the record count.</summary>
    public override int GetHashCode() => Epochs.Length;
}
