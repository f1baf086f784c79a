using System.Collections.Immutable;
using HybridAD.Training;

namespace HybridAD.Tests.Training;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybridad-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TrainingCheckpoint Sample(Optimizer opt, int steps = 3)
    {
        var model = MlpWeights.Initialize(Architecture.Parse(3, "4:tanh,2:softmax"), seed: 8);
        var theta = model.ToVector();
        var state = opt.Init(theta.Length);
        var rng = new Prng(8, 1);
        for (int s = 0; s < steps; s++)
        {
            var g = new double[theta.Length];
            for (int i = 0; i < g.Length; i++) g[i] = rng.NextNormal() / 3;
            (theta, state) = opt.Step(theta, state, g);
        }
        var history = TrainingHistory.Empty
            .Add(new EpochRecord(1, 1.0 / 3, 0.5, 0.25, 0.0123))
            .Add(new EpochRecord(2, double.NaN, 0.6, null, 1e-7));
        var settings = ImmutableSortedDictionary<string, string>.Empty.Add("data", "iris").Add("lr", "0.05");
        return new TrainingCheckpoint(2, new SavedModel(model.WithVector(theta)), opt, state, history, settings);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("momentum")]
    [InlineData("nesterov")]
    [InlineData("adam")]
    public void SaveThenLoad_RestoresEverythingBitExactly(string name)
    {
        Optimizer opt = name switch
        {
            "sgd" => new Sgd(0.1),
            "momentum" => new Momentum(0.05, 0.9),
            "nesterov" => new Nesterov(0.05, 0.8),
            _ => new Adam(0.01, 0.85, 0.995, 1e-7),
        };
        var ckpt = Sample(opt);
        string path = Path.Combine(_dir, "run.ckpt.json");
        Checkpoint.Save(path, ckpt);
        var back = Checkpoint.Load(path);

        Assert.Equal(2, back.Epoch);
        Assert.Equal(ckpt.Model.Weights, back.Model.Weights); // bit-for-bit equality
        Assert.Equal(opt, back.Optimizer);
        Assert.Equal(3, back.OptimizerState.Step);
        for (int k = 0; k < opt.SlotNames.Length; k++)
        {
            var a = ckpt.OptimizerState.Slots[k].Values;
            var b = back.OptimizerState.Slots[k].Values;
            Assert.Equal(a.Select(BitConverter.DoubleToInt64Bits), b.Select(BitConverter.DoubleToInt64Bits));
        }
        Assert.Equal(ckpt.History, back.History);                  // NaN loss and missing test accuracy survive
        Assert.True(double.IsNaN(back.History.Epochs[1].TrainLoss));
        Assert.Null(back.History.Epochs[1].TestAccuracy);
        Assert.Equal("0.05", back.Settings["lr"]);
    }

    [Fact]
    public void Resume_ContinuesExactlyAsAnUninterruptedRun()
    {
        // Two steps, checkpoint, load, one more step == three uninterrupted steps, bit for bit.
        var opt = new Adam(0.05);
        var theta = new double[] { 0.5, -1.5, 2.0 };
        double[][] grads = [[1, 2, 3], [-1, 0.5, 0.25], [0.1, -0.2, 0.3]];
        var s = opt.Init(3);
        var straight = theta;
        var ss = s;
        foreach (var g in grads) (straight, ss) = opt.Step(straight, ss, g);

        var t2 = theta;
        var s2 = s;
        for (int i = 0; i < 2; i++) (t2, s2) = opt.Step(t2, s2, grads[i]);
        var model = MlpWeights.Initialize(Architecture.Parse(2, "1:identity"), 1).WithVector(t2);
        string path = Path.Combine(_dir, "r.json");
        Checkpoint.Save(path, new TrainingCheckpoint(2, new SavedModel(model), opt, s2, TrainingHistory.Empty,
            ImmutableSortedDictionary<string, string>.Empty));
        var back = Checkpoint.Load(path);
        var (t3, _) = back.Optimizer.Step(back.Model.Weights.ToVector(), back.OptimizerState, grads[2]);
        Assert.Equal(straight, t3);
    }

    [Fact]
    public void Save_IsAtomic_AFailedWriteLeavesTheOldCheckpoint()
    {
        string path = Path.Combine(_dir, "run.ckpt.json");
        Checkpoint.Save(path, Sample(new Momentum(0.1, 0.9), steps: 1));
        string before = File.ReadAllText(path);

        // A writer that dies half-way (as a crash would): the target keeps its old content, no temp file remains.
        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("{\"format\":\"hybridad.checkpoint\", \"epo"u8);
            throw new IOException("simulated crash");
        }));
        Assert.Equal(before, File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_dir));

        // A successful save replaces it.
        Checkpoint.Save(path, Sample(new Momentum(0.1, 0.9), steps: 2));
        Assert.NotEqual(before, File.ReadAllText(path));
        Assert.Equal(2, Checkpoint.Load(path).OptimizerState.Step);
        Assert.Equal([path], Directory.GetFiles(_dir));
    }

    [Fact]
    public void Save_IntoMissingFolder_SaysWhichFolder()
    {
        string path = Path.Combine(_dir, "no-such-dir", "x.json");
        var e = Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllText(path, "{}"));
        Assert.Contains("no-such-dir", e.Message);
    }

    [Fact]
    public void Load_InconsistentCheckpoint_IsAClearError()
    {
        var ckpt = Sample(new Momentum(0.1, 0.9));
        string json = Checkpoint.ToJson(ckpt);

        var e = Assert.Throws<ModelFormatException>(() => Checkpoint.FromJson(json.Replace("\"momentum\"", "\"adam\""), "c.json"));
        Assert.Contains("$.optimizer", e.Message);

        e = Assert.Throws<ModelFormatException>(() => Checkpoint.FromJson(json.Replace("\"velocity\"", "\"speed\""), "c.json"));
        Assert.Contains("$.optimizer.slots.velocity: expected a value, found no such field", e.Message);

        e = Assert.Throws<ModelFormatException>(() => Checkpoint.FromJson(json.Replace("\"epoch\": 2", "\"epoch\": 1"), "c.json"));
        Assert.Contains("history reaches epoch 2, after the checkpoint's epoch 1", e.Message);
    }

    [Fact]
    public void Validate_RejectsAStateForAnotherModelSize()
    {
        var ckpt = Sample(new Sgd(0.1));
        var bad = ckpt with { OptimizerState = new Momentum(0.1, 0.5).Init(5), Optimizer = new Momentum(0.1, 0.5) };
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.ToJson(bad));
        Assert.Contains("optimizer state is for 5 parameters; the model has 26", e.Message);
    }
}
