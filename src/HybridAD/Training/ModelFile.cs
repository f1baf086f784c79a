using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text.Json;
using HybridAD.Data;

namespace HybridAD.Training;

/// <summary>
/// A model as saved to disk: the weights, optionally the input transform the model was trained behind (so raw
/// inputs can be fed to it), the class names, and free-form string metadata.
/// </summary>
/// <param name="Weights">The layers.</param>
/// <param name="InputTransform">The feature transform applied to inputs before the first layer, or null.</param>
/// <param name="ClassNames">The names of the output classes, or null.</param>
/// <param name="Metadata">Free-form information (data set, epochs, …), or null.</param>
public sealed record SavedModel(
    MlpWeights Weights,
    FeatureTransform? InputTransform = null,
    ImmutableArray<string>? ClassNames = null,
    ImmutableSortedDictionary<string, string>? Metadata = null);

/// <summary>
/// Saves and loads models as JSON (schema: docs/model-format.md). Saving is atomic (a crash never leaves a
/// half-written file) and bit-exact (every double is written in its shortest round-trip form, so load(save(m))
/// equals m bit for bit). Loading validates everything and reports the first problem with its JSON path; loading
/// against an expected <see cref="Architecture"/> (for <c>--init FILE</c>) also checks every shape.
/// </summary>
/// <example><code>
/// ModelFile.Save("digits.json", new SavedModel(weights, ClassNames: digits.Train.ClassNames));
/// SavedModel m = ModelFile.Load("digits.json", expected: Architecture.Parse(64, "64:tanh,32:relu,10:softmax"));
/// </code></example>
public static class ModelFile
{
    /// <summary>The value of the file's "format" field.</summary>
    public const string Format = "hybridad.mlp";

    /// <summary>The schema version written (and the only one read).</summary>
    public const int Version = 1;

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically (temp file + rename).</summary>
    /// <exception cref="ArgumentException">A weight is NaN or infinite (JSON cannot hold it; a diverged model
    /// should not be saved silently).</exception>
    public static void Save(string path, SavedModel model) => AtomicFile.WriteAllText(path, ToJson(model));

    /// <summary>Reads and validates the model at <paramref name="path"/>.</summary>
    /// <exception cref="ModelFormatException">The file is not a valid model file.</exception>
    public static SavedModel Load(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>Reads the model at <paramref name="path"/> and checks it fits <paramref name="expected"/>.</summary>
    /// <exception cref="ModelFormatException">The file is not a valid model file, or a shape or activation differs
    /// from <paramref name="expected"/> (the message names both).</exception>
    public static SavedModel Load(string path, Architecture expected)
    {
        var model = Load(path);
        model.Weights.EnsureFits(expected, path);
        return model;
    }

    /// <summary>The model as JSON text.</summary>
    /// <exception cref="ArgumentException">A weight is NaN or infinite.</exception>
    public static string ToJson(SavedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var o = new JsonOut().Open('{');
        WriteBody(o, model);
        return o.Close('}').Raw("\n").ToString();
    }

    /// <summary>Parses model JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ModelFormatException">The text is not a valid model.</exception>
    public static SavedModel FromJson(string json, string source = "model JSON")
    {
        ArgumentNullException.ThrowIfNull(json);
        var r = new JsonIn(source);
        using var doc = r.Parse(json);
        return ReadBody(r, doc.RootElement, "$");
    }

    internal static void WriteBody(JsonOut o, SavedModel model)
    {
        var weights = model.Weights;
        CheckFinite(weights);
        o.Key("format").Value(Format);
        o.Key("version").Value(Version);
        o.Key("inputs").Value(weights.Architecture.Inputs);
        o.Key("layers").Open('[');
        foreach (var layer in weights.Layers)
        {
            o.Element().Open('{');
            o.Key("activation").Value(layer.Activation.Name());
            o.Key("inputs").Value(layer.Inputs);
            o.Key("outputs").Value(layer.Outputs);
            o.Key("W").Open('[');
            for (int j = 0; j < layer.Outputs; j++) o.Element().Numbers(layer.Row(j));
            o.Close(']');
            o.Key("b").Numbers(layer.B.AsSpan());
            o.Close('}');
        }
        o.Close(']');
        if (model.ClassNames is { } names)
        {
            o.Key("classes").Open('[');
            foreach (var n in names) o.Element().Value(n);
            o.Close(']');
        }
        if (model.InputTransform is { } t)
        {
            o.Key("input_transform").Open('{');
            o.Key("kind").Value(ScalingName(t.Kind));
            o.Key("offset").Numbers(t.Offset.AsSpan());
            o.Key("scale").Numbers(t.Scale.AsSpan());
            o.Close('}');
        }
        if (model.Metadata is { Count: > 0 } meta)
        {
            o.Key("metadata").Open('{');
            foreach (var (k, v) in meta) o.Key(k).Value(v);
            o.Close('}');
        }
    }

    internal static SavedModel ReadBody(JsonIn r, JsonElement root, string path)
    {
        r.Object(root, path);
        string format = r.String(r.Required(root, "format", path), $"{path}.format");
        if (format != Format) throw r.Error($"{path}.format", $"\"{Format}\"", $"\"{format}\"");
        int version = r.Int(r.Required(root, "version", path), $"{path}.version");
        if (version != Version) throw r.Error($"{path}.version", $"{Version} (the version this HybridAD reads)", $"{version}");

        var layersEl = r.Required(root, "layers", path);
        int count = r.ArrayLength(layersEl, $"{path}.layers");
        if (count == 0) throw r.Error($"{path}.layers", "at least one layer", "an empty array");
        int? declaredInputs = r.Optional(root, "inputs") is { } inEl ? r.Int(inEl, $"{path}.inputs", 1) : null;

        var layers = ImmutableArray.CreateBuilder<DenseWeights>(count);
        int i = 0;
        foreach (var le in layersEl.EnumerateArray())
        {
            string lp = $"{path}.layers[{i}]";
            r.Object(le, lp);
            string actName = r.String(r.Required(le, "activation", lp), $"{lp}.activation");
            var activation = Activations.TryParse(actName)
                ?? throw r.Error($"{lp}.activation", "identity, sigmoid, tanh, relu, softmax or log_softmax", $"\"{actName}\"");

            var wEl = r.Required(le, "W", lp);
            int rows = r.ArrayLength(wEl, $"{lp}.W");
            if (rows == 0) throw r.Error($"{lp}.W", "at least one row (one per output)", "an empty array");
            int expectedIn = i == 0 ? declaredInputs ?? -1 : layers[i - 1].Outputs;
            string whyIn = i == 0 ? "the model's inputs" : $"the outputs of layer {i}";
            int? declaredLayerIn = r.Optional(le, "inputs") is { } li ? r.Int(li, $"{lp}.inputs", 1) : null;
            int? declaredOut = r.Optional(le, "outputs") is { } lo ? r.Int(lo, $"{lp}.outputs", 1) : null;
            if (declaredOut is int o && o != rows)
                throw r.Error($"{lp}.W", $"{o} rows (\"outputs\": {o})", $"{rows} rows");

            double[]? w = null;
            int cols = -1, j = 0;
            foreach (var rowEl in wEl.EnumerateArray())
            {
                string rp = $"{lp}.W[{j}]";
                if (cols < 0)
                {
                    cols = r.ArrayLength(rowEl, rp);
                    if (cols == 0) throw r.Error(rp, "at least one number (one per input)", "an empty row");
                    if (expectedIn > 0 && cols != expectedIn)
                        throw r.Error(rp, $"{expectedIn} numbers ({whyIn})", $"{cols}");
                    if (declaredLayerIn is int di && cols != di)
                        throw r.Error(rp, $"{di} numbers (\"inputs\": {di})", $"{cols}");
                    w = new double[checked(rows * cols)];
                }
                var row = r.Doubles(rowEl, rp, cols, $"every row of W has the same length as row 0");
                row.CopyTo(w!, j * cols);
                j++;
            }
            var b = r.Doubles(r.Required(le, "b", lp), $"{lp}.b", rows, "one per row of W");
            layers.Add(new DenseWeights(rows, cols, ImmutableCollectionsMarshal.AsImmutableArray(w!),
                ImmutableCollectionsMarshal.AsImmutableArray(b), activation));
            i++;
        }
        var weights = new MlpWeights(layers.MoveToImmutable());

        ImmutableArray<string>? classes = null;
        if (r.Optional(root, "classes") is { } ce)
        {
            int n = r.ArrayLength(ce, $"{path}.classes");
            if (n != weights.Architecture.Outputs)
                throw r.Error($"{path}.classes", $"{weights.Architecture.Outputs} names (one per output)", $"{n}");
            var cb = ImmutableArray.CreateBuilder<string>(n);
            int k = 0;
            foreach (var c in ce.EnumerateArray()) cb.Add(r.String(c, $"{path}.classes[{k++}]"));
            classes = cb.MoveToImmutable();
        }

        FeatureTransform? transform = null;
        if (r.Optional(root, "input_transform") is { } te)
        {
            string tp = $"{path}.input_transform";
            r.Object(te, tp);
            string kindName = r.String(r.Required(te, "kind", tp), $"{tp}.kind");
            var kind = ParseScaling(kindName) ?? throw r.Error($"{tp}.kind", "none, minmax or standardize", $"\"{kindName}\"");
            int p = weights.Architecture.Inputs;
            var offset = r.Doubles(r.Required(te, "offset", tp), $"{tp}.offset", p, "one per model input");
            var scale = r.Doubles(r.Required(te, "scale", tp), $"{tp}.scale", p, "one per model input");
            for (int s = 0; s < p; s++)
                if (scale[s] == 0) throw r.Error($"{tp}.scale[{s}]", "a non-zero scale", "0");
            transform = new FeatureTransform(kind, ImmutableCollectionsMarshal.AsImmutableArray(offset),
                ImmutableCollectionsMarshal.AsImmutableArray(scale));
        }

        ImmutableSortedDictionary<string, string>? metadata = null;
        if (r.Optional(root, "metadata") is { } me)
        {
            r.Object(me, $"{path}.metadata");
            var mb = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            foreach (var prop in me.EnumerateObject())
                mb[prop.Name] = r.String(prop.Value, $"{path}.metadata.{prop.Name}");
            metadata = mb.ToImmutable();
        }
        return new SavedModel(weights, transform, classes, metadata);
    }

    private static void CheckFinite(MlpWeights weights)
    {
        for (int i = 0; i < weights.Layers.Length; i++)
        {
            var l = weights.Layers[i];
            for (int k = 0; k < l.W.Length; k++)
                if (!double.IsFinite(l.W[k]))
                    throw new ArgumentException(
                        $"Cannot save the model: layer {i + 1} W[{k / l.Inputs}, {k % l.Inputs}] is {l.W[k]}; expected finite weights.");
            for (int k = 0; k < l.B.Length; k++)
                if (!double.IsFinite(l.B[k]))
                    throw new ArgumentException(
                        $"Cannot save the model: layer {i + 1} b[{k}] is {l.B[k]}; expected finite weights.");
        }
    }

    private static string ScalingName(FeatureScaling s) => s switch
    {
        FeatureScaling.MinMax => "minmax",
        FeatureScaling.Standardize => "standardize",
        _ => "none",
    };

    private static FeatureScaling? ParseScaling(string s) => s switch
    {
        "minmax" => FeatureScaling.MinMax,
        "standardize" => FeatureScaling.Standardize,
        "none" => FeatureScaling.None,
        _ => null,
    };
}

/// <summary>
/// Writes files atomically: the content goes to a temporary file in the same folder, is flushed to disk, and
/// then renamed over the target in one step (<see cref="File.Move(string, string, bool)"/>). A crash or kill at
/// any moment leaves either the old file or the new one — never a mix — and no temporary file after a failure
/// that the process survives.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new System.Text.UTF8Encoding(false), bufferSize: 1 << 16, leaveOpen: true);
            w.Write(text);
        });
    }

    /// <summary>
    /// Calls <paramref name="write"/> on a new temporary file next to <paramref name="path"/>, then replaces
    /// <paramref name="path"/> with it. If <paramref name="write"/> throws, the temporary file is deleted, the old
    /// file is untouched, and the exception propagates.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"Cannot write '{path}': the folder '{dir}' does not exist.");
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
