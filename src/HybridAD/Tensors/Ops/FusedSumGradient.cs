using HybridAD.Core;
using HybridAD.Tensors.Lazy;

namespace HybridAD.Tensors.Ops;

/// <summary>
/// A sum's gradient computed in the same pass as the sum. Under <see cref="TensorAD.Grad(Func{Tensor, Scalar}, Tensor)"/>
/// the loss is nearly always Σ of an elementwise expression, and its backward pass would evaluate that expression a
/// second time (the cotangent of a sum is a broadcast constant, so every partial in the chain is recomputed from
/// the primals). Instead, when the sum is recorded, the pending VJPs of the elementwise records feeding it are
/// built with a unit cotangent and evaluated together with the sum: one pass over memory, the shared
/// subexpressions (here a², b − a², 1 − a) once per block. The backward sweep then adds c·∇ (c the sum's scalar
/// adjoint) at the records where the elementwise region begins (<see cref="Leaves"/>) and skips the region.
/// </summary>
/// <remarks>
/// <para>Exact by linearity: the contribution of the sum to each leaf's adjoint is c times its contribution with
/// cotangent 1, and contributions reaching the region's records through other consumers still flow through their
/// VJPs as usual.</para>
/// <para>Speculative: if the sum never reaches the differentiated output, the gradient was computed for nothing
/// (one extra pass of the region, in the pass that computes the sum anyway). Only first-order tapes of
/// <c>TensorAD.Grad</c> use it; regions are elementwise records whose VJPs are themselves pending (no reduction,
/// no broadcast to undo, no matrix product), so nothing is computed outside the fused pass.</para>
/// </remarks>
internal sealed class FusedSumGradient(int[] leaves, Tensor[] gradients)
{
    /// <summary>The records receiving the sum's contribution (tape inputs, or the first non-elementwise records).</summary>
    internal readonly int[] Leaves = leaves;
    /// <summary>Per leaf: its adjoint for a unit cotangent of the sum (a stored tensor of the leaf's shape).</summary>
    internal readonly Tensor[] Gradients = gradients;

    /// <summary>Largest region considered (records); larger regions use the ordinary backward pass.</summary>
    private const int MaxRegion = 256;

    /// <summary>
    /// Σ x together with its unit-cotangent gradient, when x (the value of record <paramref name="inputRec"/> of
    /// <paramref name="tape"/>, primal <paramref name="lower"/>) is a pending elementwise expression; else false.
    /// </summary>
    internal static bool TryCompute(Tape tape, int inputRec, Tensor lower, out double sum, out FusedSumGradient? fused)
    {
        sum = 0;
        fused = null;
        if (lower.Key != 0 || lower.Values.IsStored || lower.Values.TryGetConst(out _)) return false;
        TensorRecord[] records = tape.Tensors!.Records;

        // The region: records reachable from the sum's input through elementwise records with pending VJPs.
        var inRegion = new HashSet<int>();
        var leafSet = new HashSet<int>();
        var stack = new Stack<int>();
        stack.Push(inputRec);
        while (stack.Count > 0)
        {
            int r = stack.Pop();
            if (inRegion.Contains(r) || leafSet.Contains(r)) continue;
            TensorRecord rec = records[r];
            if (rec.Kind != RecordKind.Op || rec.IsNested || !rec.Op!.HasPendingVjp(rec.Inputs, rec.Output!, rec.InputRecs))
            {
                if (r == inputRec) return false; // nothing elementwise to fuse
                leafSet.Add(r);
                continue;
            }
            inRegion.Add(r);
            if (inRegion.Count > MaxRegion) return false;
            foreach (int j in rec.InputRecs)
                if (j >= 0) stack.Push(j);
        }

        // A reverse sweep of the region with cotangent 1: records in decreasing creation order (a topological
        // order), each VJP a pending expression over constants.
        var order = new int[inRegion.Count];
        inRegion.CopyTo(order);
        Array.Sort(order);
        var adjoint = new Dictionary<int, Tensor>(order.Length + leafSet.Count)
        {
            [inputRec] = new Tensor(lower.Dims, Buf.Const(1, lower.Length)),
        };
        for (int k = order.Length - 1; k >= 0; k--)
        {
            int r = order[k];
            if (!adjoint.Remove(r, out Tensor? g)) continue;
            TensorRecord rec = records[r];
            int n = rec.Inputs.Length;
            var need = new bool[n];
            for (int j = 0; j < n; j++) need[j] = rec.InputRecs[j] >= 0;
            var dx = new Tensor?[n];
            rec.Op!.Vjp(rec.Inputs, rec.Output!, g, dx, need);
            for (int j = 0; j < n; j++)
            {
                if (!need[j] || dx[j] is not Tensor d) continue;
                int target = rec.InputRecs[j];
                adjoint[target] = adjoint.TryGetValue(target, out Tensor? old) ? Tensor.AddSameShape(old, d) : d;
            }
        }

        // One pass: the sum and every leaf's gradient.
        var leaves = new int[adjoint.Count];
        var grads = new Tensor[adjoint.Count];
        var pending = new List<Buf>();
        int at = 0;
        foreach (var (r, g) in adjoint)
        {
            leaves[at] = r;
            grads[at++] = g;
            if (!g.Values.IsStored && !g.Values.TryGetConst(out _)) pending.Add(g.Values);
        }
        sum = Evaluator.SumAndStore(lower.Values, pending.ToArray());
        fused = new FusedSumGradient(leaves, grads);
        return true;
    }
}
