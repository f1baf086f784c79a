using System.Diagnostics;
using BenchmarkDotNet.Running;
using HybridAD;
using HybridAD.Benchmarks;

// Any arguments go to BenchmarkDotNet (e.g. `-- --filter '*MlpBenchmarks*'`); no arguments: the quick Rosenbrock
// timing below.
if (args.Length > 0) { BenchmarkSwitcher.FromAssembly(typeof(MlpBenchmarks).Assembly).Run(args); return; }

int n = 100000;
var x = new double[n];
for (int i = 0; i < n; i++) x[i] = 0.5 + 0.1 * Math.Sin(i);
Func<Scalar[], Scalar> f = xs =>
{
    Scalar s = 0;
    for (int i = 0; i < xs.Length - 1; i++)
    {
        Scalar t = xs[i + 1] - xs[i] * xs[i];
        Scalar u = 1 - xs[i];
        s += 100 * t * t + u * u;
    }
    return s;
};
double Primal(double[] x) { double s = 0; for (int i = 0; i < x.Length - 1; i++) { double t = x[i + 1] - x[i] * x[i]; double u = 1 - x[i]; s += 100 * t * t + u * u; } return s; }
double[] Hand(double[] x) { var g = new double[x.Length]; for (int i = 0; i < x.Length - 1; i++) { double t = x[i + 1] - x[i] * x[i]; g[i] += -400 * t * x[i] - 2 * (1 - x[i]); g[i + 1] += 200 * t; } return g; }
var xs = x.ToScalars(); var v = new double[n]; Array.Fill(v, 1.0); var vs = v.ToScalars();
double Time(Action a) { for (int k = 0; k < 5; k++) a(); var ts = new List<double>(); for (int k = 0; k < 30; k++) { var sw = Stopwatch.StartNew(); a(); ts.Add(sw.Elapsed.TotalMilliseconds); } ts.Sort(); return ts[15]; }
double sink = 0;
Console.WriteLine($"primal {Time(() => sink += Primal(x)):F3} ms");
Console.WriteLine($"primal-scalar {Time(() => sink += f(xs).Value):F3} ms");
Console.WriteLine($"hand {Time(() => sink += Hand(x)[0]):F3} ms");
Console.WriteLine($"jvp {Time(() => sink += AD.Jvp(f, xs, vs).Tangent.Value):F3} ms");
Console.WriteLine($"grad {Time(() => sink += AD.Grad(f)(xs)[0].Value):F3} ms");
var g = AD.Grad(f)(xs); double sum = 0; foreach (var gi in g) sum += gi.Value;
Console.WriteLine($"g0..2 {g[0]} {g[1]} {g[2]} sum {sum:R}");
long before = GC.GetAllocatedBytesForCurrentThread(); AD.Grad(f)(xs); long after = GC.GetAllocatedBytesForCurrentThread();
Console.WriteLine($"bytes/op {(after - before) / (8.0 * n):F2}");
