using System.Runtime.InteropServices;

namespace HybridAD.Benchmarks;

/// <summary>
/// OpenBLAS's <c>cblas_dgemm</c>, for comparison runs only (never a dependency of the library or the tests).
/// Debian/Ubuntu: <c>apt-get install libopenblas0-pthread</c> provides <c>libopenblas.so.0</c>; its thread count
/// follows <c>OPENBLAS_NUM_THREADS</c> (default: all cores).
/// </summary>
internal static unsafe class OpenBlas
{
    private const string Library = "libopenblas.so.0";
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    /// <summary>True when libopenblas.so.0 can be loaded on this machine.</summary>
    public static bool IsAvailable { get; } = NativeLibrary.TryLoad(Library, out _);

    /// <summary>The library's own description (version and build target), e.g. "OpenBLAS 0.3.21 ... Zen MAX_THREADS=64".</summary>
    public static string Config => IsAvailable ? Marshal.PtrToStringAnsi(openblas_get_config()) ?? "?" : "not installed";

    /// <summary>C ← α·op(A)·op(B) + β·C, row-major, same argument convention as <see cref="Kernels.Gemm.Multiply"/>.</summary>
    public static void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha, double[] a, int lda,
        double[] b, int ldb, double beta, double[] c, int ldc)
    {
        fixed (double* pa = a, pb = b, pc = c)
            cblas_dgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    [DllImport(Library)]
    private static extern void cblas_dgemm(int order, int transA, int transB, int m, int n, int k, double alpha,
        double* a, int lda, double* b, int ldb, double beta, double* c, int ldc);

    [DllImport(Library)]
    private static extern nint openblas_get_config();
}
