using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace HybridAD.Cli.Commands.Bench;

/// <summary>
/// The vectorized Rosenbrock workload (issue 4, section 5): f = Σ 100(b − a²)² + (1 − a)² with a = x[0..n−2],
/// b = x[1..n−1] written with tensor operations, at x_i = 0.5 + 0.1·sin(i). Shared by <c>hybridad bench
/// rosenbrock</c> and the BenchmarkDotNet benchmarks.
/// </summary>
public static class TensorRosenbrock
{
    /// <summary>The evaluation point x_i = 0.5 + 0.1·sin(i).</summary>
    public static Tensor Point(int n) => Tensor.Generate(n, i => 0.5 + 0.1 * Math.Sin(i));

    /// <summary>f as a user writes it over tensors.</summary>
    public static Scalar F(Tensor x)
    {
        Tensor a = x[..^1], b = x[1..];
        Tensor t = b - Tensor.Square(a);
        Tensor u = 1.0 - a;
        return Tensor.Sum(100.0 * Tensor.Square(t) + Tensor.Square(u));
    }

    /// <summary>∇f written by hand, fused into one scalar loop (the gradient baseline; a new array per call).</summary>
    public static double[] HandGradient(double[] x)
    {
        var g = new double[x.Length];
        for (int i = 0; i < x.Length - 1; i++)
        {
            double t = x[i + 1] - x[i] * x[i];
            g[i] += -400 * t * x[i] - 2 * (1 - x[i]);
            g[i + 1] += 200 * t;
        }
        return g;
    }
}

/// <summary><c>hybridad bench rosenbrock [--n N] [--json]</c>: medians of the tensor primal, the reverse gradient,
/// the forward JVP (v = ones) and the hand-written fused gradient; f and Σ∇f as checks. Without --n: n = 10, 10³,
/// 10⁵, 10⁶.</summary>
internal static class RosenbrockBench
{
    public static Command Create()
    {
        var n = new Option<int?>("--n") { Description = "The number of inputs n (at least 2); default: 10, 1000, 100000, 1000000." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per n instead of a table." };
        var command = new Command("rosenbrock", "Vectorized Rosenbrock over tensors: primal, gradient, JVP and a hand-written gradient (medians).")
        {
            n, json,
        };
        command.SetAction(parseResult =>
        {
            int? size = parseResult.GetValue(n);
            if (size is < 2)
            {
                Console.Error.WriteLine($"rosenbrock: --n must be at least 2 (f has n − 1 terms); got {size}.");
                return 2;
            }
            foreach (int s in size is int one ? [one] : new[] { 10, 1000, 100_000, 1_000_000 })
                Report(Run(s), parseResult.GetValue(json));
            return 0;
        });
        return command;
    }

    /// <summary>One measured run (times are medians in milliseconds).</summary>
    internal readonly record struct Result(int N, double PrimalMs, double GradMs, double JvpMs, double HandGradMs, double F, double GradSum);

    internal static Result Run(int n)
    {
        Tensor x = TensorRosenbrock.Point(n);
        double[] xd = x.ToArray();
        Tensor ones = Tensor.Ones(n);
        double sink = 0;
        Action primal = () => sink += TensorRosenbrock.F(x).Value;
        Action grad = () => sink += TensorAD.Grad(TensorRosenbrock.F, x)[0];
        Action jvp = () => sink += TensorAD.Jvp(TensorRosenbrock.F, x, ones).Tangent.Value;
        Action hand = () => sink += TensorRosenbrock.HandGradient(xd)[0];
        double primalMs = Measure.MedianMs(primal), gradMs = Measure.MedianMs(grad);
        double jvpMs = Measure.MedianMs(jvp), handMs = Measure.MedianMs(hand);
        var (f, g) = TensorAD.ValueAndGrad(TensorRosenbrock.F, x);
        double sum = 0;
        foreach (double gi in g.ToArray()) sum += gi;
        GC.KeepAlive(sink);
        return new Result(n, primalMs, gradMs, jvpMs, handMs, f.Value, sum);
    }

    internal static string ToJson(Result r) =>
        Measure.Json(("workload", "rosenbrock"), ("n", r.N), ("primal_ms", r.PrimalMs), ("grad_ms", r.GradMs), ("jvp_ms", r.JvpMs),
            ("hand_grad_ms", r.HandGradMs), ("f", r.F), ("grad_sum", r.GradSum));

    private static void Report(Result r, bool json)
    {
        if (json)
        {
            Console.WriteLine(ToJson(r));
            return;
        }
        var table = new Table().Title($"rosenbrock (tensors), n = {r.N} (medians)").AddColumn("").AddColumn("ms").AddColumn("ratio");
        table.AddRow("primal", F(r.PrimalMs), "1");
        table.AddRow("gradient (reverse)", F(r.GradMs), $"{r.GradMs / r.PrimalMs:F2}× primal (target ≤ 3×), {r.GradMs / r.HandGradMs:F2}× hand (target ≤ 1.2×)");
        table.AddRow("jvp, v = ones (forward)", F(r.JvpMs), $"{r.JvpMs / r.PrimalMs:F2}× primal (target ≤ 2×)");
        table.AddRow("hand-written fused gradient", F(r.HandGradMs), "");
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"f = {r.F.ToString("R", CultureInfo.InvariantCulture)}, Σ∇f = {r.GradSum.ToString("R", CultureInfo.InvariantCulture)}");
    }

    internal static string F(double ms) => ms.ToString(ms < 1 ? "F4" : "F3", CultureInfo.InvariantCulture);
}
