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
    internal static bool TryCompute(Tape tape, int inputRec, Tensor lower, out Tensor? sum, out FusedSumGradient? fused)
    {
        sum = null;
        fused = null;
        if (lower.Values.IsStored || lower.Values.TryGetConst(out _)) return false;
        // Forward over reverse (an Hvp: TensorAD.Jvp of TensorAD.Grad): the sum's input may be perturbed by one
        // forward level directly below this tape, with one tangent direction; the region's VJPs then build the
        // gradient at that level (primal and tangent pending) and the pass computes the gradient's tangent.
        long forwardKey = lower.Key;
        if (forwardKey != 0 && (LevelTable.Get(forwardKey).IsTape || !OneLevelDown(lower, forwardKey))) return false;
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
            if (rec.Kind != RecordKind.Op || (rec.IsNested && !AtMostOneLevelDown(rec, forwardKey))
                || !rec.Op!.HasPendingVjp(rec.Inputs, rec.Output!, rec.InputRecs))
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

        // One pass: the sum (and its tangent) and every leaf's gradient (its tangent, when perturbed: the
        // gradient's primal stays pending, computed only if read).
        var leaves = new int[adjoint.Count];
        var grads = new Tensor[adjoint.Count];
        var pending = new List<Buf>();
        int at = 0;
        foreach (var (r, g) in adjoint)
        {
            leaves[at] = r;
            grads[at++] = g;
            Buf? b = g.Key == 0 ? g.Values : g.Key == forwardKey ? g.Tangent?.Values : null;
            if (b is not null && !b.IsStored && !b.TryGetConst(out _)) pending.Add(b);
        }
        if (forwardKey == 0)
        {
            sum = Tensor.Own([Evaluator.SumAndStore(lower.Values, pending.ToArray())], Shapes.ScalarShape);
        }
        else
        {
            Span<double> sums = stackalloc double[2];
            Tensor? tangent = lower.Tangent;
            if (tangent is null) sums[0] = Evaluator.SumAndStore(lower.Lower!.Values, pending.ToArray());
            else Evaluator.SumsAndStore([lower.Lower!.Values, tangent.Values], pending.ToArray(), sums);
            sum = new Tensor(forwardKey, Tensor.Own([sums[0]], Shapes.ScalarShape),
                tangent is null ? null : Tensor.Own([sums[1]], Shapes.ScalarShape), -1);
        }
        fused = new FusedSumGradient(leaves, grads);
        return true;
    }

    /// <summary>True when <paramref name="t"/> is a constant, or perturbed by exactly the forward level
    /// <paramref name="forwardKey"/> (no level below it) with at most one tangent direction.</summary>
    private static bool OneLevelDown(Tensor t, long forwardKey)
    {
        if (t.Key == 0) return true;
        if (t.Key != forwardKey || t.Lower!.Key != 0) return false;
        return t.Tangent is null || (t.Tangent.Key == 0 && t.Tangent.Rank == t.Rank);
    }

    /// <summary>True when every primal of the record is a constant or perturbed by the forward level
    /// <paramref name="forwardKey"/> alone (see <see cref="OneLevelDown"/>).</summary>
    private static bool AtMostOneLevelDown(TensorRecord rec, long forwardKey)
    {
        if (forwardKey == 0) return false;
        if (rec.Output is not null && !OneLevelDown(rec.Output, forwardKey)) return false;
        foreach (Tensor t in rec.Inputs)
            if (!OneLevelDown(t, forwardKey)) return false;
        return true;
    }
}
