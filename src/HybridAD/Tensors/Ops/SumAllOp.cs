using HybridAD.Tensors.Lazy;

namespace HybridAD.Tensors.Ops;

/// <summary>Σ of all elements, to a rank-0 tensor. On first-order values the primal and its tangent are summed
/// in one fused pass (<see cref="TryForward"/>).</summary>
internal sealed class SumAllOp : TensorOp
{
    internal static readonly SumAllOp Instance = new();
    internal override string Name => "sum";

    internal override Tensor Primal(Tensor[] x) => Tensor.Own([Evaluator.Sum(x[0].Values)], Shapes.ScalarShape);

    internal override bool TryForward(Tensor[] x, Tensor?[] dx, out Tensor y, out Tensor? dy)
    {
        Tensor? d = dx[0];
        if (x[0].Key != 0 || d is null || d.Key != 0 || Batched(d, x[0]))
        {
            y = null!;
            dy = null;
            return false;
        }
        var (s, t) = Evaluator.Sum2(x[0].Values, d.Values);
        y = Tensor.Own([s], Shapes.ScalarShape);
        dy = Tensor.Own([t], Shapes.ScalarShape);
        return true;
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y) =>
        Batched(dx[0], x[0]) ? Tensor.SumTo(dx[0]!, [dx[0]!.Dims[^1]]) : Apply(Instance, dx[0]!);

    internal override void Vjp(Tensor[] x, Tensor y, Tensor dy, Tensor?[] dx, bool[] need) =>
        dx[0] = Tensor.BroadcastTo(dy, Pointwise.DerivShape(x[0].Dims, dy, y));

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Elementwise(x[0].Length);
}
