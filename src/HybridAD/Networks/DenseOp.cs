using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using HybridAD.Core;
using HybridAD.Kernels;
using HybridAD.Tensors.Ops;
using HybridAD.Training;

namespace HybridAD.Networks;

/// <summary>
/// A dense layer and the elementwise activation after it as one primitive: Y = σ(X·Wᵀ + b) for a batch X [N, in],
/// W [out, in], b [out], σ ∈ {identity, sigmoid, tanh, ReLU}. Declared once like every tensor primitive — primal, JVP
/// and VJP side by side — so a network's gradient still comes from the reverse sweep of <see cref="TensorAD"/>; the
/// fusion only saves the passes, arrays and tape records of the separate matmul, bias add and activation.
/// </summary>
/// <remarks>
/// <para>Primal: one GEMM into the output, then one pass per row adding b and applying σ in place.</para>
/// <para>VJP (first order): G_z = Ḡ ⊙ σ′ written from Y (ReLU: [Y &gt; 0]; tanh: 1 − Y²; sigmoid: Y(1 − Y)), then
/// X̄ = G_z·W (only when X needs it: the input batch of a network is a constant, so it gets no GEMM), W̄ = G_zᵀ·X and
/// b̄ = the column sums of G_z. A cotangent perturbed by an outer level, or carrying k directions, goes through the
/// composed tensor operations (themselves differentiable).</para>
/// <para>Inside a training step (<see cref="StepArena"/>) the output and every cotangent array are reused from step to
/// step.</para>
/// </remarks>
internal sealed class DenseOp : TensorOp
{
    private static readonly DenseOp[] Plain = [new(Activation.Identity, false), new(Activation.Sigmoid, false), new(Activation.Tanh, false), new(Activation.Relu, false)];
    private static readonly DenseOp[] Lending = [new(Activation.Identity, true), new(Activation.Sigmoid, true), new(Activation.Tanh, true), new(Activation.Relu, true)];

    private readonly Activation _activation;
    private readonly bool _lend;

    private DenseOp(Activation activation, bool lend)
    {
        _activation = activation;
        _lend = lend;
    }

    /// <summary>True for the activations this primitive fuses (the elementwise ones).</summary>
    internal static bool Fuses(Activation a) => a is Activation.Identity or Activation.Sigmoid or Activation.Tanh or Activation.Relu;

    internal override string Name => _activation == Activation.Identity ? "dense" : "dense+" + _activation.Name();

    /// <summary>
    /// σ(X·Wᵀ + b) as one recorded operation when that is exactly equivalent to the composition and first order:
    /// X a batch (rank 2), and every input either a constant or a value of the innermost level, which is a reverse
    /// (tape) level, with a constant primal. Returns null otherwise (the caller composes the separate operations, which
    /// handle forward mode, nesting and blocks of directions).
    /// </summary>
    internal static Tensor? TryApply(Tensor x, Tensor w, Tensor b, Activation activation)
    {
        if (x.Rank != 2 || w.Rank != 2 || b.Rank != 1 || !Fuses(activation)) return null;
        if (x.Dims[1] != w.Dims[1] || b.Dims[0] != w.Dims[0]) return null; // the composition reports the mismatch
        long top = Math.Max(x.Key, Math.Max(w.Key, b.Key));
        if (!FirstOrder(x, top) || !FirstOrder(w, top) || !FirstOrder(b, top)) return null;
        if (top != 0 && !LevelTable.Get(top).IsTape) return null;
        int index = (int)activation;
        DenseOp op = StepArena.LendsForward(top) ? Lending[index] : Plain[index];
        return Apply(op, x, w, b);
    }

    private static bool FirstOrder(Tensor t, long top) => t.Key == 0 || (t.Key == top && t.Lower!.Key == 0);

    internal override Tensor Primal(Tensor[] x)
    {
        Tensor a = x[0], w = x[1], b = x[2];
        int n = a.Dims[0], inputs = a.Dims[1], outputs = w.Dims[0];
        double[] y = StepArena.Take(n * outputs, _lend);
        Gemm.Multiply(false, true, n, outputs, inputs, 1, a.Values.Span, inputs, w.Values.Span, inputs, 0, y, outputs);
        ReadOnlySpan<double> bias = b.Values.Span;
        for (int i = 0; i < n; i++)
        {
            Span<double> row = y.AsSpan(i * outputs, outputs);
            TensorPrimitives.Add(row, bias, row);
            switch (_activation)
            {
                case Activation.Relu:
                    TensorPrimitives.Max(row, 0.0, row); // max(z, 0), NaN stays NaN (the ReLU rule's primal)
                    break;
                case Activation.Tanh:
                    TensorPrimitives.Tanh(row, row);
                    break;
                case Activation.Sigmoid:
                    TensorPrimitives.Sigmoid(row, row);
                    break;
            }
        }
        return Tensor.Own(y, [n, outputs]);
    }

    /// <summary>σ′ as a function of the output y.</summary>
    private static double Slope(Activation a, double y) => a switch
    {
        Activation.Relu => y > 0 ? 1.0 : 0.0,
        Activation.Tanh => 1 - y * y,
        Activation.Sigmoid => y * (1 - y),
        _ => 1.0,
    };

    /// <summary>σ′(Y) as a constant tensor (null for the identity).</summary>
    private Tensor? Slopes(Tensor y)
    {
        if (_activation == Activation.Identity) return null;
        ReadOnlySpan<double> v = y.Values.Span;
        var s = GC.AllocateUninitializedArray<double>(v.Length);
        for (int i = 0; i < s.Length; i++) s[i] = Slope(_activation, v[i]);
        return Tensor.Own(s, y.Dims);
    }

    internal override Tensor? Jvp(Tensor[] x, Tensor?[] dx, Tensor y)
    {
        // Ż = Ẋ·Wᵀ + X·Ẇᵀ + ḃ, then Ẏ = σ′ ⊙ Ż (a block of k directions keeps its trailing axis).
        Tensor? z = MatMulOp.NT.Jvp([x[0], x[1]], [dx[0], dx[1]], y);
        if (dx[2] is { } db) z = z is null ? Tensor.Zeros(y.Dims) + db : z + db;
        if (z is null) return null;
        Tensor? s = Slopes(y);
        if (s is null) return z;
        return z.Rank == y.Rank ? s * z : s.Reshape(y.Dims[0], y.Dims[1], 1) * z;
    }

    internal override void Vjp(Tensor[] x, Tensor y, Tensor g, Tensor?[] dx, bool[] need)
    {
        Tensor a = x[0], w = x[1];
        if (g.Key != 0 || g.Rank != y.Rank || a.Key != 0 || w.Key != 0 || y.Key != 0)
        {
            ComposedVjp(x, y, g, dx, need);
            return;
        }
        int n = a.Dims[0], inputs = a.Dims[1], outputs = w.Dims[0];
        ReadOnlySpan<double> gv = g.Values.Span;
        ReadOnlySpan<double> gz = gv;
        if (_activation != Activation.Identity)
        {
            double[] t = StepArena.TakeForSweep(gv.Length);
            SlopeTimes(_activation, y.Values.Span, gv, t);
            gz = t;
        }
        if (need[0])
        {
            double[] r = StepArena.TakeForSweep(n * inputs);
            Gemm.Multiply(false, false, n, inputs, outputs, 1, gz, outputs, w.Values.Span, inputs, 0, r, inputs);
            dx[0] = Tensor.Own(r, a.Dims);
        }
        if (need[1])
        {
            double[] r = StepArena.TakeForSweep(outputs * inputs);
            Gemm.Multiply(true, false, outputs, inputs, n, 1, gz, outputs, a.Values.Span, inputs, 0, r, inputs);
            dx[1] = Tensor.Own(r, w.Dims);
        }
        if (need[2])
        {
            double[] r = StepArena.TakeForSweep(outputs);
            r.AsSpan().Clear();
            for (int i = 0; i < n; i++) TensorPrimitives.Add(r, gz.Slice(i * outputs, outputs), r);
            dx[2] = Tensor.Own(r, x[2].Dims);
        }
    }

    /// <summary>t = σ′(y) ⊙ g elementwise, σ′ written from the output y (vectorized; the same value per element as
    /// <see cref="Slope"/> times g).</summary>
    private static void SlopeTimes(Activation a, ReadOnlySpan<double> y, ReadOnlySpan<double> g, Span<double> t)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var one = Vector256.Create(1.0);
            for (; i + 4 <= t.Length; i += 4)
            {
                var yv = Vector256.Create(y.Slice(i, 4));
                var gv = Vector256.Create(g.Slice(i, 4));
                Vector256<double> r = a switch
                {
                    Activation.Relu => Vector256.ConditionalSelect(Vector256.GreaterThan(yv, Vector256<double>.Zero), gv, Vector256<double>.Zero),
                    Activation.Tanh => gv * (one - yv * yv),
                    _ => gv * (yv * (one - yv)),
                };
                r.CopyTo(t.Slice(i, 4));
            }
        }
        for (; i < t.Length; i++)
            t[i] = a switch
            {
                Activation.Relu => y[i] > 0 ? g[i] : 0.0,
                Activation.Tanh => g[i] * (1 - y[i] * y[i]),
                _ => g[i] * (y[i] * (1 - y[i])),
            };
    }

    /// <summary>The VJP by the composed operations: G_z = Ḡ ⊙ σ′(Y), then the matmul's VJP and a column sum.</summary>
    private void ComposedVjp(Tensor[] x, Tensor y, Tensor g, Tensor?[] dx, bool[] need)
    {
        Tensor? s = Slopes(y);
        bool batched = g.Rank == y.Rank + 1;
        Tensor gz = s is null ? g : batched ? s.Reshape(y.Dims[0], y.Dims[1], 1) * g : s * g;
        if (need[0] || need[1])
        {
            var d = new Tensor?[2];
            MatMulOp.NT.Vjp([x[0], x[1]], y, gz, d, [need[0], need[1]]);
            dx[0] = d[0];
            dx[1] = d[1];
        }
        if (need[2]) dx[2] = Tensor.Sum(gz, 0);
    }

    internal override OpCost Cost(Tensor[] x, Tensor y)
    {
        double f = 2.0 * x[0].Dims[0] * x[0].Dims[1] * x[1].Dims[0];
        return new OpCost(f + 2.0 * y.Length, f + 3.0 * y.Length, 2 * f + 3.0 * y.Length, 8.0 * (x[0].Length + x[1].Length + y.Length));
    }
}
