using System.Collections.Concurrent;
using static HybridAD.Scalar;

namespace HybridAD.Tests;

/// <summary>
/// Concurrent calls from different threads are independent: 8 threads, released together by a
/// <see cref="Barrier"/> every round so their calls overlap, each computing a different derivative and checking
/// it against the analytic answer.
/// </summary>
public class ConcurrencyTests
{
    private const int Threads = 8;
    private const int Rounds = 25;

    /// <summary>Runs work(thread, round) on 8 threads, all starting each round together; rethrows the first
    /// failure of any thread.</summary>
    private static void RunTogether(Action<int, int> work)
    {
        using var barrier = new Barrier(Threads);
        var errors = new ConcurrentQueue<Exception>();
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                for (int r = 0; r < Rounds; r++)
                {
                    if (!barrier.SignalAndWait(TimeSpan.FromSeconds(60)))
                    {
                        errors.Enqueue(new TimeoutException("barrier"));
                        return;
                    }
                    try { work(id, r); }
                    catch (Exception e) { errors.Enqueue(e); }
                }
            });
        }
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        if (errors.TryDequeue(out var first))
            throw new AggregateException($"{errors.Count + 1} failures on worker threads", first);
    }

    // f_c(x) = Σ c·x_i·sin(x_i) + x_i·x_{i+1}: ∂f/∂x_i = c(sin x_i + x_i cos x_i) + x_{i+1} + x_{i−1}
    private static Func<Scalar[], Scalar> F(double c) => x =>
    {
        Scalar s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += c * x[i] * Sin(x[i]);
            if (i + 1 < x.Length) s += x[i] * x[i + 1];
        }
        return s;
    };

    private static double[] GradF(double c, double[] x)
    {
        var g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            g[i] = c * (Math.Sin(x[i]) + x[i] * Math.Cos(x[i]));
            if (i + 1 < x.Length) g[i] += x[i + 1];
            if (i > 0) g[i] += x[i - 1];
        }
        return g;
    }

    private static double[] Point(int thread, int round, int n)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = Math.Sin(0.1 * i + thread + 0.01 * round);
        return x;
    }

    [Fact]
    public void EightThreads_DifferentGradients_AtTheSameTime()
    {
        RunTogether((t, r) =>
        {
            int n = 50 + 37 * t; // different sizes: different tape lengths on each thread
            double c = t + 1;
            double[] x = Point(t, r, n);
            Approx.Rel(GradF(c, x), AD.Grad(F(c), x), 1e-12, $"thread {t} round {r}");
            var (value, g) = AD.ValueAndGrad(F(c))(x.ToScalars());
            Assert.Equal(F(c)(x.ToScalars()).Value, value.Value);
            Approx.Rel(GradF(c, x), g, 1e-12);
        });
    }

    [Fact]
    public void EightThreads_ConcurrentJvp()
    {
        RunTogether((t, r) =>
        {
            int n = 40 + 11 * t;
            double c = 0.5 * t - 1;
            double[] x = Point(t, r, n);
            var v = new double[n];
            for (int i = 0; i < n; i++) v[i] = Math.Cos(i + r);
            double[] g = GradF(c, x);
            double expected = 0, scale = 0;
            for (int i = 0; i < n; i++) { expected += g[i] * v[i]; scale += Math.Abs(g[i] * v[i]); }
            var (_, jv) = AD.Jvp(F(c), x.ToScalars(), v.ToScalars());
            Approx.Abs(expected, jv.Value, 1e-13 * scale, $"thread {t} round {r}");
        });
    }

    [Fact]
    public void EightThreads_NestedCalls_HessiansAndPerturbationConfusion()
    {
        RunTogether((t, r) =>
        {
            double[] x = Point(t, r, 6 + t % 3);
            Approx.Matrix(ADTests.HessianTests.RosenbrockHessian(x), AD.Hessian(ADTests.HessianTests.Rosenbrock, x), 1e-13,
                $"thread {t} round {r}");
            double a = 1 + t + r;
            // d/dx (x · d/dy (x·y)) = 2x, in a thread-specific mix of modes
            var dOut = NestingTests.D.Values.ElementAt(t % 4);
            var dIn = NestingTests.D.Values.ElementAt((t / 4 + r) % 4);
            Assert.Equal(2 * a, dOut(z => z * dIn(y => z * y)(3.0))(a).Value);
        });
    }

    [Fact]
    public void OnePullback_CalledFromEightThreads()
    {
        double[] x = [0.4, -1.3, 0.25];
        var (_, pullback) = AD.Vjp(ADTests.JvpTests.F, x.ToScalars());
        double[,] j = ADTests.JvpTests.JacobianF(x);
        RunTogether((t, r) =>
        {
            double[] u = [t - 3.5, 0.1 * r];
            Scalar[] got = pullback(u.ToScalars());
            for (int k = 0; k < 3; k++)
                Approx.Abs(u[0] * j[0, k] + u[1] * j[1, k], got[k].Value, 1e-13 * (Math.Abs(u[0] * j[0, k]) + Math.Abs(u[1] * j[1, k])),
                    $"thread {t} round {r} component {k}");
        });
    }

    [Fact]
    public void EscapedValuesFromOtherThreads_AreDetected()
    {
        // Each thread leaks a value of its own Grad call, then checks that using it throws, while the other
        // threads' calls (which may reuse the freed level-table slot) keep working.
        RunTogether((t, r) =>
        {
            Scalar leaked = default;
            double[] g = AD.Grad(x => { leaked = x[0] * (t + 1); return leaked * x[0]; }, [2.0]);
            Assert.Equal(4.0 * (t + 1), g[0]);
            Assert.Throws<PerturbationEscapedException>(() => AD.Derivative(y => y * leaked)(1.0));
        });
    }
}
