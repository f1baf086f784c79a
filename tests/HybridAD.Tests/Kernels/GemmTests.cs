using HybridAD.Kernels;

namespace HybridAD.Tests.Kernels;

/// <summary>
/// <see cref="Gemm.Multiply"/> against a naive triple-loop reference: every kernel width (Vector512 runs emulated
/// where AVX-512 is absent), all four transpose combinations, α/β variants, strided operands whose padding holds NaN
/// (so reading it would show), sizes 0 and 1, primes, and sizes on both sides of the micro-tile (6×NR), block
/// (MC = 96, KC = 256 or 128, NC = 2048) edges; the parallel path bit-for-bit against the single-threaded one.
/// </summary>
public class GemmTests
{
    private static readonly GemmKernel[] Kernels = [GemmKernel.Scalar, GemmKernel.Vector256, GemmKernel.Vector512];

    /// <summary>One problem: stored operands with row strides padded by the given amounts (padding = NaN in A and
    /// B, a sentinel in C), C's initial contents random or NaN.</summary>
    private sealed class Problem
    {
        public readonly bool TransA, TransB;
        public readonly int M, N, K, Lda, Ldb, Ldc;
        public readonly double Alpha, Beta;
        public readonly double[] A, B, C0;

        public Problem(int seed, bool transA, bool transB, int m, int n, int k, double alpha, double beta,
            int padA = 0, int padB = 0, int padC = 0, bool nanC = false)
        {
            TransA = transA; TransB = transB; M = m; N = n; K = k; Alpha = alpha; Beta = beta;
            var rng = new Random(seed);
            (int rowsA, int colsA) = transA ? (k, m) : (m, k);
            (int rowsB, int colsB) = transB ? (n, k) : (k, n);
            Lda = colsA + padA; Ldb = colsB + padB; Ldc = n + padC;
            A = Fill(rng, rowsA, colsA, Lda, double.NaN, false);
            B = Fill(rng, rowsB, colsB, Ldb, double.NaN, false);
            C0 = Fill(rng, m, n, Ldc, 12345.0, nanC);
        }

        private static double[] Fill(Random rng, int rows, int cols, int ld, double padding, bool nan)
        {
            int length = rows == 0 ? 0 : (rows - 1) * ld + cols;
            var x = new double[length];
            Array.Fill(x, padding);
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    x[i * ld + j] = nan ? double.NaN : 2 * rng.NextDouble() - 1;
            return x;
        }

        public double OpA(int i, int p) => TransA ? A[p * Lda + i] : A[i * Lda + p];
        public double OpB(int p, int j) => TransB ? B[j * Ldb + p] : B[p * Ldb + j];

        /// <summary>The naive result (C0 with the m×n block replaced) and, per element, the error scale
        /// |α|·Σ|op(A)·op(B)| + |β·C0|.</summary>
        public (double[] Expected, double[] Scale) Reference()
        {
            var expected = (double[])C0.Clone();
            var scale = new double[C0.Length];
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                {
                    double s = 0, abs = 0;
                    for (int p = 0; p < K; p++)
                    {
                        double t = OpA(i, p) * OpB(p, j);
                        s += t;
                        abs += Math.Abs(t);
                    }
                    double old = C0[i * Ldc + j];
                    bool ignoreOld = Beta == 0;
                    bool skipProduct = Alpha == 0 || K == 0; // BLAS convention: A and B not read
                    double product = skipProduct ? 0 : Alpha * s;
                    expected[i * Ldc + j] = ignoreOld ? product : product + Beta * old;
                    scale[i * Ldc + j] = (skipProduct ? 0 : Math.Abs(Alpha) * abs) + (ignoreOld ? 0 : Math.Abs(Beta * old));
                }
            return (expected, scale);
        }

        public double[] Run(GemmKernel? kernel = null, int threads = 1, bool shortcuts = true)
        {
            var c = (double[])C0.Clone();
            if (kernel is null)
                Gemm.Multiply(TransA, TransB, M, N, K, Alpha, A, Lda, B, Ldb, Beta, c, Ldc);
            else
                Gemm.MultiplyWith(kernel.Value, threads, shortcuts, TransA, TransB, M, N, K, Alpha, A, Lda, B, Ldb, Beta, c, Ldc);
            return c;
        }

        public override string ToString() =>
            $"m={M} n={N} k={K} transA={TransA} transB={TransB} α={Alpha} β={Beta} lda={Lda} ldb={Ldb} ldc={Ldc}";
    }

    /// <summary>Asserts the computed C equals the reference within 4·(k+3)·ε·scale per element (the bound on the
    /// difference of two summation orders, so ~1e-12 relative for k in the hundreds), and that every element
    /// outside the m×n block (C's row padding) is untouched.</summary>
    private static void AssertMatches(Problem p, double[] actual, string label)
    {
        var (expected, scale) = p.Reference();
        Assert.Equal(expected.Length, actual.Length);
        double tolFactor = 4.0 * (p.K + 3) * Math.BitIncrement(1.0) - 4.0 * (p.K + 3); // 4·(k+3)·ε, ε = 2⁻⁵²
        for (int idx = 0; idx < expected.Length; idx++)
        {
            int i = p.Ldc == 0 ? 0 : idx / p.Ldc, j = p.Ldc == 0 ? 0 : idx % p.Ldc;
            if (j >= p.N || i >= p.M)
            {
                Assert.True(BitConverter.DoubleToInt64Bits(expected[idx]) == BitConverter.DoubleToInt64Bits(actual[idx]),
                    $"{label} {p}: C padding at [{i},{j}] changed from {expected[idx]} to {actual[idx]}");
                continue;
            }
            double tol = tolFactor * scale[idx] + 1e-300;
            Assert.True(Math.Abs(expected[idx] - actual[idx]) <= tol,
                $"{label} {p}: C[{i},{j}] expected {expected[idx]:R}, got {actual[idx]:R} (tolerance {tol:E2})");
        }
    }

    /// <summary>Every kernel width, with the shortcuts (tiny direct loop, matrix·vector path) on and off, and the
    /// public entry point.</summary>
    private static void AssertAllPathsMatch(Problem p)
    {
        foreach (var kernel in Kernels)
        {
            AssertMatches(p, p.Run(kernel, threads: 1, shortcuts: true), $"{kernel}");
            AssertMatches(p, p.Run(kernel, threads: 1, shortcuts: false), $"{kernel} (packed only)");
        }
        AssertMatches(p, p.Run(), "public entry");
    }

    private static IEnumerable<(bool, bool)> Transposes() => [(false, false), (true, false), (false, true), (true, true)];

    /// <summary>Sizes at the micro-tile and block edges of every kernel (MR = 6; NR = 2, 8, 16; MC = 96;
    /// KC = 256 for NR ≤ 8, 128 for NR = 16), primes, and the degenerate 0 and 1.</summary>
    public static TheoryData<int, int, int> EdgeSizes() => new()
    {
        { 0, 0, 0 }, { 0, 5, 3 }, { 4, 0, 3 }, { 3, 4, 0 }, { 1, 1, 1 }, { 1, 7, 5 }, { 7, 1, 5 }, { 1, 1, 19 },
        { 2, 3, 1 }, { 5, 7, 2 }, { 6, 8, 4 }, { 6, 16, 3 }, { 7, 9, 17 }, { 5, 15, 6 }, { 12, 17, 31 }, { 13, 2, 8 },
        { 11, 33, 129 }, { 19, 23, 128 }, { 23, 13, 127 }, { 95, 8, 5 }, { 96, 16, 7 }, { 97, 17, 9 }, { 101, 3, 2 },
        { 6, 8, 255 }, { 7, 9, 256 }, { 5, 7, 257 }, { 3, 5, 513 }, { 193, 31, 37 }, { 2, 2051, 3 }, { 37, 41, 43 },
    };

    [Theory]
    [MemberData(nameof(EdgeSizes))]
    public void AllKernels_AllTransposes_MatchReference(int m, int n, int k)
    {
        int seed = m * 1_000_003 + n * 1009 + k;
        foreach (var (ta, tb) in Transposes())
        {
            var p = new Problem(seed++, ta, tb, m, n, k, alpha: 1.0, beta: 0.0);
            AssertAllPathsMatch(p);
        }
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(-0.75, 0.5)]
    [InlineData(2.5, -1.0)]
    [InlineData(0.0, 0.5)]
    [InlineData(0.0, 0.0)]
    [InlineData(3.0, 0.0)]
    public void AlphaBeta_Variants_MatchReference(double alpha, double beta)
    {
        int seed = 7;
        foreach (var (m, n, k) in new[] { (17, 19, 23), (6, 8, 300), (1, 9, 7), (9, 1, 7), (40, 3, 1), (3, 3, 0) })
            foreach (var (ta, tb) in Transposes())
            {
                AssertAllPathsMatch(new Problem(seed++, ta, tb, m, n, k, alpha, beta));
            }
    }

    [Fact]
    public void Strided_Operands_PaddingNeverRead_CPaddingUntouched()
    {
        // A and B padding is NaN: any read of it would turn results into NaN. C padding must keep its sentinel.
        int seed = 99;
        foreach (var (m, n, k) in new[] { (13, 11, 17), (1, 10, 9), (10, 1, 9), (100, 20, 260), (7, 19, 1) })
            foreach (var (ta, tb) in Transposes())
                foreach (var (alpha, beta) in new[] { (1.0, 0.0), (0.5, -2.0) })
                {
                    AssertAllPathsMatch(new Problem(seed++, ta, tb, m, n, k, alpha, beta, padA: 3, padB: 5, padC: 2));
                }
    }

    [Fact]
    public void BetaZero_IgnoresNaNGarbageInC()
    {
        int seed = 5;
        foreach (var (m, n, k) in new[] { (13, 11, 17), (6, 8, 256), (1, 5, 4), (5, 1, 4), (2, 2, 0), (4, 4, 3) })
            foreach (var (ta, tb) in Transposes())
                foreach (double alpha in new[] { 1.0, 0.0 })
                {
                    var p = new Problem(seed++, ta, tb, m, n, k, alpha, beta: 0.0, padC: 1, nanC: true);
                    foreach (var kernel in Kernels)
                        foreach (bool shortcuts in new[] { true, false })
                        {
                            double[] c = p.Run(kernel, shortcuts: shortcuts);
                            AssertMatches(p, c, $"{kernel}");
                            for (int i = 0; i < m; i++)
                                for (int j = 0; j < n; j++)
                                    Assert.False(double.IsNaN(c[i * p.Ldc + j]), $"{kernel} {p}: NaN leaked into C[{i},{j}]");
                        }
                }
    }

    [Fact]
    public void AlphaZero_DoesNotReadAOrB()
    {
        // BLAS convention: with α = 0 the product is not formed, so NaN in A or B cannot reach C.
        double[] a = [double.NaN, 1, 2, 3], b = [4, double.NaN, 6, 7], c = [1, 2, 3, 4];
        Gemm.Multiply(false, false, 2, 2, 2, 0.0, a, 2, b, 2, 3.0, c, 2);
        Assert.Equal([3.0, 6.0, 9.0, 12.0], c);
    }

    [Fact]
    public void WorkedExample_2x3_Times_3x2()
    {
        double[] a = [1, 2, 3, 4, 5, 6], b = [7, 8, 9, 10, 11, 12], c = new double[4];
        Gemm.Multiply(false, false, 2, 2, 3, 1.0, a, 3, b, 2, 0.0, c, 2);
        Assert.Equal([58.0, 64.0, 139.0, 154.0], c);
        // Aᵀ·A (3×3) read in place from the 2×3 A: [[17,22,27],[22,29,36],[27,36,45]]
        var ata = new double[9];
        Gemm.Multiply(true, false, 3, 3, 2, 1.0, a, 3, a, 3, 0.0, ata, 3);
        Assert.Equal([17.0, 22.0, 27.0, 22.0, 29.0, 36.0, 27.0, 36.0, 45.0], ata);
        // A·Aᵀ (2×2): [[14, 32], [32, 77]]
        var aat = new double[4];
        Gemm.Multiply(false, true, 2, 2, 3, 1.0, a, 3, a, 3, 0.0, aat, 2);
        Assert.Equal([14.0, 32.0, 32.0, 77.0], aat);
    }

    [Fact]
    public void MatmulVjps_ReadTransposesInPlace()
    {
        // For C = A·B (A m×k, B k×n) and cotangent G (m×n): dA = G·Bᵀ, dB = Aᵀ·G, checked against explicit transposes.
        const int m = 23, k = 31, n = 19;
        var rng = new Random(3);
        double[] a = Random(rng, m * k), b = Random(rng, k * n), g = Random(rng, m * n);
        double[] bt = Transpose(b, k, n), at = Transpose(a, m, k);
        var dA = new double[m * k];
        var dAExplicit = new double[m * k];
        Gemm.Multiply(false, true, m, k, n, 1.0, g, n, b, n, 0.0, dA, k);
        Gemm.Multiply(false, false, m, k, n, 1.0, g, n, bt, k, 0.0, dAExplicit, k);
        Assert.Equal(dAExplicit, dA);
        var dB = new double[k * n];
        var dBExplicit = new double[k * n];
        Gemm.Multiply(true, false, k, n, m, 1.0, a, k, g, n, 0.0, dB, n);
        Gemm.Multiply(false, false, k, n, m, 1.0, at, m, g, n, 0.0, dBExplicit, n);
        Assert.Equal(dBExplicit, dB);
    }

    [Theory]
    [InlineData(150, 130, 70, nameof(GemmSchedule.RowPanels))]     // 25 tile rows, 17 tile columns
    [InlineData(300, 20, 200, nameof(GemmSchedule.RowPanels))]     // tall and narrow
    [InlineData(64, 64, 1000, nameof(GemmSchedule.RowPanels))]     // small C, long k (4 k-slices)
    [InlineData(50, 2100, 9, nameof(GemmSchedule.ColumnPanels))]   // n beyond one NC panel
    [InlineData(12, 400, 200, nameof(GemmSchedule.ColumnPanels))]
    [InlineData(7, 300, 450, nameof(GemmSchedule.ColumnPanels))]   // a partial micro-tile row
    [InlineData(18, 9, 20000, nameof(GemmSchedule.RowPanels))]     // 3 tile rows, 2 tile columns, long k
    [InlineData(131, 137, 139, nameof(GemmSchedule.RowPanels))]    // primes: 22 tile rows, 18 tile columns
    public void ParallelPath_BitIdenticalToSingleThread_AndMatchesReference(int m, int n, int k, string schedule)
    {
        Assert.Equal((Enum.Parse<GemmSchedule>(schedule), 2), Gemm.Plan(m, n, k, nr: 8, maxThreads: 2));
        int seed = 11;
        foreach (var (ta, tb) in Transposes())
        {
            var p = new Problem(seed++, ta, tb, m, n, k, alpha: 1.25, beta: -0.5, padA: 1, padB: 2, padC: 3);
            foreach (var kernel in new[] { GemmKernel.Vector256, Gemm.BestKernel })
            {
                double[] single = p.Run(kernel, threads: 1);
                AssertMatches(p, single, $"{kernel} 1 thread");
                foreach (int threads in new[] { 2, 3, 4 })
                {
                    double[] parallel = p.Run(kernel, threads);
                    // Panels split on micro-tile boundaries: every element is summed in the same order.
                    Assert.True(single.AsSpan().SequenceEqual(parallel), $"{kernel} {threads} threads differs from 1 thread for {p}");
                }
            }
        }
    }

    [Fact]
    public void Plan_SplitsOnlyLargeProducts_AndPicksTheScheduleByShape()
    {
        Assert.Equal((GemmSchedule.SingleThread, 1), Gemm.Plan(64, 64, 64, 8, maxThreads: 2));
        Assert.Equal((GemmSchedule.SingleThread, 1), Gemm.Plan(512, 512, 512, 8, maxThreads: 1));
        Assert.Equal((GemmSchedule.RowPanels, 2), Gemm.Plan(512, 512, 512, 8, maxThreads: 2)); // 86 tile rows, 64 tile columns
        Assert.Equal((GemmSchedule.RowPanels, 8), Gemm.Plan(512, 512, 512, 8, maxThreads: 8));
        Assert.Equal((GemmSchedule.ColumnPanels, 2), Gemm.Plan(384, 512, 512, 8, maxThreads: 2)); // 64 tile rows, 64 tile columns
        Assert.Equal((GemmSchedule.RowPanels, 2), Gemm.Plan(1024, 64, 64, 8, maxThreads: 2));
        Assert.Equal((GemmSchedule.ColumnPanels, 2), Gemm.Plan(6, 4096, 4096, 8, maxThreads: 2));
        Assert.Equal((GemmSchedule.RowPanels, 3), Gemm.Plan(18, 8, 100000, 8, maxThreads: 4)); // 3 tile rows, 1 tile column: 3 parts
    }

    [Fact]
    public void DefaultEntry_Square256_MatchesReference()
    {
        var p = new Problem(2024, false, false, 256, 256, 256, 1.0, 0.0);
        AssertMatches(p, p.Run(), "public entry 256²");
    }

    [Fact]
    public void ConcurrentCalls_FromManyThreads_AreCorrect()
    {
        var problems = Enumerable.Range(0, 16)
            .Select(i => new Problem(500 + i, i % 2 == 0, i % 3 == 0, 40 + 7 * i, 90 - 3 * i, 30 + 11 * i, 1.0, i % 4 == 0 ? 0.0 : 0.5))
            .ToArray();
        var results = new double[problems.Length][];
        Parallel.For(0, problems.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => results[i] = problems[i].Run());
        for (int i = 0; i < problems.Length; i++) AssertMatches(problems[i], results[i], $"concurrent #{i}");
    }

    [Fact]
    public void SteadyState_SingleThreadedCall_AllocatesNothing()
    {
        var p = new Problem(1, false, true, 120, 100, 300, 1.0, 0.0);
        var c = (double[])p.C0.Clone();
        for (int i = 0; i < 3; i++)
            Gemm.MultiplyWith(Gemm.BestKernel, 1, true, p.TransA, p.TransB, p.M, p.N, p.K, 1.0, p.A, p.Lda, p.B, p.Ldb, 0.0, c, p.Ldc);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Gemm.MultiplyWith(Gemm.BestKernel, 1, true, p.TransA, p.TransB, p.M, p.N, p.K, 1.0, p.A, p.Lda, p.B, p.Ldb, 0.0, c, p.Ldc);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"a warmed-up call allocated {allocated} bytes");
    }

    [Fact]
    public void BadArguments_ThrowWithExpectedAndActual()
    {
        double[] a = new double[6], b = new double[6], c = new double[4];
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1, a.AsSpan(0, 5), 3, b, 2, 0, c, 2));
        Assert.Contains("needs at least 6 elements, but the span has 5", e.Message);
        Assert.Contains("stored A for A is 2×3", e.Message);

        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2));
        Assert.Contains("lda = 2, but stored A for A is 2×3, so its row stride must be at least 3", e.Message);
        // Aᵀ: A is stored 3×2, so lda = 2 is valid there.
        Gemm.Multiply(true, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, true, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2));
        Assert.Contains("ldb = 2", e.Message);
        Assert.Contains("stored B for Bᵀ is 2×3", e.Message);
        Assert.Contains("at least 3", e.Message);

        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c.AsSpan(0, 3), 2));
        Assert.Contains("stored C for C is 2×2 with ldc = 2, so it needs at least 4 elements, but the span has 3", e.Message);

        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, -1, 2, 3, 1, a, 3, b, 2, 0, c, 2));
        Assert.Contains("m = -1", e.Message);

        var shared = new double[20];
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 2, 1, shared.AsSpan(0, 4), 2, b, 2, 0, shared.AsSpan(2, 4), 2));
        Assert.Contains("C overlaps A", e.Message);
        // Disjoint parts of one array are fine.
        Gemm.Multiply(false, false, 2, 2, 2, 1, shared.AsSpan(0, 4), 2, b, 2, 0, shared.AsSpan(4, 4), 2);
    }

    private static double[] Random(Random rng, int length)
    {
        var x = new double[length];
        for (int i = 0; i < length; i++) x[i] = 2 * rng.NextDouble() - 1;
        return x;
    }

    private static double[] Transpose(double[] x, int rows, int cols)
    {
        var t = new double[x.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                t[j * rows + i] = x[i * cols + j];
        return t;
    }
}
