using System.Buffers;
using System.Runtime.CompilerServices;

namespace HybridAD.Kernels;

/// <summary>
/// The parallel GEMM for products with enough rows: per (column panel, k-slice), the KC×NC slice of op(B) is packed
/// once into a shared buffer (the threads pack disjoint micro-panels), then the row blocks of C are handed out
/// dynamically, each thread packing its own MC×KC block of op(A) and running the macro-kernel against the shared B.
/// Nothing is packed twice, and a thread that is descheduled (a loaded machine) simply takes fewer blocks. Each element
/// of C is still summed in the same order as on one thread, so the result is bit-identical.
/// </summary>
internal sealed unsafe class GemmSharedJob<TL, TV> where TL : struct, IGemmLanes<TV> where TV : unmanaged
{
    private readonly GemmOperands _g;
    private readonly int _m, _threads, _blocks, _tilesM, _kcMax, _aLength;
    private readonly Action<int> _packB;
    private readonly Func<double[]> _rentA;
    private readonly Func<int, ParallelLoopState, double[], double[]> _computeBlock;
    private readonly Action<double[]> _returnA;
    private double* _packedB;
    private int _jc, _nc, _pc, _kc, _bPanels;
    private double _beta;

    private GemmSharedJob(in GemmOperands g, int m, int threads, int kcMax)
    {
        _g = g; _m = m; _threads = threads; _kcMax = kcMax;
        _tilesM = (m + GemmPacked.MR - 1) / GemmPacked.MR;
        // Row blocks of at most ~MC rows, a multiple of the thread count so the work splits evenly.
        int blocks = Math.Max((m + GemmPacked.MC - 1) / GemmPacked.MC, threads);
        _blocks = Math.Min(_tilesM, (blocks + threads - 1) / threads * threads);
        _aLength = ((_tilesM + _blocks - 1) / _blocks) * GemmPacked.MR * kcMax + GemmPacked.AlignDoubles;
        _packB = PackBPart;
        _rentA = () => ArrayPool<double>.Shared.Rent(_aLength);
        _computeBlock = ComputeBlock;
        _returnA = buffer => ArrayPool<double>.Shared.Return(buffer);
    }

    /// <summary>C ← α·op(A)·op(B) + β·C on up to <paramref name="threads"/> threads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(in GemmOperands g, int m, int n, int threads)
    {
        int nr = GemmPacked.NR<TL, TV>();
        int k = g.K;
        int depth = GemmPacked.KDepth<TL, TV>();
        int kSlices = (k + depth - 1) / depth;
        int kcMax = (k + kSlices - 1) / kSlices;
        int ncMax = Math.Min(GemmPacked.NC, GemmPacked.RoundUp(n, nr));
        var job = new GemmSharedJob<TL, TV>(g, m, threads, kcMax);
        double[] bBuffer = ArrayPool<double>.Shared.Rent(kcMax * ncMax + GemmPacked.AlignDoubles);
        try
        {
            fixed (double* bRaw = bBuffer)
            {
                job._packedB = GemmPacked.AlignUp(bRaw);
                for (int jc = 0; jc < n; jc += GemmPacked.NC)
                {
                    int nc = Math.Min(GemmPacked.NC, n - jc);
                    for (int pc = 0; pc < k; pc += kcMax)
                    {
                        job._jc = jc; job._nc = nc; job._pc = pc;
                        job._kc = Math.Min(kcMax, k - pc);
                        job._beta = pc == 0 ? g.Beta : 1.0;
                        job._bPanels = (nc + nr - 1) / nr;
                        Parallel.For(0, Math.Min(threads, job._bPanels), job._packB);
                        Parallel.For(0, job._blocks, job._rentA, job._computeBlock, job._returnA);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(bBuffer);
        }
    }

    /// <summary>Packs this part's share of the B micro-panels of the current slice.</summary>
    private void PackBPart(int part)
    {
        int nr = GemmPacked.NR<TL, TV>();
        int parts = Math.Min(_threads, _bPanels);
        int first = (int)((long)_bPanels * part / parts), last = (int)((long)_bPanels * (part + 1) / parts);
        int j0 = first * nr, j1 = Math.Min(_nc, last * nr);
        if (j1 <= j0) return;
        GemmPacked.PackB<TL, TV>(_g.TransB, _g.B, _g.Ldb, _pc, _jc + j0, _kc, j1 - j0, _packedB + (nint)j0 * _kc);
    }

    /// <summary>Packs row block <paramref name="block"/> of op(A) into this worker's buffer and multiplies it by the shared B.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double[] ComputeBlock(int block, ParallelLoopState state, double[] aBuffer)
    {
        int firstTile = (int)((long)_tilesM * block / _blocks), lastTile = (int)((long)_tilesM * (block + 1) / _blocks);
        int i0 = firstTile * GemmPacked.MR, i1 = Math.Min(_m, lastTile * GemmPacked.MR);
        if (i1 <= i0) return aBuffer;
        fixed (double* aRaw = aBuffer)
        {
            double* packedA = GemmPacked.AlignUp(aRaw);
            GemmPacked.PackA(_g.TransA, _g.A, _g.Lda, i0, _pc, i1 - i0, _kc, packedA);
            GemmPacked.Macro<TL, TV>(i1 - i0, _nc, _kc, packedA, _packedB, _g.C + i0 * _g.Ldc + _jc, _g.Ldc, _g.Alpha, _beta);
        }
        return aBuffer;
    }
}
