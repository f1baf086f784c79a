using System.CommandLine;
using Spectre.Console;

namespace HybridAD.Cli.Commands.Bench;

/// <summary>
/// The Jacobian workload (issue 4, section 5): f(x) = A·tanh(B·x) with B of 64×n and A of m×64 (entries uniform in
/// ±1/√n and ±1/8 from a fixed seed), x_i = 0.1·cos(i); its closed-form Jacobian A·diag(1 − tanh²(B·x))·B.
/// Shared by <c>hybridad bench jacobian</c> and the BenchmarkDotNet benchmarks.
/// </summary>
public static class TensorJacobianWorkload
{
    /// <summary>The nine (n, m) shapes of the issue, in its order.</summary>
    public static readonly (int N, int M)[] Shapes =
        [(1, 1000), (10, 1000), (100, 1000), (1000, 1000), (1000, 100), (1000, 10), (1000, 1), (100, 100), (10, 10)];

    /// <summary>A (m×64), B (64×n) and the point x.</summary>
    public static (Tensor A, Tensor B, Tensor X) Problem(int n, int m, int seed = 42)
    {
        var rng = new Random(seed);
        var b = new double[64 * n];
        var a = new double[m * 64];
        for (int i = 0; i < b.Length; i++) b[i] = (2 * rng.NextDouble() - 1) / Math.Sqrt(n);
        for (int i = 0; i < a.Length; i++) a[i] = (2 * rng.NextDouble() - 1) / 8;
        return (Tensor.FromArray(a, m, 64), Tensor.FromArray(b, 64, n), Tensor.Generate(n, i => 0.1 * Math.Cos(i)));
    }

    /// <summary>f(x) = A·tanh(B·x).</summary>
    public static Func<Tensor, Tensor> Function(Tensor a, Tensor b) => x => Tensor.MatMul(a, Tensor.Tanh(Tensor.MatMul(b, x)));

    /// <summary>The closed form A·diag(1 − tanh²(B·x))·B, row-major m×n.</summary>
    public static double[] ClosedForm(Tensor a, Tensor b, Tensor x)
    {
        int n = b.Dim(1), m = a.Dim(0);
        double[] ad = a.ToArray(), bd = b.ToArray(), xd = x.ToArray();
        var d = new double[64];
        for (int r = 0; r < 64; r++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += bd[r * n + j] * xd[j];
            double t = Math.Tanh(s);
            d[r] = 1 - t * t;
        }
        var jac = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int r = 0; r < 64; r++)
            {
                double w = ad[i * 64 + r] * d[r];
                for (int j = 0; j < n; j++) jac[i * n + j] += w * bd[r * n + j];
            }
        return jac;
    }
}

/// <summary><c>hybridad bench jacobian [--n N --m M] [--json]</c>: medians of the primal and of the Jacobian in
/// forward, reverse and auto mode, the mode auto chose, and the largest deviation from the closed form. Without
/// --n/--m: the issue's nine shapes.</summary>
internal static class JacobianBench
{
    public static Command Create()
    {
        var n = new Option<int?>("--n") { Description = "Inputs n (with --m); default: the nine shapes of the issue." };
        var m = new Option<int?>("--m") { Description = "Outputs m (with --n)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per shape instead of a table." };
        var command = new Command("jacobian", "Jacobian of A·tanh(B·x): forward, reverse and auto (medians) against the closed form.")
        {
            n, m, json,
        };
        command.SetAction(parseResult =>
        {
            int? nv = parseResult.GetValue(n), mv = parseResult.GetValue(m);
            if (nv.HasValue != mv.HasValue || nv is < 1 || mv is < 1)
            {
                Console.Error.WriteLine($"jacobian: give both --n and --m (each at least 1), or neither; got --n {nv?.ToString() ?? "none"}, --m {mv?.ToString() ?? "none"}.");
                return 2;
            }
            var shapes = nv is int one ? [(one, mv!.Value)] : TensorJacobianWorkload.Shapes;
            bool asJson = parseResult.GetValue(json);
            Table? table = asJson ? null : new Table().Title("Jacobian of A·tanh(B·x) (medians, ms)")
                .AddColumn("n").AddColumn("m").AddColumn("primal").AddColumn("forward").AddColumn("reverse").AddColumn("auto").AddColumn("auto mode").AddColumn("max |err|");
            foreach (var (sn, sm) in shapes)
            {
                Result r = Run(sn, sm);
                if (asJson) Console.WriteLine(ToJson(r));
                else table!.AddRow($"{r.N}", $"{r.M}", RosenbrockBench.F(r.PrimalMs), RosenbrockBench.F(r.ForwardMs), RosenbrockBench.F(r.ReverseMs),
                    RosenbrockBench.F(r.AutoMs), r.AutoMode, r.MaxAbsErr.ToString("E2"));
            }
            if (table is not null) AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    internal readonly record struct Result(int N, int M, double PrimalMs, double ForwardMs, double ReverseMs, double AutoMs, string AutoMode, double MaxAbsErr);

    internal static Result Run(int n, int m)
    {
        var (a, b, x) = TensorJacobianWorkload.Problem(n, m);
        Func<Tensor, Tensor> f = TensorJacobianWorkload.Function(a, b);
        double sink = 0;
        double primal = Measure.MedianMs(() => sink += f(x)[0]);
        double forward = Measure.MedianMs(() => sink += TensorAD.Jacobian(f, x, JacobianMode.Forward).Length);
        double reverse = Measure.MedianMs(() => sink += TensorAD.Jacobian(f, x, JacobianMode.Reverse).Length);
        double auto = Measure.MedianMs(() => sink += TensorAD.Jacobian(f, x, JacobianMode.Auto).Length);
        double[] expected = TensorJacobianWorkload.ClosedForm(a, b, x);
        double err = 0;
        foreach (JacobianMode mode in new[] { JacobianMode.Forward, JacobianMode.Reverse, JacobianMode.Auto })
        {
            double[] j = TensorAD.Jacobian(f, x, mode).ToArray();
            for (int i = 0; i < j.Length; i++) err = Math.Max(err, Math.Abs(j[i] - expected[i]));
        }
        GC.KeepAlive(sink);
        // The mode auto ran: the decision it cached for f at x's shape (n = 1 and m = 1 are decided without a prediction).
        JacobianMode chosen = n == 1 ? JacobianMode.Forward : m == 1 ? JacobianMode.Reverse
            : HybridAD.Selection.ModeSelector.Cached(f, x.Dims, 0)?.Mode ?? throw new InvalidOperationException("jacobian: auto made no decision");
        string autoMode = chosen == JacobianMode.Forward ? "forward" : "reverse";
        return new Result(n, m, primal, forward, reverse, auto, autoMode, err);
    }

    internal static string ToJson(Result r) =>
        Measure.Json(("workload", "jacobian"), ("n", r.N), ("m", r.M), ("primal_ms", r.PrimalMs), ("forward_ms", r.ForwardMs),
            ("reverse_ms", r.ReverseMs), ("auto_ms", r.AutoMs), ("auto_mode", r.AutoMode), ("max_abs_err", r.MaxAbsErr));
}
