using System.Numerics.Tensors;
using HybridAD.Kernels;
using HybridAD.Tensors.Kernels;

namespace HybridAD.Tensors.Ops;

/// <summary>
/// op(A)·op(B) with op = identity or transpose (read in place by <see cref="Gemm.Multiply"/>): matrix·matrix,
/// matrix·vector, vector·matrix and vector·vector. JVP: op(Ȧ)·op(B) + op(A)·op(Ḃ). VJP: the transposed products
/// (Ȳ·op(B)ᵀ and op(A)ᵀ·Ȳ, as GEMMs with transpose flags, no transposed copy). Tangents and cotangents that
/// carry k directions (a trailing axis) become one wide GEMM or one GEMM per row block.
/// </summary>
internal sealed class MatMulOp(bool transA, bool transB) : TensorOp
{
    internal static readonly MatMulOp NN = new(false, false);
    internal static readonly MatMulOp TN = new(true, false);
    internal static readonly MatMulOp NT = new(false, true);
    internal static readonly MatMulOp TT = new(true, true);

    internal static MatMulOp Of(bool ta, bool tb) => ta ? (tb ? TT : TN) : (tb ? NT : NN);

    internal readonly bool TransA = transA, TransB = transB;

    internal override string Name => "matmul";

    /// <summary>(m, p) of op(A) (a vector is 1×p) and (p, n) of op(B) (a vector is p×1).</summary>
    internal (int M, int P, int N) Dims(int[] a, int[] b)
    {
        int m = a.Length == 2 ? (TransA ? a[1] : a[0]) : 1;
        int pa = a.Length == 2 ? (TransA ? a[0] : a[1]) : a[0];
        int pb = b.Length == 2 ? (TransB ? b[1] : b[0]) : b[0];
        int n = b.Length == 2 ? (TransB ? b[0] : b[1]) : 1;
        if (pa != pb) throw new ArgumentException($"MatMul: inner sizes differ ({pa} vs {pb}) for shapes {Shapes.Format(a)} and {Shapes.Format(b)}.");
        return (m, pa, n);
    }

    internal int[] OutShape(int[] a, int[] b)
    {
        var (m, _, n) = Dims(a, b);
        return (a.Length, b.Length) switch
        {
            (2, 2) => [m, n],
            (2, 1) => [m],
            (1, 2) => [n],
            _ => Shapes.ScalarShape,
        };
    }

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor a = x[0], b = x[1];
        var (m, p, n) = Dims(a.Dims, b.Dims);
        int[] shape = OutShape(a.Dims, b.Dims);
        if (a.Rank == 1 && b.Rank == 1) return Tensor.Own([TensorPrimitives.Dot(a.Values.Span, b.Values.Span)], shape);
        var c = GC.AllocateUninitializedArray<double>(m * n);
        int lda = a.Rank == 2 ? a.Dims[1] : p;
        int ldb = b.Rank == 2 ? b.Dims[1] : 1;
        Gemm.Multiply(a.Rank == 2 && TransA, b.Rank == 2 && TransB, m, n, p, 1, a.Values.Span, lda, b.Values.Span, ldb, 0, c, n);
        return Tensor.Own(c, shape);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        Tensor a = x[0], b = x[1];
        if (Batched(dx[0], a) || Batched(dx[1], b))
        {
            Tensor? t1 = dx[0] is null ? null : BatchedLeft(dx[0]!, a, b);
            Tensor? t2 = dx[1] is null ? null : BatchedRight(a, dx[1]!, b);
            return t1 is null ? t2 : t2 is null ? t1 : t1 + t2;
        }
        Tensor? r1 = dx[0] is null ? null : Apply(this, dx[0]!, b);
        Tensor? r2 = dx[1] is null ? null : Apply(this, a, dx[1]!);
        return r1 is null ? r2 : r2 is null ? r1 : r1 + r2;
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor g, Tensor?[] dx, bool[] need)
    {
        Tensor a = x[0], b = x[1];
        if (Batched(g, y))
        {
            if (need[0]) dx[0] = BatchedGradA(a, b, g);
            if (need[1]) dx[1] = BatchedGradB(a, b, g);
            return;
        }
        switch (a.Rank, b.Rank)
        {
            case (2, 2):
                if (need[0])
                    dx[0] = (TransA, TransB) switch
                    {
                        (false, false) => Apply(NT, g, b),
                        (true, false) => Apply(NT, b, g),
                        (false, true) => Apply(NN, g, b),
                        _ => Apply(TT, b, g),
                    };
                if (need[1])
                    dx[1] = (TransA, TransB) switch
                    {
                        (false, false) => Apply(TN, a, g),
                        (true, false) => Apply(NN, a, g),
                        (false, true) => Apply(TN, g, a),
                        _ => Apply(TT, g, a),
                    };
                break;
            case (2, 1):
                if (need[0]) dx[0] = TransA ? Tensor.Outer(b, g) : Tensor.Outer(g, b);
                if (need[1]) dx[1] = Apply(TransA ? NN : TN, a, g);
                break;
            case (1, 2):
                if (need[0]) dx[0] = Apply(TransB ? TN : NN, b, g);
                if (need[1]) dx[1] = TransB ? Tensor.Outer(g, a) : Tensor.Outer(a, g);
                break;
            default:
                if (need[0]) dx[0] = Tensor.MulZ(g, b);
                if (need[1]) dx[1] = Tensor.MulZ(g, a);
                break;
        }
    }

    /// <summary>
    /// Rows of a Jacobian straight from the product: for a vector operand, its k cotangents direction-first
    /// ([k, p]) as one GEMM Ȳᵀ·op(M) of the other (matrix) operand M, or a copy of op(M)'s rows when Ȳ is identity
    /// columns (the whole of M when they are all of them); no transposed result. Other shapes: the default.
    /// </summary>
    internal override Tensor? VjpRows(Tensor[] x, Tensor y, Tensor g, int j)
    {
        Tensor a = x[0], b = x[1];
        // b̄ for A·b (b a vector): rows Ȳᵀ·op(A); ā for a·B (a a vector): rows Ȳᵀ·op(B)ᵀ.
        bool right = j == 1 && b.Rank == 1 && a.Rank == 2;
        bool left = j == 0 && a.Rank == 1 && b.Rank == 2;
        if ((!right && !left) || !Batched(g, y) || g.Key != 0) return base.VjpRows(x, y, g, j);
        Tensor other = right ? a : b;
        if (other.Key != 0) throw new BatchUnsupportedException(); // perturbed by an enclosing call: one direction per sweep
        // As a stored matrix M (rows × cols, ld = cols): rows of J come from rows of op(M) (right) or of op(B)ᵀ (left).
        bool rowsOfM = right ? !TransA : TransB; // row r of the operator is row r of M itself (contiguous)
        int mRows = other.Dims[0], mCols = other.Dims[1];
        int outLen = y.Length, p = right ? (TransA ? mRows : mCols) : (TransB ? mCols : mRows);
        int k = g.Dims[^1];
        ReadOnlySpan<double> mv = other.Values.Span;
        int[] shape = [k, p];
        if (IsIdentity(g, outLen, out int first))
        {
            if (rowsOfM && first == 0 && k == mRows) return new Tensor(shape, other.Values); // all of M: M itself
            var c = GC.AllocateUninitializedArray<double>(k * p);
            if (rowsOfM) mv.Slice(first * mCols, k * mCols).CopyTo(c);
            else
                for (int l = 0; l < p; l++)
                    for (int r = 0; r < k; r++) c[r * p + l] = mv[l * mCols + first + r];
            return Tensor.Own(c, shape);
        }
        var rows = GC.AllocateUninitializedArray<double>(k * p);
        // rows (k × p) = Ȳᵀ (k × outLen) · N (outLen × p), N = op(M) (right) or op(B)ᵀ (left), read in place.
        Gemm.Multiply(true, !rowsOfM, k, p, outLen, 1, g.Values.Span, k, mv, mCols, 0, rows, p);
        return Tensor.Own(rows, shape);
    }

    internal override OpCost Cost(Tensor[] x, Tensor y)
    {
        var (m, p, n) = Dims(x[0].Dims, x[1].Dims);
        double f = 2.0 * m * p * n;
        return new OpCost(f, f, 2 * f, 8.0 * (x[0].Length + x[1].Length + y.Length));
    }

    // ------------------------------------------------------------------ k directions at once (constants only)

    private static ReadOnlySpan<double> Values(Tensor t)
    {
        if (t.Key != 0) throw new BatchUnsupportedException();
        return t.Values.Span;
    }

    /// <summary>True when t is a pending identity block (a Jacobian seed) of <paramref name="rows"/>×k.</summary>
    private static bool IsIdentity(Tensor t, int rows, out int first)
    {
        first = 0;
        if (t.Key != 0 || t.Rank != 2 || t.Values.Node is not Lazy.IdentityNode id || id.Rows != rows || id.K != t.Dims[1]) return false;
        first = id.First;
        return true;
    }

    /// <summary>op(M)[r, c] for a stored matrix M (ld = its row length) read in place.</summary>
    private static double At(ReadOnlySpan<double> m, int ld, bool trans, int r, int c) => trans ? m[c * ld + r] : m[r * ld + c];

    /// <summary>[r, c, k] → [c, r, k].</summary>
    private static double[] SwapBatched(ReadOnlySpan<double> s, int r, int c, int k)
    {
        var d = GC.AllocateUninitializedArray<double>(r * c * k);
        Layout.Transpose(s, d, r, c, k);
        return d;
    }

    /// <summary>op(Ȧ)·op(B) with Ȧ carrying k directions: per row block i of op(Ȧ), C_i = op(B)ᵀ · Ȧ_i.</summary>
    private Tensor BatchedLeft(Tensor da, Tensor a, Tensor b)
    {
        var (m, p, n) = Dims(a.Dims, b.Dims);
        int k = da.Dims[^1];
        ReadOnlySpan<double> bv = Values(b);
        var c = GC.AllocateUninitializedArray<double>(m * n * k);
        if (a.Rank == 1 && IsIdentity(da, p, out int first))
        {
            // ȧ = columns of the identity: the product reads rows first.. of op(B).
            for (int col = 0; col < n; col++)
                for (int j = 0; j < k; j++)
                    c[col * k + j] = b.Rank == 2 ? At(bv, b.Dims[1], TransB, first + j, col) : bv[first + j];
            return Tensor.Own(c, Shapes.Append(OutShape(a.Dims, b.Dims), k));
        }
        ReadOnlySpan<double> x = Values(da);
        if (a.Rank == 2 && TransA) x = SwapBatched(x, a.Dims[0], a.Dims[1], k); // now [m, p, k]
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<double> xi = x.Slice(i * p * k, p * k);
            Span<double> ci = c.AsSpan(i * n * k, n * k);
            if (b.Rank == 2) Gemm.Multiply(!TransB, false, n, k, p, 1, bv, b.Dims[1], xi, k, 0, ci, k);
            else Gemm.Multiply(false, false, 1, k, p, 1, bv, p, xi, k, 0, ci, k);
        }
        return Tensor.Own(c, Shapes.Append(OutShape(a.Dims, b.Dims), k));
    }

    /// <summary>op(A)·op(Ḃ) with Ḃ carrying k directions: one GEMM op(A) · [p × n·k].</summary>
    private Tensor BatchedRight(Tensor a, Tensor db, Tensor b)
    {
        var (m, p, n) = Dims(a.Dims, b.Dims);
        int k = db.Dims[^1];
        int lda = a.Rank == 2 ? a.Dims[1] : p;
        double[] c;
        if (b.Rank == 1 && IsIdentity(db, p, out int first))
        {
            // Ḃ = columns of the identity: the product is columns first.. of op(A).
            int[] shape = Shapes.Append(OutShape(a.Dims, b.Dims), k);
            ReadOnlySpan<double> av = Values(a);
            if (a.Rank == 2 && !TransA && first == 0 && k == lda)
                return new Tensor(shape, a.Values); // all of A's columns: A itself (immutable, shared)
            c = GC.AllocateUninitializedArray<double>(m * n * k);
            if (a.Rank == 2 && !TransA)
                for (int i = 0; i < m; i++) av.Slice(i * lda + first, k).CopyTo(c.AsSpan(i * k, k));
            else if (a.Rank == 2 && TransA && k > 1)
                Layout.Transpose(av.Slice(first * lda, k * lda), c, k, m, 1); // rows first.. of A, transposed
            else
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < k; j++)
                        c[i * k + j] = a.Rank == 2 ? At(av, lda, TransA, i, first + j) : av[first + j];
            return Tensor.Own(c, shape);
        }
        ReadOnlySpan<double> x = Values(db);
        if (b.Rank == 2 && TransB) x = SwapBatched(x, b.Dims[0], b.Dims[1], k); // now [p, n, k]
        c = GC.AllocateUninitializedArray<double>(m * n * k);
        Gemm.Multiply(a.Rank == 2 && TransA, false, m, n * k, p, 1, Values(a), lda, x, n * k, 0, c, n * k);
        return Tensor.Own(c, Shapes.Append(OutShape(a.Dims, b.Dims), k));
    }

    /// <summary>Ā from Ȳ carrying k cotangents: per row block i, op(A)̄_i = op(B) · Ȳ_i, then transposed back if op(A) = Aᵀ.</summary>
    private Tensor BatchedGradA(Tensor a, Tensor b, Tensor g)
    {
        var (m, p, n) = Dims(a.Dims, b.Dims);
        int k = g.Dims[^1];
        ReadOnlySpan<double> bv = Values(b);
        var c = GC.AllocateUninitializedArray<double>(m * p * k);
        if (a.Rank == 1 && b.Rank == 2 && IsIdentity(g, n, out int first))
        {
            // Ȳ = columns of the identity: ā reads columns first.. of op(B).
            for (int l = 0; l < p; l++)
                for (int j = 0; j < k; j++) c[l * k + j] = At(bv, b.Dims[1], TransB, l, first + j);
            return Tensor.Own(c, Shapes.Append(a.Dims, k));
        }
        ReadOnlySpan<double> gv = Values(g);
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<double> gi = gv.Slice(i * n * k, n * k);
            Span<double> ci = c.AsSpan(i * p * k, p * k);
            if (b.Rank == 2) Gemm.Multiply(TransB, false, p, k, n, 1, bv, b.Dims[1], gi, k, 0, ci, k);
            else Gemm.Multiply(false, false, p, k, 1, 1, bv, 1, gi, k, 0, ci, k);
        }
        double[] r = a.Rank == 2 && TransA ? SwapBatched(c, m, p, k) : c;
        return Tensor.Own(r, Shapes.Append(a.Dims, k));
    }

    /// <summary>B̄ from Ȳ carrying k cotangents: op(B)̄ = op(A)ᵀ · [m × n·k], then transposed back if op(B) = Bᵀ.</summary>
    private Tensor BatchedGradB(Tensor a, Tensor b, Tensor g)
    {
        var (m, p, n) = Dims(a.Dims, b.Dims);
        int k = g.Dims[^1];
        double[] c;
        if (a.Rank == 2 && b.Rank == 1 && IsIdentity(g, m, out int first))
        {
            // Ȳ = columns of the identity: b̄ reads rows first.. of op(A), i.e. b̄[l, j] = op(A)[first + j, l].
            ReadOnlySpan<double> av = Values(a);
            int lda = a.Dims[1];
            if (TransA && first == 0 && k == lda) return new Tensor(Shapes.Append(b.Dims, k), a.Values); // A itself
            c = GC.AllocateUninitializedArray<double>(p * n * k);
            if (TransA)
            {
                for (int l = 0; l < p; l++) av.Slice(l * lda + first, k).CopyTo(c.AsSpan(l * k, k));
            }
            else if (k > 1) Layout.Transpose(av.Slice(first * lda, k * lda), c, k, p, 1);
            else av.Slice(first * lda, p).CopyTo(c);
            return Tensor.Own(c, Shapes.Append(b.Dims, k));
        }
        c = GC.AllocateUninitializedArray<double>(p * n * k);
        if (a.Rank == 2) Gemm.Multiply(!TransA, false, p, n * k, m, 1, Values(a), a.Dims[1], Values(g), n * k, 0, c, n * k);
        else Gemm.Multiply(false, false, p, n * k, 1, 1, Values(a), 1, Values(g), n * k, 0, c, n * k);
        double[] r = b.Rank == 2 && TransB ? SwapBatched(c, p, n, k) : c;
        return Tensor.Own(r, Shapes.Append(b.Dims, k));
    }
}
