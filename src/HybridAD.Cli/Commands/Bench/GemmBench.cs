using System.CommandLine;
using System.Globalization;
using HybridAD.Kernels;

namespace HybridAD.Cli.Commands.Bench;

/// <summary><c>hybridad bench gemm --n N [--json] [--kernel auto|vector512|vector256|scalar]</c>: median time and
/// GFLOP/s (2n³/time) of an n×n·n×n <see cref="Gemm.Multiply"/> (C ← A·B, β = 0) on deterministic inputs, with 64
/// entries spot-checked against directly summed dot products (exit code 1 if one is off by more than 1e-12 relative).
/// <c>--kernel</c> forces a micro-kernel width (to compare 512- and 256-bit on an AVX-512 machine).</summary>
internal static class GemmBench
{
    public static Command Create()
    {
        var n = new Option<int>("--n") { Description = "Matrix size (square n×n).", DefaultValueFactory = _ => 512 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object {workload, n, ms, gflops}." };
        var kernel = new Option<string>("--kernel")
        {
            Description = "Micro-kernel width: auto (the widest the CPU accelerates), vector512, vector256 or scalar.",
            DefaultValueFactory = _ => "auto",
        };
        var command = new Command("gemm", "Square double GEMM C = A·B: median ms and GFLOP/s.") { n, json, kernel };
        command.SetAction(parseResult =>
        {
            int size = parseResult.GetValue(n);
            if (size < 1)
            {
                Console.Error.WriteLine($"--n must be at least 1, got {size}.");
                return 2;
            }
            string kernelName = parseResult.GetValue(kernel) ?? "auto";
            GemmKernel? width = kernelName.ToLowerInvariant() switch
            {
                "auto" => Gemm.BestKernel,
                "vector512" => GemmKernel.Vector512,
                "vector256" => GemmKernel.Vector256,
                "scalar" => GemmKernel.Scalar,
                _ => null,
            };
            if (width is null)
            {
                Console.Error.WriteLine($"--kernel must be auto, vector512, vector256 or scalar, got '{kernelName}'.");
                return 2;
            }
            var (ms, gflops, maxRelErr) = Run(size, width.Value);
            if (parseResult.GetValue(json))
                Console.WriteLine(Measure.Json(("workload", "gemm"), ("n", size), ("ms", ms), ("gflops", gflops)));
            else
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"gemm n={size}: {ms:F3} ms, {gflops:F1} GFLOP/s (kernel {width.Value}{(width.Value == Gemm.BestKernel ? "" : $", machine best {Gemm.BestKernel}")}, {Environment.ProcessorCount} cores; spot-check max rel err {maxRelErr:E1})"));
            return maxRelErr <= 1e-12 ? 0 : 1;
        });
        return command;
    }

    /// <summary>Median ms and GFLOP/s of C = A·B at size n, and the largest relative error of 64 sampled entries
    /// against a directly summed dot product.</summary>
    internal static (double Ms, double Gflops, double MaxRelErr) Run(int n, GemmKernel kernel)
    {
        var a = new double[n * n];
        var b = new double[n * n];
        var c = new double[n * n];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = Math.Sin(0.37 * i) + 0.25;
            b[i] = Math.Cos(0.11 * i) - 0.5;
        }
        Action multiply = kernel == Gemm.BestKernel
            ? () => Gemm.Multiply(false, false, n, n, n, 1.0, a, n, b, n, 0.0, c, n)
            : () => Gemm.MultiplyWith(kernel, Environment.ProcessorCount, true, false, false, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
        double ms = Measure.MedianMs(multiply,
            minRuns: n >= 1024 ? 5 : 15, minMs: n >= 1024 ? 1000 : 300);
        double maxRelErr = 0;
        var rng = new Random(42);
        for (int s = 0; s < 64; s++)
        {
            int i = rng.Next(n), j = rng.Next(n);
            double sum = 0, abs = 0;
            for (int p = 0; p < n; p++)
            {
                sum += a[i * n + p] * b[p * n + j];
                abs += Math.Abs(a[i * n + p] * b[p * n + j]);
            }
            maxRelErr = Math.Max(maxRelErr, Math.Abs(c[i * n + j] - sum) / Math.Max(abs, double.Epsilon));
        }
        return (ms, 2.0 * n * n * (double)n / (ms * 1e6), maxRelErr);
    }
}
