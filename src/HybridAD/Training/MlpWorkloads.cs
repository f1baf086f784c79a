using HybridAD.Data;
using HybridAD.Networks;

namespace HybridAD.Training;

/// <summary>
/// The two MLP benchmark workloads, defined once for <c>hybridad bench</c> and the BenchmarkDotNet classes:
/// digits (the notes' IGD network trained on real data) and a synthetic MNIST-size step (GEMM-bound).
/// </summary>
internal static class MlpWorkloads
{
    /// <summary>64 → 64 tanh → 32 ReLU → 10 softmax.</summary>
    internal static Network DigitsNetwork() =>
        Network.Create(64, Layers.Dense(64) >> Layers.Tanh >> Layers.Dense(32) >> Layers.Relu >> Layers.Dense(10) >> Layers.Softmax);

    /// <summary>Mean cross-entropy, SGD with momentum 0.9, η = 0.05, batches of 32, 30 epochs in file order; no
    /// per-epoch evaluation (the epoch time is the training steps only).</summary>
    internal static TrainingOptions DigitsOptions(int epochs = 30) => new()
    {
        Loss = Loss.CrossEntropy(),
        Optimizer = new Momentum(0.05, 0.9),
        BatchSize = 32,
        Epochs = epochs,
        EvaluateEachEpoch = false,
    };

    /// <summary>One complete digits run from the seeded initial weights.</summary>
    internal static TrainingResult RunDigits(int epochs = 30, long seed = 42)
    {
        var data = Datasets.Digits();
        var net = DigitsNetwork();
        return Trainer.Fit(net, net.Init(seed), data.Train, data.Test, DigitsOptions(epochs));
    }

    /// <summary>784 → 256 ReLU → 256 ReLU → 10 (softmax cross-entropy from the logits).</summary>
    internal static Network SyntheticNetwork() =>
        Network.Create(784, Layers.Dense(256) >> Layers.Relu >> Layers.Dense(256) >> Layers.Relu >> Layers.Dense(10) >> Layers.Softmax);

    /// <summary>A ready synthetic training step: random inputs in [0, 1) and random labels for a batch, and the
    /// stepper (SGD with momentum 0.9, η = 0.01) whose <c>Step</c> is one full training step.</summary>
    internal static (Trainer.Stepper Stepper, Tensor X, Tensor C) Synthetic(int batch = 128, long seed = 1)
    {
        var net = SyntheticNetwork();
        var rng = new Prng(seed, 99);
        var x = new double[batch * 784];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble();
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.NextInt(10);
        var options = new TrainingOptions { Optimizer = new Momentum(0.01, 0.9), BatchSize = batch };
        var p = net.Init(seed);
        var stepper = new Trainer.Stepper(net, options, p, options.Optimizer.Init(p.Size), batch);
        return (stepper, Tensor.FromArray(x, batch, 784), Tensor.OneHot(labels, 10));
    }
}
