using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HybridAD.Cli.Commands.Bench;
using HybridAD.Selection;
using Spectre.Console;

namespace HybridAD.Cli.Commands;

/// <summary>
/// <c>hybridad compare</c>: forward vs reverse tensor Jacobians of A·tanh(B·x) (the bench's
/// <see cref="TensorJacobianWorkload"/>) per shape — measured times, their ratios to
/// the primal, the cost model's predictions, the mode Auto picks and whether it was right — as a table and a bar
/// chart, or one JSON object per shape.
/// </summary>
internal static class CompareCommand
{
    /// <summary>The default grid: the nine Jacobian shapes (n, m) of the tensors issue.</summary>
    internal static readonly (int N, int M)[] DefaultShapes =
        [(1, 1000), (10, 1000), (100, 1000), (1000, 1000), (1000, 100), (1000, 10), (1000, 1), (100, 100), (10, 10)];

    /// <summary>One shape's measurements (milliseconds, medians) and the selector's decision.</summary>
    internal sealed record Result(int N, int M, double PrimalMs, double ForwardMs, double ReverseMs, TensorModeDecision Decision)
    {
        public string AutoMode => Decision.Mode == JacobianMode.Forward ? "forward" : "reverse";
        public double AutoMs => Decision.Mode == JacobianMode.Forward ? ForwardMs : ReverseMs;
        public double BestMs => Math.Min(ForwardMs, ReverseMs);
        /// <summary>Auto was right when its mode was the faster one, or within 10 % of it (a near tie).</summary>
        public bool AutoRight => AutoMs <= 1.1 * BestMs;

        public string Json() => Measure.Json(
            ("n", N), ("m", M), ("primal_ms", PrimalMs), ("forward_ms", ForwardMs), ("reverse_ms", ReverseMs),
            ("predicted_forward_ms", Decision.PredictedForwardMs), ("predicted_reverse_ms", Decision.PredictedReverseMs),
            ("auto_mode", AutoMode));
    }

    public static Command Create()
    {
        var n = new Option<int?>("--n") { Description = "Input length n (with --m: one shape instead of the default grid)." };
        var m = new Option<int?>("--m") { Description = "Output length m." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per shape." };
        var minMs = new Option<double>("--min-ms") { Description = "Measure each median for at least this many ms (default 300).", DefaultValueFactory = _ => 300 };
        var recalibrate = new Option<bool>("--recalibrate") { Description = "Re-measure the cost model's machine rates first." };
        var explain = new Option<bool>("--explain") { Description = "Also print the selector's full explanation per shape (ModeSelector.Explain)." };
        var command = new Command("compare", "Forward vs reverse tensor Jacobians of A·tanh(B·x): measured, predicted by the cost model, and the mode Auto picks.")
        {
            n, m, json, minMs, recalibrate, explain,
        };
        command.SetAction(parse =>
        {
            int? nv = parse.GetValue(n), mv = parse.GetValue(m);
            if ((nv is null) != (mv is null) || nv < 1 || mv < 1)
            {
                Console.Error.WriteLine("hybridad compare: give both --n and --m (positive), or neither for the default grid.");
                return 2;
            }
            if (parse.GetValue(recalibrate)) CostCalibration.Measure();
            (int, int)[] shapes = nv is int a && mv is int b ? [(a, b)] : DefaultShapes;
            bool asJson = parse.GetValue(json);
            var results = new List<Result>();
            foreach (var (sn, sm) in shapes)
            {
                Result r = Run(sn, sm, parse.GetValue(minMs));
                results.Add(r);
                if (asJson) Console.WriteLine(r.Json());
            }
            if (!asJson) Print(results);
            if (!asJson && parse.GetValue(explain))
                foreach (Result r in results) Console.WriteLine("\n" + r.Decision);
            return 0;
        });
        return command;
    }

    /// <summary>Measures one shape: the primal, the forward and the reverse tensor Jacobian (medians), and the
    /// decision Auto makes (<see cref="ModeSelector.Explain(Func{Tensor, Tensor}, Tensor, CostCalibration?, int)"/>).</summary>
    internal static Result Run(int n, int m, double minMs)
    {
        var (a, b, x) = TensorJacobianWorkload.Problem(n, m);
        Func<Tensor, Tensor> f = TensorJacobianWorkload.Function(a, b);
        double primal = MedianMs(() => f(x).ToArray(), minMs);
        double forward = MedianMs(() => TensorAD.Jacobian(f, x, JacobianMode.Forward), minMs);
        double reverse = MedianMs(() => TensorAD.Jacobian(f, x, JacobianMode.Reverse), minMs);
        TensorModeDecision d = ModeSelector.Explain(f, x);
        return new Result(n, m, primal, forward, reverse, d);
    }

    /// <summary>
    /// The median of repeated runs in ms. Warms up until the JIT has settled — tiered compilation promotes hot code
    /// in steps, later under load — i.e. until the run time has not improved by 3 % for 0.4 s (at least two runs
    /// and a third of the budget; at most 5 s), then runs until both three runs and <paramref name="minMs"/> have
    /// passed (a call under 0.2 ms repeated within each sample). Unlike the bench helper it needs no fixed number of
    /// warm-up runs, so a shape whose Jacobian takes seconds stays affordable.
    /// </summary>
    internal static double MedianMs(Action action, double minMs)
    {
        var warm = Stopwatch.StartNew();
        double best = double.MaxValue, lastGain = 0;
        for (int runs = 1; ; runs++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            double t = Stopwatch.GetElapsedTime(t0).TotalMilliseconds, now = warm.Elapsed.TotalMilliseconds;
            if (t < 0.97 * best) lastGain = now;
            best = Math.Min(best, t);
            if (runs >= 2 && ((now - lastGain >= 400 && now >= minMs / 3) || now >= 5000)) break;
        }
        // A fast call is repeated inside each sample so a sample lasts about 0.2 ms, far above the timer's
        // resolution and overhead (a 10 µs Jacobian timed one call at a time varies by ±20 %); divided back.
        int repeat = (int)Math.Clamp(Math.Floor(0.2 / Math.Max(best, 1e-6)), 1, 100_000);
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 3 || (total.Elapsed.TotalMilliseconds < minMs && times.Count < 10_000))
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < repeat; i++) action();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds / repeat);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static string Ms(double ms) => ms >= 100 ? ms.ToString("F0", CultureInfo.InvariantCulture)
        : ms >= 1 ? ms.ToString("F2", CultureInfo.InvariantCulture) : ms.ToString("G3", CultureInfo.InvariantCulture);

    private static string X(double ratio) => ratio.ToString(ratio >= 100 ? "F0" : "F1", CultureInfo.InvariantCulture) + "×";

    private static void Print(List<Result> results)
    {
        var table = new Table().Title("Tensor Jacobian of A·tanh(B·x), ms (medians)")
            .AddColumn("n × m").AddColumn(new TableColumn("primal").RightAligned())
            .AddColumn(new TableColumn("forward (÷ primal)").RightAligned()).AddColumn(new TableColumn("reverse (÷ primal)").RightAligned())
            .AddColumn(new TableColumn("predicted fwd / rev").RightAligned()).AddColumn("auto").AddColumn("right?");
        foreach (Result r in results)
        {
            string right = r.AutoRight ? "[green]yes[/]" : $"[red]no, {X(r.AutoMs / r.BestMs)}[/]";
            table.AddRow($"{r.N} × {r.M}", Ms(r.PrimalMs),
                $"{Ms(r.ForwardMs)} ({X(r.ForwardMs / r.PrimalMs)})", $"{Ms(r.ReverseMs)} ({X(r.ReverseMs / r.PrimalMs)})",
                $"{Ms(r.Decision.PredictedForwardMs)} / {Ms(r.Decision.PredictedReverseMs)}", r.AutoMode, right);
        }
        AnsiConsole.Write(table);

        // One chart for all shapes on a log scale (times differ by orders of magnitude); bars show ms.
        double floor = results.Min(r => Math.Min(r.ForwardMs, r.ReverseMs)) / 2;
        var chart = new BarChart().Width(Math.Min(100, Math.Max(60, AnsiConsole.Profile.Width)))
            .Label("Forward (blue) vs reverse (orange) per shape, log scale")
            .UseValueFormatter(v => Ms(floor * Math.Pow(10, v)) + " ms");
        foreach (Result r in results)
        {
            chart.AddItem($"n={r.N} m={r.M} fwd", Math.Log10(r.ForwardMs / floor), Color.DodgerBlue1);
            chart.AddItem($"n={r.N} m={r.M} rev", Math.Log10(r.ReverseMs / floor), Color.Orange1);
        }
        AnsiConsole.WriteLine();
        AnsiConsole.Write(chart);
        int rightCount = results.Count(r => r.AutoRight);
        AnsiConsole.MarkupLine($"\nAuto picked the faster mode (or one within 10 %) on {rightCount} of {results.Count} shapes. " +
            $"Calibration: {Markup.Escape(results[0].Decision.Calibration.TensorRates)} ({results[0].Decision.Calibration.Source})");
    }
}
