using System.Diagnostics;
using System.Globalization;
using HybridAD.Kernels;

namespace HybridAD.Benchmarks;

/// <summary>
/// A quick same-run comparison for noisy or shared machines: HybridAD and OpenBLAS calls alternate (so both see the
/// same background load), then medians, GFLOP/s and the speed ratio are printed per size, with the largest difference
/// between the two results. Run: <c>dotnet run -c Release --project benchmarks/HybridAD.Benchmarks -- gemm-vs-openblas
/// 64 256 512 1024 2048</c>.
/// </summary>
internal static class GemmVersusOpenBlas
{
    public static void Run(string[] sizes)
    {
        if (!OpenBlas.IsAvailable)
        {
            Console.Error.WriteLine("libopenblas.so.0 not found: apt-get install libopenblas0-pthread to run the comparison.");
            return;
        }
        Console.WriteLine($"HybridAD kernel {Gemm.BestKernel}, {Environment.ProcessorCount} cores; {OpenBlas.Config}");
        foreach (string s in sizes.Length > 0 ? sizes : ["64", "256", "512", "1024", "2048"])
        {
            int n = int.Parse(s, CultureInfo.InvariantCulture);
            var a = new double[n * n];
            var b = new double[n * n];
            var ours = new double[n * n];
            var theirs = new double[n * n];
            for (int i = 0; i < a.Length; i++)
            {
                a[i] = Math.Sin(0.37 * i) + 0.25;
                b[i] = Math.Cos(0.11 * i) - 0.5;
            }
            // On an AVX-512 machine the 256-bit kernel is timed too (forced), so the two widths can be compared.
            bool both = Gemm.BestKernel == GemmKernel.Vector512;
            void Ours() => Gemm.Multiply(false, false, n, n, n, 1.0, a, n, b, n, 0.0, ours, n);
            void Ours256() => Gemm.MultiplyWith(GemmKernel.Vector256, Environment.ProcessorCount, true,
                false, false, n, n, n, 1.0, a, n, b, n, 0.0, ours, n);
            void Theirs() => OpenBlas.Dgemm(false, false, n, n, n, 1.0, a, n, b, n, 0.0, theirs, n);
            var warm = Stopwatch.StartNew();
            while (warm.ElapsedMilliseconds < 300) { Ours(); Theirs(); if (both) Ours256(); }
            var tOurs = new List<double>();
            var tOurs256 = new List<double>();
            var tTheirs = new List<double>();
            var total = Stopwatch.StartNew();
            while (tOurs.Count < 11 || (total.ElapsedMilliseconds < 2000 && tOurs.Count < 2000))
            {
                tOurs.Add(TimeMs(Ours));
                tTheirs.Add(TimeMs(Theirs));
                if (both) tOurs256.Add(TimeMs(Ours256));
            }
            Ours();
            double mOurs = Median(tOurs), mTheirs = Median(tTheirs);
            double flops = 2.0 * n * n * (double)n;
            double maxDiff = 0;
            for (int i = 0; i < ours.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(ours[i] - theirs[i]));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"n={n,5}  HybridAD {mOurs,9:F3} ms {flops / mOurs / 1e6,6:F1} GFLOP/s   OpenBLAS {mTheirs,9:F3} ms {flops / mTheirs / 1e6,6:F1} GFLOP/s   ratio {mTheirs / mOurs:F2}x   max|diff| {maxDiff:E1}   ({tOurs.Count} runs each)"));
            if (both)
            {
                double m256 = Median(tOurs256);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"         HybridAD forced Vector256 kernel: {m256,9:F3} ms {flops / m256 / 1e6,6:F1} GFLOP/s   ratio {mTheirs / m256:F2}x"));
            }
        }
    }

    private static double TimeMs(Action action)
    {
        long t0 = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    private static double Median(List<double> times)
    {
        times.Sort();
        return times[times.Count / 2];
    }
}
