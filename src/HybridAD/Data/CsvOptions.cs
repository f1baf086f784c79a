using System.Collections.Immutable;
using System.Globalization;

namespace HybridAD.Data;

/// <summary>Whether a CSV file starts with a header line of column names.</summary>
public enum CsvHeader
{
    /// <summary>
    /// Detect: the first line is a header when one of its feature fields is not a number. (A header made only of
    /// numbers, like "1,2,3,label"'s feature part "1,2,3", is read as data: say <see cref="Present"/> then.)
    /// </summary>
    Detect,
    /// <summary>The first line is a header.</summary>
    Present,
    /// <summary>There is no header; the first line is data.</summary>
    Absent,
}

/// <summary>Which column of a CSV file holds the class label: by 0-based index (negative counts from the
/// end, −1 = last) or by header name.</summary>
/// <example><code>
/// LabelColumn.Last; LabelColumn.At(0); LabelColumn.Named("species"); LabelColumn.Parse("4");
/// </code></example>
public readonly record struct LabelColumn
{
    private LabelColumn(int index, string? name) { Index = index; Name = name; }

    /// <summary>The 0-based column index (negative: from the end, −1 = last), when selected by index.</summary>
    public int Index { get; }

    /// <summary>The header name, when selected by name (then <see cref="Index"/> is unused).</summary>
    public string? Name { get; }

    /// <summary>The last column (the default).</summary>
    public static LabelColumn Last => new(-1, null);

    /// <summary>The column at 0-based <paramref name="index"/>; negative counts from the end (−1 = last).</summary>
    public static LabelColumn At(int index) => new(index, null);

    /// <summary>The column whose header is <paramref name="name"/> (exact match after trimming; needs a header).</summary>
    public static LabelColumn Named(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new(0, name.Trim());
    }

    /// <summary>An integer is an index (<see cref="At"/>), anything else a name (<see cref="Named"/>).</summary>
    public static LabelColumn Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? At(i) : Named(text);
    }

    /// <summary>"column 'species'", "column 3", or "the last column".</summary>
    public override string ToString() =>
        Name is not null ? $"column '{Name}'" : Index == -1 ? "the last column" : $"column index {Index}";
}

/// <summary>
/// How <see cref="Csv"/> reads a file: comma-separated (or another delimiter) numbers, one example per line,
/// an optional header, and one label column.
/// </summary>
/// <remarks>
/// <para>Labels: with <see cref="ClassNames"/> a label is one of those names or an index 0..k−1; with
/// <see cref="ClassCount"/> k it is an integer 0..k−1; with neither it is any non-negative integer and the
/// class count is the largest label + 1. Any other label is an error naming the line and the declared classes.
/// </para>
/// <para>Numbers are parsed with the invariant culture ("1.5", "1e-3"); NaN and infinities are rejected.
/// Fields may be quoted ("a, b") with "" for a quote inside; surrounding spaces are trimmed.</para>
/// </remarks>
public sealed record CsvOptions
{
    /// <summary>Header handling (default: detect).</summary>
    public CsvHeader Header { get; init; } = CsvHeader.Detect;

    /// <summary>The label column (default: the last).</summary>
    public LabelColumn Label { get; init; } = LabelColumn.Last;

    /// <summary>The field separator (default ',').</summary>
    public char Delimiter
    {
        get;
        init
        {
            if (value is '"' or '\r' or '\n')
                throw new ArgumentException($"A CSV delimiter cannot be {(value == '"' ? "a quote" : "a line break")}.");
            field = value;
        }
    } = ',';

    /// <summary>The number of classes k, when labels are integers 0..k−1 (null: inferred, or from <see cref="ClassNames"/>).</summary>
    public int? ClassCount
    {
        get;
        init
        {
            if (value is < 1)
                throw new ArgumentOutOfRangeException(nameof(ClassCount), value, "Expected at least one class.");
            field = value;
        }
    }

    /// <summary>The class names, in label order (label i is ClassNames[i]); labels in the file may be these
    /// names or their indices.</summary>
    public ImmutableArray<string>? ClassNames
    {
        get;
        init
        {
            if (value is { } names)
            {
                if (names.IsDefaultOrEmpty)
                    throw new ArgumentException("ClassNames: expected at least one class name.");
                if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
                    throw new ArgumentException($"ClassNames: the names must be distinct, got [{string.Join(", ", names)}].");
            }
            field = value;
        }
    }
}
