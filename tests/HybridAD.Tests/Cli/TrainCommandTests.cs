using System.CommandLine;
using HybridAD.Cli.Commands;
using HybridAD.Training;

namespace HybridAD.Tests.Cli;

public class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybridad-train-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>Runs <c>hybridad train ARGS</c> through the command-line parser; returns (exit code, stdout, stderr).</summary>
    private static (int Code, string Out, string Err) Train(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = TrainCommand.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private const string IrisHeader = "sepal_length,sepal_width,petal_length,petal_width,species\n";

    [Fact]
    public void Json_PrintsOneEpochObjectPerLine_AndWritesModelPlotAndCheckpoint()
    {
        var (code, stdout, stderr) = Train("--data", "iris", "--epochs", "3", "--hidden", "8:tanh", "--json",
            "--save", P("m.json"), "--plot", P("c.svg"), "--checkpoint", P("run.ckpt.json"));
        Assert.True(code == 0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var records = lines.Select(l => EpochRecord.FromJson(l)).ToArray();
        Assert.Equal([1, 2, 3], records.Select(r => r.Epoch));
        Assert.All(records, r => Assert.InRange(r.TrainAccuracy, 0, 1));
        Assert.All(records, r => Assert.NotNull(r.TestAccuracy));

        var model = ModelFile.Load(P("m.json"), Architecture.Parse(4, "8:tanh,3:softmax"));
        Assert.Equal(["setosa", "versicolor", "virginica"], model.ClassNames!.Value.ToArray());
        Assert.NotNull(model.InputTransform);
        Assert.StartsWith("<svg", File.ReadAllText(P("c.svg")).TrimStart().Split('\n').First(l => l.Contains("<svg")).TrimStart());
        var ckpt = Checkpoint.Load(P("run.ckpt.json"));
        Assert.Equal(3, ckpt.Epoch);
        Assert.Equal(model.Weights, ckpt.Model.Weights);
    }

    [Fact]
    public void Text_ShowsEpochsAccuraciesAndAConfusionMatrix()
    {
        var (code, stdout, stderr) = Train("--data", "iris", "--epochs", "2", "--no-checkpoint");
        Assert.True(code == 0, stderr);
        Assert.Contains("network: 4 → dense(64) → tanh → dense(32) → relu → dense(3) → softmax (2499 parameters)", stdout);
        Assert.Contains("epoch   2/2", stdout);
        Assert.Contains("after 2 epochs (the maximum number of epochs): train accuracy", stdout);
        Assert.Contains("actual \\ predicted", stdout);
        Assert.Contains("virginica", stdout);
    }

    [Fact]
    public void MalformedCsvLine_IsAnErrorWithItsLineNumber()
    {
        File.WriteAllText(P("bad.csv"), IrisHeader + "5.1,3.5,1.4,0.2,setosa\n4.9,abc,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n");
        var (code, stdout, stderr) = Train("--data", P("bad.csv"), "--no-checkpoint");
        Assert.Equal(1, code);
        Assert.Contains("line 3, column 2 (sepal_width): expected a number, found 'abc'", stderr);
        Assert.DoesNotContain("epoch", stdout);
    }

    [Fact]
    public void LabelOutsideTheDeclaredClasses_IsAnErrorNamingTheClasses()
    {
        File.WriteAllText(P("rose.csv"), IrisHeader + "5.1,3.5,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n6.3,3.3,6.0,2.5,rose\n");
        var (code, _, stderr) = Train("--data", P("rose.csv"), "--classes", "setosa,versicolor,virginica", "--no-checkpoint");
        Assert.Equal(1, code);
        Assert.Contains("line 4, column 5 (species): expected one of the declared classes {setosa, versicolor, virginica} or a class index 0..2, found 'rose'", stderr);

        File.WriteAllText(P("k.csv"), "1,2,0\n3,4,1\n5,6,7\n");
        (code, _, stderr) = Train("--data", P("k.csv"), "--class-count", "2", "--no-checkpoint");
        Assert.Equal(1, code);
        Assert.Contains("line 3", stderr);
        Assert.Contains("found '7'", stderr);
    }

    [Fact]
    public void InitFileThatDoesNotFitTheNetwork_IsAnErrorNamingBothShapes()
    {
        var wrong = MlpWeights.Initialize(Architecture.Parse(4, "64:tanh,30:relu,3:softmax"), 1);
        ModelFile.Save(P("init.json"), new SavedModel(wrong));
        var (code, _, stderr) = Train("--data", "iris", "--init", P("init.json"), "--no-checkpoint");
        Assert.Equal(1, code);
        Assert.Contains("layer 2: W is 30×64 and b has 30 values; expected W 32×64 and b 32", stderr);
        Assert.Contains("expected 4 → 64 tanh → 32 relu → 3 softmax", stderr);

        // A file that fits is used as the starting point: zero epochs save it back unchanged.
        var right = MlpWeights.Initialize(Architecture.Parse(4, "64:tanh,32:relu,3:softmax"), 5);
        ModelFile.Save(P("ok.json"), new SavedModel(right));
        (code, _, stderr) = Train("--data", "iris", "--init", P("ok.json"), "--epochs", "0", "--save", P("out.json"), "--no-checkpoint");
        Assert.True(code == 0, stderr);
        Assert.Equal(right, ModelFile.Load(P("out.json")).Weights);
    }

    [Fact]
    public void Resume_ContinuesExactlyAsTheUninterruptedRun()
    {
        string[] common = ["--data", "iris", "--hidden", "8:tanh", "--optimizer", "adam", "--lr", "0.01", "--momentum", "0.9",
            "--shuffle-seed", "3", "--dropout", "0.1", "--batch-size", "16", "--json"];
        var (c1, _, e1) = Train([.. common, "--epochs", "4", "--checkpoint", P("a.ckpt.json"), "--save", P("a.json")]);
        Assert.True(c1 == 0, e1);

        var (c2, out2, e2) = Train([.. common, "--epochs", "2", "--checkpoint", P("b.ckpt.json")]);
        Assert.True(c2 == 0, e2);
        Assert.Equal(2, out2.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var (c3, out3, e3) = Train([.. common, "--epochs", "4", "--checkpoint", P("b.ckpt.json"), "--resume", "--save", P("b.json")]);
        Assert.True(c3 == 0, e3);
        Assert.Equal([3, 4], out3.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => EpochRecord.FromJson(l).Epoch));

        Assert.Equal(File.ReadAllText(P("a.json")), File.ReadAllText(P("b.json")));
        var a = Checkpoint.Load(P("a.ckpt.json"));
        var b = Checkpoint.Load(P("b.ckpt.json"));
        Assert.Equal(a.Model.Weights, b.Model.Weights);
        Assert.Equal(a.OptimizerState.Slot("m").ToArray(), b.OptimizerState.Slot("m").ToArray());
        Assert.Equal(a.History.Epochs.Select(r => r.TrainLoss), b.History.Epochs.Select(r => r.TrainLoss));

        // Resuming with other settings is refused, naming the setting.
        var (c4, _, e4) = Train([.. common, "--epochs", "5", "--checkpoint", P("b.ckpt.json"), "--resume", "--l2", "0.1"]);
        Assert.Equal(1, c4);
        Assert.Contains("was made with l2 = '0', this run has '0.1'", e4);
        var (c5, _, e5) = Train("--data", "iris", "--resume", "--checkpoint", P("none.json"));
        Assert.Equal(1, c5);
        Assert.Contains("there is no checkpoint at", e5);
    }

    [Fact]
    public void BadOptions_AreClearErrors()
    {
        var (code, _, err) = Train("--data", "iris", "--loss", "cross-entropy", "--output", "tanh", "--no-checkpoint");
        Assert.Equal(1, code);
        Assert.Contains("cross-entropy loss needs an output layer of softmax, log_softmax or identity (logits); the network ends in tanh", err);
        (code, _, err) = Train("--data", "iris", "--optimizer", "rmsprop", "--no-checkpoint");
        Assert.Equal(1, code);
        Assert.Contains("expected sgd, momentum, nesterov or adam", err);
        (code, _, err) = Train("--data", P("missing.csv"), "--no-checkpoint");
        Assert.Equal(1, code);
        Assert.Contains("there is no file", err);
        (code, _, err) = Train("--data", "iris", "--momentum", "1.5", "--no-checkpoint");
        Assert.Equal(1, code);
        Assert.Contains("0 ≤ α < 1", err);
    }
}
