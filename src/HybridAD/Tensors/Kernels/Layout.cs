using System.Numerics.Tensors;

namespace HybridAD.Tensors.Kernels;

/// <summary>Span kernels for reductions and data movement, on the (outer, axis, inner) decomposition of a
/// row-major tensor around one axis. Inner runs are contiguous and use TensorPrimitives.</summary>
internal static class Layout
{
    /// <summary>dst[o, i] = Σ_j src[o, j, i] (dst has outer·inner elements).</summary>
    internal static void SumAxis(ReadOnlySpan<double> src, Span<double> dst, int outer, int mid, int inner)
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) dst[o] = TensorPrimitives.Sum(src.Slice(o * mid, mid));
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            Span<double> d = dst.Slice(o * inner, inner);
            if (mid == 0)
            {
                d.Clear();
                continue;
            }
            src.Slice(o * mid * inner, inner).CopyTo(d);
            for (int j = 1; j < mid; j++) TensorPrimitives.Add(d, src.Slice((o * mid + j) * inner, inner), d);
        }
    }

    /// <summary>Swaps the first two axes of a [r, c, inner] array into [c, r, inner], in cache blocks.</summary>
    internal static void Transpose(ReadOnlySpan<double> src, Span<double> dst, int r, int c, int inner)
    {
        const int T = 32;
        if (inner == 1)
        {
            for (int i0 = 0; i0 < r; i0 += T)
                for (int j0 = 0; j0 < c; j0 += T)
                {
                    int i1 = Math.Min(r, i0 + T), j1 = Math.Min(c, j0 + T);
                    for (int i = i0; i < i1; i++)
                        for (int j = j0; j < j1; j++) dst[j * r + i] = src[i * c + j];
                }
            return;
        }
        for (int i = 0; i < r; i++)
            for (int j = 0; j < c; j++) src.Slice((i * c + j) * inner, inner).CopyTo(dst.Slice((j * r + i) * inner, inner));
    }

    /// <summary>dst[o, j, i] = src[o, start + j, i] for j &lt; len (a slice along the middle axis).</summary>
    internal static void Slice(ReadOnlySpan<double> src, Span<double> dst, int outer, int mid, int inner, int start, int len)
    {
        for (int o = 0; o < outer; o++)
            src.Slice((o * mid + start) * inner, len * inner).CopyTo(dst.Slice(o * len * inner, len * inner));
    }

    /// <summary>The inverse of <see cref="Slice"/>: dst[o, start + j, i] = src[o, j, i], zero elsewhere.</summary>
    internal static void Pad(ReadOnlySpan<double> src, Span<double> dst, int outer, int full, int inner, int start, int len)
    {
        dst.Clear();
        for (int o = 0; o < outer; o++)
            src.Slice(o * len * inner, len * inner).CopyTo(dst.Slice((o * full + start) * inner, len * inner));
    }

    /// <summary>dst[o, j, i] = src[o, idx[j], i].</summary>
    internal static void Gather(ReadOnlySpan<double> src, Span<double> dst, int outer, int mid, int inner, ReadOnlySpan<int> idx)
    {
        int m = idx.Length;
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
                src.Slice((o * mid + idx[j]) * inner, inner).CopyTo(dst.Slice((o * m + j) * inner, inner));
    }

    /// <summary>dst[o, idx[j], i] += src[o, j, i], dst zeroed first (the adjoint of <see cref="Gather"/>).</summary>
    internal static void ScatterAdd(ReadOnlySpan<double> src, Span<double> dst, int outer, int mid, int inner, ReadOnlySpan<int> idx)
    {
        dst.Clear();
        int m = idx.Length;
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
            {
                Span<double> d = dst.Slice((o * mid + idx[j]) * inner, inner);
                TensorPrimitives.Add(d, src.Slice((o * m + j) * inner, inner), d);
            }
    }

    /// <summary>Row-wise log-sum-exp over the middle axis, max-shifted: out[o, i] = m + log Σ_j exp(x[o, j, i] − m)
    /// with m the maximum; −∞ when every entry is −∞, +∞ when some entry is +∞, NaN when some entry is NaN.</summary>
    internal static void LogSumExp(ReadOnlySpan<double> x, Span<double> dst, int outer, int mid, int inner, Span<double> work)
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double m = double.NegativeInfinity;
                bool nan = false;
                for (int j = 0; j < mid; j++)
                {
                    double v = x[(o * mid + j) * inner + i];
                    if (double.IsNaN(v)) nan = true;
                    else if (v > m) m = v;
                }
                if (nan)
                {
                    dst[o * inner + i] = double.NaN;
                    continue;
                }
                if (double.IsInfinity(m))
                {
                    dst[o * inner + i] = m;
                    continue;
                }
                double s;
                if (inner == 1)
                {
                    Span<double> w = work[..mid];
                    TensorPrimitives.Subtract(x.Slice(o * mid, mid), m, w);
                    TensorPrimitives.Exp(w, w);
                    s = TensorPrimitives.Sum(w);
                }
                else
                {
                    s = 0;
                    for (int j = 0; j < mid; j++) s += Math.Exp(x[(o * mid + j) * inner + i] - m);
                }
                dst[o * inner + i] = m + Math.Log(s);
            }
    }

    /// <summary>Softmax (or log-softmax) along the middle axis, max-shifted: e = exp(x − m), softmax = e / Σe,
    /// log-softmax = (x − m) − log Σe. A row of all −∞ gives weights 0 (log −∞); +∞ entries share the weight; a
    /// NaN makes the row NaN.</summary>
    internal static void Softmax(ReadOnlySpan<double> x, Span<double> dst, int outer, int mid, int inner, bool log)
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * mid * inner + i;
                double m = double.NegativeInfinity;
                bool nan = false;
                int posInf = 0;
                for (int j = 0; j < mid; j++)
                {
                    double v = x[b + j * inner];
                    if (double.IsNaN(v)) nan = true;
                    else if (v > m) m = v;
                    if (double.IsPositiveInfinity(v)) posInf++;
                }
                if (nan || double.IsNegativeInfinity(m) || posInf > 0)
                {
                    for (int j = 0; j < mid; j++)
                    {
                        double v = x[b + j * inner];
                        double w = nan ? double.NaN : posInf > 0 && double.IsPositiveInfinity(v) ? 1.0 / posInf : 0;
                        dst[b + j * inner] = log ? Math.Log(w) : w;
                    }
                    continue;
                }
                if (inner == 1)
                {
                    ReadOnlySpan<double> row = x.Slice(b, mid);
                    Span<double> d = dst.Slice(b, mid);
                    TensorPrimitives.Subtract(row, m, d);
                    if (log)
                    {
                        // (x − m) − log Σ exp(x − m), without overwriting x − m before the sum.
                        double s = 0;
                        foreach (double v in d) s += Math.Exp(v);
                        TensorPrimitives.Subtract(d, Math.Log(s), d);
                    }
                    else
                    {
                        TensorPrimitives.Exp(d, d);
                        TensorPrimitives.Divide(d, TensorPrimitives.Sum(d), d);
                    }
                    continue;
                }
                double sum = 0;
                for (int j = 0; j < mid; j++) sum += Math.Exp(x[b + j * inner] - m);
                double ls = Math.Log(sum);
                for (int j = 0; j < mid; j++)
                {
                    double v = x[b + j * inner] - m;
                    dst[b + j * inner] = log ? v - ls : Math.Exp(v) / sum;
                }
            }
    }
}
