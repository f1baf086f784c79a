using FsCheck;
using FsCheck.Fluent;
using HybridAD.Networks;
using HybridAD.Training;

namespace HybridAD.Properties.Networks;

/// <summary>
/// Properties of networks as functions, over random architectures, weights and batches: the tensor network equals
/// the plain-double reference row by row; the reverse-mode parameter gradient of the cross-entropy equals central
/// finite differences; flattening and rebuilding the parameter tree is the identity; Dense and DenseExtended are
/// the same function.
/// </summary>
public class NetworkProperties
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(40).WithQuietOnSuccess(true);

    private static Arbitrary<int> Seeds => Gen.Choose(0, int.MaxValue - 1).ToArbitrary();

    private static readonly Activation[] Hidden = [Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.Relu];

    /// <summary>A random MLP (1–3 layers, widths 1–5, any hidden activation, softmax or identity output), its
    /// parameters with random biases, and a random batch.</summary>
    private static (Network Net, Parameters P, Tensor X) Sample(int seed, Activation? output = null)
    {
        var rng = new Prng(seed);
        int inputs = 1 + rng.NextInt(5), depth = 1 + rng.NextInt(3);
        var layers = new List<LayerSpec>();
        for (int i = 0; i < depth - 1; i++) layers.Add(new LayerSpec(1 + rng.NextInt(5), Hidden[rng.NextInt(Hidden.Length)]));
        layers.Add(new LayerSpec(2 + rng.NextInt(3), output ?? (rng.NextInt(2) == 0 ? Activation.Softmax : Activation.Identity)));
        var net = Network.FromArchitecture(new Architecture(inputs, [.. layers]));
        var p = net.Init(seed, biases: Initializer.Uniform(-1, 1));
        int rows = 1 + rng.NextInt(4);
        var x = new double[rows * inputs];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextUniform(-2, 2);
        return (net, p, Tensor.FromArray(x, rows, inputs));
    }

    [Fact]
    public void Network_EqualsThePlainDoubleReference_RowByRow() =>
        FsCheck.Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var (net, p, x) = Sample(seed);
            var w = net.ToWeights(p);
            double[] y = net.Apply(p, x).ToArray(), xs = x.ToArray();
            int rows = x.Dim(0), outs = net.Outputs;
            for (int r = 0; r < rows; r++)
            {
                double[] expected = w.Evaluate(xs.AsSpan(r * net.Inputs, net.Inputs));
                for (int j = 0; j < outs; j++)
                    Assert.True(Math.Abs(expected[j] - y[r * outs + j]) <= 1e-12 * (1 + Math.Abs(expected[j])), $"row {r}, output {j}");
            }
        }));

    [Fact]
    public void CrossEntropyGradient_EqualsCentralFiniteDifferences() =>
        FsCheck.Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var (net, p, x) = Sample(seed, Activation.Softmax);
            var rng = new Prng(seed, 1);
            var labels = new int[x.Dim(0)];
            for (int i = 0; i < labels.Length; i++) labels[i] = rng.NextInt(net.Outputs);
            Scalar Loss(Parameters q) => Losses.CrossEntropy(net.Logits(q, x), labels) + Regularization.L2(q, 0.1, 3);
            double[] g = Parameters.Grad(Loss, p).ToVector(), theta = p.ToVector();
            for (int i = 0; i < theta.Length; i++)
            {
                const double h = 1e-5;
                double[] up = (double[])theta.Clone(), down = (double[])theta.Clone();
                up[i] += h;
                down[i] -= h;
                double fd = (Loss(p.WithVector(up)).Value - Loss(p.WithVector(down)).Value) / (2 * h);
                // ReLU kinks: a coordinate whose ±h straddles a kink gets a one-sided mix; allow it only there.
                bool kink = net.Architecture!.Layers.Any(l => l.Activation == Activation.Relu);
                double tol = kink ? 1e-4 : 1e-6;
                Assert.True(Math.Abs(fd - g[i]) <= 1e-8 + tol * Math.Max(1, Math.Abs(fd)), $"parameter {i}: AD {g[i]:R}, FD {fd:R}");
            }
        }));

    [Fact]
    public void Flatten_Unflatten_AndDenseExtended_AreIdentities() =>
        FsCheck.Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var (net, p, x) = Sample(seed);
            Assert.True(p.WithVector(p.ToVector()).BitEquals(p));
            Assert.Equal(p.ToVector(), p.Unflatten(Tensor.Vector(p.ToVector())).ToVector());
            Assert.Equal(net.ToWeights(p).ToVector(), p.ToVector());
            // The notes' x₀ = 1 form of the same network computes the same outputs.
            var arch = net.Architecture!;
            var parts = new List<Layer>();
            foreach (var l in arch.Layers)
            {
                parts.Add(Layers.DenseExtended(l.Outputs));
                if (l.Activation != Activation.Identity) parts.Add(Layers.For(l.Activation));
            }
            var notes = Network.Create(arch.Inputs, Layers.Compose([.. parts]));
            var q = notes.FromWeights(net.ToWeights(p));
            double[] a = net.Apply(p, x).ToArray(), b = notes.Apply(q, x).ToArray();
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-13 * (1 + Math.Abs(a[i])), $"output {i}");
        }));
}
