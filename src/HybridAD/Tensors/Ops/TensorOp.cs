using HybridAD.Core;
using HybridAD.Tensors.Lazy;

namespace HybridAD.Tensors.Ops;

/// <summary>Estimated work of one recorded tensor operation, for cost models (flops per evaluation of the
/// primal, per tangent direction, and per cotangent; bytes of values read and written).</summary>
/// <param name="PrimalFlops">Floating-point operations of the primal.</param>
/// <param name="TangentFlops">Floating-point operations of the JVP per tangent direction.</param>
/// <param name="AdjointFlops">Floating-point operations of the VJP per cotangent.</param>
/// <param name="Bytes">Bytes of values read and written by the primal.</param>
public readonly record struct OpCost(double PrimalFlops, double TangentFlops, double AdjointFlops, double Bytes)
{
    /// <summary>An elementwise operation over n outputs of <paramref name="flopsPerElement"/> each, with
    /// <paramref name="inputs"/> inputs.</summary>
    public static OpCost Elementwise(int n, double flopsPerElement = 1, int inputs = 1) =>
        new(n * flopsPerElement, n * (flopsPerElement + 1), n * (flopsPerElement + 1), 8.0 * n * (inputs + 1));

    /// <summary>A data movement of n elements (no arithmetic).</summary>
    public static OpCost Move(int n) => new(0, 0, 0, 16.0 * n);
}

/// <summary>
/// A tensor primitive, declared once: its primal (on constant tensors, with span kernels), its JVP and its VJP.
/// The JVP and VJP are written with tensor operations, so they are themselves differentiable (nested and
/// higher-order use) and fuse like any other tensor code. A tangent or cotangent may carry a trailing axis of k
/// directions (shape ++ [k], first order only): that is how Jacobians push k directions through one sweep.
/// </summary>
internal abstract class TensorOp
{
    /// <summary>The name shown in traces and error messages.</summary>
    internal abstract string Name { get; }

    /// <summary>The output on constant inputs.</summary>
    internal abstract Tensor Primal(Tensor[] x);

    /// <summary>The output tangent from input tangents (null = zero), at primals one level down; null = zero.</summary>
    internal abstract Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y);

    /// <summary>Input cotangent contributions (null = zero) from the output cotangent; only entries with
    /// <paramref name="need"/>[i] set are used.</summary>
    internal abstract void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need);

    /// <summary>
    /// Operand <paramref name="j"/>'s cotangent contribution from k cotangents <paramref name="dy"/> (output shape ++ [k],
    /// constants) in direction-first layout, [k] ++ the operand's shape: k rows of a Jacobian, each contiguous. Used
    /// by the reverse-mode Jacobian for the operands that are x itself. Default: the direction-last VJP, transposed;
    /// an operation that can write rows directly (a matrix product: Ȳᵀ·op(A)) overrides it.
    /// </summary>
    internal virtual Tensor? VjpRows(Tensor[] x, Tensor y, Tensor dy, int j)
    {
        var need = new bool[x.Length];
        need[j] = true;
        var dx = new Tensor?[x.Length];
        Vjp(x, y, dy, dx, need);
        return dx[j] is null ? null : DirectionFirst(dx[j]!);
    }

    /// <summary>[dims…, k] → [k, dims…] (a constant tensor carrying k directions last, made direction-first).</summary>
    internal static Tensor DirectionFirst(Tensor t)
    {
        int k = t.Dims[^1], size = t.Length / Math.Max(1, k);
        int[] dims = [k, .. t.Dims[..^1]];
        if (size == 1 || k == 1) return new Tensor(dims, t.Values); // the same memory either way
        var d = GC.AllocateUninitializedArray<double>(t.Length);
        Kernels.Layout.Transpose(t.Values.Span, d, size, k, 1);
        return Tensor.Own(d, dims);
    }

    /// <summary>Optional joint evaluation of primal and tangent (first-order fusions such as a sum and its
    /// tangent in one pass). Returns false to use <see cref="Primal"/> then <see cref="Jvp"/>.</summary>
    internal virtual bool TryForward(Tensor[] x, Tensor?[] dx, out Tensor y, out Tensor? dy)
    {
        y = null!;
        dy = null;
        return false;
    }

    /// <summary>True when <see cref="Vjp"/> at these primals only builds pending elementwise expressions (no
    /// reduction, no stored result), so it can be evaluated in the same pass as the primal: see
    /// <see cref="FusedSumGradient"/>. Default false.</summary>
    internal virtual bool HasPendingVjp(Tensor[] x, Tensor y, int[] inputRecs) => false;

    /// <summary>True when every input that needs a cotangent (<paramref name="inputRecs"/>[i] ≥ 0) has the
    /// output's shape: an elementwise VJP then needs no reduction over broadcast axes.</summary>
    internal static bool DifferentiatedInputsHaveOutputShape(Tensor[] x, Tensor y, int[] inputRecs)
    {
        for (int i = 0; i < x.Length; i++)
            if (inputRecs[i] >= 0 && !Shapes.Equal(x[i].Dims, y.Dims)) return false;
        return true;
    }

    /// <summary>Estimated cost (default: one flop per output element).</summary>
    internal virtual OpCost Cost(Tensor[] x, Tensor y) => OpCost.Elementwise(y.Length, 1, x.Length);

    /// <summary>True when a tangent/cotangent carries a trailing batch axis relative to its primal.</summary>
    internal static bool Batched(Tensor? d, Tensor primal) => d is not null && d.Rank == primal.Rank + 1;

    /// <summary>
    /// Applies an operation in whatever mode its inputs are in. Constants: the primal. Otherwise the innermost
    /// level among the inputs (largest key) is the active one; the operation is first applied one level down
    /// (recursively, to a depth equal to the nesting depth), then a forward level pushes the tangent through the
    /// JVP and a tape records one node for the whole operation.
    /// </summary>
    internal static Tensor Apply(TensorOp op, params Tensor[] x)
    {
        long top = 0;
        for (int i = 0; i < x.Length; i++)
        {
            long k = x[i].Key;
            if (k == 0) continue;
            LevelTable.Get(k); // an input of a finished call is an escaped perturbation
            if (k > top) top = k;
        }
        if (top == 0) return op.Primal(x);

        Level level = LevelTable.Get(top);
        var lower = new Tensor[x.Length];
        for (int i = 0; i < x.Length; i++) lower[i] = x[i].Key == top ? x[i].Lower! : x[i];

        if (level.IsTape)
        {
            var tape = (Tape)level;
            var recs = new int[x.Length];
            for (int i = 0; i < x.Length; i++) recs[i] = x[i].Key == top ? tape.TensorRecordOf(x[i].Slot) : -1;
            Tensor y;
            FusedSumGradient? fused = null;
            if (op is SumAllOp && tape.FuseSumGradients && recs[0] >= 0
                && FusedSumGradient.TryCompute(tape, recs[0], lower[0], out Tensor? sum, out fused))
                y = sum!;
            else y = Apply(op, lower);
            var rec = new TensorRecord(RecordKind.Op, op, lower, recs, y, 0) { Fused = fused };
            int node = tape.RecordTensor(rec);
            return new Tensor(top, y, null, node);
        }

        var dx = new Tensor?[x.Length];
        bool any = false;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i].Key != top) continue;
            dx[i] = x[i].Tangent;
            any |= dx[i] is not null;
        }
        Tensor yl;
        Tensor? dy;
        if (!any)
        {
            yl = Apply(op, lower);
            dy = null;
        }
        else if (!op.TryForward(lower, dx, out yl, out dy))
        {
            yl = Apply(op, lower);
            dy = op.Jvp(lower, dx, yl);
        }
        return new Tensor(top, yl, dy, -1);
    }

    // ============================================================================ bridges to and from Scalar

    /// <summary>A one-element tensor of the given shape (rank 0 by default) holding a <see cref="Scalar"/>,
    /// differentiable in every mode.</summary>
    internal static Tensor FromScalar(in Scalar s, int[] dims)
    {
        if (s.Key == 0) return Tensor.Own([s.V], dims);
        Level level = LevelTable.Get(s.Key);
        Tensor lower = FromScalar(level.PrimalOf(s), dims);
        if (level.IsTape)
        {
            var tape = (Tape)level;
            var rec = new TensorRecord(RecordKind.FromScalar, null, [], [], lower, s.Slot);
            return new Tensor(s.Key, lower, null, tape.RecordTensor(rec));
        }
        Scalar t = ((ForwardLevel)level).TangentOf(s);
        Tensor? tangent = t.Key == 0 && t.V == 0 ? null : FromScalar(t, dims);
        return new Tensor(s.Key, lower, tangent, -1);
    }

    /// <summary>The value of a one-element tensor as a <see cref="Scalar"/>, differentiable in every mode.</summary>
    internal static Scalar ToScalar(Tensor t)
    {
        if (t.Key == 0) return new Scalar(t.Values.Span[0]);
        Level level = LevelTable.Get(t.Key);
        Scalar lower = ToScalar(t.Lower!);
        if (level.IsTape)
        {
            var tape = (Tape)level;
            var rec = new TensorRecord(RecordKind.ToScalar, null, [t.Lower!], [tape.TensorRecordOf(t.Slot)], null, 0);
            return tape.RecordTensorToScalar(rec, lower);
        }
        var f = (ForwardLevel)level;
        if (t.Tangent is not null && t.Tangent.Rank != t.Rank) throw new BatchUnsupportedException();
        Scalar tangent = t.Tangent is null ? default : ToScalar(t.Tangent);
        return f.Make(lower, tangent);
    }
}

/// <summary>What a tape record is.</summary>
internal enum RecordKind : byte
{
    /// <summary>A tensor operation.</summary>
    Op,
    /// <summary>An independent tensor variable.</summary>
    Input,
    /// <summary>A scalar made into a one-element tensor.</summary>
    FromScalar,
    /// <summary>A one-element tensor made into a scalar (its node's adjoint is a scalar adjoint).</summary>
    ToScalar,
}

/// <summary>
/// One tensor operation on a tape: it occupies one tape node (marked by <c>In0 &lt; 0</c>, pointing here), and
/// the backward sweep dispatches it once, to its VJP, in creation order with the scalar nodes around it.
/// </summary>
internal sealed class TensorRecord(RecordKind kind, TensorOp? op, Tensor[] inputs, int[] inputRecs, Tensor? output, int scalarSlot)
{
    internal readonly RecordKind Kind = kind;
    internal readonly TensorOp? Op = op;
    /// <summary>Input primals one level down.</summary>
    internal readonly Tensor[] Inputs = inputs;
    /// <summary>Per input: its record on this tape, or −1 (a constant or an outer value).</summary>
    internal readonly int[] InputRecs = inputRecs;
    /// <summary>The output primal one level down (null for <see cref="RecordKind.ToScalar"/>).</summary>
    internal readonly Tensor? Output = output;
    /// <summary><see cref="RecordKind.FromScalar"/>: the scalar input's tape node (0 if not on this tape).</summary>
    internal readonly int ScalarSlot = scalarSlot;
    /// <summary>The tape node.</summary>
    internal int Node;
    /// <summary>A sum's gradient computed with its primal (see <see cref="FusedSumGradient"/>); null otherwise.</summary>
    internal FusedSumGradient? Fused;

    /// <summary>The operation's name (traces, cost reports).</summary>
    internal string Name => Kind switch
    {
        RecordKind.Op => Op!.Name,
        RecordKind.Input => "input",
        RecordKind.FromScalar => "from_scalar",
        _ => "to_scalar",
    };

    /// <summary>True when a primal here is perturbed by an outer level (the sweep must be nested).</summary>
    internal bool IsNested
    {
        get
        {
            if (Output is not null && Output.Key != 0) return true;
            foreach (Tensor t in Inputs)
                if (t.Key != 0) return true;
            return false;
        }
    }

    /// <summary>The estimated cost of this record (for cost models).</summary>
    internal OpCost Cost => Kind == RecordKind.Op ? Op!.Cost(Inputs, Output!) : OpCost.Move(1);
}

/// <summary>The tensor records of one tape, by record index.</summary>
internal sealed class TensorTape
{
    internal TensorRecord[] Records = new TensorRecord[16];
    internal int Count;
    /// <summary>Some record's primal is perturbed by an outer level.</summary>
    internal bool Nested;

    internal int Add(TensorRecord rec)
    {
        if (Count == Records.Length) Array.Resize(ref Records, Count * 2);
        Records[Count] = rec;
        Nested |= rec.IsNested;
        return Count++;
    }
}
