using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HybridAD.Kernels;

/// <summary>
/// General matrix multiply on row-major spans: C ← α·op(A)·op(B) + β·C, where op(X) is X or Xᵀ.
/// op(A) is m×k, op(B) is k×n, C is m×n; lda, ldb, ldc are the row strides of the stored A, B and C.
/// Transposes are read in place, never materialised (the matmul VJPs Aᵀ·G and G·Bᵀ use this).
/// </summary>
/// <remarks>
/// <para>Math: C[i, j] ← α·Σ_p op(A)[i, p]·op(B)[p, j] + β·C[i, j] with op(A)[i, p] = A[i, p] (stored m×k,
/// element at a[i·lda + p]) or Aᵀ[i, p] = A[p, i] (stored k×m, element at a[p·lda + i]); likewise for B.</para>
/// <para>Implementation: a cache-blocked, packed GEMM (Goto/BLIS loop nest) whose 6×(2 vectors) FMA
/// micro-kernel is written once, generic over the lane width, and runs with AVX-512 (<c>Vector512</c>),
/// AVX2/FMA (<c>Vector256</c>) or plain scalar code, whichever the machine accelerates. Large products are
/// split into independent panels of C run in parallel on the cores; matrix·vector and vector·matrix
/// shapes (m = 1 or n = 1) take a dot/axpy path, and tiny products (m·n·k ≤ 256) a direct loop. Packing buffers come from <see cref="System.Buffers.ArrayPool{T}"/>,
/// so steady-state calls allocate no large arrays. Concurrent calls from different threads are safe
/// (as long as their C regions are distinct).</para>
/// <para>Conventions (as in BLAS): when β = 0, C's previous contents are ignored (NaN or garbage in C does not
/// leak); when α = 0 or k = 0, A and B are not read and C ← β·C.</para>
/// </remarks>
/// <example>
/// <code>
/// // C (2×2) = A (2×3) · B (3×2)
/// double[] a = [1, 2, 3, 4, 5, 6], b = [7, 8, 9, 10, 11, 12], c = new double[4];
/// Gemm.Multiply(false, false, 2, 2, 3, 1.0, a, 3, b, 2, 0.0, c, 2);   // c = [58, 64, 139, 154]
/// // Gradient of a matmul: dA = G·Bᵀ without forming Bᵀ (G is 2×2, B is 3×2, dA is 2×3)
/// // Gemm.Multiply(false, true, 2, 3, 2, 1.0, g, 2, b, 2, 0.0, dA, 3);
/// </code>
/// </example>
public static class Gemm
{
    /// <summary>The kernel width chosen for this machine: 512-bit if AVX-512 is accelerated, else 256-bit, else scalar.</summary>
    internal static GemmKernel BestKernel { get; } =
        Vector512.IsHardwareAccelerated ? GemmKernel.Vector512
        : Vector256.IsHardwareAccelerated ? GemmKernel.Vector256
        : GemmKernel.Scalar;

    /// <summary>Below this many multiply-adds (m·n·k) a product runs on one thread: splitting costs more than it saves.</summary>
    internal const double ParallelThreshold = 96.0 * 96.0 * 96.0;

    /// <summary>Products with m·n·k at most this are computed directly (no packing).</summary>
    internal const long SmallProductLimit = 256;


    /// <summary>
    /// C ← α·op(A)·op(B) + β·C (row-major; op(X) = X, or Xᵀ read in place when the trans flag is set).
    /// op(A) is m×k, op(B) is k×n, C is m×n. When β = 0, C's previous contents are ignored (NaN-safe);
    /// when α = 0 or k = 0, A and B are not read.
    /// </summary>
    /// <param name="transA">Use Aᵀ: A is stored k×m (row stride <paramref name="lda"/>) instead of m×k.</param>
    /// <param name="transB">Use Bᵀ: B is stored n×k (row stride <paramref name="ldb"/>) instead of k×n.</param>
    /// <param name="m">Rows of op(A) and of C.</param>
    /// <param name="n">Columns of op(B) and of C.</param>
    /// <param name="k">Columns of op(A) = rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">Stored A, row-major.</param>
    /// <param name="lda">Row stride of stored A (≥ its column count).</param>
    /// <param name="b">Stored B, row-major.</param>
    /// <param name="ldb">Row stride of stored B (≥ its column count).</param>
    /// <param name="beta">Scale of the old C (0: C is overwritten, never read).</param>
    /// <param name="c">C, row-major, m×n; must not overlap A or B.</param>
    /// <param name="ldc">Row stride of C (≥ n).</param>
    /// <exception cref="ArgumentException">A size, stride or span length does not fit (the message names the
    /// expected and actual values), or C overlaps A or B.</exception>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        Run(BestKernel, Environment.ProcessorCount, shortcuts: true,
            transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>
    /// <see cref="Multiply"/> with the kernel width, the thread count and the shortcuts chosen by the caller (tests use
    /// it to exercise every path on any machine; a width the hardware lacks runs emulated, slowly). With
    /// <paramref name="shortcuts"/> false, tiny products and matrix·vector shapes also go through the packed kernel.
    /// </summary>
    internal static void MultiplyWith(GemmKernel kernel, int maxThreads, bool shortcuts,
        bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        Run(kernel, maxThreads, shortcuts, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static void Validate(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, Span<double> c, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"Gemm.Multiply: sizes must be non-negative, got m = {m}, n = {n}, k = {k}.");
        int needA = CheckOperand("A", transA ? "Aᵀ" : "A", transA ? k : m, transA ? m : k, lda, "lda", a.Length, m, n, k);
        int needB = CheckOperand("B", transB ? "Bᵀ" : "B", transB ? n : k, transB ? k : n, ldb, "ldb", b.Length, m, n, k);
        int needC = CheckOperand("C", "C", m, n, ldc, "ldc", c.Length, m, n, k);
        Span<double> cUsed = c[..needC];
        if (cUsed.Overlaps(a[..needA]) || cUsed.Overlaps(b[..needB]))
            throw new ArgumentException(
                $"Gemm.Multiply (m = {m}, n = {n}, k = {k}): C overlaps {(cUsed.Overlaps(a[..needA]) ? "A" : "B")}; " +
                "the output must be a separate buffer.");
    }

    /// <summary>A stored rows×cols operand with row stride ld needs ld ≥ cols (when it has more than one row)
    /// and (rows − 1)·ld + cols elements; returns that element count.</summary>
    private static int CheckOperand(string name, string op, int rows, int cols, int ld, string ldName, int length,
        int m, int n, int k)
    {
        if (ld < 0 || (rows > 1 && ld < cols))
            throw new ArgumentException(
                $"Gemm.Multiply (m = {m}, n = {n}, k = {k}): {ldName} = {ld}, but stored {name} for {op} is {rows}×{cols}, " +
                $"so its row stride must be at least {cols}.");
        long need = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < need)
            throw new ArgumentException(
                $"Gemm.Multiply (m = {m}, n = {n}, k = {k}): stored {name} for {op} is {rows}×{cols} with {ldName} = {ld}, " +
                $"so it needs at least {need} elements, but the span has {length}.");
        return (int)need;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Run(GemmKernel kernel, int maxThreads, bool shortcuts,
        bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0.0)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        if (shortcuts && (m == 1 || n == 1))
        {
            GemmVector.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        fixed (double* pa = a)
        fixed (double* pb = b)
        fixed (double* pc = c)
        {
            var operands = new GemmOperands(transA, transB, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            if (shortcuts && (long)m * n * k <= SmallProductLimit)
            {
                Small(operands, m, n);
                return;
            }
            switch (kernel)
            {
                case GemmKernel.Vector512:
                    Partition<Lanes512, Vector512<double>>(operands, m, n, maxThreads);
                    break;
                case GemmKernel.Vector256:
                    Partition<Lanes256, Vector256<double>>(operands, m, n, maxThreads);
                    break;
                default:
                    Partition<LanesScalar, double>(operands, m, n, maxThreads);
                    break;
            }
        }
    }

    /// <summary>
    /// Runs the packed GEMM on one thread or as parallel panels, as <see cref="Plan"/> chooses.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Partition<TL, TV>(in GemmOperands g, int m, int n, int maxThreads)
        where TL : struct, IGemmLanes<TV> where TV : unmanaged
    {
        int nr = GemmPacked.NR<TL, TV>();
        var (schedule, parts) = Plan(m, n, g.K, nr, maxThreads);
        switch (schedule)
        {
            case GemmSchedule.ColumnPanels:
            case GemmSchedule.RowPanels:
                bool splitN = schedule == GemmSchedule.ColumnPanels;
                int unit = splitN ? nr : GemmPacked.MR;
                var job = new GemmPanelJob<TL, TV>(g, m, n, splitN, unit, ((splitN ? n : m) + unit - 1) / unit, parts);
                Parallel.For(0, parts, job.Run);
                break;
            default:
                GemmPacked.Block<TL, TV>(g, 0, m, 0, n);
                break;
        }
    }

    /// <summary>
    /// How a packed product runs: on one thread below <see cref="ParallelThreshold"/> multiply-adds (splitting would
    /// cost more than it saves); otherwise as independent panels of C, one per thread, split along n when C has at
    /// least as many micro-tile columns as rows, else along m, on micro-tile boundaries. Each panel packs its own
    /// operands, so the threads share nothing and join once per call: packing is O(n²) per thread against O(n³/threads)
    /// arithmetic, and one fork-join per call holds up best when the machine is shared (measured against a variant that
    /// packs B once per k-slice for all threads and hands out row blocks, which needs two fork-joins per k-slice).
    /// </summary>
    internal static (GemmSchedule Schedule, int Parts) Plan(int m, int n, int k, int nr, int maxThreads)
    {
        double work = (double)m * n * k;
        int tilesM = (m + GemmPacked.MR - 1) / GemmPacked.MR;
        int tilesN = (n + nr - 1) / nr;
        int parts = work < ParallelThreshold ? 1
            : Math.Min(Math.Min(maxThreads, Math.Max(tilesM, tilesN)), (int)(work / (ParallelThreshold / 2)));
        if (parts <= 1) return (GemmSchedule.SingleThread, 1);
        return tilesN >= tilesM ? (GemmSchedule.ColumnPanels, Math.Min(parts, tilesN)) : (GemmSchedule.RowPanels, Math.Min(parts, tilesM));
    }

    /// <summary>
    /// Tiny products (m·n·k ≤ <see cref="SmallProductLimit"/>) are computed directly, one dot product per element:
    /// renting and packing buffers would cost more than the arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Small(in GemmOperands g, int m, int n)
    {
        // op(A)[i, p] = a[i·aRow + p·aCol], op(B)[p, j] = b[p·bRow + j·bCol].
        nint aRow = g.TransA ? 1 : g.Lda, aCol = g.TransA ? g.Lda : 1;
        nint bRow = g.TransB ? 1 : g.Ldb, bCol = g.TransB ? g.Ldb : 1;
        for (int i = 0; i < m; i++)
        {
            double* ai = g.A + i * aRow;
            double* ci = g.C + i * g.Ldc;
            for (int j = 0; j < n; j++)
            {
                double* bj = g.B + j * bCol;
                double sum = 0;
                for (int p = 0; p < g.K; p++) sum += ai[p * aCol] * bj[p * bRow];
                ci[j] = g.Beta == 0.0 ? g.Alpha * sum : g.Alpha * sum + g.Beta * ci[j];
            }
        }
    }

    /// <summary>C ← β·C over an m×n block (β = 0 writes zeros without reading C).</summary>
    private static void ScaleC(int m, int n, double beta, Span<double> c, int ldc)
    {
        if (beta == 1.0) return;
        for (int i = 0; i < m; i++)
        {
            Span<double> row = c.Slice(i * ldc, n);
            if (beta == 0.0) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }
}

/// <summary>How <see cref="Gemm"/> spreads a packed product over threads (see <see cref="Gemm.Plan"/>).</summary>
internal enum GemmSchedule
{
    /// <summary>One thread.</summary>
    SingleThread,

    /// <summary>Independent column panels of C, each packing its own operands.</summary>
    ColumnPanels,

    /// <summary>Independent row panels of C, each packing its own operands.</summary>
    RowPanels,
}

/// <summary>Which micro-kernel width <see cref="Gemm"/> runs.</summary>
internal enum GemmKernel
{
    /// <summary>One double per lane (portable fallback).</summary>
    Scalar,

    /// <summary>4 doubles per lane (AVX2 + FMA).</summary>
    Vector256,

    /// <summary>8 doubles per lane (AVX-512F).</summary>
    Vector512,
}

/// <summary>One parallel GEMM: part p computes a contiguous run of micro-tile rows or columns of C.</summary>
internal sealed class GemmPanelJob<TL, TV> where TL : struct, IGemmLanes<TV> where TV : unmanaged
{
    private readonly GemmOperands _g;
    private readonly int _m, _n, _unit, _tiles, _parts;
    private readonly bool _splitN;

    public GemmPanelJob(in GemmOperands g, int m, int n, bool splitN, int unit, int tiles, int parts)
    {
        _g = g; _m = m; _n = n; _splitN = splitN; _unit = unit; _tiles = tiles; _parts = parts;
    }

    public void Run(int part)
    {
        // Tiles split as evenly as possible: the first (tiles mod parts) parts get one extra tile.
        int per = _tiles / _parts, extra = _tiles % _parts;
        int firstTile = part * per + Math.Min(part, extra);
        int count = per + (part < extra ? 1 : 0);
        int extent = _splitN ? _n : _m;
        int start = firstTile * _unit;
        int length = Math.Min(extent, (firstTile + count) * _unit) - start;
        if (length <= 0) return;
        if (_splitN) GemmPacked.Block<TL, TV>(_g, 0, _m, start, length);
        else GemmPacked.Block<TL, TV>(_g, start, length, 0, _n);
    }
}
