using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace HybridAD.Cli.Commands.Bench;

/// <summary>
/// The scalar-code Rosenbrock workload (issue 2, section 5): the user writes the loop over <see cref="Scalar"/>
/// values, f(x) = Σ_{i&lt;n−1} 100(x_{i+1} − x_i²)² + (1 − x_i)², at x_i = 0.5 + 0.1·sin(i). Shared by
/// <c>hybridad bench rosenbrock-scalar</c>, the BenchmarkDotNet benchmarks and the oracle test.
/// </summary>
public static class RosenbrockScalar
{
    /// <summary>The evaluation point x_i = 0.5 + 0.1·sin(i), i = 0 … n−1.</summary>
    public static double[] Point(int n)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = 0.5 + 0.1 * Math.Sin(i);
        return x;
    }

    /// <summary>f on plain doubles: the primal baseline.</summary>
    public static double Primal(double[] x)
    {
        double s = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double t = x[i + 1] - x[i] * x[i];
            double u = 1 - x[i];
            s += 100 * t * t + u * u;
        }
        return s;
    }

    /// <summary>∇f written by hand, fused into one loop (the gradient baseline). Returns a new array, as a
    /// gradient function does.</summary>
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

    /// <summary>f as a user writes it over <see cref="Scalar"/>: 8 elemental operations per term.</summary>
    public static Scalar F(Scalar[] x)
    {
        Scalar s = 0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            Scalar t = x[i + 1] - x[i] * x[i];
            Scalar u = 1 - x[i];
            s += 100 * t * t + u * u;
        }
        return s;
    }

    /// <summary>The nodes one reverse-mode recording of <see cref="F"/> puts on the tape: n inputs and
    /// 8 operations per term (x_i·x_i, −, 1 − x_i, 100·t, ·t, u·u, +, s +).</summary>
    public static long RecordedOps(int n) => n + 8L * (n - 1);
}

/// <summary><c>hybridad bench rosenbrock-scalar --n N [--json]</c>: medians of the plain primal, the hand-written
/// gradient, the forward JVP (v = ones) and the reverse gradient of <see cref="RosenbrockScalar"/>, the bytes
/// allocated per recorded operation, and Σ∇f.</summary>
internal static class RosenbrockScalarBench
{
    public static Command Create() => SizeCommand("rosenbrock-scalar",
        "Scalar-code Rosenbrock: plain primal, hand-written gradient, forward JVP and reverse gradient over Scalar (medians).",
        (size, json) => Report(Run(size), json));

    /// <summary>A scalar-Rosenbrock command: <c>--n N</c> (at least 2, default 10⁵) and <c>--json</c>, handed to
    /// <paramref name="run"/> (also used by <c>scalar-floors</c>).</summary>
    internal static Command SizeCommand(string name, string description, Action<int, bool> run)
    {
        var n = new Option<int>("--n") { Description = "The number of inputs n (at least 2).", DefaultValueFactory = _ => 100000 };
        var json = new Option<bool>("--json") { Description = "Print exactly one JSON object instead of a table." };
        var command = new Command(name, description) { n, json };
        command.SetAction(parseResult =>
        {
            int size = parseResult.GetValue(n);
            if (size < 2)
            {
                Console.Error.WriteLine($"{name}: --n must be at least 2 (f has n − 1 terms); got {size}.");
                return 2;
            }
            run(size, parseResult.GetValue(json));
            return 0;
        });
        return command;
    }

    /// <summary>One measured run's figures (times are medians in milliseconds).</summary>
    internal readonly record struct Result(int N, double PrimalMs, double HandGradMs, double JvpMs, double GradMs,
        double BytesPerOp, double GradSum, double[] GradHead);

    internal static Result Run(int n)
    {
        double[] x = RosenbrockScalar.Point(n);
        Scalar[] xs = x.ToScalars();
        var ones = new double[n];
        Array.Fill(ones, 1.0);
        Scalar[] vs = ones.ToScalars();
        Func<Scalar[], Scalar> f = RosenbrockScalar.F;

        double sink = 0;
        Action primal = () => sink += RosenbrockScalar.Primal(x);
        Action hand = () => sink += RosenbrockScalar.HandGradient(x)[0];
        Action jvp = () => sink += AD.Jvp(f, xs, vs).Tangent.Value;
        Action grad = () => sink += AD.Grad(f, x)[0];

        double primalMs = Measure.MedianMs(primal);
        double handMs = Measure.MedianMs(hand);
        double jvpMs = Measure.MedianMs(jvp);
        double gradMs = Measure.MedianMs(grad);

        long before = GC.GetAllocatedBytesForCurrentThread();
        double[] g = AD.Grad(f, x);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        double sum = 0;
        foreach (double gi in g) sum += gi;
        GC.KeepAlive(sink);
        return new Result(n, primalMs, handMs, jvpMs, gradMs, (double)allocated / RosenbrockScalar.RecordedOps(n), sum,
            g[..Math.Min(3, g.Length)]);
    }

    private static void Report(Result r, bool json)
    {
        if (json)
        {
            Console.WriteLine(ToJson(r));
            return;
        }
        var table = new Table().Title($"rosenbrock-scalar, n = {r.N} (medians)").AddColumn("").AddColumn("ms").AddColumn("ratio");
        table.AddRow("plain-double primal", F(r.PrimalMs), "1");
        table.AddRow("hand-written gradient", F(r.HandGradMs), "1");
        table.AddRow("forward JVP over Scalar", F(r.JvpMs), $"{r.JvpMs / r.PrimalMs:F1}× primal (target ≤ 4×)");
        table.AddRow("reverse gradient over Scalar", F(r.GradMs), $"{r.GradMs / r.HandGradMs:F1}× hand (target ≤ 10×)");
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"bytes allocated per recorded op: {r.BytesPerOp:F2} (target ≤ 48; {RosenbrockScalar.RecordedOps(r.N)} ops)");
        AnsiConsole.WriteLine($"∇f[0..{r.GradHead.Length - 1}] = {string.Join(", ", r.GradHead.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}");
        AnsiConsole.WriteLine($"Σ∇f = {r.GradSum.ToString("R", CultureInfo.InvariantCulture)}");
    }

    /// <summary>The <c>--json</c> line: exactly one object with the workload's fields.</summary>
    internal static string ToJson(Result r) =>
        Measure.Json(("workload", "rosenbrock-scalar"), ("n", r.N), ("primal_ms", r.PrimalMs), ("hand_grad_ms", r.HandGradMs),
            ("jvp_ms", r.JvpMs), ("grad_ms", r.GradMs), ("bytes_per_op", r.BytesPerOp), ("grad_sum", r.GradSum));

    private static string F(double ms) => ms.ToString(ms < 1 ? "F4" : "F3", CultureInfo.InvariantCulture);
}
