using System.Collections.Immutable;
using System.Text;

namespace HybridAD.Data;

/// <summary>
/// One malformed line of a data file: where it is (1-based line, and column when one field is at fault),
/// what was expected there and what was found.
/// </summary>
/// <param name="Line">The 1-based physical line number in the file (the header, if any, is line 1); 0 for a
/// problem of the whole file (e.g. no data rows).</param>
/// <param name="Column">The 1-based column (field) number, or null when the whole line is at fault.</param>
/// <param name="ColumnName">The column's header name, when the file has a header and a column is at fault.</param>
/// <param name="Expected">What the line or field should have been, e.g. "5 fields (4 features and the label)".</param>
/// <param name="Found">What it was, e.g. "4 fields" or "'abc'".</param>
public sealed record DataProblem(int Line, int? Column, string? ColumnName, string Expected, string Found)
{
    /// <summary>"line 7, column 3 (petal_length_cm): expected a finite number, found 'abc'".</summary>
    public override string ToString()
    {
        var where = new StringBuilder(Line > 0 ? $"line {Line}" : "the file");
        if (Column is int c)
        {
            where.Append($", column {c}");
            if (!string.IsNullOrEmpty(ColumnName)) where.Append($" ({ColumnName})");
        }
        return $"{where}: expected {Expected}, found {Found}";
    }
}

/// <summary>
/// A data file (CSV) is malformed: a line has the wrong number of fields, a field is not a finite number,
/// a line is empty, a label is outside the declared classes, or there are no data rows. HybridAD never skips
/// such a line: loading stops with this exception, which lists every problem found (up to
/// <see cref="MaxProblems"/>), each with its line number and what was expected.
/// </summary>
/// <remarks>
/// This is the one error channel of the data loaders (<see cref="Csv"/> and <see cref="Datasets"/>): they
/// return a value or throw this exception; bad options (an out-of-range split fraction, a negative column)
/// are <see cref="ArgumentException"/>s, as everywhere in HybridAD.
/// </remarks>
public sealed class DataFormatException : FormatException
{
    /// <summary>How many problems are collected before loading stops.</summary>
    public const int MaxProblems = 20;

    /// <summary>Creates the exception for <paramref name="dataSource"/> with at least one problem.</summary>
    public DataFormatException(string dataSource, IEnumerable<DataProblem> problems, bool truncated = false)
        : this(dataSource, problems.ToImmutableArray(), truncated) { }

    private DataFormatException(string dataSource, ImmutableArray<DataProblem> problems, bool truncated)
        : base(Format(dataSource, problems, truncated))
    {
        if (problems.IsDefaultOrEmpty)
            throw new ArgumentException("A DataFormatException needs at least one problem.", nameof(problems));
        DataSource = dataSource;
        Problems = problems;
        Truncated = truncated;
    }

    /// <summary>The file path or data-set name that was being read.</summary>
    public string DataSource { get; }

    /// <summary>The problems found, in line order (at most <see cref="MaxProblems"/>).</summary>
    public ImmutableArray<DataProblem> Problems { get; }

    /// <summary>True when loading stopped after <see cref="MaxProblems"/> problems (there may be more).</summary>
    public bool Truncated { get; }

    /// <summary>The line number of the first problem (1-based; 0 for a problem of the whole file).</summary>
    public int LineNumber => Problems[0].Line;

    private static string Format(string source, ImmutableArray<DataProblem> problems, bool truncated)
    {
        if (problems.IsDefaultOrEmpty) return $"{source}: malformed data.";
        if (problems.Length == 1) return $"{source}: {problems[0]}.";
        var sb = new StringBuilder($"{source}: {problems.Length}{(truncated ? "+" : "")} problems:");
        foreach (var p in problems) sb.Append("\n  ").Append(p);
        if (truncated) sb.Append($"\n  (stopped after {MaxProblems} problems)");
        return sb.ToString();
    }
}
