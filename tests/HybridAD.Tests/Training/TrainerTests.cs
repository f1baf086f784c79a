using System.Collections.Immutable;
using HybridAD.Data;
using HybridAD.Networks;
using HybridAD.Training;

namespace HybridAD.Tests.Training;

public class TrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybridad-trainer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DataSplit Iris(long splitSeed) =>
        SplitSpec.TestFraction(0.2, splitSeed, stratified: true).Apply(Datasets.Iris()).Scaled(FeatureScaling.Standardize);

    private static Network IrisNet() => Network.Create(4, Layers.Dense(16) >> Layers.Tanh >> Layers.Dense(3) >> Layers.Softmax);

    /// <summary>A tiny data set: 6 examples, 3 features, 2 classes.</summary>
    private static Dataset Tiny() => Dataset.Create(
        [0.2, -1, 0.5, 1, 0.3, -0.2, -0.7, 0.8, 0.1, 0.4, 0.4, -0.9, -1, -0.5, 0.6, 0.9, 0.1, 0.2],
        [0, 1, 0, 1, 0, 1], 3, 2);

    private static bool SameRecords(TrainingHistory a, TrainingHistory b) =>
        a.Epochs.Length == b.Epochs.Length && a.Epochs.Zip(b.Epochs).All(p =>
            p.Item1.Epoch == p.Item2.Epoch && BitConverter.DoubleToInt64Bits(p.Item1.TrainLoss) == BitConverter.DoubleToInt64Bits(p.Item2.TrainLoss) &&
            p.Item1.TrainAccuracy == p.Item2.TrainAccuracy && p.Item1.TestAccuracy == p.Item2.TestAccuracy);

    [Fact]
    public void Iris_ReachesAtLeast95Percent_Deterministically()
    {
        var split = Iris(splitSeed: 3);
        var net = IrisNet();
        var options = new TrainingOptions { Epochs = 40, BatchSize = 16, ShuffleSeed = 5 };
        var a = Trainer.Fit(net, net.Init(seed: 1), split.Train, split.Test, options);
        var b = Trainer.Fit(net, net.Init(seed: 1), split.Train, split.Test, options);

        Assert.True(a.Parameters.BitEquals(b.Parameters));
        Assert.True(SameRecords(a.History, b.History));
        Assert.Equal(StopReason.MaxEpochs, a.Reason);
        Assert.Equal(40, a.History.Count);
        Assert.True(net.Accuracy(a.Parameters, split.Train) >= 0.95, $"train accuracy {net.Accuracy(a.Parameters, split.Train)}");
        Assert.True(net.Accuracy(a.Parameters, split.Test) >= 0.95, $"test accuracy {net.Accuracy(a.Parameters, split.Test)}");
        Assert.Equal(net.Accuracy(a.Parameters, split.Test), a.History.Last!.TestAccuracy);
        Assert.True(a.History.Last!.TrainLoss < 0.25 * a.History.Epochs[0].TrainLoss);
    }

    [Fact]
    public void FullBatchLogisticRegression_WithASmallStep_HasAStrictlyDecreasingLoss()
    {
        // The notes' logistic regression: y = σ(W̃·(1, x)), logistic loss, versicolor (0) vs virginica (1); one
        // gradient step per epoch on the whole training set.
        var iris = Datasets.Iris();
        var two = iris.Select(Enumerable.Range(0, iris.Count).Where(i => iris.Labels[i] > 0).ToArray());
        var binary = Dataset.Create(two.Features, two.Labels.ToArray().Select(l => l - 1).ToArray(), 4, 2);
        var split = SplitSpec.TestFraction(0.2, 1, stratified: true).Apply(binary).Scaled(FeatureScaling.Standardize);
        var net = Network.Create(4, Layers.DenseExtended(1) >> Layers.Sigmoid);
        var options = new TrainingOptions { Loss = Loss.Logistic(), Optimizer = new Sgd(0.1), BatchSize = int.MaxValue, Epochs = 60 };
        var r = Trainer.Fit(net, net.Init(seed: 2), split.Train, split.Test, options);

        var losses = r.History.Epochs.Select(e => e.TrainLoss).ToArray();
        for (int i = 1; i < losses.Length; i++)
            Assert.True(losses[i] < losses[i - 1], $"epoch {i + 1}: loss {losses[i]} after {losses[i - 1]}");
        Assert.Equal(60, r.State.Step); // full batch: one step per epoch
        Assert.True(net.Accuracy(r.Parameters, split.Train) >= 0.9);
        // The first recorded loss is the loss at the initial weights (computed before the first step).
        var (x, c) = Batches.Rows(split.Train, Enumerable.Range(0, split.Train.Count).ToArray(), 1);
        Assert.Equal(Losses.LogisticFromLogits(net.Logits(net.Init(seed: 2), x), c).Value, losses[0], 1e-14);
    }

    [Theory]
    [InlineData("momentum")]
    [InlineData("adam")]
    [InlineData("nesterov")]
    public void MinibatchSteps_AreTheOptimizersPureSteps_OnTheADGradientOfEachBatch(string name)
    {
        // Two epochs of batches of 4 (sizes 4, 2) over a shuffled order, re-done by hand with Parameters.Grad and
        // Optimizer.Step: bit for bit the same parameters and optimizer state.
        Optimizer opt = name switch { "momentum" => new Momentum(0.1, 0.9), "adam" => new Adam(0.05), _ => new Nesterov(0.1, 0.5) };
        var data = Tiny();
        var net = Network.Create(3, Layers.Dense(4) >> Layers.Tanh >> Layers.Dense(2) >> Layers.Softmax);
        var p0 = net.Init(seed: 3);
        var options = new TrainingOptions { Optimizer = opt, BatchSize = 4, Epochs = 2, ShuffleSeed = 11, L2 = 0.01 };
        var r = Trainer.Fit(net, p0, data, null, options);

        var p = p0;
        var s = opt.Init(p0.Size);
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            int[] order = Trainer.EpochOrder(6, epoch, 11);
            Assert.Equal(Enumerable.Range(0, 6), order.Order());
            foreach (int[] batch in new[] { order[..4], order[4..] })
            {
                var (x, c) = Batches.Rows(data, batch);
                Parameters g = Parameters.Grad(q => Losses.CrossEntropy(net.Logits(q, x), c) + Regularization.L2(q, 0.01, 6), p);
                var (theta, next) = opt.Step(p.ToVector(), s, g.ToVector());
                (p, s) = (p.WithVector(theta), next);
            }
        }
        Assert.Equal(p.ToVector(), r.Parameters.ToVector());
        Assert.Equal(4, r.State.Step);
        for (int i = 0; i < s.Slots.Length; i++) Assert.Equal(s.Slots[i].Values.ToArray(), r.State.OptimizerState.Slots[i].Values.ToArray());
        Assert.NotEqual(Trainer.EpochOrder(6, 1, 11), Trainer.EpochOrder(6, 2, 11));
    }

    [Fact]
    public void IncrementalTraining_IsOneStepPerExampleInFileOrder_TheNotesIGD()
    {
        var data = Tiny();
        var net = Network.Create(3, Layers.DenseExtended(3) >> Layers.Tanh >> Layers.DenseExtended(2) >> Layers.Softmax);
        var p0 = net.Init(seed: 8);
        var opt = new Sgd(0.2);
        var r = Trainer.Fit(net, p0, data, null, new TrainingOptions { Optimizer = opt, BatchSize = 1, Epochs = 1 });
        var p = p0;
        var s = opt.Init(p.Size);
        double lossSum = 0;
        for (int i = 0; i < 6; i++)
        {
            var (x, c) = Batches.Rows(data, [i]);
            double loss;
            (p, s, loss) = Trainer.Step(net, p, s, opt, Loss.CrossEntropy(), x, c, 0, 6);
            lossSum += loss;
        }
        Assert.Equal(p.ToVector(), r.Parameters.ToVector());
        Assert.Equal(6, r.State.Step);
        Assert.Equal(lossSum / 6, r.History.Last!.TrainLoss, 1e-15);
    }

    [Fact]
    public void Stopping_ByToleranceAndPatience()
    {
        var split = Iris(3);
        var net = IrisNet();
        var tol = Trainer.Fit(net, net.Init(1), split.Train, split.Test, new TrainingOptions { Epochs = 200, LossTolerance = 0.2 });
        Assert.Equal(StopReason.LossTolerance, tol.Reason);
        Assert.True(tol.History.Last!.TrainLoss <= 0.2);
        Assert.True(tol.History.Epochs[^2].TrainLoss > 0.2);

        // Patience from a history alone (a pure function): no lower loss for 3 epochs after epoch 2.
        var h = TrainingHistory.From(new[] { 1.0, 0.5, 0.6, 0.55, 0.7 }.Select((l, i) => new EpochRecord(i + 1, l, 0.5, 0.5, 0)));
        Assert.Equal(StopReason.Patience, Trainer.ShouldStop(h, new TrainingOptions { Epochs = 10, Patience = 3 }));
        Assert.Null(Trainer.ShouldStop(h, new TrainingOptions { Epochs = 10, Patience = 4 }));
        Assert.Equal(StopReason.MaxEpochs, Trainer.ShouldStop(h, new TrainingOptions { Epochs = 5 }));
        var acc = TrainingHistory.From(new[] { 0.8, 0.9, 0.9, 0.9 }.Select((a, i) => new EpochRecord(i + 1, 1, 0.5, a, 0)));
        Assert.Equal(StopReason.Patience, Trainer.ShouldStop(acc, new TrainingOptions { Epochs = 10, Patience = 2, Monitor = StopMonitor.TestAccuracy }));

        var pat = Trainer.Fit(net, net.Init(1), split.Train, split.Test,
            new TrainingOptions { Epochs = 500, Patience = 2, Monitor = StopMonitor.TestAccuracy });
        Assert.Equal(StopReason.Patience, pat.Reason);
        Assert.True(pat.History.Count < 500);
    }

    [Fact]
    public void ResumeFromACheckpoint_EqualsTheUninterruptedRun()
    {
        // Shuffling and dropout both draw random numbers; a resumed run must redraw exactly the same ones.
        var split = Iris(3);
        var net = Network.FromArchitecture(Architecture.Parse(4, "16:tanh,8:relu,3:softmax"), dropout: 0.2);
        var options = new TrainingOptions { Optimizer = new Adam(0.01), Epochs = 6, BatchSize = 8, ShuffleSeed = 4, Seed = 9 };
        var straight = Trainer.Fit(net, net.Init(2), split.Train, split.Test, options);

        var firstHalf = Trainer.Fit(net, net.Init(2), split.Train, split.Test, options with { Epochs = 3 });
        string path = Path.Combine(_dir, "run.ckpt.json");
        var s = firstHalf.State;
        Checkpoint.Save(path, new TrainingCheckpoint(s.Epoch, new SavedModel(net.ToWeights(s.Parameters)), options.Optimizer,
            s.OptimizerState, s.History, ImmutableSortedDictionary<string, string>.Empty));
        var back = Checkpoint.Load(path);
        var resumedStart = new TrainingState(net.FromWeights(back.Model.Weights), back.OptimizerState, back.Epoch, back.History);
        var resumed = Trainer.Fit(net, resumedStart, split.Train, split.Test, options);

        Assert.True(straight.Parameters.BitEquals(resumed.Parameters));
        Assert.Equal(straight.State.OptimizerState.Slots[1].Values.ToArray(), resumed.State.OptimizerState.Slots[1].Values.ToArray());
        Assert.Equal(straight.State.Step, resumed.State.Step);
        Assert.True(SameRecords(straight.History, resumed.History));
    }

    [Fact]
    public void SaveThenLoad_ThroughTheTrainingPath_IsBitExact()
    {
        var split = Iris(3);
        var net = IrisNet();
        var r = Trainer.Fit(net, net.Init(1), split.Train, split.Test, new TrainingOptions { Epochs = 3 });
        string path = Path.Combine(_dir, "model.json");
        ModelFile.Save(path, new SavedModel(net.ToWeights(r.Parameters), split.Transform, split.Train.ClassNames));
        var loaded = ModelFile.Load(path, net.Architecture!);
        Parameters back = net.FromWeights(loaded.Weights, path);
        Assert.True(back.BitEquals(r.Parameters));
        Assert.Equal(Batches.Features(split.Test).ToArray().Length, split.Test.Count * 4);
        Assert.Equal(net.Apply(r.Parameters, Batches.Features(split.Test)).ToArray(), net.Apply(back, Batches.Features(split.Test)).ToArray());
        Assert.Equal(split.Transform!.Offset.ToArray(), loaded.InputTransform!.Offset.ToArray());
        // Training on from the loaded weights continues exactly like training on from the originals.
        var o = new TrainingOptions { Epochs = 1, Optimizer = new Sgd(0.05) };
        Assert.True(Trainer.Fit(net, back, split.Train, null, o).Parameters.BitEquals(Trainer.Fit(net, r.Parameters, split.Train, null, o).Parameters));
    }

    [Fact]
    public void MismatchedInputs_AreClearErrors()
    {
        var split = Iris(1);
        var net = Network.Create(4, Layers.Dense(5) >> Layers.Softmax);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(net, net.Init(1), split.Train, null, new TrainingOptions()));
        Assert.Contains("The data has 3 classes; the network's output layer has 5 outputs", e.Message);
        var wide = Network.Create(5, Layers.Dense(3) >> Layers.Softmax);
        e = Assert.Throws<ArgumentException>(() => Trainer.Fit(wide, wide.Init(1), split.Train, null, new TrainingOptions()));
        Assert.Contains("has 4 features; the network (5 → dense(3) → softmax) expects 5 inputs", e.Message);
        var ok = Network.Create(4, Layers.Dense(3) >> Layers.Softmax);
        var start = TrainingState.Start(ok.Init(1), new Sgd(0.1));
        e = Assert.Throws<ArgumentException>(() => Trainer.Fit(ok, start, split.Train, null, new TrainingOptions { Optimizer = new Adam() }));
        Assert.Contains("belongs to 'sgd'; the options use 'adam'", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { BatchSize = 0 });
    }

    [Fact]
    public void RunIsLazy_AndYieldsEveryEpochsState()
    {
        var split = Iris(3);
        var net = IrisNet();
        var states = Trainer.Run(net, TrainingState.Start(net.Init(1), new Momentum(0.05, 0.9)), split.Train, split.Test,
            new TrainingOptions { Epochs = 4 }).ToList();
        Assert.Equal([1, 2, 3, 4], states.Select(s => s.Epoch));
        Assert.Equal([1, 2, 3, 4], states.Select(s => s.History.Count));
        var steps = new List<StepProgress>();
        Trainer.Epoch(net, TrainingState.Start(net.Init(1), new Momentum(0.05, 0.9)), split.Train, null, new TrainingOptions(), steps.Add);
        Assert.Equal(4, steps.Count); // 120 examples in batches of 32
        Assert.Equal([1, 2, 3, 4], steps.Select(s => s.Batch));
        Assert.All(steps, s => Assert.Equal(4, s.Batches));
    }
}
