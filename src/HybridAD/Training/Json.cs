using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HybridAD.Training;

/// <summary>
/// A model or checkpoint file is malformed or does not fit: invalid JSON, a missing or mistyped field, a ragged
/// W, a non-finite number, shapes that do not chain, or weights that do not fit the expected architecture. The
/// message names the file, the place (a JSON path such as <c>$.layers[1].W[3]</c>, or the layer) and what was
/// expected and found.
/// </summary>
public sealed class ModelFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="source"/> (a path or description).</summary>
    public ModelFormatException(string source, string detail, Exception? inner = null)
        : base($"{source}: {detail}", inner)
    {
        ModelSource = source;
        Detail = detail;
    }

    /// <summary>The file path (or description) that was being read.</summary>
    public string ModelSource { get; }

    /// <summary>What is wrong, without the source prefix.</summary>
    public string Detail { get; }
}

/// <summary>Writes JSON by hand so numbers are exact (shortest round-trip form) and arrays stay compact.</summary>
internal sealed class JsonOut
{
    private readonly StringBuilder _sb = new();
    private int _indent;
    private bool _first = true;

    public override string ToString() => _sb.ToString();

    /// <summary>Shortest string that parses back to the same double ("R" is round-trip exact on .NET Core 3.0+).</summary>
    public static string Number(double value)
    {
        if (!double.IsFinite(value))
            throw new ArgumentException($"JSON has no representation for {value}.");
        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    public static string Quote(string s) => "\"" + JsonEncodedText.Encode(s).ToString() + "\"";

    public JsonOut Open(char bracket)
    {
        _sb.Append(bracket);
        _indent++;
        _first = true;
        return this;
    }

    public JsonOut Close(char bracket)
    {
        _indent--;
        NewLine();
        _sb.Append(bracket);
        _first = false;
        return this;
    }

    /// <summary>Starts a member "name": (with the separating comma and line break).</summary>
    public JsonOut Key(string name)
    {
        Separator();
        _sb.Append(Quote(name)).Append(": ");
        return this;
    }

    /// <summary>Starts an array element (comma and line break).</summary>
    public JsonOut Element()
    {
        Separator();
        return this;
    }

    public JsonOut Raw(string text)
    {
        _sb.Append(text);
        _first = false;
        return this;
    }

    public JsonOut Value(double v) => Raw(Number(v));
    public JsonOut Value(long v) => Raw(v.ToString(CultureInfo.InvariantCulture));
    public JsonOut Value(string v) => Raw(Quote(v));

    /// <summary>A number or null (null stands for a value that is not finite, e.g. a diverged loss).</summary>
    public JsonOut NumberOrNull(double? v) => Raw(v is double d && double.IsFinite(d) ? Number(d) : "null");

    /// <summary>A one-line array of numbers.</summary>
    public JsonOut Numbers(ReadOnlySpan<double> values)
    {
        var sb = _sb.Append('[');
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Number(values[i]));
        }
        sb.Append(']');
        _first = false;
        return this;
    }

    private void Separator()
    {
        if (!_first) _sb.Append(',');
        NewLine();
        _first = false;
    }

    private void NewLine() => _sb.Append('\n').Append(' ', 2 * _indent);
}

/// <summary>Reads a JSON document with errors that name the source and a JSON path.</summary>
internal readonly struct JsonIn(string source)
{
    public string Source { get; } = source;

    public JsonDocument Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(Source,
                $"not valid JSON (line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}): {e.Message}", e);
        }
    }

    public ModelFormatException Error(string path, string expected, string found) =>
        new(Source, $"{path}: expected {expected}, found {found}.");

    public static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => $"an array of {e.GetArrayLength()}",
        JsonValueKind.String => $"the string {Clip(e.GetRawText())}",
        JsonValueKind.Number => $"the number {Clip(e.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Clip(string s) => s.Length <= 40 ? s : s[..37] + "...";

    public JsonElement Object(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Error(path, "an object", Describe(e));
        return e;
    }

    public JsonElement Required(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out var v)) throw Error($"{path}.{name}", "a value", "no such field");
        return v;
    }

    public JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public string String(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.String) throw Error(path, "a string", Describe(e));
        return e.GetString()!;
    }

    public double Double(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Number) throw Error(path, "a number", Describe(e));
        if (!e.TryGetDouble(out double d) || !double.IsFinite(d)) throw Error(path, "a finite number", Describe(e));
        return d;
    }

    /// <summary>A number, or null read as NaN (how non-finite values are written).</summary>
    public double DoubleOrNaN(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.Null ? double.NaN : Double(e, path);

    public long Long(JsonElement e, string path, long min = long.MinValue)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v))
            throw Error(path, "an integer", Describe(e));
        if (v < min) throw Error(path, $"an integer ≥ {min}", Describe(e));
        return v;
    }

    public int Int(JsonElement e, string path, int min = int.MinValue)
    {
        long v = Long(e, path, min);
        if (v > int.MaxValue) throw Error(path, "an integer that fits 32 bits", Describe(e));
        return (int)v;
    }

    public int ArrayLength(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Array) throw Error(path, "an array", Describe(e));
        return e.GetArrayLength();
    }

    /// <summary>An array of exactly <paramref name="expectedLength"/> finite numbers (any length when null),
    /// copied into a new double[].</summary>
    public double[] Doubles(JsonElement e, string path, int? expectedLength, string why)
    {
        int n = ArrayLength(e, path);
        if (expectedLength is int len && n != len)
            throw Error(path, $"{len} numbers ({why})", $"{n}");
        var a = new double[n];
        int i = 0;
        foreach (var item in e.EnumerateArray())
        {
            a[i] = Double(item, $"{path}[{i}]");
            i++;
        }
        return a;
    }
}
