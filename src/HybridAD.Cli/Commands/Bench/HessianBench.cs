using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace HybridAD.Cli.Commands.Bench;

/// <summary><c>hybridad bench hessian [--n N] [--json]</c>: medians of the dense Hessian of the vectorized
/// Rosenbrock function (with its trace as a check), of the Hessian-vector product with v = ones, and of the
/// primal. Above <see cref="DenseLimit"/> inputs only the Hvp is measured (hessian_ms and trace omitted). Without
/// --n: n = 1000 and n = 10⁶.</summary>
internal static class HessianBench
{
    /// <summary>The largest n whose dense Hessian is measured.</summary>
    internal const int DenseLimit = 4000;

    public static Command Create()
    {
        var n = new Option<int?>("--n") { Description = "The number of inputs n (at least 2); default: 1000 and 1000000." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per n instead of a table." };
        var command = new Command("hessian", "Hessian and Hessian-vector product of the vectorized Rosenbrock function (medians).")
        {
            n, json,
        };
        command.SetAction(parseResult =>
        {
            int? size = parseResult.GetValue(n);
            if (size is < 2)
            {
                Console.Error.WriteLine($"hessian: --n must be at least 2; got {size}.");
                return 2;
            }
            foreach (int s in size is int one ? [one] : new[] { 1000, 1_000_000 })
                Report(Run(s), parseResult.GetValue(json));
            return 0;
        });
        return command;
    }

    internal readonly record struct Result(int N, double? HessianMs, double HvpMs, double PrimalMs, double? Trace);

    internal static Result Run(int n)
    {
        Tensor x = TensorRosenbrock.Point(n);
        Tensor ones = Tensor.Ones(n);
        double sink = 0;
        double primal = Measure.MedianMs(() => sink += TensorRosenbrock.F(x).Value);
        double hvp = Measure.MedianMs(() => sink += TensorAD.Hvp(TensorRosenbrock.F, x, ones)[0]);
        double? hessian = null, trace = null;
        if (n <= DenseLimit)
        {
            hessian = Measure.MedianMs(() => sink += TensorAD.Hessian(TensorRosenbrock.F, x)[0, 0]);
            double[] h = TensorAD.Hessian(TensorRosenbrock.F, x).ToArray();
            double t = 0;
            for (int i = 0; i < n; i++) t += h[i * n + i];
            trace = t;
        }
        GC.KeepAlive(sink);
        return new Result(n, hessian, hvp, primal, trace);
    }

    internal static string ToJson(Result r)
    {
        var fields = new List<(string, object)> { ("workload", "hessian"), ("n", r.N) };
        if (r.HessianMs is double h) fields.Add(("hessian_ms", h));
        fields.Add(("hvp_ms", r.HvpMs));
        fields.Add(("primal_ms", r.PrimalMs));
        if (r.Trace is double t) fields.Add(("trace", t));
        return Measure.Json([.. fields]);
    }

    private static void Report(Result r, bool json)
    {
        if (json)
        {
            Console.WriteLine(ToJson(r));
            return;
        }
        var table = new Table().Title($"hessian (Rosenbrock, tensors), n = {r.N} (medians)").AddColumn("").AddColumn("ms").AddColumn("note");
        table.AddRow("primal", RosenbrockBench.F(r.PrimalMs), "");
        if (r.HessianMs is double h) table.AddRow("dense Hessian", RosenbrockBench.F(h), "target ≤ 5 ms at n = 1000");
        table.AddRow("Hvp, v = ones", RosenbrockBench.F(r.HvpMs), $"{r.HvpMs / r.PrimalMs:F2}× primal (target ≤ 5× at n = 10⁶)");
        AnsiConsole.Write(table);
        if (r.Trace is double t) AnsiConsole.WriteLine($"trace H = {t.ToString("R", CultureInfo.InvariantCulture)}");
    }
}
