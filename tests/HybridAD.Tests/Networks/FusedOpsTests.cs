using HybridAD.Networks;
using HybridAD.Training;

namespace HybridAD.Tests.Networks;

/// <summary>The fused dense+activation and cross-entropy primitives equal the composed tensor operations, in value
/// and in every derivative mode (the fused VJP, its composed fallback for blocks of directions and nested
/// cotangents, and the composed path the forward and nested modes take).</summary>
public class FusedOpsTests
{
    private static Tensor Batch(int rows, int cols, int salt) => NetworkTests.Batch(rows, cols, salt);

    private static Tensor Composed(Tensor x, Tensor w, Tensor b, Activation a) =>
        ActivationLayer.Run(a, Tensor.MatMul(x, w, false, true) + b);

    private static Tensor Fused(Tensor x, Tensor w, Tensor b, Activation a) =>
        Sequential.Of(Layers.Dense(w.Dim(0)), Layers.For(a)).Apply([w, b], x, RunMode.Inference);

    public static TheoryData<Activation, int, int, int> Cases => new()
    {
        { Activation.Relu, 5, 3, 4 },
        { Activation.Tanh, 1, 7, 2 },
        { Activation.Sigmoid, 3, 1, 1 },
        { Activation.Identity, 4, 6, 5 },
        { Activation.Tanh, 13, 9, 17 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DenseActivation_ValueAndGradients_EqualTheComposition(Activation a, int n, int inputs, int outputs)
    {
        Tensor x = Batch(n, inputs, 1), w = Batch(outputs, inputs, 2), b = Batch(1, outputs, 3).Reshape(outputs);
        Approx.Rel(Composed(x, w, b, a).ToArray(), Fused(x, w, b, a).ToArray(), 1e-14, "value");

        // Gradients of Σ u ⊙ Y for all three inputs (X too: its GEMM runs only when X is a variable).
        Tensor u = Batch(n, outputs, 4);
        Tensor[] g1 = TensorAD.Grad(p => Tensor.Sum(u * Composed(p[0], p[1], p[2], a)), x, w, b);
        Tensor[] g2 = TensorAD.Grad(p => Tensor.Sum(u * Fused(p[0], p[1], p[2], a)), x, w, b);
        for (int i = 0; i < 3; i++) Approx.Rel(g1[i].ToArray(), g2[i].ToArray(), 1e-12, $"gradient {i}");

        // The fused primitive is what was recorded.
        var ops = TensorAD.Profile(v => Fused(x, v, b, a), w);
        Assert.Contains(ops, o => o.Name == (a == Activation.Identity ? "dense" : "dense+" + a.Name()));
        Assert.DoesNotContain(ops, o => o.Name == "matmul");
    }

    [Fact]
    public void DenseActivation_JacobianBothModes_AndHessian_EqualTheComposition()
    {
        Tensor x = Batch(3, 4, 5), b = Batch(1, 2, 6).Reshape(2);
        Tensor w0 = Batch(2, 4, 7);
        // Reverse-mode Jacobian: blocks of cotangents through the fused VJP's composed fallback.
        foreach (var mode in new[] { JacobianMode.Reverse, JacobianMode.Forward })
        {
            Tensor j1 = TensorAD.Jacobian(v => Composed(x, v.Reshape(2, 4), b, Activation.Tanh).Reshape(6), w0.Reshape(8), mode);
            Tensor j2 = TensorAD.Jacobian(v => Fused(x, v.Reshape(2, 4), b, Activation.Tanh).Reshape(6), w0.Reshape(8), mode);
            Approx.Rel(j1.ToArray(), j2.ToArray(), 1e-12, mode.ToString());
        }
        // Hessian (nested): the composed path under nesting, equal to the composition.
        Scalar F(Tensor v, Func<Tensor, Tensor, Tensor, Activation, Tensor> layer) => Tensor.Sum(Tensor.Square(layer(x, v.Reshape(2, 4), b, Activation.Sigmoid)));
        Approx.Rel(TensorAD.Hessian(v => F(v, Composed), w0.Reshape(8)).ToArray(), TensorAD.Hessian(v => F(v, Fused), w0.Reshape(8)).ToArray(), 1e-12, "hessian");
    }

    [Fact]
    public void DenseActivation_NestedCotangent_IsDifferentiated()
    {
        // d/ds of the gradient of s·Σ relu(XWᵀ + b) w.r.t. W: the cotangent reaching the fused op carries s.
        Tensor x = Batch(4, 3, 8), w0 = Batch(2, 3, 9), b = Batch(1, 2, 10).Reshape(2);
        Tensor Inner(Tensor s, Func<Tensor, Tensor, Tensor, Activation, Tensor> layer) =>
            TensorAD.Grad(w => s.ToScalar() * Tensor.Sum(layer(x, w, b, Activation.Relu)), w0);
        Tensor d1 = TensorAD.Jacobian(s => Inner(s, Composed).Reshape(6), Tensor.Vector(1.5), JacobianMode.Forward);
        Tensor d2 = TensorAD.Jacobian(s => Inner(s, Fused).Reshape(6), Tensor.Vector(1.5), JacobianMode.Forward);
        Approx.Rel(d1.ToArray(), d2.ToArray(), 1e-12);
        Assert.Contains(d2.ToArray(), v => v != 0);
    }

    [Fact]
    public void CrossEntropy_ValueAndGradient_EqualTheComposition_SoftTargetsAndLargeLogits()
    {
        Tensor z = Batch(4, 3, 11) * 40.0; // logits up to ±40: the max shift keeps everything finite
        Tensor c = Tensor.FromArray([1, 0, 0, 0.25, 0.75, 0, 0, 0, 1, 0.5, 0.5, 0.5], 4, 3); // the last row sums to 1.5
        static Scalar ComposedCe(Tensor z, Tensor c) => -Tensor.Sum(Tensor.MulZ(c, Tensor.LogSoftmax(z, -1))) / z.Dim(0);
        var (v1, g1) = TensorAD.ValueAndGrad(t => ComposedCe(t, c), z);
        var (v2, g2) = TensorAD.ValueAndGrad(t => Losses.CrossEntropy(t, c), z);
        Approx.Rel(v1.Value, v2.Value, 1e-13, "value");
        Approx.Rel(v1.Value, Losses.CrossEntropy(z, c).Value, 1e-13, "constant value");
        // Entries are O(1/N); the tiny probabilities (e^−80 and the like) agree to rounding at that scale.
        for (int i = 0; i < 12; i++) Approx.Abs(g1.ToArray()[i], g2.ToArray()[i], 1e-15, $"gradient[{i}]");
        Assert.Contains(TensorAD.Profile(t => Losses.CrossEntropy(t, c), z), o => o.Name == "cross_entropy");
        // log₂ divides by ln 2.
        Approx.Rel(v2.Value / Math.Log(2), Losses.CrossEntropy(z, c, LogBase.Two).Value, 1e-14, "bits");
        // Forward mode and the Hessian (nested) take the composed path and agree.
        Tensor u = Batch(4, 3, 12);
        var (_, t1) = TensorAD.Jvp(t => ComposedCe(t, c), z, u);
        var (_, t2) = TensorAD.Jvp(t => Losses.CrossEntropy(t, c), z, u);
        Approx.Rel(t1.Value, t2.Value, 1e-12, "jvp");
        Approx.Rel(TensorAD.Hessian(t => ComposedCe(t.Reshape(4, 3), c), z.Reshape(12)).ToArray(),
            TensorAD.Hessian(t => Losses.CrossEntropy(t.Reshape(4, 3), c), z.Reshape(12)).ToArray(), 1e-10, "hessian");
    }

    [Fact]
    public void Network_RecordsOneOperationPerDenseLayerAndOneForTheLoss()
    {
        var net = MlpWorkloads.DigitsNetwork();
        Parameters p = net.Init(seed: 1);
        Tensor x = Batch(5, 64, 13);
        var names = TensorAD.Profile(v => Tensor.FromScalar(Losses.CrossEntropy(net.Logits(p.Unflatten(v), x), Tensor.OneHot([1, 2, 3, 4, 5], 10))), Tensor.Vector(p.ToVector()))
            .Select(o => o.Name).ToArray();
        Assert.Contains("dense+tanh", names);
        Assert.Contains("dense+relu", names);
        Assert.Contains("dense", names);
        Assert.Contains("cross_entropy", names);
        Assert.DoesNotContain("log_softmax", names);
    }
}
