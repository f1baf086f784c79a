using System.Collections.Immutable;
using HybridAD.Checking;
using HybridAD.Data;
using HybridAD.Networks;
using HybridAD.Training;

namespace HybridAD.Tests.Networks;

public class NetworkTests
{
    private static Network Digits() =>
        Network.Create(64, Layers.Dense(64) >> Layers.Tanh >> Layers.Dense(32) >> Layers.Relu >> Layers.Dense(10) >> Layers.Softmax);

    /// <summary>A deterministic batch of <paramref name="rows"/> × <paramref name="cols"/> values in about [−1, 1].</summary>
    internal static Tensor Batch(int rows, int cols, int salt = 0)
    {
        var d = new double[rows * cols];
        for (int i = 0; i < d.Length; i++) d[i] = Math.Sin(0.7 * i + 1.3 * salt + 0.1);
        return Tensor.FromArray(d, rows, cols);
    }

    [Fact]
    public void Composition_DeclaresNamedParametersInMlpWeightsOrder()
    {
        var net = Digits();
        Assert.Equal(
            ["dense1.W", "dense1.b", "dense2.W", "dense2.b", "dense3.W", "dense3.b"],
            net.ParameterSpecs.Select(s => s.Name));
        Assert.Equal([32, 64], net.ParameterSpecs[2].Shape.ToArray());
        Assert.Equal(6570, net.ParameterCount);
        Assert.Equal(10, net.Outputs);
        Assert.Equal(Activation.Softmax, net.Head);
        Assert.Equal(Architecture.Parse(64, "64:tanh,32:relu,10:softmax"), net.Architecture);
        Assert.Equal("64 → dense(64) → tanh → dense(32) → relu → dense(10) → softmax", net.ToString());

        // >> is associative and flattens: the same network either way.
        var other = Network.Create(64, Layers.Dense(64) >> (Layers.Tanh >> (Layers.Dense(32) >> Layers.Relu)) >> Layers.Compose(Layers.Dense(10), Layers.Softmax));
        Assert.Equal(net.ToString(), other.ToString());
    }

    [Fact]
    public void Init_EqualsMlpWeightsInitialize_AndTheFlatOrderMatches()
    {
        var net = Digits();
        Parameters p = net.Init(seed: 7);
        MlpWeights w = MlpWeights.Initialize(net.Architecture!, seed: 7);
        Assert.Equal(w.ToVector(), p.ToVector());
        Assert.True(net.FromWeights(w).BitEquals(p));
        Assert.Equal(w, net.ToWeights(p));
        // Biases start at zero; He (ReLU layer 2) is wider than Xavier (tanh layer 1) for these fans.
        Assert.All(p["dense1.b"].ToArray(), v => Assert.Equal(0.0, v));
        Assert.InRange(p["dense2.W"].ToArray().Max(Math.Abs), 0.2, Math.Sqrt(6.0 / 64));
    }

    [Fact]
    public void Apply_OnABatch_EqualsThePlainDoubleReference_RowByRow()
    {
        var net = Digits();
        Parameters p = net.Init(seed: 3);
        MlpWeights w = net.ToWeights(p);
        Tensor x = Batch(5, 64);
        double[] y = net.Apply(p, x).ToArray();
        double[] xs = x.ToArray();
        for (int r = 0; r < 5; r++)
        {
            double[] expected = w.Evaluate(xs.AsSpan(r * 64, 64));
            for (int j = 0; j < 10; j++) Assert.Equal(expected[j], y[r * 10 + j], 1e-14);
        }
        // A vector is one example: the same numbers as its row.
        double[] one = net.Apply(p, Tensor.FromArray(xs[..64])).ToArray();
        for (int j = 0; j < 10; j++) Assert.Equal(y[j], one[j], 1e-14);
        // Softmax rows sum to one; the logits are the pre-softmax outputs.
        for (int r = 0; r < 5; r++) Assert.Equal(1.0, y.AsSpan(r * 10, 10).ToArray().Sum(), 1e-12);
        double[] z = net.Logits(p, x).ToArray();
        double m = z.AsSpan(0, 10).ToArray().Max(), s = z.AsSpan(0, 10).ToArray().Sum(v => Math.Exp(v - m));
        Assert.Equal(Math.Exp(z[3] - m) / s, y[3], 1e-14);
    }

    [Fact]
    public void DenseExtended_IsTheSameFunctionAsDense_WithTheBiasInColumnZero()
    {
        var dense = Network.Create(4, Layers.Dense(5) >> Layers.Tanh >> Layers.Dense(3));
        var notes = Network.Create(4, Layers.DenseExtended(5) >> Layers.Tanh >> Layers.DenseExtended(3));
        Assert.Equal(["dense1.W", "dense2.W"], notes.ParameterSpecs.Select(s => s.Name));
        Assert.Equal([5, 5], notes.ParameterSpecs[0].Shape.ToArray());
        var pd = dense.Init(seed: 5, biases: Initializer.Uniform(-1, 1));
        var pn = notes.Init(seed: 5, biases: Initializer.Uniform(-1, 1));
        Assert.Equal(dense.ToWeights(pd), notes.ToWeights(pn));
        Assert.Equal(pd["dense1.b"][2], pn["dense1.W"][2, 0]);
        Assert.Equal(pd["dense1.W"][2, 3], pn["dense1.W"][2, 4]);
        Tensor x = Batch(6, 4);
        double[] a = dense.Apply(pd, x).ToArray(), b = notes.Apply(pn, x).ToArray();
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 1e-14);
        Assert.Equal(dense.Apply(pd, x[..1].Reshape(4)).ToArray()[1], notes.Apply(pn, x[..1].Reshape(4)).ToArray()[1], 1e-14);
        Assert.True(notes.FromWeights(dense.ToWeights(pd)).BitEquals(pn));
    }

    [Fact]
    public void ParameterGradient_EqualsCentralFiniteDifferences()
    {
        // 3 → 4 tanh → 3 relu → 2 softmax with cross-entropy and an L2 term: every parameter's derivative by reverse
        // mode against (f(θ + h·eᵢ) − f(θ − h·eᵢ)) / 2h on the flattened vector.
        var net = Network.Create(3, Layers.Dense(4) >> Layers.Tanh >> Layers.Dense(3) >> Layers.Sigmoid >> Layers.Dense(2) >> Layers.Softmax);
        Parameters p = net.Init(seed: 11, biases: Initializer.Uniform(-0.5, 0.5));
        Tensor x = Batch(5, 3);
        Tensor c = Tensor.OneHot([0, 1, 1, 0, 1], 2);
        Scalar Loss(Parameters q) => Losses.CrossEntropy(net.Logits(q, x), c) + Regularization.L2(q, 0.3, 5);

        var (value, grad) = Parameters.ValueAndGrad(Loss, p);
        Assert.Equal(["dense1.W", "dense1.b", "dense2.W", "dense2.b", "dense3.W", "dense3.b"], grad.Specs.Select(s => s.Name));
        double[] g = grad.ToVector(), theta = p.ToVector();
        Assert.Equal(Loss(p).Value, value.Value);
        for (int i = 0; i < theta.Length; i++)
        {
            const double h = 1e-5;
            double[] up = (double[])theta.Clone(), down = (double[])theta.Clone();
            up[i] += h;
            down[i] -= h;
            double fd = (Loss(p.WithVector(up)).Value - Loss(p.WithVector(down)).Value) / (2 * h);
            Assert.True(Math.Abs(fd - g[i]) <= 1e-8 + 1e-6 * Math.Abs(fd), $"parameter {i}: AD {g[i]}, finite differences {fd}");
        }

        // The same gradient through the flat vector (Unflatten is differentiable), as a checker would use it.
        Tensor flat = TensorAD.Grad(v => Loss(p.Unflatten(v)), Tensor.Vector(theta));
        Assert.Equal(g, flat.ToArray());

        // The checker (HybridAD.Checking): the training path's tensor gradient against its finite differences, and
        // the loss as a function of scalars (tensors built from them) differentiated by scalar reverse mode.
        Scalar OfScalars(Scalar[] xs) => Loss(p.Unflatten(Tensor.FromScalars(xs)));
        var user = Checker.CheckUserGradient(OfScalars, th => Parameters.Grad(Loss, p.WithVector(th)).ToVector(), theta);
        Assert.True(user.Passed, user.ToString());
        var scalar = Checker.CheckGrad(OfScalars, theta);
        Assert.True(scalar.Passed, scalar.ToString());
        Assert.Equal(theta.Length, scalar.Count);
    }

    [Fact]
    public void OutputJacobian_WithRespectToTheFlatParameters_EqualsFiniteDifferences()
    {
        var net = Network.Create(2, Layers.Dense(3) >> Layers.Tanh >> Layers.Dense(2));
        Parameters p = net.Init(seed: 2, biases: Initializer.Uniform(-1, 1));
        Tensor x = Tensor.Vector(0.3, -0.8);
        double[] theta = p.ToVector();
        Tensor j = TensorAD.Jacobian(v => net.Apply(p.Unflatten(v), x), Tensor.Vector(theta));
        Assert.Equal([2, theta.Length], j.Shape.ToArray());
        for (int i = 0; i < theta.Length; i++)
        {
            const double h = 1e-6;
            double[] up = (double[])theta.Clone(), down = (double[])theta.Clone();
            up[i] += h;
            down[i] -= h;
            double[] yu = net.Apply(p.WithVector(up), x).ToArray(), yd = net.Apply(p.WithVector(down), x).ToArray();
            for (int o = 0; o < 2; o++) Assert.Equal((yu[o] - yd[o]) / (2 * h), j[o, i], 1e-8);
        }
    }

    [Fact]
    public void Parameters_AreATree_FlattenAndRebuild()
    {
        var net = Digits();
        Parameters p = net.Init(seed: 1);
        Assert.Equal(["dense1", "dense2", "dense3"], p.Groups.ToArray());
        Parameters d2 = p.Group("dense2");
        Assert.Equal(["W", "b"], d2.Specs.Select(s => s.Name));
        Assert.Same(p["dense2.W"], d2["W"]);
        Assert.Equal(64 * 64 + 64, p.OffsetOf(2));
        double[] v = p.ToVector();
        v[p.OffsetOf(2)] = 123;
        Parameters q = p.WithVector(v);
        Assert.Equal(123, q["dense2.W"][0, 0]);
        Assert.NotEqual(123, p["dense2.W"][0, 0]); // immutable: the original is untouched
        Assert.False(q.BitEquals(p));
        Assert.True(p.WithVector(p.ToVector()).BitEquals(p));

        var e = Assert.Throws<KeyNotFoundException>(() => p["dense4.W"]);
        Assert.Contains("dense3.b", e.Message);
        var s = Assert.Throws<ArgumentException>(() => p.With([.. p.Tensors.Take(5), Tensor.Zeros(9)]));
        Assert.Contains("'dense3.b' has shape [9]; expected [10]", s.Message);
        var l = Assert.Throws<ArgumentException>(() => p.WithVector(new double[10]));
        Assert.Contains("expected 6570", l.Message);
    }

    [Fact]
    public void BadInputs_AreClearErrors()
    {
        var net = Digits();
        var p = net.Init(1);
        var e = Assert.Throws<ArgumentException>(() => net.Apply(p, Batch(2, 63)));
        Assert.Contains("[2, 63]; expected [N, 64]", e.Message);
        var other = Network.Create(64, Layers.Dense(10) >> Layers.Softmax).Init(1);
        e = Assert.Throws<ArgumentException>(() => net.Apply(other, Batch(2, 64)));
        Assert.Contains("2 parameter tensors given", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Layers.Dropout(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Layers.Dense(0));

        // Not an MLP: two activations in a row have no model-file form.
        var odd = Network.Create(3, Layers.Dense(2) >> Layers.Tanh >> Layers.Relu);
        Assert.Null(odd.Architecture);
        Assert.Throws<InvalidOperationException>(() => odd.ToWeights(odd.Init(1)));
        // An --init model that does not fit names the layer and both shapes.
        var small = MlpWeights.Initialize(Architecture.Parse(64, "64:tanh,30:relu,10:softmax"), 1);
        var m = Assert.Throws<ModelFormatException>(() => net.FromWeights(small, "init.json"));
        Assert.Contains("layer 2: W is 30×64 and b has 30 values; expected W 32×64 and b 32", m.Message);
    }

    [Fact]
    public void Dropout_IsInvertedScaledSeededAndOnlyInTraining()
    {
        var drop = new Dropout(0.25);
        var net = Network.Create(8, Layers.Dense(8) >> Layers.Relu >> drop >> Layers.Dense(2));
        var p = net.Init(1);
        Tensor x = Batch(4, 8);
        Assert.Equal(net.Apply(p, x).ToArray(), Network.Create(8, Layers.Dense(8) >> Layers.Relu >> Layers.Dense(2)).Apply(p, x).ToArray());

        var mode = RunMode.Train(seed: 9, step: 4) with { LayerIndex = 2 };
        double[] m1 = drop.Mask([200, 50], mode).ToArray();
        Assert.Equal(m1, drop.Mask([200, 50], mode).ToArray());                          // seeded: repeatable
        Assert.NotEqual(m1, drop.Mask([200, 50], mode with { Step = 5 }).ToArray());     // a new mask each step
        Assert.All(m1, v => Assert.True(v == 0 || v == 1 / 0.75));                       // inverted scaling
        double kept = m1.Count(v => v != 0) / (double)m1.Length;
        Assert.InRange(kept, 0.73, 0.77);
        Assert.InRange(m1.Average(), 0.97, 1.03);                                        // E[mask] = 1

        // In training the network uses exactly that mask, and gradients flow only through kept units.
        var train = RunMode.Train(9, 4);
        Tensor h = Tensor.Relu(Tensor.MatMul(x, p["dense1.W"], false, true) + p["dense1.b"]);
        Tensor mask = drop.Mask([4, 8], train with { LayerIndex = 2 });
        double[] expected = (Tensor.MatMul(h * mask, p["dense2.W"], false, true) + p["dense2.b"]).ToArray();
        Assert.Equal(expected, net.Apply(p, x, train).ToArray());
        var g = Parameters.Grad(q => Tensor.Sum(net.Apply(q, x, train)), p);
        double[] gW2 = g["dense2.W"].ToArray(), hm = (h * mask).ToArray();
        for (int j = 0; j < 8; j++)
        {
            double colSum = 0;
            for (int r = 0; r < 4; r++) colSum += hm[r * 8 + j];
            Assert.Equal(colSum, gW2[j], 1e-12);
        }
    }

    [Fact]
    public void Classify_ArgMaxOrThreshold()
    {
        var net = Network.Create(2, Layers.Dense(3));
        var p = net.FromVector([1, 0, 0, 1, -1, -1, 0, 0, 0]);
        Assert.Equal([0, 1, 2], net.Classify(p, Tensor.Matrix(new double[,] { { 2, 1 }, { 1, 2 }, { -1, -1 } })));
        var logistic = Network.Create(2, Layers.Dense(1) >> Layers.Sigmoid);
        var q = logistic.FromVector([1, -1, 0]);
        Assert.Equal([1, 0], logistic.Classify(q, Tensor.Matrix(new double[,] { { 2, 1 }, { 1, 2 } })));
        var data = Dataset.Create([2, 1, 1, 2, 3, 0], [0, 1, 2], 2, 3);
        Assert.Equal(2.0 / 3, net.Accuracy(p, data), 1e-15);
    }
}
