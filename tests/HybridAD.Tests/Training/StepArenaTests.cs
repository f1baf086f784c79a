using HybridAD.Data;
using HybridAD.Networks;
using HybridAD.Training;

namespace HybridAD.Tests.Training;

/// <summary>The training step's reuse of arrays (<see cref="StepArena"/>) and of θ: steady steps allocate almost
/// nothing, and no tensor a user can see — the parameters passed in, earlier states, anything a custom layer keeps —
/// ever changes.</summary>
public class StepArenaTests
{
    /// <summary>A custom layer (the identity) that, on every call, keeps what a user might keep: a product of
    /// constants made by a dense layer, the gradient of a nested differentiation call, and the tape tensor itself.</summary>
    private sealed class Hoarder : Layer
    {
        public readonly List<(Tensor Tensor, double[] Copy)> Kept = [];
        public readonly List<Tensor> TapeTensors = [];
        private readonly Tensor _w = NetworkTests_Batch(3, 5, 1), _b = Tensor.Vector(0.1, 0.2, 0.3);

        public override string Name => "hoarder";

        public override Tensor Apply(ReadOnlySpan<Tensor> parameters, Tensor x, RunMode mode)
        {
            Tensor constant = NetworkTests_Batch(4, 5, Kept.Count);
            Tensor dense = Layers.Compose(Layers.Dense(3), Layers.Relu).Apply([_w, _b], constant, mode);
            Tensor grad = TensorAD.Grad(w => Tensor.Sum(Tensor.Square(Layers.Compose(Layers.Dense(3), Layers.Tanh).Apply([w, _b], constant, mode))), _w);
            Kept.Add((dense, dense.ToArray()));
            Kept.Add((grad, grad.ToArray()));
            TapeTensors.Add(x);
            return x;
        }
    }

    private static Tensor NetworkTests_Batch(int r, int c, int salt) => HybridAD.Tests.Networks.NetworkTests.Batch(r, c, salt);

    private static Dataset Data(int n, int features, int classes)
    {
        var f = new double[n * features];
        for (int i = 0; i < f.Length; i++) f[i] = Math.Sin(0.37 * i);
        var labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = i % classes;
        return Dataset.Create(f, labels, features, classes);
    }

    [Fact]
    public void SteadySteps_ReuseTheirArrays_AndComputeTheSameStepAsThePureStep()
    {
        var net = Network.Create(100, Layers.Dense(128) >> Layers.Relu >> Layers.Dense(10) >> Layers.Softmax);
        var data = Data(64, 100, 10);
        var (x, c) = Batches.Rows(data, [.. Enumerable.Range(0, 64)]);
        var options = new TrainingOptions { Optimizer = new Momentum(0.01, 0.9), BatchSize = 64 };
        Parameters p0 = net.Init(seed: 4);
        double[] p0Copy = p0.ToVector();
        var stepper = new Trainer.Stepper(net, options, p0, options.Optimizer.Init(p0.Size), 64);

        // The pure step (no arena, fresh arrays) and the stepper agree bit for bit, step after step.
        var (p, s) = (p0, options.Optimizer.Init(p0.Size));
        for (int i = 0; i < 3; i++)
        {
            double loss = stepper.Step(x, c);
            double pureLoss;
            (p, s, pureLoss) = Trainer.Step(net, p, s, options.Optimizer, options.Loss, x, c, 0, 64);
            Assert.Equal(pureLoss, loss);
            Assert.Equal(p.ToVector(), stepper.Theta);
        }
        Assert.Equal(p0Copy, p0.ToVector()); // the initial parameters were never written

        // A steady step allocates a small fraction of its temporaries (dW₁ alone is 100 KB, each activation 64 KB).
        long before = GC.GetAllocatedBytesForCurrentThread();
        stepper.Step(x, c);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 40_000, $"a steady step allocated {allocated} bytes");
        Assert.Null(StepArena.Current);
        Assert.Equal(0, stepper.Arena.LentCount);
    }

    [Theory]
    [InlineData("momentum")]
    [InlineData("adam")]
    [InlineData("nesterov")]
    public void LargeModels_UpdatedOnSeveralCores_EqualThePureStepBitForBit(string name)
    {
        // 300 → 256 → 10: 79,626 parameters, above Optimizer.ParallelUpdateMinimum (the update is split into ranges).
        Optimizer opt = name switch { "momentum" => new Momentum(0.05, 0.9), "adam" => new Adam(0.01), _ => new Nesterov(0.05, 0.5) };
        var net = Network.Create(300, Layers.Dense(256) >> Layers.Relu >> Layers.Dense(10) >> Layers.Softmax);
        Assert.True(net.ParameterCount >= Optimizer.ParallelUpdateMinimum);
        var data = Data(8, 300, 10);
        var (x, c) = Batches.Rows(data, [.. Enumerable.Range(0, 8)]);
        var options = new TrainingOptions { Optimizer = opt, BatchSize = 8 };
        Parameters p0 = net.Init(seed: 6);
        var stepper = new Trainer.Stepper(net, options, p0, opt.Init(p0.Size), 8);
        var (p, s) = (p0, opt.Init(p0.Size));
        for (int i = 0; i < 3; i++)
        {
            double loss = stepper.Step(x, c);
            double pureLoss;
            (p, s, pureLoss) = Trainer.Step(net, p, s, opt, options.Loss, x, c, 0, 8);
            Assert.Equal(pureLoss, loss);
        }
        Assert.Equal(p.ToVector(), stepper.Theta);
        var state = stepper.Buffers.ToState();
        for (int i = 0; i < s.Slots.Length; i++) Assert.Equal(s.Slots[i].Values.ToArray(), state.Slots[i].Values.ToArray());
    }

    [Fact]
    public void TensorsAUserKeeps_AreNeverOverwrittenByLaterSteps()
    {
        var hoarder = new Hoarder();
        var net = Network.Create(5, Layers.Dense(8) >> Layers.Tanh >> hoarder >> Layers.Dense(3) >> Layers.Softmax);
        var data = Data(12, 5, 3);
        Parameters p0 = net.Init(seed: 9);
        double[] p0Copy = p0.ToVector();
        var options = new TrainingOptions { BatchSize = 4, Epochs = 3 };

        var states = Trainer.Run(net, TrainingState.Start(p0, options.Optimizer), data, null, options).ToList();
        Assert.Equal(3, states.Count);
        Assert.Equal(9, states[^1].Step);
        Assert.True(hoarder.Kept.Count >= 18);
        foreach (var (tensor, copy) in hoarder.Kept) Assert.Equal(copy, tensor.ToArray());
        // A tape tensor of a finished step cannot be read at all.
        Assert.Throws<PerturbationEscapedException>(() => hoarder.TapeTensors[0].ToArray());
        // The caller's parameters and every earlier state are untouched, and equal a fresh run's states.
        Assert.Equal(p0Copy, p0.ToVector());
        var again = Trainer.Run(net, TrainingState.Start(p0, options.Optimizer), data, null, options).ToList();
        for (int e = 0; e < 3; e++) Assert.Equal(again[e].Parameters.ToVector(), states[e].Parameters.ToVector());
    }

    [Fact]
    public void ConcurrentTrainingRuns_OnTwoThreads_EqualTheSequentialRuns()
    {
        var net = Network.Create(20, Layers.Dense(16) >> Layers.Relu >> Layers.Dense(4) >> Layers.Softmax);
        var data = Data(96, 20, 4);
        var options = new TrainingOptions { BatchSize = 8, Epochs = 4, ShuffleSeed = 3 };
        double[] Run(long seed) => Trainer.Fit(net, net.Init(seed), data, null, options).Parameters.ToVector();
        double[] a = Run(1), b = Run(2);
        double[]? ca = null, cb = null;
        Parallel.Invoke(() => ca = Run(1), () => cb = Run(2));
        Assert.Equal(a, ca);
        Assert.Equal(b, cb);
        Assert.NotEqual(a, b);
    }
}
