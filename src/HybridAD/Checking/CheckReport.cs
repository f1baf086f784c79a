using System.Globalization;
using System.Text;
using LanguageExt;
using static LanguageExt.Prelude;

namespace HybridAD.Checking;

/// <summary>
/// The outcome of one derivative check: how far the tested derivative is from its reference, where it is
/// worst, the tolerance applied, and whether it passed. A failed check is a report with
/// <see cref="Passed"/> = false — never an exception — and it converts to a LanguageExt
/// <see cref="Validation{FAIL, SUCCESS}"/> or <see cref="Either{L, R}"/> at the edge.
/// </summary>
/// <example><code>
/// CheckReport r = Checker.CheckGrad(x => x[0] * Scalar.Sin(x[1]), [1.0, 2.0]);
/// Console.WriteLine(r);                   // PASS CheckGrad: … max |err| … worst ∂f/∂x[1] …
/// r.Match(passed: _ => 0, failed: _ => 1);
/// Validation&lt;CheckReport, Seq&lt;CheckReport&gt;&gt; all = CheckReport.All([r, Checker.CheckJvp(f, x, v)]);
/// </code></example>
public sealed record CheckReport
{
    /// <summary>The check that produced this report: <c>CheckGrad</c>, <c>CheckJvp</c>, …</summary>
    public required string Check { get; init; }

    /// <summary>The caller's name for the function checked (<see cref="CheckOptions.Label"/>), or null.</summary>
    public string? Label { get; init; }

    /// <summary>What was tested, e.g. <c>HybridAD reverse-mode gradient</c>.</summary>
    public required string Tested { get; init; }

    /// <summary>What it was compared with, e.g. <c>central differences (h = 6.06e-06·max(|xᵢ|, 1))</c>.</summary>
    public required string Reference { get; init; }

    /// <summary>The number of entries compared.</summary>
    public required int Count { get; init; }

    /// <summary>maxᵢ |actualᵢ − referenceᵢ| (NaN if any entry is NaN).</summary>
    public required double MaxAbsError { get; init; }

    /// <summary>maxᵢ |actualᵢ − referenceᵢ| / max(|actualᵢ|, |referenceᵢ|) (0 where both are 0; NaN if any entry is NaN).</summary>
    public required double MaxRelError { get; init; }

    /// <summary>The flat index of the worst entry — the one with the largest error relative to its bound
    /// (a NaN entry first) — or −1 when nothing was compared.</summary>
    public required int WorstIndex { get; init; }

    /// <summary>A readable name of the worst entry: <c>∂f/∂x[2]</c>, <c>J[1,0]</c>, <c>⟨u, J·v₁⟩</c>, …</summary>
    public required string WorstCoordinate { get; init; }

    /// <summary>The tested value at the worst entry.</summary>
    public required double WorstActual { get; init; }

    /// <summary>The reference value at the worst entry.</summary>
    public required double WorstReference { get; init; }

    /// <summary>The bound the worst entry had to meet: Absolute·M + Relative·|reference| + rounding floor.</summary>
    public required double WorstBound { get; init; }

    /// <summary>The tolerance applied.</summary>
    public required Tolerance Tolerance { get; init; }

    /// <summary>The magnitude M the absolute tolerance was scaled by.</summary>
    public required double Magnitude { get; init; }

    /// <summary>True when every entry is within its bound (NaN never is).</summary>
    public required bool Passed { get; init; }

    /// <summary>This report as a <see cref="Validation{FAIL, SUCCESS}"/>: Success(this) or Fail(this).</summary>
    public Validation<CheckReport, CheckReport> ToValidation() =>
        Passed ? Success<CheckReport, CheckReport>(this) : Fail<CheckReport, CheckReport>(this);

    /// <summary>This report as an <see cref="Either{L, R}"/>: Right(this) when passed, Left(this) when failed.</summary>
    public Either<CheckReport, CheckReport> ToEither() =>
        Passed ? Right<CheckReport, CheckReport>(this) : Left<CheckReport, CheckReport>(this);

    /// <summary>Calls <paramref name="passed"/> or <paramref name="failed"/> with this report.</summary>
    public TResult Match<TResult>(Func<CheckReport, TResult> passed, Func<CheckReport, TResult> failed)
    {
        ArgumentNullException.ThrowIfNull(passed);
        ArgumentNullException.ThrowIfNull(failed);
        return Passed ? passed(this) : failed(this);
    }

    /// <summary>Success with every report when all passed, otherwise Fail with every failed report (failures
    /// accumulate, as in an applicative validation).</summary>
    public static Validation<CheckReport, Seq<CheckReport>> All(IEnumerable<CheckReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var all = new List<CheckReport>();
        var failed = new List<CheckReport>();
        foreach (CheckReport r in reports)
        {
            all.Add(r);
            if (!r.Passed) failed.Add(r);
        }
        return failed.Count == 0
            ? Success<CheckReport, Seq<CheckReport>>(Prelude.Seq<CheckReport>(all.AsEnumerable()))
            : Validation<CheckReport, Seq<CheckReport>>.Fail(Prelude.Seq<CheckReport>(failed.AsEnumerable()));
    }

    /// <summary>
    /// Three readable lines: verdict, check, label and what was compared; the error summary and tolerance;
    /// the worst entry with its bound.
    /// </summary>
    public override string ToString()
    {
        var s = new StringBuilder();
        s.Append(Passed ? "PASS " : "FAIL ").Append(Check);
        if (Label is not null) s.Append(" [").Append(Label).Append(']');
        s.Append(": ").Append(Tested).Append(" vs ").Append(Reference).AppendLine();
        s.Append(CultureInfo.InvariantCulture,
            $"  {Count} entr{(Count == 1 ? "y" : "ies")}, max |err| {G(MaxAbsError)}, max rel err {G(MaxRelError)}; tolerance {Tolerance} + rounding floor, M = {G(Magnitude)}");
        if (WorstIndex >= 0)
        {
            s.AppendLine();
            double err = Math.Abs(WorstActual - WorstReference);
            s.Append(CultureInfo.InvariantCulture,
                $"  worst {WorstCoordinate}: actual {R(WorstActual)}, reference {R(WorstReference)}, |err| {G(err)} {(err <= WorstBound ? "≤" : ">")} {G(WorstBound)}");
        }
        return s.ToString();
    }

    private static string G(double x) =>
        x == 0 || (Math.Abs(x) >= 1e-3 && Math.Abs(x) < 1e5)
            ? x.ToString("0.####", CultureInfo.InvariantCulture)
            : x.ToString("0.###e+00", CultureInfo.InvariantCulture);
    private static string R(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
