namespace HybridAD.Kernels;

/// <summary>
/// General matrix multiply on row-major spans: C ← α·op(A)·op(B) + β·C, where op(X) is X or Xᵀ.
/// op(A) is m×k, op(B) is k×n, C is m×n; lda, ldb, ldc are the row strides of the stored A, B and C.
/// Transposes are read in place, never materialised (the matmul VJPs Aᵀ·G and G·Bᵀ use this).
/// </summary>
public static class Gemm
{
    /// <summary>C ← α·op(A)·op(B) + β·C (row-major). When β = 0, C's previous contents are ignored (NaN-safe).</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[p * lda + i] : a[i * lda + p];
                    double bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    s += av * bv;
                }
                ref double cij = ref c[i * ldc + j];
                cij = beta == 0 ? alpha * s : alpha * s + beta * cij;
            }
        }
    }
}
