using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace HybridAD.Kernels;

/// <summary>
/// The matrix·vector and vector·matrix shapes of <see cref="Gemm"/> (m = 1 or n = 1, k ≥ 1, α ≠ 0): packing a
/// single row or column into MR×NR tiles would waste most of the micro-kernel, and these shapes are memory-bound
/// anyway, so each output is one contiguous dot product or one contiguous axpy sweep (TensorPrimitives kernels).
/// Strided vector operands are gathered into a pooled contiguous buffer first. Arguments are validated by the caller.
/// </summary>
internal static class GemmVector
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(bool transA, bool transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        double[]? rented = null;
        try
        {
            if (m == 1)
            {
                // x = op(A)[0, :] (length k): a[p], or a[p·lda] when transA.
                ReadOnlySpan<double> x = Contiguous(a, transA ? lda : 1, k, ref rented);
                Span<double> row = c[..n];
                if (transB)
                {
                    // op(B)[:, j] is stored row j of B: a dot product per output.
                    for (int j = 0; j < n; j++)
                    {
                        double dot = alpha * TensorPrimitives.Dot(b.Slice(j * ldb, k), x);
                        row[j] = beta == 0.0 ? dot : dot + beta * row[j];
                    }
                }
                else
                {
                    // c ← β·c + Σ_p (α·x[p])·B[p, :]: one axpy sweep per row of B.
                    Scale(row, beta);
                    for (int p = 0; p < k; p++)
                        TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), alpha * x[p], row, row);
                }
            }
            else
            {
                // n = 1. y = op(B)[:, 0] (length k): b[p·ldb], or b[p] when transB.
                ReadOnlySpan<double> y = Contiguous(b, transB ? 1 : ldb, k, ref rented);
                if (!transA)
                {
                    for (int i = 0; i < m; i++)
                    {
                        double dot = alpha * TensorPrimitives.Dot(a.Slice(i * lda, k), y);
                        ref double ci = ref c[i * ldc];
                        ci = beta == 0.0 ? dot : dot + beta * ci;
                    }
                }
                else
                {
                    // op(A)[:, p] is stored row p of A (length m): c ← β·c + Σ_p (α·y[p])·A[p, :].
                    if (ldc == 1)
                    {
                        Span<double> col = c[..m];
                        Scale(col, beta);
                        for (int p = 0; p < k; p++)
                            TensorPrimitives.MultiplyAdd(a.Slice(p * lda, m), alpha * y[p], col, col);
                    }
                    else
                    {
                        double[] accBuffer = ArrayPool<double>.Shared.Rent(m);
                        try
                        {
                            Span<double> acc = accBuffer.AsSpan(0, m);
                            acc.Clear();
                            for (int p = 0; p < k; p++)
                                TensorPrimitives.MultiplyAdd(a.Slice(p * lda, m), alpha * y[p], acc, acc);
                            for (int i = 0; i < m; i++)
                            {
                                ref double ci = ref c[i * ldc];
                                ci = beta == 0.0 ? acc[i] : acc[i] + beta * ci;
                            }
                        }
                        finally
                        {
                            ArrayPool<double>.Shared.Return(accBuffer);
                        }
                    }
                }
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>The k elements v[0], v[stride], … as a contiguous span: a slice when stride is 1 (or k ≤ 1), else
    /// gathered into a pooled buffer (returned by the caller).</summary>
    private static ReadOnlySpan<double> Contiguous(ReadOnlySpan<double> v, int stride, int k, ref double[]? rented)
    {
        if (stride == 1 || k <= 1) return v[..k];
        rented = ArrayPool<double>.Shared.Rent(k);
        for (int p = 0; p < k; p++) rented[p] = v[p * stride];
        return rented.AsSpan(0, k);
    }

    /// <summary>v ← β·v, writing zeros without reading v when β = 0.</summary>
    private static void Scale(Span<double> v, double beta)
    {
        if (beta == 0.0) v.Clear();
        else if (beta != 1.0) TensorPrimitives.Multiply(v, beta, v);
    }
}
