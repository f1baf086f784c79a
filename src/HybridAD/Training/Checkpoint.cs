using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace HybridAD.Training;

/// <summary>
/// Everything needed to resume training after epoch <see cref="Epoch"/>: the model, the optimizer with its
/// hyper-parameters and state (step count, velocity or moments), the history so far, and the run's settings
/// (free-form strings, e.g. the command-line options, so a resume can check it continues the same run).
/// </summary>
/// <param name="Epoch">The number of completed epochs (0 before the first).</param>
/// <param name="Model">The model after that epoch.</param>
/// <param name="Optimizer">The optimizer and its hyper-parameters.</param>
/// <param name="OptimizerState">The optimizer's state after that epoch.</param>
/// <param name="History">The records of the completed epochs.</param>
/// <param name="Settings">The run's settings, or an empty map.</param>
public sealed record TrainingCheckpoint(
    int Epoch,
    SavedModel Model,
    Optimizer Optimizer,
    OptimizerState OptimizerState,
    TrainingHistory History,
    ImmutableSortedDictionary<string, string> Settings)
{
    /// <summary>Checks the parts agree: epoch ≥ 0, the state belongs to the optimizer and has one value per
    /// model parameter per slot, and the history ends at or before <see cref="Epoch"/>.</summary>
    /// <exception cref="ArgumentException">The first disagreement.</exception>
    public void Validate()
    {
        if (Epoch < 0) throw new ArgumentException($"Checkpoint: epoch {Epoch}; expected ≥ 0.");
        ArgumentNullException.ThrowIfNull(Model);
        ArgumentNullException.ThrowIfNull(Optimizer);
        ArgumentNullException.ThrowIfNull(OptimizerState);
        ArgumentNullException.ThrowIfNull(History);
        ArgumentNullException.ThrowIfNull(Settings);
        if (OptimizerState.Optimizer != Optimizer.Name)
            throw new ArgumentException(
                $"Checkpoint: the optimizer state is a '{OptimizerState.Optimizer}' state; expected '{Optimizer.Name}'.");
        if (!OptimizerState.Slots.Select(s => s.Name).SequenceEqual(Optimizer.SlotNames))
            throw new ArgumentException(
                $"Checkpoint: the optimizer state has slots [{string.Join(", ", OptimizerState.Slots.Select(s => s.Name))}]; " +
                $"expected [{string.Join(", ", Optimizer.SlotNames)}] for '{Optimizer.Name}'.");
        if (OptimizerState.ParameterCount != Model.Weights.ParameterCount)
            throw new ArgumentException(
                $"Checkpoint: the optimizer state is for {OptimizerState.ParameterCount} parameters; the model has " +
                $"{Model.Weights.ParameterCount} ({Model.Weights.Architecture}).");
        if (History.Last is { } last && last.Epoch > Epoch)
            throw new ArgumentException($"Checkpoint: the history reaches epoch {last.Epoch}, after the checkpoint's epoch {Epoch}.");
    }
}

/// <summary>
/// Saves and loads <see cref="TrainingCheckpoint"/>s as JSON (schema in docs/model-format.md), atomically and
/// bit-exactly, so a run killed at any moment resumes from its last completed epoch with exactly the weights
/// and optimizer state it had.
/// </summary>
/// <example><code>
/// Checkpoint.Save("run.ckpt.json", new TrainingCheckpoint(epoch, model, opt, buffers.ToState(), history, settings));
/// TrainingCheckpoint resume = Checkpoint.Load("run.ckpt.json");
/// </code></example>
public static class Checkpoint
{
    /// <summary>The value of the file's "format" field.</summary>
    public const string Format = "hybridad.checkpoint";

    /// <summary>The schema version written (and the only one read).</summary>
    public const int Version = 1;

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically (temp file + rename): a
    /// crash during the write leaves the previous checkpoint intact.</summary>
    /// <exception cref="ArgumentException">The checkpoint is inconsistent, or holds a non-finite weight or state value.</exception>
    public static void Save(string path, TrainingCheckpoint checkpoint) =>
        AtomicFile.WriteAllText(path, ToJson(checkpoint));

    /// <summary>Reads and validates the checkpoint at <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">The file is not a valid checkpoint.</exception>
    public static TrainingCheckpoint Load(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>The checkpoint as JSON text.</summary>
    public static string ToJson(TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        checkpoint.Validate();
        var o = new JsonOut().Open('{');
        o.Key("format").Value(Format);
        o.Key("version").Value(Version);
        o.Key("epoch").Value(checkpoint.Epoch);
        o.Key("model").Open('{');
        ModelFile.WriteBody(o, checkpoint.Model);
        o.Close('}');
        var opt = checkpoint.Optimizer;
        var state = checkpoint.OptimizerState;
        o.Key("optimizer").Open('{');
        o.Key("name").Value(opt.Name);
        foreach (var (k, v) in opt.HyperParameters) o.Key(k).Value(v);
        o.Key("step").Value(state.Step);
        o.Key("slots").Open('{');
        foreach (var slot in state.Slots)
        {
            for (int i = 0; i < slot.Values.Length; i++)
                if (!double.IsFinite(slot.Values[i]))
                    throw new ArgumentException($"Checkpoint: optimizer slot '{slot.Name}'[{i}] is {slot.Values[i]}; expected finite values.");
            o.Key(slot.Name).Numbers(slot.Values.AsSpan());
        }
        o.Close('}');
        o.Close('}');
        o.Key("history").Open('[');
        foreach (var e in checkpoint.History.Epochs) o.Element().Raw(e.ToJson());
        o.Close(']');
        o.Key("settings").Open('{');
        foreach (var (k, v) in checkpoint.Settings) o.Key(k).Value(v);
        o.Close('}');
        return o.Close('}').Raw("\n").ToString();
    }

    /// <summary>Parses checkpoint JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ModelFormatException">The text is not a valid checkpoint.</exception>
    public static TrainingCheckpoint FromJson(string json, string source = "checkpoint JSON")
    {
        ArgumentNullException.ThrowIfNull(json);
        var r = new JsonIn(source);
        using var doc = r.Parse(json);
        var root = r.Object(doc.RootElement, "$");
        string format = r.String(r.Required(root, "format", "$"), "$.format");
        if (format != Format) throw r.Error("$.format", $"\"{Format}\"", $"\"{format}\"");
        int version = r.Int(r.Required(root, "version", "$"), "$.version");
        if (version != Version) throw r.Error("$.version", $"{Version} (the version this HybridAD reads)", $"{version}");
        int epoch = r.Int(r.Required(root, "epoch", "$"), "$.epoch", 0);
        var model = ModelFile.ReadBody(r, r.Required(root, "model", "$"), "$.model");
        int n = model.Weights.ParameterCount;

        var oe = r.Object(r.Required(root, "optimizer", "$"), "$.optimizer");
        string name = r.String(r.Required(oe, "name", "$.optimizer"), "$.optimizer.name");
        var hyper = new Dictionary<string, double>();
        foreach (var prop in oe.EnumerateObject())
        {
            if (prop.Name is "name" or "step" or "slots") continue;
            hyper[prop.Name] = r.Double(prop.Value, $"$.optimizer.{prop.Name}");
        }
        Optimizer optimizer;
        try { optimizer = Optimizer.Create(name, hyper); }
        catch (ArgumentException e) { throw new ModelFormatException(source, $"$.optimizer: {e.Message}", e); }
        long step = r.Long(r.Required(oe, "step", "$.optimizer"), "$.optimizer.step", 0);
        var se = r.Object(r.Required(oe, "slots", "$.optimizer"), "$.optimizer.slots");
        var slots = ImmutableArray.CreateBuilder<OptimizerSlot>(optimizer.SlotNames.Length);
        foreach (string slotName in optimizer.SlotNames)
        {
            string sp = $"$.optimizer.slots.{slotName}";
            var values = r.Doubles(r.Required(se, slotName, "$.optimizer.slots"), sp, n, "one per model parameter");
            slots.Add(new OptimizerSlot(slotName, ImmutableCollectionsMarshal.AsImmutableArray(values)));
        }
        foreach (var prop in se.EnumerateObject())
        {
            if (!optimizer.SlotNames.Contains(prop.Name))
                throw r.Error($"$.optimizer.slots.{prop.Name}",
                    $"only the slots [{string.Join(", ", optimizer.SlotNames)}] of '{name}'", "an extra slot");
        }
        var state = new OptimizerState(name, step, n, slots.MoveToImmutable());

        var he = r.Required(root, "history", "$");
        r.ArrayLength(he, "$.history");
        var records = new List<EpochRecord>();
        int k = 0;
        foreach (var item in he.EnumerateArray()) records.Add(EpochRecord.Read(r, item, $"$.history[{k++}]"));
        TrainingHistory history;
        try { history = TrainingHistory.From(records); }
        catch (ArgumentException e) { throw new ModelFormatException(source, $"$.history: {e.Message}", e); }

        var settings = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (r.Optional(root, "settings") is { } st)
        {
            r.Object(st, "$.settings");
            foreach (var prop in st.EnumerateObject()) settings[prop.Name] = r.String(prop.Value, $"$.settings.{prop.Name}");
        }
        var checkpoint = new TrainingCheckpoint(epoch, model, optimizer, state, history, settings.ToImmutable());
        try { checkpoint.Validate(); }
        catch (ArgumentException e) { throw new ModelFormatException(source, e.Message, e); }
        return checkpoint;
    }
}
