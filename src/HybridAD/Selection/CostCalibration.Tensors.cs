using HybridAD.Kernels;
using HybridAD.Tensors.Kernels;

namespace HybridAD.Selection;

// The tensor half of the calibration: what a GEMM flop, an elementwise element, a moved element, a recorded
// tensor operation and a block sweep cost on this machine. TensorProfile × these rates predicts a tensor Jacobian.
public sealed partial record CostCalibration
{
    /// <summary>ns per flop of a matrix product (the GEMM's sustained rate).</summary>
    public double NsPerGemmFlop { get; init; } = 0.025;

    /// <summary>ns per element of a matrix product's operands and result (packing, reading and writing: what makes
    /// thin products slower per flop than square ones).</summary>
    public double NsPerGemmElement { get; init; } = 0.4;

    /// <summary>How much slower a product with a transposed left operand (op(A)ᵀ·Ȳ, a pullback's) runs than a plain one.</summary>
    public double GemmTransposedFactor { get; init; } = 1.3;

    /// <summary>ns per element per flop of an elementwise tensor pass (a fused lazy expression).</summary>
    public double NsPerTensorElement { get; init; } = 0.5;

    /// <summary>ns per element of data movement (a copy or a transpose).</summary>
    public double NsPerMovedElement { get; init; } = 0.6;

    /// <summary>Fixed ns per tensor operation per pass (dispatch, allocation, the lazy node).</summary>
    public double NsPerTensorOp { get; init; } = 300;

    /// <summary>Fixed ns per forward block sweep over tensors (a Jvp call with a seed block).</summary>
    public double NsPerTensorForwardSweep { get; init; } = 1500;

    /// <summary>Fixed ns per reverse block sweep over tensors (a pullback of a seed block).</summary>
    public double NsPerTensorReverseSweep { get; init; } = 1500;

    /// <summary>The tensor rates on one line.</summary>
    public string TensorRates => FormattableString.Invariant(
        $"GEMM {1 / NsPerGemmFlop:F1} GFLOP/s + {NsPerGemmElement:F2} ns/element (transposed left x{GemmTransposedFactor:F2}), elementwise {NsPerTensorElement:F2} ns, moved {NsPerMovedElement:F2} ns, per op {NsPerTensorOp:F0} ns, per sweep forward {NsPerTensorForwardSweep:F0} / reverse {NsPerTensorReverseSweep:F0} ns");

    private bool TensorRatesPlausible()
    {
        static bool Ok(double v) => double.IsFinite(v) && v > 0;
        return Ok(NsPerGemmFlop) && Ok(NsPerGemmElement) && Ok(NsPerTensorElement) && Ok(NsPerMovedElement)
            && Ok(NsPerTensorOp) && Ok(GemmTransposedFactor) && Ok(NsPerTensorForwardSweep) && Ok(NsPerTensorReverseSweep);
    }

    private CostCalibration WithTensorRates(CostCalibration t) => this with
    {
        NsPerGemmFlop = t.NsPerGemmFlop,
        NsPerGemmElement = t.NsPerGemmElement,
        GemmTransposedFactor = t.GemmTransposedFactor,
        NsPerTensorElement = t.NsPerTensorElement,
        NsPerMovedElement = t.NsPerMovedElement,
        NsPerTensorOp = t.NsPerTensorOp,
        NsPerTensorForwardSweep = t.NsPerTensorForwardSweep,
        NsPerTensorReverseSweep = t.NsPerTensorReverseSweep,
    };

    /// <summary>
    /// Measures the tensor rates through the code the Jacobians run: two GEMMs of different shape (a square-ish and
    /// a thin one: their difference separates the per-flop from the per-element cost), a fused elementwise
    /// product over 64k elements, a transpose of 256×256, and forward and reverse Jacobians of two tiny
    /// functions (2 and 6 tensor operations: the slope prices an operation, the rest is the per-sweep cost).
    /// </summary>
    internal static class TensorCalibrator
    {
        internal static CostCalibration Run()
        {
            const int P = 64;
            var rng = new Random(7);
            double[] Fill(int len) { var a = new double[len]; for (int i = 0; i < len; i++) a[i] = rng.NextDouble() - 0.5; return a; }
            // GEMM shapes (M, P, N): S1 = 256×64×256, S2 = 8×64×2048.
            double[] a1 = Fill(256 * P), b1 = Fill(P * 256), c1 = new double[256 * 256];
            double[] a2 = Fill(8 * P), b2 = Fill(P * 2048), c2 = new double[8 * 2048];
            Action g1 = () => Gemm.Multiply(false, false, 256, 256, P, 1, a1, P, b1, 256, 0, c1, 256);
            double[] a3 = Fill(P * 256);
            Action g3 = () => Gemm.Multiply(true, false, 256, 256, P, 1, a3, 256, b1, 256, 0, c1, 256);
            Action g2 = () => Gemm.Multiply(false, false, 8, 2048, P, 1, a2, P, b2, 2048, 0, c2, 2048);
            Tensor u = Tensor.FromArray(Fill(65536), 256, 256), v = Tensor.FromArray(Fill(65536), 256, 256);
            Action elementwise = () => GC.KeepAlive((u * v).Values.Data);
            double[] src = Fill(65536), dst = new double[65536];
            Action move = () => Layout.Transpose(src, dst, 256, 256, 1);
            Tensor w = Tensor.FromArray(Fill(16), 4, 4), x = Tensor.FromArray(Fill(4), 4);
            Func<Tensor, Tensor> two = z => Tensor.Tanh(Tensor.MatMul(w, z));
            Func<Tensor, Tensor> six = z => Tensor.Tanh(Tensor.Tanh(Tensor.Tanh(Tensor.Tanh(Tensor.Tanh(Tensor.MatMul(w, z))))));
            Action f2 = () => TensorAD.Jacobian(two, x, JacobianMode.Forward);
            Action f6 = () => TensorAD.Jacobian(six, x, JacobianMode.Forward);
            Action r2 = () => TensorAD.Jacobian(two, x, JacobianMode.Reverse);
            Action r6 = () => TensorAD.Jacobian(six, x, JacobianMode.Reverse);
            Action[] all = [g1, g2, g3, elementwise, move, f2, f6, r2, r6];
            Calibrator.WarmUp(all, all);

            // The GEMM and the 64k-element passes run on every core: timed on the wall clock (see PerCallNs).
            double t1 = Calibrator.PerCallNs(g1, wallClock: true), t2 = Calibrator.PerCallNs(g2, wallClock: true);
            double fl1 = 2.0 * 256 * P * 256, el1 = 256 * P + P * 256 + 256 * 256;
            double fl2 = 2.0 * 8 * P * 2048, el2 = 8 * P + P * 2048 + 8 * 2048;
            // t = a·flops + b·elements for both shapes; keep both rates positive (a noisy run may not).
            double det = fl1 * el2 - fl2 * el1;
            double perFlop = (t1 * el2 - t2 * el1) / det, perElement = (fl1 * t2 - fl2 * t1) / det;
            if (!(perFlop > 0) || !(perElement > 0))
            {
                perFlop = 0.7 * t1 / fl1;
                perElement = Math.Max(0.05, (t2 - perFlop * fl2) / el2);
            }
            double t3 = Calibrator.PerCallNs(g3, wallClock: true);
            double tElem = Calibrator.PerCallNs(elementwise, wallClock: true) / 65536;
            double tMove = Calibrator.PerCallNs(move, wallClock: true) / 65536;
            double tf2 = Calibrator.PerCallNs(f2), tf6 = Calibrator.PerCallNs(f6);
            double tr2 = Calibrator.PerCallNs(r2), tr6 = Calibrator.PerCallNs(r6);
            double perOp = Math.Max(20, ((tf6 - tf2) + (tr6 - tr2)) / 16); // 4 more ops, each visited twice per mode
            return Reference with
            {
                NsPerGemmFlop = perFlop,
                NsPerGemmElement = perElement,
                GemmTransposedFactor = Math.Clamp(t3 / t1, 0.5, 4),
                NsPerTensorElement = tElem,
                NsPerMovedElement = tMove,
                NsPerTensorOp = perOp,
                NsPerTensorForwardSweep = Math.Max(50, tf2 - 4 * perOp),
                NsPerTensorReverseSweep = Math.Max(50, tr2 - 4 * perOp),
            };
        }
    }
}
