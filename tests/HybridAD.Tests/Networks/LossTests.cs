using HybridAD.Networks;
using HybridAD.Training;

namespace HybridAD.Tests.Networks;

public class LossTests
{
    private static readonly Tensor Logits = Tensor.Matrix(new double[,] { { 1, 2, 0.5 }, { -1, 0, 3 } });
    private static readonly Tensor OneHot = Tensor.OneHot([1, 2], 3);

    private static double[] LogSoftmaxRow(double[] z)
    {
        double m = z.Max(), s = z.Sum(v => Math.Exp(v - m));
        return z.Select(v => v - m - Math.Log(s)).ToArray();
    }

    [Fact]
    public void CrossEntropy_FromLogits_IsTheMeanOfMinusLogSoftmaxAtTheLabel()
    {
        double expected = -(LogSoftmaxRow([1, 2, 0.5])[1] + LogSoftmaxRow([-1, 0, 3])[2]) / 2;
        Assert.Equal(expected, Losses.CrossEntropy(Logits, OneHot).Value, 1e-15);
        Assert.Equal(expected, Losses.CrossEntropy(Logits, [1, 2]).Value, 1e-15);
        Assert.Equal(expected / Math.Log(2), Losses.CrossEntropy(Logits, OneHot, LogBase.Two).Value, 1e-15);
        // NLL of log_softmax outputs is the same number; so is H(c, softmax) from probabilities.
        Assert.Equal(expected, Losses.Nll(Tensor.LogSoftmax(Logits), [1, 2]).Value, 1e-15);
        Assert.Equal(expected, Losses.CrossEntropyFromProbabilities(Tensor.Softmax(Logits), OneHot).Value, 1e-14);
        // One example as a vector.
        Assert.Equal(-LogSoftmaxRow([1, 2, 0.5])[1], Losses.CrossEntropy(Tensor.Vector(1, 2, 0.5), [1]).Value, 1e-15);
    }

    [Fact]
    public void CrossEntropy_FromLogits_IsStableAtHugeLogits()
    {
        // softmax(±1000) rounds to exactly 0 and 1: log of probabilities would be −∞, log_softmax is exact.
        var z = Tensor.Matrix(new double[,] { { 1000, -1000, 0 } });
        var (value, grad) = TensorAD.ValueAndGrad(t => Losses.CrossEntropy(t, [1]), z);
        Assert.Equal(2000, value.Value, 1e-9);
        Assert.Equal([1.0, -1.0, 0.0], grad.ToArray().Select(v => Math.Round(v, 12)));
        Assert.True(double.IsPositiveInfinity(Losses.CrossEntropyFromProbabilities(Tensor.Softmax(z), Tensor.OneHot([1], 3)).Value));
    }

    [Fact]
    public void CrossEntropyGradient_IsSoftmaxMinusTargetOverN()
    {
        Tensor g = TensorAD.Grad(z => Losses.CrossEntropy(z, OneHot), Logits);
        double[] p = Tensor.Softmax(Logits).ToArray(), c = OneHot.ToArray(), gv = g.ToArray();
        for (int i = 0; i < 6; i++) Assert.Equal((p[i] - c[i]) / 2, gv[i], 1e-15);
    }

    [Fact]
    public void MseAndRss()
    {
        var y = Tensor.Matrix(new double[,] { { 0.5, 0.25 }, { 1, 0 } });
        var c = Tensor.Matrix(new double[,] { { 1, 0 }, { 0, 0 } });
        Assert.Equal((0.25 + 0.0625 + 1) / 4, Losses.Mse(y, c).Value, 1e-15);
        Assert.Equal(0.25 + 0.0625 + 1, Losses.Rss(y, c).Value, 1e-15);
        var e = Assert.Throws<ArgumentException>(() => Losses.Mse(y, Tensor.Zeros(2, 3)));
        Assert.Contains("[2, 2] and the targets [2, 3]", e.Message);
    }

    [Fact]
    public void Rss_OfTheNotesLogisticExample_ThroughANetwork_MatchesTheScalarWorkedExample()
    {
        // D = {((1, 1.5), 0), ((1.5, −1), 1)}, y = σ(wᵀx) with x extended by x₀ = 1, L(w) = Σ (c − y)², w = (−1, 1.5, 0.5).
        var net = Network.Create(2, Layers.DenseExtended(1) >> Layers.Sigmoid);
        var p = net.FromVector([-1, 1.5, 0.5]);
        var x = Tensor.Matrix(new double[,] { { 1, 1.5 }, { 1.5, -1 } });
        var c = Tensor.Matrix(new double[,] { { 0 }, { 1 } });
        var (value, grad) = Parameters.ValueAndGrad(q => Losses.Rss(net.Apply(q, x), c), p);
        Assert.Equal(0.707121381244987, value.Value, 1e-14);
        double[] g = grad.ToVector();
        Assert.Equal(0.129297943112215, g[0], 1e-14);
        Assert.Equal(0.0593925877703805, g[1], 1e-14);
        Assert.Equal(0.543473691377497, g[2], 1e-14);
        // The Loss value evaluates the same thing on the network's output.
        Assert.Equal(value.Value, Loss.Rss.Evaluate(net, p, x, c).Value, 1e-15);
    }

    [Fact]
    public void Logistic_FromLogitsEqualsFromProbabilities_AndIsCrossEntropyOfTwoClasses()
    {
        var z = Tensor.Matrix(new double[,] { { 0.3 }, { -2 }, { 4 } });
        var c = Tensor.Matrix(new double[,] { { 1 }, { 0 }, { 1 } });
        double fromLogits = Losses.LogisticFromLogits(z, c).Value;
        Assert.Equal(fromLogits, Losses.Logistic(Tensor.Sigmoid(z), c).Value, 1e-14);
        // The notes: l_σ(c, σ(z)) = H(p, q) with p = (c, 1 − c), q = (σ(z), 1 − σ(z)) = softmax(z, 0).
        var z2 = Tensor.Concat(1, z, Tensor.Zeros(3, 1));
        var c2 = Tensor.Concat(1, c, 1.0 - c);
        Assert.Equal(fromLogits, Losses.CrossEntropy(z2, c2).Value, 1e-14);
        // Finite where σ(z) rounds to 1.
        Assert.Equal(800, Losses.LogisticFromLogits(Tensor.Matrix(new double[,] { { 800 } }), Tensor.Matrix(new double[,] { { 0 } })).Value, 1e-9);
    }

    [Fact]
    public void Entropy_Kl_AndTheirIdentity()
    {
        var p = Tensor.Matrix(new double[,] { { 0.5, 0.25, 0.25, 0 } });
        var q = Tensor.Matrix(new double[,] { { 0.25, 0.25, 0.25, 0.25 } });
        Assert.Equal(1.5, Losses.Entropy(p, LogBase.Two).Value, 1e-15);              // bits
        Assert.Equal(2.0, Losses.Entropy(q, LogBase.Two).Value, 1e-15);              // uniform over 4 = 2 bits
        Assert.Equal(0.5, Losses.KlDivergence(p, q, LogBase.Two).Value, 1e-15);
        Assert.Equal(0.0, Losses.KlDivergence(p, p).Value, 1e-15);
        // H(p, q) = H(p) + D_KL(p ‖ q) (the notes' remark).
        Assert.Equal(Losses.CrossEntropyFromProbabilities(q, p).Value,
            Losses.Entropy(p).Value + Losses.KlDivergence(p, q).Value, 1e-15);
        // From logits: q = softmax(z).
        var z = Tensor.Matrix(new double[,] { { 0.1, -0.3, 2, 0.7 } });
        Assert.Equal(Losses.KlDivergence(p, Tensor.Softmax(z)).Value, Losses.KlDivergenceFromLogits(p, z).Value, 1e-14);
    }

    [Fact]
    public void ZeroTimesLogZero_IsZero_WithAFiniteGradient()
    {
        // q has an exact 0 where p is 0: the term contributes 0 and its derivative is 0, never NaN.
        var p = Tensor.Vector(0.5, 0.5, 0);
        var (value, g) = TensorAD.ValueAndGrad(q => Losses.CrossEntropyFromProbabilities(q, p), Tensor.Vector(0.5, 0.5, 0));
        Assert.Equal(Math.Log(2), value.Value, 1e-15);
        Assert.Equal([-1.0, -1.0, 0.0], g.ToArray());
        var (h, gh) = TensorAD.ValueAndGrad(t => Losses.Entropy(t), Tensor.Vector(1, 0));
        Assert.Equal(0.0, h.Value);
        Assert.Equal(0.0, gh.ToArray()[1]);
    }

    [Fact]
    public void L2_IsLambdaOverNTimesTheSquaredWeights_BiasesExcluded()
    {
        var net = Network.Create(2, Layers.Dense(2));
        var p = net.FromVector([1, 2, 3, 4, 10, 20]); // W = [[1, 2], [3, 4]], b = (10, 20)
        Assert.Equal(30, Regularization.SquaredNorm(p).Value);
        Assert.Equal(0.5 / 10 * 30, Regularization.L2(p, 0.5, 10).Value, 1e-15);
        var g = Parameters.Grad(q => Regularization.L2(q, 0.5, 10), p).ToVector();
        Assert.Equal([0.1, 0.2, 0.3, 0.4, 0, 0], g.Select(v => Math.Round(v, 15)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Regularization.L2(p, -1, 10));
    }

    [Fact]
    public void Loss_UsesTheStableFormForTheHead_AndRejectsIncompatibleHeads()
    {
        var soft = Network.Create(2, Layers.Dense(3) >> Layers.Softmax);
        var p = soft.Init(4, biases: Initializer.Uniform(-1, 1));
        var x = NetworkTests.Batch(4, 2);
        var c = Tensor.OneHot([0, 2, 1, 1], 3);
        double expected = Losses.CrossEntropy(soft.Logits(p, x), c).Value;
        Assert.Equal(expected, Loss.CrossEntropy().Evaluate(soft, p, x, c).Value);
        Assert.Equal(expected, Loss.Nll.Evaluate(soft, p, x, c).Value, 1e-15);
        Assert.Equal(expected, Loss.KlDivergence().Evaluate(soft, p, x, c).Value, 1e-15); // one-hot: H(c) = 0
        Assert.Equal(expected / Math.Log(2), Loss.Parse("ce", LogBase.Two).Evaluate(soft, p, x, c).Value, 1e-15);
        Assert.Equal(Losses.Mse(soft.Apply(p, x), c).Value, Loss.Mse.Evaluate(soft, p, x, c).Value);

        var tanh = Network.Create(2, Layers.Dense(3) >> Layers.Tanh);
        var e = Assert.Throws<ArgumentException>(() => Loss.CrossEntropy().Evaluate(tanh, tanh.Init(1), x, c));
        Assert.Contains("needs an output layer of softmax, log_softmax or identity (logits); the network ends in tanh", e.Message);
        var u = Assert.Throws<ArgumentException>(() => Loss.Parse("hinge"));
        Assert.Contains("expected cross-entropy, nll, mse, rss, logistic or kl", u.Message);
    }
}
