using System.Collections.Immutable;
using HybridAD.Core;
using HybridAD.Tensors;
using HybridAD.Tensors.Ops;

namespace HybridAD.Selection;

/// <summary>How a recorded tensor operation's work is priced: a matrix product (GEMM), an elementwise or reducing
/// pass, or pure data movement.</summary>
public enum TensorWorkKind
{
    /// <summary>A matrix product: flops at the GEMM rate plus its operands' elements (packing, writing).</summary>
    MatMul,
    /// <summary>Elementwise arithmetic, reductions, softmax: per element.</summary>
    Elementwise,
    /// <summary>Reshape, slice, transpose, gather: data movement only.</summary>
    Move,
}

/// <summary>
/// One recorded tensor operation as the cost model sees it.
/// </summary>
/// <param name="Name">The operation ("matmul", "tanh", …).</param>
/// <param name="Kind">How its work is priced.</param>
/// <param name="Cost">Its estimated flops (primal, per tangent, per cotangent) and bytes.</param>
/// <param name="OutputLength">Elements of its result.</param>
/// <param name="Gemm">For a matrix product op(A)·op(B): (rows, inner, columns); otherwise zeros.</param>
/// <param name="OnForwardPath">A tangent sweep carries a nonzero tangent through it (it depends on x).</param>
/// <param name="OnReversePath">An adjoint sweep carries a nonzero cotangent through it (f(x) depends on it, and it on x).</param>
/// <param name="ReadsSeed">Its perturbed operand is x itself: in a block sweep its tangent is a linear map of
/// identity columns, a copy of part of the other operand instead of a product.</param>
/// <param name="WritesOutput">It produces f(x): in a block sweep its cotangent is identity columns, so its
/// pullback is a copy of part of the other operand.</param>
/// <param name="PerturbedLeft">For a matrix product: the perturbed operand is the left one.</param>
public readonly record struct TensorOpWork(string Name, TensorWorkKind Kind, global::HybridAD.Tensors.Ops.OpCost Cost, long OutputLength,
    (long M, long P, long N) Gemm, bool OnForwardPath, bool OnReversePath, bool ReadsSeed, bool WritesOutput, bool PerturbedLeft);

/// <summary>
/// One recorded evaluation of a tensor function f : ℝⁿ → ℝᵐ as the mode selector sees it: the operations in
/// order with their estimated work and where the tangent and adjoint sweeps go through them. Made from the
/// recording a reverse-mode Jacobian would sweep, so profiling costs one evaluation.
/// </summary>
public sealed class TensorProfile
{
    internal TensorProfile(int n, int m, int[] inputShape, int[] outputShape, ImmutableArray<TensorOpWork> ops, long scalarNodes, bool rowsNative = true)
    {
        RowsNative = rowsNative;
        InputCount = n;
        OutputCount = m;
        InputShape = inputShape;
        OutputShape = outputShape;
        Ops = ops;
        ScalarNodes = scalarNodes;
    }

    /// <summary>n, the elements of x.</summary>
    public int InputCount { get; }

    /// <summary>m, the elements of f(x).</summary>
    public int OutputCount { get; }

    /// <summary>x's shape.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>f(x)'s shape.</summary>
    public IReadOnlyList<int> OutputShape { get; }

    /// <summary>The recorded tensor operations, in evaluation order.</summary>
    public ImmutableArray<TensorOpWork> Ops { get; }

    /// <summary>Scalar tape nodes the recording made besides the tensor operations (a scalar taken from a tensor
    /// and worked on); a block sweep handles them one direction at a time.</summary>
    public long ScalarNodes { get; }

    /// <summary>Every operation that takes x itself as an operand writes its pullback as rows of J directly (a matrix
    /// times the vector x, or x times a matrix); otherwise a reverse block sweep transposes x's adjoint (k × n
    /// moved elements per block).</summary>
    public bool RowsNative { get; }

    /// <summary>Builds the profile from a finished recording of f at x (first order).</summary>
    internal static TensorProfile From(Tape tape, Tensor input, Tensor output, Tensor value)
    {
        int n = input.Length, m = value.Length;
        TensorTape? records = tape.Tensors;
        int count = records?.Count ?? 0;
        int inputRec = input.Key == tape.Key ? tape.TensorRecordOf(input.Slot) : -1;
        int outputRec = output.Key == tape.Key && output.Slot > 0 ? tape.TensorRecordOf(output.Slot) : -1;
        var forward = new bool[count];
        var reverse = new bool[count];
        if (inputRec >= 0) forward[inputRec] = true;
        for (int r = 0; r < count; r++)
        {
            TensorRecord rec = records!.Records[r];
            foreach (int i in rec.InputRecs)
                if (i >= 0 && forward[i]) forward[r] = true;
        }
        if (outputRec >= 0) reverse[outputRec] = forward[outputRec];
        for (int r = count - 1; r >= 0; r--)
        {
            if (!reverse[r]) continue;
            foreach (int i in records!.Records[r].InputRecs)
                if (i >= 0 && forward[i]) reverse[i] = true;
        }
        var ops = ImmutableArray.CreateBuilder<TensorOpWork>();
        bool rowsNative = true;
        for (int r = 0; r < count; r++)
        {
            TensorRecord rec = records!.Records[r];
            if (rec.Kind != RecordKind.Op) continue;
            global::HybridAD.Tensors.Ops.OpCost cost = rec.Cost;
            TensorWorkKind kind = cost.PrimalFlops == 0 && cost.AdjointFlops == 0 ? TensorWorkKind.Move : TensorWorkKind.Elementwise;
            (long, long, long) gemm = (0, 0, 0);
            bool left = false, readsSeed = false;
            for (int j = 0; j < rec.InputRecs.Length; j++)
                if (rec.InputRecs[j] >= 0 && rec.InputRecs[j] == inputRec)
                {
                    readsSeed = true;
                    // MatMulOp.VjpRows writes rows for a vector x times a matrix (either side); others are transposed.
                    bool native = rec.Op is MatMulOp && input.Rank == 1 && rec.Inputs.Length == 2 && rec.Inputs[1 - j].Rank == 2
                        && rec.InputRecs[1 - j] != inputRec;
                    if (reverse[r] && !native) rowsNative = false;
                }
            if (rec.Op is MatMulOp mm)
            {
                kind = TensorWorkKind.MatMul;
                var (gm, gp, gn) = mm.Dims(rec.Inputs[0].Dims, rec.Inputs[1].Dims);
                gemm = (gm, gp, gn);
                left = rec.InputRecs[0] >= 0 && forward[rec.InputRecs[0]];
                // A seed is read as a copy only when it is the sole perturbed operand and a vector (identity columns).
                readsSeed &= (rec.InputRecs[0] < 0 || !forward[rec.InputRecs[0]] || rec.InputRecs[1] < 0 || !forward[rec.InputRecs[1]])
                    && input.Rank == 1;
            }
            else readsSeed = false;
            bool writesOutput = r == outputRec && rec.Op is MatMulOp && value.Rank == 1;
            ops.Add(new TensorOpWork(rec.Name, kind, cost, rec.Output?.Length ?? 1, gemm, forward[r], reverse[r], readsSeed, writesOutput, left));
        }
        long tensorNodes = count;
        return new TensorProfile(n, m, (int[])input.Dims.Clone(), (int[])value.Dims.Clone(), ops.ToImmutable(),
            Math.Max(0, tape.Count - 1 - tensorNodes), rowsNative);
    }

    /// <summary>The operations as "name x count" in order of first appearance.</summary>
    public override string ToString()
    {
        var counts = new List<(string Name, int Count)>();
        foreach (TensorOpWork op in Ops)
        {
            int i = counts.FindIndex(c => c.Name == op.Name);
            if (i < 0) counts.Add((op.Name, 1));
            else counts[i] = (op.Name, counts[i].Count + 1);
        }
        return string.Join(", ", counts.Select(c => c.Count == 1 ? c.Name : $"{c.Name} x{c.Count}"));
    }
}
