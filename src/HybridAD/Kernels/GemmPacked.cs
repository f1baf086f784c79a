using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HybridAD.Kernels;

/// <summary>The operands of one GEMM call as raw pointers (the spans are pinned by the caller for the whole call).</summary>
internal readonly unsafe struct GemmOperands
{
    public readonly double* A, B, C;
    public readonly nint Lda, Ldb, Ldc;
    public readonly int K;
    public readonly bool TransA, TransB;
    public readonly double Alpha, Beta;

    public GemmOperands(bool transA, bool transB, int k, double alpha, double* a, nint lda, double* b, nint ldb,
        double beta, double* c, nint ldc)
    {
        TransA = transA; TransB = transB; K = k; Alpha = alpha; Beta = beta;
        A = a; Lda = lda; B = b; Ldb = ldb; C = c; Ldc = ldc;
    }
}

/// <summary>
/// Cache-blocked, packed GEMM (the Goto/BLIS loop nest), generic over the lane width.
/// <para>For one block of C (rows i0.., columns j0..): loop jc over column panels of width NC; loop pc over
/// k-slices of depth KC, packing the KC×NC slice of op(B) into NR-wide micro-panels (it stays in L2/L3); loop
/// ic over row panels of height MC, packing the MC×KC slice of op(A) into MR-high micro-panels (it stays in
/// L2); then the macro-kernel walks NR-column micro-panels of B (each KC×NR panel stays in L1) and for each
/// the MR-row micro-panels of A, calling the register-blocked MR×NR micro-kernel.</para>
/// <para>Packing reads op(A) and op(B) in place (transposes are never materialised) and zero-pads partial
/// micro-panels, so the micro-kernel always runs on full MR×NR tiles; edge tiles land in a small scratch
/// tile first and only their valid part is written to C.</para>
/// <para>β is applied on the first k-slice only (later slices accumulate with β = 1); with β = 0 the old C is
/// never read, so NaN garbage in C cannot leak into the result.</para>
/// </summary>
[SkipLocalsInit]
internal static unsafe class GemmPacked
{
    /// <summary>Rows of the register tile (micro-kernel height).</summary>
    public const int MR = 6;

    /// <summary>Bytes of one KC×NR micro-panel of B: half of a 32 KiB L1, leaving room for the streaming A panel and C.</summary>
    private const int BPanelBytes = 16 * 1024;

    /// <summary>Largest depth of a k-slice (the 256-bit and scalar kernels use it).</summary>
    public const int KC = 256;

    /// <summary>Depth of a k-slice for lane type TL: the KC×NR micro-panel of B stays in L1 (KC = 256 for NR = 8,
    /// 128 for the 512-bit NR = 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KDepth<TL, TV>() where TL : struct, IGemmLanes<TV> where TV : unmanaged =>
        Math.Min(KC, BPanelBytes / (NR<TL, TV>() * sizeof(double)));

    /// <summary>Height of an A block: MC×KC doubles (~192 KiB) stay in the 512 KiB L2. Multiple of MR.</summary>
    public const int MC = 96;

    /// <summary>Width of a B panel (multiple of every NR): KC×NC doubles (4 MiB) stay in the L3.</summary>
    public const int NC = 2048;

    /// <summary>Packing buffers are aligned to a cache line so vector loads never split lines.</summary>
    internal const int AlignDoubles = 8;

    /// <summary>Columns of the register tile for lane type TL: two vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NR<TL, TV>() where TL : struct, IGemmLanes<TV> where TV : unmanaged => 2 * TL.Width;

    /// <summary>C[i0.., j0..] (an m×n block) ← α·op(A)[i0.., :]·op(B)[:, j0..] + β·C[i0.., j0..].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Block<TL, TV>(in GemmOperands g, int i0, int m, int j0, int n)
        where TL : struct, IGemmLanes<TV> where TV : unmanaged
    {
        int nr = NR<TL, TV>();
        int k = g.K;
        // Balanced k-slices: ⌈k/KC⌉ slices of nearly equal depth (no thin last slice).
        int depth = KDepth<TL, TV>();
        int kSlices = (k + depth - 1) / depth;
        int kcMax = (k + kSlices - 1) / kSlices;
        int mcMax = Math.Min(MC, RoundUp(m, MR));
        int ncMax = Math.Min(NC, RoundUp(n, nr));

        double[] aBuffer = ArrayPool<double>.Shared.Rent(mcMax * kcMax + AlignDoubles);
        double[] bBuffer = ArrayPool<double>.Shared.Rent(kcMax * ncMax + AlignDoubles);
        try
        {
            fixed (double* aRaw = aBuffer)
            fixed (double* bRaw = bBuffer)
            {
                double* packedA = AlignUp(aRaw);
                double* packedB = AlignUp(bRaw);
                for (int jc = 0; jc < n; jc += NC)
                {
                    int nc = Math.Min(NC, n - jc);
                    for (int pc = 0; pc < k; pc += kcMax)
                    {
                        int kc = Math.Min(kcMax, k - pc);
                        PackB<TL, TV>(g.TransB, g.B, g.Ldb, pc, j0 + jc, kc, nc, packedB);
                        double beta = pc == 0 ? g.Beta : 1.0;
                        for (int ic = 0; ic < m; ic += MC)
                        {
                            int mc = Math.Min(MC, m - ic);
                            PackA(g.TransA, g.A, g.Lda, i0 + ic, pc, mc, kc, packedA);
                            Macro<TL, TV>(mc, nc, kc, packedA, packedB,
                                g.C + (i0 + ic) * g.Ldc + (j0 + jc), g.Ldc, g.Alpha, beta);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(bBuffer);
            ArrayPool<double>.Shared.Return(aBuffer);
        }
    }

    /// <summary>The macro-kernel: all MR×NR tiles of an mc×nc block of C from packed A (mc×kc) and B (kc×nc).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Macro<TL, TV>(int mc, int nc, int kc, double* packedA, double* packedB, double* c, nint ldc,
        double alpha, double beta)
        where TL : struct, IGemmLanes<TV> where TV : unmanaged
    {
        int nr = NR<TL, TV>();
        double* edge = stackalloc double[MR * 2 * 8]; // MR × NR for the widest lanes (NR = 16)
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            double* bPanel = packedB + (nint)jr * kc;
            for (int ir = 0; ir < mc; ir += MR)
            {
                int rows = Math.Min(MR, mc - ir);
                double* aPanel = packedA + (nint)ir * kc;
                double* cTile = c + ir * ldc + jr;
                if (rows == MR && cols == nr)
                {
                    Tile<TL, TV>(kc, aPanel, bPanel, cTile, ldc, alpha, beta);
                }
                else
                {
                    Tile<TL, TV>(kc, aPanel, bPanel, edge, nr, alpha, 0.0);
                    for (int r = 0; r < rows; r++)
                    {
                        double* src = edge + r * nr;
                        double* dst = cTile + r * ldc;
                        if (beta == 0.0)
                            for (int j = 0; j < cols; j++) dst[j] = src[j];
                        else if (beta == 1.0)
                            for (int j = 0; j < cols; j++) dst[j] += src[j];
                        else
                            for (int j = 0; j < cols; j++) dst[j] = src[j] + beta * dst[j];
                    }
                }
            }
        }
    }

    /// <summary>
    /// The register-blocked micro-kernel: an MR×NR tile (6 rows × 2 vectors, 12 accumulators) of
    /// Σ_p a[:, p]·b[p, :] over kc steps of packed panels, then C_tile ← α·acc + β·C_tile (β = 0: C not read).
    /// Each step loads two B vectors and broadcasts six A values into twelve FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile<TL, TV>(int kc, double* a, double* b, double* c, nint ldc, double alpha, double beta)
        where TL : struct, IGemmLanes<TV> where TV : unmanaged
    {
        int w = TL.Width;
        if (Sse.IsSupported)
        {
            // Start fetching the C tile now; the k loop hides the latency of these (often L3 or memory) lines.
            double* cr = c;
            for (int r = 0; r < MR; r++, cr += ldc)
            {
                Sse.Prefetch0(cr);
                Sse.Prefetch0(cr + 2 * w - 1);
            }
        }
        TV c00 = TL.Zero, c01 = TL.Zero, c10 = TL.Zero, c11 = TL.Zero, c20 = TL.Zero, c21 = TL.Zero;
        TV c30 = TL.Zero, c31 = TL.Zero, c40 = TL.Zero, c41 = TL.Zero, c50 = TL.Zero, c51 = TL.Zero;
        for (int p = 0; p < kc; p++)
        {
            TV b0 = TL.Load(b);
            TV b1 = TL.Load(b + w);
            TV av = TL.Broadcast(a[0]);
            c00 = TL.MultiplyAdd(av, b0, c00);
            c01 = TL.MultiplyAdd(av, b1, c01);
            av = TL.Broadcast(a[1]);
            c10 = TL.MultiplyAdd(av, b0, c10);
            c11 = TL.MultiplyAdd(av, b1, c11);
            av = TL.Broadcast(a[2]);
            c20 = TL.MultiplyAdd(av, b0, c20);
            c21 = TL.MultiplyAdd(av, b1, c21);
            av = TL.Broadcast(a[3]);
            c30 = TL.MultiplyAdd(av, b0, c30);
            c31 = TL.MultiplyAdd(av, b1, c31);
            av = TL.Broadcast(a[4]);
            c40 = TL.MultiplyAdd(av, b0, c40);
            c41 = TL.MultiplyAdd(av, b1, c41);
            av = TL.Broadcast(a[5]);
            c50 = TL.MultiplyAdd(av, b0, c50);
            c51 = TL.MultiplyAdd(av, b1, c51);
            a += MR;
            b += 2 * w;
        }
        TV alphaV = TL.Broadcast(alpha);
        Update<TL, TV>(c, w, c00, c01, alphaV, beta); c += ldc;
        Update<TL, TV>(c, w, c10, c11, alphaV, beta); c += ldc;
        Update<TL, TV>(c, w, c20, c21, alphaV, beta); c += ldc;
        Update<TL, TV>(c, w, c30, c31, alphaV, beta); c += ldc;
        Update<TL, TV>(c, w, c40, c41, alphaV, beta); c += ldc;
        Update<TL, TV>(c, w, c50, c51, alphaV, beta);
    }

    /// <summary>One row of a tile: c[0..2w) ← α·(lo, hi) + β·c[0..2w), not reading c when β = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update<TL, TV>(double* c, int w, TV lo, TV hi, TV alpha, double beta)
        where TL : struct, IGemmLanes<TV> where TV : unmanaged
    {
        if (beta == 0.0)
        {
            TL.Store(c, TL.Multiply(alpha, lo));
            TL.Store(c + w, TL.Multiply(alpha, hi));
        }
        else if (beta == 1.0)
        {
            TL.Store(c, TL.MultiplyAdd(alpha, lo, TL.Load(c)));
            TL.Store(c + w, TL.MultiplyAdd(alpha, hi, TL.Load(c + w)));
        }
        else
        {
            TV betaV = TL.Broadcast(beta);
            TL.Store(c, TL.MultiplyAdd(alpha, lo, TL.Multiply(betaV, TL.Load(c))));
            TL.Store(c + w, TL.MultiplyAdd(alpha, hi, TL.Multiply(betaV, TL.Load(c + w))));
        }
    }

    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] into MR-row micro-panels: panel r holds, for each p, the MR values
    /// op(A)[i0+r·MR .. +MR, p] contiguously (rows past mc are zero). op(A)[i, p] is a[i·lda + p], or
    /// a[p·lda + i] when transA (read in place).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackA(bool transA, double* a, nint lda, int i0, int p0, int mc, int kc, double* dst)
    {
        for (int ir = 0; ir < mc; ir += MR)
        {
            int rows = Math.Min(MR, mc - ir);
            double* d = dst + (nint)ir * kc;
            if (!transA)
            {
                double* r0 = a + (i0 + ir) * lda + p0;
                if (rows == MR)
                {
                    double* r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
                    int p = 0;
                    if (Avx.IsSupported)
                    {
                        // Four k-steps at a time: a 4×4 transpose for rows 0–3 and 2×2 ones for rows 4–5.
                        for (; p + 4 <= kc; p += 4)
                        {
                            Transpose4x4(Avx.LoadVector256(r0 + p), Avx.LoadVector256(r1 + p), Avx.LoadVector256(r2 + p),
                                Avx.LoadVector256(r3 + p), d, MR);
                            Vector256<double> v4 = Avx.LoadVector256(r4 + p), v5 = Avx.LoadVector256(r5 + p);
                            Vector256<double> even = Avx.UnpackLow(v4, v5), odd = Avx.UnpackHigh(v4, v5);
                            Sse2.Store(d + 4, even.GetLower());
                            Sse2.Store(d + MR + 4, odd.GetLower());
                            Sse2.Store(d + 2 * MR + 4, even.GetUpper());
                            Sse2.Store(d + 3 * MR + 4, odd.GetUpper());
                            d += 4 * MR;
                        }
                    }
                    for (; p < kc; p++)
                    {
                        d[0] = r0[p]; d[1] = r1[p]; d[2] = r2[p]; d[3] = r3[p]; d[4] = r4[p]; d[5] = r5[p];
                        d += MR;
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        int r = 0;
                        for (; r < rows; r++) d[r] = r0[r * lda + p];
                        for (; r < MR; r++) d[r] = 0.0;
                        d += MR;
                    }
                }
            }
            else
            {
                double* s = a + p0 * lda + (i0 + ir);
                if (rows == MR)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3]; d[4] = s[4]; d[5] = s[5];
                        s += lda;
                        d += MR;
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        int r = 0;
                        for (; r < rows; r++) d[r] = s[r];
                        for (; r < MR; r++) d[r] = 0.0;
                        s += lda;
                        d += MR;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[p0..p0+kc, j0..j0+nc] into NR-column micro-panels: panel j holds, for each p, the NR values
    /// op(B)[p, j0+j·NR .. +NR] contiguously (columns past nc are zero). op(B)[p, j] is b[p·ldb + j], or
    /// b[j·ldb + p] when transB (read in place).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackB<TL, TV>(bool transB, double* b, nint ldb, int p0, int j0, int kc, int nc, double* dst)
        where TL : struct, IGemmLanes<TV> where TV : unmanaged
    {
        int w = TL.Width;
        int nr = 2 * w;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            double* d = dst + (nint)jr * kc;
            if (!transB)
            {
                double* s = b + p0 * ldb + (j0 + jr);
                if (cols == nr)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        TL.Store(d, TL.Load(s));
                        TL.Store(d + w, TL.Load(s + w));
                        s += ldb;
                        d += nr;
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        int j = 0;
                        for (; j < cols; j++) d[j] = s[j];
                        for (; j < nr; j++) d[j] = 0.0;
                        s += ldb;
                        d += nr;
                    }
                }
            }
            else
            {
                // op(B)[p, j] = b[j·ldb + p]: column j of the panel is a contiguous run of stored row j.
                double* s = b + (j0 + jr) * ldb + p0;
                if (Avx.IsSupported && cols == nr && nr % 4 == 0)
                {
                    // Full panel: 4×4 transposes of (4 stored rows) × (4 k-steps), then a scalar tail in k.
                    int kc4 = kc & ~3;
                    for (int j4 = 0; j4 < nr; j4 += 4)
                    {
                        double* s0 = s + j4 * ldb, s1 = s0 + ldb, s2 = s1 + ldb, s3 = s2 + ldb;
                        double* dj = d + j4;
                        for (int p = 0; p < kc4; p += 4)
                            Transpose4x4(Avx.LoadVector256(s0 + p), Avx.LoadVector256(s1 + p), Avx.LoadVector256(s2 + p),
                                Avx.LoadVector256(s3 + p), dj + (nint)p * nr, nr);
                        for (int p = kc4; p < kc; p++)
                        {
                            double* dp = dj + (nint)p * nr;
                            dp[0] = s0[p]; dp[1] = s1[p]; dp[2] = s2[p]; dp[3] = s3[p];
                        }
                    }
                    continue;
                }
                int j = 0;
                for (; j < cols; j++)
                {
                    double* sj = s + j * ldb;
                    double* dj = d + j;
                    for (int p = 0; p < kc; p++) dj[(nint)p * nr] = sj[p];
                }
                for (; j < nr; j++)
                {
                    double* dj = d + j;
                    for (int p = 0; p < kc; p++) dj[(nint)p * nr] = 0.0;
                }
            }
        }
    }

    /// <summary>Stores the transpose of the 4×4 block with rows r0..r3: column q (= r0[q], r1[q], r2[q], r3[q])
    /// goes to dst + q·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(Vector256<double> r0, Vector256<double> r1, Vector256<double> r2, Vector256<double> r3,
        double* dst, nint stride)
    {
        Vector256<double> t0 = Avx.UnpackLow(r0, r1);  // r0[0] r1[0] r0[2] r1[2]
        Vector256<double> t1 = Avx.UnpackHigh(r0, r1); // r0[1] r1[1] r0[3] r1[3]
        Vector256<double> t2 = Avx.UnpackLow(r2, r3);
        Vector256<double> t3 = Avx.UnpackHigh(r2, r3);
        Avx.Store(dst, Avx.Permute2x128(t0, t2, 0x20));
        Avx.Store(dst + stride, Avx.Permute2x128(t1, t3, 0x20));
        Avx.Store(dst + 2 * stride, Avx.Permute2x128(t0, t2, 0x31));
        Avx.Store(dst + 3 * stride, Avx.Permute2x128(t1, t3, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double* AlignUp(double* p) =>
        (double*)(((nuint)p + (AlignDoubles * sizeof(double) - 1)) & ~(nuint)(AlignDoubles * sizeof(double) - 1));
}
