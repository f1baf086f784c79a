using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace HybridAD.Data;

/// <summary>
/// Reads a labelled data set from CSV text: one example per line, numeric features, one label column, an
/// optional header. Every line is checked; a malformed one — a wrong number of fields, a field that is not a
/// finite number, an empty line, a label outside the declared classes — stops loading with a
/// <see cref="DataFormatException"/> that names its line number and what was expected. No line is ever skipped.
/// </summary>
/// <remarks>
/// Errors: bad data in the file → <see cref="DataFormatException"/> (with every problem found, up to
/// <see cref="DataFormatException.MaxProblems"/>); inconsistent options (a named label column with
/// <see cref="CsvHeader.Absent"/>, <see cref="CsvOptions.ClassCount"/> disagreeing with
/// <see cref="CsvOptions.ClassNames"/>) → <see cref="ArgumentException"/>; a missing file →
/// <see cref="FileNotFoundException"/>.
/// </remarks>
/// <example><code>
/// // iris-like file: header, 4 features, named species labels in the last column
/// var options = new CsvOptions { ClassNames = ["setosa", "versicolor", "virginica"] };
/// Dataset data = Csv.Load("flowers.csv", options);
///
/// // load, split 80/20 with a seeded shuffle, standardize with the training statistics
/// DataSplit split = Csv.LoadSplit("flowers.csv", options, SplitSpec.TestFraction(0.2, seed: 1),
///                                 FeatureScaling.Standardize);
/// </code></example>
public static class Csv
{
    /// <summary>Reads the CSV file at <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">A line is malformed (see <see cref="Csv"/>).</exception>
    public static Dataset Load(string path, CsvOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Read(reader, options, path);
    }

    /// <summary>Reads CSV <paramref name="text"/>; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="DataFormatException">A line is malformed (see <see cref="Csv"/>).</exception>
    public static Dataset Parse(string text, CsvOptions? options = null, string source = "CSV text")
    {
        ArgumentNullException.ThrowIfNull(text);
        using var reader = new StringReader(text);
        return Read(reader, options, source);
    }

    /// <summary>
    /// Loads <paramref name="path"/>, splits it by <paramref name="split"/>, then fits <paramref name="scaling"/>
    /// on the training part and applies it to both parts (the test part is scaled with training statistics).
    /// </summary>
    /// <exception cref="DataFormatException">A line is malformed (see <see cref="Csv"/>).</exception>
    /// <exception cref="ArgumentException">The split leaves a part empty.</exception>
    public static DataSplit LoadSplit(string path, CsvOptions? options, SplitSpec split,
        FeatureScaling scaling = FeatureScaling.None)
    {
        ArgumentNullException.ThrowIfNull(split);
        return split.Apply(Load(path, options)).Scaled(scaling);
    }

    /// <summary>Reads CSV lines from <paramref name="reader"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="DataFormatException">A line is malformed (see <see cref="Csv"/>).</exception>
    public static Dataset Read(TextReader reader, CsvOptions? options, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new CsvOptions();
        var names = options.ClassNames;
        if (names is { } n && options.ClassCount is int k0 && n.Length != k0)
            throw new ArgumentException(
                $"CsvOptions: ClassCount is {k0} but {n.Length} ClassNames are given; expected them to agree.");
        if (options.Label.Name is not null && options.Header == CsvHeader.Absent)
            throw new ArgumentException(
                $"CsvOptions: the label is {options.Label}, selected by name, but Header is Absent; a named column needs a header.");

        var problems = new Problems(source);
        var fields = new List<string>();
        string? first = reader.ReadLine();
        if (first is null)
            throw problems.Fatal(new DataProblem(0, null, null, "a header or data line", "an empty file"));
        if (string.IsNullOrWhiteSpace(first))
            throw problems.Fatal(new DataProblem(1, null, null, "a header or the first data line", "an empty line"));
        if (SplitFields(first, options.Delimiter, fields) is string quoteError)
            throw problems.Fatal(new DataProblem(1, null, null, "well-formed fields", quoteError));
        int width = fields.Count;
        if (width < 2)
            throw problems.Fatal(new DataProblem(1, null, null,
                $"at least 2 '{options.Delimiter}'-separated fields (features and a label)", $"1 field: '{Clip(first)}'"));

        // Which column is the label, and is line 1 a header?
        int labelIndex;
        bool hasHeader;
        if (options.Label.Name is string labelName)
        {
            labelIndex = fields.FindIndex(f => string.Equals(f, labelName, StringComparison.Ordinal));
            if (labelIndex < 0)
                throw problems.Fatal(new DataProblem(1, null, null,
                    $"a header naming the label column '{labelName}'", $"'{Clip(first)}'"));
            hasHeader = true;
        }
        else
        {
            int idx = options.Label.Index;
            labelIndex = idx < 0 ? width + idx : idx;
            if (labelIndex < 0 || labelIndex >= width)
                throw problems.Fatal(new DataProblem(1, null, null,
                    $"a label column index in 0..{width - 1} or -{width}..-1 (the line has {width} fields)",
                    $"index {idx}"));
            hasHeader = options.Header switch
            {
                CsvHeader.Present => true,
                CsvHeader.Absent => false,
                _ => LooksLikeHeader(fields, labelIndex),
            };
        }

        var featureNames = ImmutableArray.CreateBuilder<string>(width - 1);
        for (int c = 0; c < width; c++)
        {
            if (c == labelIndex) continue;
            featureNames.Add(hasHeader && fields[c].Length > 0 ? fields[c] : $"x{featureNames.Count + 1}");
        }
        string[]? headerNames = hasHeader ? fields.ToArray() : null;

        var labels = new LabelParser(options);
        var x = new List<double>(1024);
        var y = new List<int>(128);
        int lineNo = 0;
        string? line = hasHeader ? null : first;
        if (hasHeader) { lineNo = 1; line = reader.ReadLine(); }
        int p = width - 1;
        var row = new double[p];

        for (; line is not null; line = reader.ReadLine())
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                problems.Add(new DataProblem(lineNo, null, null, $"{width} fields", "an empty line"));
                continue;
            }
            if (SplitFields(line, options.Delimiter, fields) is string err)
            {
                problems.Add(new DataProblem(lineNo, null, null, "well-formed fields", err));
                continue;
            }
            if (fields.Count != width)
            {
                problems.Add(new DataProblem(lineNo, null, null,
                    $"{width} fields ({p} features and the label, as on line 1)",
                    $"{fields.Count} field{(fields.Count == 1 ? "" : "s")}: '{Clip(line)}'"));
                continue;
            }
            bool ok = true;
            for (int c = 0, j = 0; c < width; c++)
            {
                if (c == labelIndex) continue;
                string f = fields[c];
                string? found = null, expected = "a number";
                if (f.Length == 0) found = "an empty field";
                else if (!double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out row[j]))
                    found = $"'{Clip(f)}'";
                else if (!double.IsFinite(row[j])) (expected, found) = ("a finite number", $"'{Clip(f)}'");
                if (found is not null)
                {
                    problems.Add(new DataProblem(lineNo, c + 1, headerNames?[c], expected, found));
                    ok = false;
                }
                j++;
            }
            if (!labels.TryParse(fields[labelIndex], out int label, out string? labelExpected))
            {
                problems.Add(new DataProblem(lineNo, labelIndex + 1, headerNames?[labelIndex], labelExpected!,
                    $"'{Clip(fields[labelIndex])}'" + (lineNo == 1 && !hasHeader && options.Header == CsvHeader.Detect
                        ? " (if line 1 is a header, set Header = CsvHeader.Present)" : "")));
                ok = false;
            }
            if (ok)
            {
                x.AddRange(row);
                y.Add(label);
            }
        }

        problems.ThrowIfAny();
        if (y.Count == 0)
            throw problems.Fatal(new DataProblem(0, null, null, "at least one data line",
                hasHeader ? "only a header" : "none"));

        int classCount = labels.ClassCount(y);
        var classNames = names is { } declared
            ? declared
            : Enumerable.Range(0, classCount).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToImmutableArray();
        return new Dataset(x.ToArray(), y.ToArray(), p, classCount, featureNames.MoveToImmutable(), classNames);
    }

    /// <summary>Line 1 is a header when one of its feature fields is not a number.</summary>
    private static bool LooksLikeHeader(List<string> fields, int labelIndex)
    {
        for (int c = 0; c < fields.Count; c++)
        {
            if (c == labelIndex) continue;
            if (!double.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return true;
        }
        return false;
    }

    /// <summary>
    /// Splits one line into trimmed fields (quoted fields may contain the delimiter; "" is a quote). Returns
    /// null, or a description of the malformation.
    /// </summary>
    internal static string? SplitFields(string line, char delimiter, List<string> fields)
    {
        fields.Clear();
        int i = 0, n = line.Length;
        StringBuilder? sb = null;
        while (true)
        {
            int j = i;
            while (j < n && line[j] != delimiter && char.IsWhiteSpace(line[j])) j++;
            if (j < n && line[j] == '"')
            {
                sb ??= new StringBuilder();
                sb.Clear();
                int open = j++;
                while (true)
                {
                    if (j >= n) return $"an unterminated quote in field {fields.Count + 1} (opened at character {open + 1})";
                    if (line[j] == '"')
                    {
                        if (j + 1 < n && line[j + 1] == '"') { sb.Append('"'); j += 2; }
                        else { j++; break; }
                    }
                    else sb.Append(line[j++]);
                }
                while (j < n && line[j] != delimiter && char.IsWhiteSpace(line[j])) j++;
                fields.Add(sb.ToString().Trim());
                if (j >= n) return null;
                if (line[j] != delimiter)
                    return $"text after the closing quote of field {fields.Count} (character {j + 1})";
                i = j + 1;
            }
            else
            {
                int end = line.IndexOf(delimiter, i);
                if (end < 0) end = n;
                fields.Add(line[i..end].Trim());
                if (end >= n) return null;
                i = end + 1;
            }
        }
    }

    private static string Clip(string s) => s.Length <= 60 ? s : s[..57] + "...";

    /// <summary>Collects problems; stops storing after <see cref="DataFormatException.MaxProblems"/>.</summary>
    private sealed class Problems(string source)
    {
        private readonly List<DataProblem> _list = [];
        private int _total;

        public int Count => _total;

        public void Add(DataProblem p)
        {
            _total++;
            if (_list.Count < DataFormatException.MaxProblems) _list.Add(p);
        }

        public void ThrowIfAny()
        {
            if (_total > 0) throw new DataFormatException(source, _list, truncated: _total > _list.Count);
        }

        public DataFormatException Fatal(DataProblem p)
        {
            Add(p);
            return new DataFormatException(source, _list, truncated: _total > _list.Count);
        }
    }

    /// <summary>Turns a label field into a class index according to the declared classes.</summary>
    private sealed class LabelParser(CsvOptions options)
    {
        private readonly ImmutableArray<string>? _names = options.ClassNames;
        private readonly int? _count = options.ClassNames?.Length ?? options.ClassCount;

        public bool TryParse(string field, out int label, out string? expected)
        {
            expected = null;
            if (_names is { } names)
            {
                int at = names.IndexOf(field, StringComparer.Ordinal);
                if (at >= 0) { label = at; return true; }
            }
            bool integral = TryInteger(field, out label);
            if (_count is int k)
            {
                if (integral && label >= 0 && label < k) return true;
                expected = _names is { } ns
                    ? $"one of the declared classes {{{string.Join(", ", ns)}}} or a class index 0..{k - 1}"
                    : $"a class index in 0..{k - 1} (the {k} declared classes)";
                return false;
            }
            if (integral && label >= 0) return true;
            expected = "a class index (a non-negative integer; declare CsvOptions.ClassNames for named labels)";
            return false;
        }

        public int ClassCount(List<int> labels)
        {
            if (_count is int k) return k;
            int max = 0;
            foreach (int l in labels) max = Math.Max(max, l);
            return max + 1;
        }

        private static bool TryInteger(string field, out int value)
        {
            value = 0;
            if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return false;
            if (!double.IsFinite(d) || d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue) return false;
            value = (int)d;
            return true;
        }
    }
}
