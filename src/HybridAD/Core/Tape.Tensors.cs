using HybridAD.Tensors.Ops;

namespace HybridAD.Core;

// Tensor operations on the same tape as scalar operations. A tensor operation takes one tape node whose In0 is
// the complement of its record index; its adjoint is a tensor kept per record during a sweep (null = symbolic
// zero). The sweeps below are the scalar sweeps with one extra branch per visited node that dispatches a tensor
// record to its VJP — they run only for tapes that hold tensor records, so scalar-only tapes keep their loop.
internal sealed partial class Tape
{
    /// <summary>The tensor records of this tape; null while it has none.</summary>
    internal TensorTape? Tensors;

    /// <summary>Set by <c>TensorAD.Grad</c>: a sum of an elementwise expression recorded here computes its
    /// gradient in the same pass as its value (<see cref="FusedSumGradient"/>), read by the first-order sweep.</summary>
    internal bool FuseSumGradients;

    /// <summary>Appends a tensor record (with a tensor output) and its node; returns the node.</summary>
    internal int RecordTensor(TensorRecord rec)
    {
        int index = (Tensors ??= new TensorTape()).Add(rec);
        int node = Push(~index, 0, 0, 0);
        rec.Node = node;
        Log?.Op(node, rec.Name, 0);
        return node;
    }

    /// <summary>Appends a tensor → scalar record; its node is the scalar's node (primal one level down).</summary>
    internal Scalar RecordTensorToScalar(TensorRecord rec, in Scalar lower)
    {
        int index = (Tensors ??= new TensorTape()).Add(rec);
        Scalar s = PushNested(~index, default, 0, default, lower);
        rec.Node = s.Slot;
        Log?.Op(s.Slot, rec.Name, lower.V);
        return s;
    }

    /// <summary>The record index behind a tensor's node.</summary>
    internal int TensorRecordOf(int node) => ~Nodes[node].In0;

    /// <summary>An independent tensor variable of this tape whose primal is <paramref name="x"/>.</summary>
    internal Tensor InputTensor(Tensor x)
    {
        var rec = new TensorRecord(RecordKind.Input, null, [], [], x, 0);
        return new Tensor(Key, x, null, RecordTensor(rec));
    }

    /// <summary>Adds a contribution to a record's tensor adjoint.</summary>
    private static void Accumulate(Tensor?[] tadj, int rec, Tensor contribution)
    {
        Tensor? old = tadj[rec];
        tadj[rec] = old is null ? contribution : Tensor.AddSameShape(old, contribution);
    }

    /// <summary>Runs a tensor record's VJP with output cotangent g. Contributions to record
    /// <paramref name="rowsRec"/> (a batched sweep's x) are made direction-first by <see cref="TensorOp.VjpRows"/>.</summary>
    private static void BackwardOp(TensorRecord rec, Tensor g, Tensor?[] tadj, int rowsRec = -1)
    {
        int n = rec.Inputs.Length;
        var need = new bool[n];
        bool any = false;
        for (int j = 0; j < n; j++) any |= need[j] = rec.InputRecs[j] >= 0 && rec.InputRecs[j] != rowsRec;
        if (any)
        {
            var dx = new Tensor?[n];
            rec.Op!.Vjp(rec.Inputs, rec.Output!, g, dx, need);
            for (int j = 0; j < n; j++)
                if (need[j] && dx[j] is not null) Accumulate(tadj, rec.InputRecs[j], dx[j]!);
        }
        if (rowsRec < 0) return;
        for (int j = 0; j < n; j++)
            if (rec.InputRecs[j] == rowsRec && rec.Op!.VjpRows(rec.Inputs, rec.Output!, g, j) is { } rows) Accumulate(tadj, rowsRec, rows);
    }

    /// <summary>The first-order sweep: scalar adjoints in <paramref name="adj"/>, tensor adjoints (constants)
    /// in <paramref name="tadj"/> by record (seeds set by the caller; input gradients read after). With
    /// <paramref name="clearSwept"/>, each swept scalar node's entry is reset to 0 once read (the contract of the
    /// scalar sweep that reuses zeroed adjoint buffers).</summary>
    internal void SweepWithTensors(Span<double> adj, Tensor?[] tadj, bool clearSwept = false)
    {
        TapeNode[] nodes = Nodes;
        TensorRecord[] records = Tensors!.Records;
        for (int i = Count - 1; i > 0; i--)
        {
            ref TapeNode n = ref nodes[i];
            if (n.In0 >= 0)
            {
                double a = adj[i];
                if (a == 0) continue;
                if (clearSwept) adj[i] = 0;
                adj[n.In0] += n.W0 * a;
                adj[n.In1] += n.W1 * a;
                continue;
            }
            int r = ~n.In0;
            TensorRecord rec = records[r];
            switch (rec.Kind)
            {
                case RecordKind.Op:
                {
                    Tensor? g = tadj[r];
                    if (g is null) continue;
                    tadj[r] = null;
                    BackwardOp(rec, g, tadj);
                    break;
                }
                case RecordKind.ToScalar:
                {
                    double a = adj[i];
                    if (clearSwept) adj[i] = 0;
                    if (a == 0 || rec.InputRecs[0] < 0) continue;
                    if (records[rec.InputRecs[0]].Fused is FusedSumGradient fused)
                    {
                        // The sum's gradient was computed with its value: add a·∇ at the region's leaves.
                        for (int k = 0; k < fused.Leaves.Length; k++)
                        {
                            Tensor g = fused.Gradients[k];
                            Accumulate(tadj, fused.Leaves[k], a == 1 ? g : Tensor.MulZ(g, Tensor.FromDouble(a)));
                        }
                        continue;
                    }
                    Accumulate(tadj, rec.InputRecs[0], Tensor.Own([a], rec.Inputs[0].Dims));
                    break;
                }
                case RecordKind.FromScalar:
                {
                    Tensor? g = tadj[r];
                    if (g is null || rec.ScalarSlot == 0) continue;
                    adj[rec.ScalarSlot] += g.Values.Span[0];
                    break;
                }
            }
        }
    }

    /// <summary>The first-order sweep of k cotangents at once: scalar adjoints are k consecutive doubles per node
    /// (<paramref name="adj"/> has Count·k entries), tensor adjoints carry a trailing axis of k, except record
    /// <paramref name="rowsRec"/>'s (x of a reverse Jacobian, if given), which is made direction-first ([k] ++ shape:
    /// rows of J).</summary>
    internal void SweepWithTensorsBatched(Span<double> adj, int k, Tensor?[] tadj, int rowsRec = -1)
    {
        TapeNode[] nodes = Nodes;
        TensorRecord[] records = Tensors?.Records ?? [];
        for (int i = Count - 1; i > 0; i--)
        {
            ref TapeNode n = ref nodes[i];
            Span<double> ai = adj.Slice(i * k, k);
            if (n.In0 >= 0)
            {
                if (!ai.ContainsAnyExcept(0.0)) continue;
                Span<double> a0 = adj.Slice(n.In0 * k, k), a1 = adj.Slice(n.In1 * k, k);
                double w0 = n.W0, w1 = n.W1;
                for (int j = 0; j < k; j++)
                {
                    double a = ai[j];
                    if (a == 0) continue;
                    a0[j] += w0 * a;
                    a1[j] += w1 * a;
                }
                continue;
            }
            int r = ~n.In0;
            TensorRecord rec = records[r];
            switch (rec.Kind)
            {
                case RecordKind.Op:
                {
                    Tensor? g = tadj[r];
                    if (g is null) continue;
                    tadj[r] = null;
                    BackwardOp(rec, g, tadj, rowsRec);
                    break;
                }
                case RecordKind.ToScalar:
                {
                    if (!ai.ContainsAnyExcept(0.0) || rec.InputRecs[0] < 0) continue;
                    var t = Tensor.Own(ai.ToArray(), global::HybridAD.Tensors.Shapes.Append(rec.Inputs[0].Dims, k));
                    Accumulate(tadj, rec.InputRecs[0], rec.InputRecs[0] == rowsRec ? TensorOp.DirectionFirst(t) : t);
                    break;
                }
                case RecordKind.FromScalar:
                {
                    Tensor? g = tadj[r];
                    if (g is null || rec.ScalarSlot == 0) continue;
                    ReadOnlySpan<double> gv = g.Values.Span;
                    Span<double> dst = adj.Slice(rec.ScalarSlot * k, k);
                    for (int j = 0; j < k; j++) dst[j] += gv[j];
                    break;
                }
            }
        }
    }

    /// <summary>The nested sweep: scalar adjoints are <see cref="Scalar"/>s and tensor adjoints are tensors of
    /// outer levels, so the sweep itself is differentiated by those levels.</summary>
    internal void SweepWithTensors(Scalar[] adj, Tensor?[] tadj)
    {
        TapeNode[] nodes = Nodes;
        TensorRecord[] records = Tensors!.Records;
        Scalar[]? nw0 = _nestedW0, nw1 = _nestedW1;
        for (int i = Count - 1; i > 0; i--)
        {
            ref TapeNode n = ref nodes[i];
            if (n.In0 >= 0)
            {
                Scalar a = adj[i];
                if (a.Key == 0 && a.V == 0) continue;
                if (n.In0 != 0)
                {
                    Scalar w0 = nw0 is not null && nw0[i].Key != 0 ? nw0[i] : new Scalar(n.W0);
                    adj[n.In0] = adj[n.In0] + w0 * a;
                }
                if (n.In1 != 0)
                {
                    Scalar w1 = nw1 is not null && nw1[i].Key != 0 ? nw1[i] : new Scalar(n.W1);
                    adj[n.In1] = adj[n.In1] + w1 * a;
                }
                continue;
            }
            int r = ~n.In0;
            TensorRecord rec = records[r];
            switch (rec.Kind)
            {
                case RecordKind.Op:
                {
                    Tensor? g = tadj[r];
                    if (g is null) continue;
                    tadj[r] = null;
                    BackwardOp(rec, g, tadj);
                    break;
                }
                case RecordKind.ToScalar:
                {
                    Scalar a = adj[i];
                    if ((a.Key == 0 && a.V == 0) || rec.InputRecs[0] < 0) continue;
                    if (records[rec.InputRecs[0]].Fused is FusedSumGradient fused)
                    {
                        // The sum's gradient was computed with its value (forward over reverse: a gradient
                        // perturbed by the forward level below, its tangent computed): add a·∇ at the leaves.
                        bool unit = a.Key == 0 && a.V == 1;
                        Tensor? scale = unit ? null : TensorOp.FromScalar(a, global::HybridAD.Tensors.Shapes.ScalarShape);
                        for (int k = 0; k < fused.Leaves.Length; k++)
                        {
                            Tensor g = fused.Gradients[k];
                            Accumulate(tadj, fused.Leaves[k], unit ? g : Tensor.MulZ(g, scale!));
                        }
                        continue;
                    }
                    Accumulate(tadj, rec.InputRecs[0], TensorOp.FromScalar(a, rec.Inputs[0].Dims));
                    break;
                }
                case RecordKind.FromScalar:
                {
                    Tensor? g = tadj[r];
                    if (g is null || rec.ScalarSlot == 0) continue;
                    adj[rec.ScalarSlot] = adj[rec.ScalarSlot] + TensorOp.ToScalar(g);
                    break;
                }
            }
        }
    }
}
