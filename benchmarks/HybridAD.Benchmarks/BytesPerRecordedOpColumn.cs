using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using System.Globalization;

namespace HybridAD.Benchmarks;

/// <summary>
/// Bytes allocated per recorded (taped) operation: the memory diagnoser's allocation per benchmark invocation
/// divided by the number of operations that invocation records, which the benchmark class supplies per case
/// (null: not a recording benchmark, shown as "-"). Add with <c>AddColumn(new BytesPerRecordedOpColumn(...))</c>
/// together with <c>[MemoryDiagnoser]</c>.
/// </summary>
public sealed class BytesPerRecordedOpColumn(Func<BenchmarkCase, long?> recordedOps) : IColumn
{
    /// <inheritdoc/>
    public string Id => nameof(BytesPerRecordedOpColumn);
    /// <inheritdoc/>
    public string ColumnName => "B/rec. op";
    /// <inheritdoc/>
    public bool AlwaysShow => true;
    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Metric;
    /// <inheritdoc/>
    public int PriorityInCategory => 10;
    /// <inheritdoc/>
    public bool IsNumeric => true;
    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;
    /// <inheritdoc/>
    public string Legend => "Bytes allocated per operation recorded on the tape (allocation per invocation / recorded ops)";

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;
    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        long? ops = recordedOps(benchmarkCase);
        BenchmarkReport? report = summary[benchmarkCase];
        long? bytes = report?.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
        if (ops is not > 0 || bytes is null) return "-";
        return ((double)bytes.Value / ops.Value).ToString("F2", CultureInfo.InvariantCulture);
    }
}
