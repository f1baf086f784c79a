using HybridAD.Core;
using HybridAD.Tensors.Ops;
using HybridAD.Training;

namespace HybridAD.Networks;

/// <summary>
/// Mean cross-entropy from logits as one primitive: ℓ(Z) = (1/N) Σᵢ Σⱼ cᵢⱼ·(logsumexp(zᵢ) − zᵢⱼ) for logits Z [N, k]
/// and constant targets C [N, k] (0·log 0 = 0: a zero target contributes nothing). Declared once — primal, JVP, VJP —
/// it replaces the log_softmax, product and sum records of the composed loss by one.
/// </summary>
/// <remarks>∂ℓ/∂zᵢⱼ = (σ₁(zᵢ)ⱼ·Σₘ cᵢₘ − cᵢⱼ)/N, written into one array (the softmax minus the targets for one-hot rows).
/// The logsumexp is max-shifted, so large logits neither overflow nor lose the loss.</remarks>
internal sealed class CrossEntropyOp : TensorOp
{
    internal static readonly CrossEntropyOp Instance = new();

    internal override string Name => "cross_entropy";

    /// <summary>The fused loss when the logits are a first-order value of a reverse level (or a constant) and the
    /// targets a constant; null otherwise (the caller composes log_softmax, product and sum).</summary>
    internal static Tensor? TryApply(Tensor logits, Tensor c)
    {
        if (logits.Rank != 2 || c.Key != 0) return null;
        if (logits.Key != 0 && (logits.Lower!.Key != 0 || !LevelTable.Get(logits.Key).IsTape)) return null;
        return Apply(Instance, logits, c);
    }

    internal override Tensor Primal(Tensor[] x)
    {
        ReadOnlySpan<double> z = x[0].Values.Span, c = x[1].Values.Span;
        int n = x[0].Dims[0], k = x[0].Dims[1];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> zi = z.Slice(i * k, k), ci = c.Slice(i * k, k);
            double lse = LogSumExp(zi);
            for (int j = 0; j < k; j++)
                if (ci[j] != 0) total += ci[j] * (lse - zi[j]);
        }
        return Tensor.Own([total / n], Tensors.Shapes.ScalarShape);
    }

    private static double LogSumExp(ReadOnlySpan<double> z)
    {
        double m = double.NegativeInfinity;
        foreach (double v in z) m = Math.Max(m, v);
        if (double.IsInfinity(m)) return m;
        double s = 0;
        foreach (double v in z) s += Math.Exp(v - m);
        return m + Math.Log(s);
    }

    /// <summary>∂ℓ/∂Z as a constant [N, k] array.</summary>
    private static double[] Slopes(Tensor zt, Tensor ct, bool lend)
    {
        ReadOnlySpan<double> z = zt.Values.Span, c = ct.Values.Span;
        int n = zt.Dims[0], k = zt.Dims[1];
        double[] d = StepArena.Take(n * k, lend);
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> zi = z.Slice(i * k, k), ci = c.Slice(i * k, k);
            Span<double> di = d.AsSpan(i * k, k);
            double lse = LogSumExp(zi), mass = 0;
            foreach (double v in ci) mass += v;
            for (int j = 0; j < k; j++) di[j] = (Math.Exp(zi[j] - lse) * mass - ci[j]) / n;
        }
        return d;
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        if (dx[1] is not null) throw new InvalidOperationException("cross_entropy: the targets must be constants.");
        if (dx[0] is not { } dz) return null;
        Tensor slopes = Tensor.Own(Slopes(x[0], x[1], false), x[0].Dims);
        // ℓ̇ = Σ ∂ℓ/∂z ⊙ ż (over the two axes of Z; a block of k directions keeps its trailing axis).
        return dz.Rank == 2 ? Tensor.SumAll(slopes * dz) : Tensor.Sum(Tensor.Sum(slopes.Reshape(x[0].Dims[0], x[0].Dims[1], 1) * dz, 0), 0);
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor g, Tensor?[] dx, bool[] need)
    {
        if (need[1]) throw new InvalidOperationException("cross_entropy: the targets must be constants.");
        if (!need[0]) return;
        if (g.Key == 0 && g.Rank == 0)
        {
            double[] d = Slopes(x[0], x[1], StepArena.Current is { Sweeping: true });
            double gv = g.Values.Span[0];
            if (gv != 1) System.Numerics.Tensors.TensorPrimitives.Multiply(d, gv, d);
            dx[0] = Tensor.Own(d, x[0].Dims);
            return;
        }
        Tensor slopes = Tensor.Own(Slopes(x[0], x[1], false), x[0].Dims);
        dx[0] = g.Rank == 0 ? slopes * g : slopes.Reshape(x[0].Dims[0], x[0].Dims[1], 1) * g;
    }

    internal override OpCost Cost(Tensor[] x, Tensor y) => OpCost.Elementwise(x[0].Length, 25, 2);
}
