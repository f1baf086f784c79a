using System.Collections.Immutable;
using HybridAD.Data;
using HybridAD.Training;

namespace HybridAD.Tests.Training;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybridad-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Architecture Digits = Architecture.Parse(64, "64:tanh,32:relu,10:softmax");

    /// <summary>Doubles that break naive formatting: −0, subnormals, extremes, 1 + ulp, non-terminating decimals.</summary>
    private static readonly double[] Awkward =
    [
        0.1, 1.0 / 3, -0.0, double.Epsilon, -double.Epsilon, double.MaxValue, -double.MaxValue, 1e-310,
        Math.PI, -Math.E, BitConverter.Int64BitsToDouble(0x3FF0000000000001), 2.2250738585072014E-308,
        2.2250738585072009E-308, 123456789.12345679, 9007199254740993, 0.30000000000000004, 1e22, 5e-324 * 3,
        -1.7976931348623157E+308 / 3, 4.9406564584124654E-324 * 12345,
    ];

    private static MlpWeights AwkwardModel()
    {
        // 3 → 4 tanh → 2 softmax = 12 + 4 + 8 + 2 = 26 parameters; fill them with the awkward values and random ones.
        var arch = Architecture.Parse(3, "4:tanh,2:softmax");
        var rng = new Prng(77);
        var v = new double[arch.ParameterCount];
        for (int i = 0; i < v.Length; i++)
            v[i] = i < Awkward.Length ? Awkward[i] : rng.NextNormal() * Math.Pow(10, rng.NextInt(40) - 20);
        return MlpWeights.Initialize(arch, 1).WithVector(v);
    }

    private static void AssertBitEqual(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                $"entry {i}: expected {expected[i]:R} (0x{BitConverter.DoubleToInt64Bits(expected[i]):X16}), got {actual[i]:R}");
    }

    [Fact]
    public void SaveThenLoad_IsBitExact_OnAwkwardValues()
    {
        var model = AwkwardModel();
        string path = Path.Combine(_dir, "m.json");
        ModelFile.Save(path, new SavedModel(model));
        var loaded = ModelFile.Load(path);
        AssertBitEqual(model.ToVector(), loaded.Weights.ToVector());
        Assert.Equal(model, loaded.Weights);
        Assert.Equal(model.Architecture, loaded.Weights.Architecture);
        // Saving the loaded model gives the identical file.
        Assert.Equal(File.ReadAllText(path), ModelFile.ToJson(loaded));
    }

    [Fact]
    public void SaveThenLoad_KeepsTransformClassesAndMetadata()
    {
        var model = MlpWeights.Initialize(Architecture.Parse(4, "5:relu,3:softmax"), seed: 3);
        var iris = Datasets.Iris();
        var transform = FeatureTransform.Fit(iris, FeatureScaling.Standardize);
        var meta = ImmutableSortedDictionary<string, string>.Empty.Add("data", "iris").Add("note", "quote \" and \\ ünïcode");
        string json = ModelFile.ToJson(new SavedModel(model, transform, Datasets.IrisClassNames, meta));
        var back = ModelFile.FromJson(json);
        Assert.Equal(model, back.Weights);
        Assert.Equal(FeatureScaling.Standardize, back.InputTransform!.Kind);
        AssertBitEqual(transform.Offset.AsSpan(), back.InputTransform.Offset.AsSpan());
        AssertBitEqual(transform.Scale.AsSpan(), back.InputTransform.Scale.AsSpan());
        Assert.Equal(["setosa", "versicolor", "virginica"], back.ClassNames!.Value.ToArray());
        Assert.Equal("quote \" and \\ ünïcode", back.Metadata!["note"]);
    }

    [Fact]
    public void File_FollowsTheDocumentedSchema()
    {
        var m = MlpWeights.Initialize(Architecture.Parse(2, "3:tanh,1:sigmoid"), seed: 1);
        using var doc = System.Text.Json.JsonDocument.Parse(ModelFile.ToJson(new SavedModel(m)));
        var root = doc.RootElement;
        Assert.Equal("hybridad.mlp", root.GetProperty("format").GetString());
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal(2, root.GetProperty("inputs").GetInt32());
        var l0 = root.GetProperty("layers")[0];
        Assert.Equal("tanh", l0.GetProperty("activation").GetString());
        Assert.Equal(3, l0.GetProperty("W").GetArrayLength());            // out rows
        Assert.Equal(2, l0.GetProperty("W")[0].GetArrayLength());         // in columns
        Assert.Equal(m.Layers[0].W[1 * 2 + 0], l0.GetProperty("W")[1][0].GetDouble()); // row-major W[1,0]
        Assert.Equal(3, l0.GetProperty("b").GetArrayLength());
        Assert.Equal("sigmoid", root.GetProperty("layers")[1].GetProperty("activation").GetString());
    }

    [Fact]
    public void LoadAgainstArchitecture_WrongShape_NamesExpectedAndActual()
    {
        string path = Path.Combine(_dir, "init.json");
        ModelFile.Save(path, new SavedModel(MlpWeights.Initialize(Architecture.Parse(64, "64:tanh,30:relu,10:softmax"), 1)));
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path, Digits));
        Assert.Contains("layer 2: W is 30×64 and b has 30 values; expected W 32×64 and b 32", e.Message);
        Assert.Contains("expected 64 → 64 tanh → 32 relu → 10 softmax", e.Message);
        Assert.Contains("64 → 64 tanh → 30 relu → 10 softmax", e.Message);
        Assert.StartsWith(path, e.Message);
    }

    [Fact]
    public void LoadAgainstArchitecture_WrongInputsDepthOrActivation()
    {
        var wrongInputs = MlpWeights.Initialize(Architecture.Parse(63, "64:tanh,32:relu,10:softmax"), 1);
        var e = Assert.Throws<ModelFormatException>(() => wrongInputs.EnsureFits(Digits, "init.json"));
        Assert.Contains("layer 1: W is 64×63", e.Message);
        Assert.Contains("expected W 64×64", e.Message);

        var shallow = MlpWeights.Initialize(Architecture.Parse(64, "64:tanh,10:softmax"), 1);
        e = Assert.Throws<ModelFormatException>(() => shallow.EnsureFits(Digits, "init.json"));
        Assert.Contains("expected 3 layers, found 2", e.Message);

        var relu = MlpWeights.Initialize(Architecture.Parse(64, "64:relu,32:relu,10:softmax"), 1);
        e = Assert.Throws<ModelFormatException>(() => relu.EnsureFits(Digits, "init.json"));
        Assert.Contains("layer 1: the activation is relu; expected tanh", e.Message);

        MlpWeights.Initialize(Digits, 5).EnsureFits(Digits); // fits: no exception
    }

    [Theory]
    [InlineData("""{"format":"hybridad.mlp","version":1,"layers":[{"activation":"tanh","W":[[1,2,3],[4,5]],"b":[0,0]}]}""",
        "$.layers[0].W[1]: expected 3 numbers (every row of W has the same length as row 0), found 2")]
    [InlineData("""{"format":"hybridad.mlp","version":1,"layers":[{"activation":"tanh","W":[[1,2],[4,5]],"b":[0]}]}""",
        "$.layers[0].b: expected 2 numbers (one per row of W), found 1")]
    [InlineData("""{"format":"hybridad.mlp","version":1,"layers":[{"activation":"tanh","W":[[1,2]],"b":[0]},{"activation":"relu","W":[[1,2]],"b":[0]}]}""",
        "$.layers[1].W[0]: expected 1 numbers (the outputs of layer 1), found 2")]
    [InlineData("""{"format":"hybridad.mlp","version":1,"inputs":3,"layers":[{"activation":"tanh","W":[[1,2]],"b":[0]}]}""",
        "$.layers[0].W[0]: expected 3 numbers (the model's inputs), found 2")]
    [InlineData("""{"format":"hybridad.mlp","version":1,"layers":[{"activation":"swish","W":[[1]],"b":[0]}]}""",
        "$.layers[0].activation: expected identity, sigmoid, tanh, relu, softmax or log_softmax, found \"swish\"")]
    [InlineData("""{"format":"hybridad.mlp","version":1,"layers":[{"activation":"tanh","W":[[1,"x"]],"b":[0]}]}""",
        "$.layers[0].W[0][1]: expected a number, found the string \"x\"")]
    [InlineData("""{"format":"hybridad.mlp","version":1,"layers":[{"activation":"tanh","W":[[1,1e999]],"b":[0]}]}""",
        "$.layers[0].W[0][1]: expected a finite number")]
    [InlineData("""{"format":"hybridad.mlp","version":2,"layers":[]}""",
        "$.version: expected 1 (the version this HybridAD reads), found 2")]
    [InlineData("""{"format":"onnx","version":1,"layers":[]}""", "$.format: expected \"hybridad.mlp\", found \"onnx\"")]
    [InlineData("""{"format":"hybridad.mlp","version":1}""", "$.layers: expected a value, found no such field")]
    [InlineData("""{"format":"hybridad.mlp","version":1,"layers":[{"activation":"tanh","W":[[1]]""", "not valid JSON")]
    public void Load_MalformedFile_NamesThePlaceAndWhatWasExpected(string json, string message)
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.FromJson(json, "bad.json"));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("bad.json: ", e.Message);
    }

    [Fact]
    public void Save_RejectsNonFiniteWeights_AndLeavesTheOldFile()
    {
        string path = Path.Combine(_dir, "m.json");
        var good = MlpWeights.Initialize(Architecture.Parse(2, "2:tanh"), 1);
        ModelFile.Save(path, new SavedModel(good));
        string before = File.ReadAllText(path);
        var v = good.ToVector();
        v[3] = double.NaN;
        var e = Assert.Throws<ArgumentException>(() => ModelFile.Save(path, new SavedModel(good.WithVector(v))));
        Assert.Contains("layer 1 W[1, 1] is NaN", e.Message);
        Assert.Equal(before, File.ReadAllText(path));
    }

    [Fact]
    public void ToVector_IsLayerByLayer_WRowMajor_ThenB()
    {
        var arch = Architecture.Parse(2, "2:tanh,1:identity"); // 4 + 2 + 2 + 1 = 9
        Assert.Equal(9, arch.ParameterCount);
        var m = MlpWeights.Initialize(arch, 1).WithVector([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Assert.Equal([1.0, 2.0], m.Layers[0].Row(0).ToArray());
        Assert.Equal([3.0, 4.0], m.Layers[0].Row(1).ToArray());
        Assert.Equal([5.0, 6.0], m.Layers[0].B.ToArray());
        Assert.Equal([7.0, 8.0], m.Layers[1].W.ToArray());
        Assert.Equal([9.0], m.Layers[1].B.ToArray());
        Assert.Equal([1.0, 2, 3, 4, 5, 6, 7, 8, 9], m.ToVector());
        var e = Assert.Throws<ArgumentException>(() => m.WithVector(new double[8]));
        Assert.Contains("length 8; expected 9", e.Message);
    }

    [Fact]
    public void Initialize_IsDeterministic_AndUsesZeroBiases()
    {
        var a = MlpWeights.Initialize(Digits, seed: 42);
        var b = MlpWeights.Initialize(Digits, seed: 42);
        Assert.Equal(6570, a.ParameterCount);
        Assert.Equal(a, b);
        Assert.NotEqual(a, MlpWeights.Initialize(Digits, seed: 43));
        Assert.All(a.Layers, l => Assert.All(l.B, v => Assert.Equal(0.0, v)));
        // tanh layer: Xavier r = √(6/128); relu layer: He r = √(6/64)
        Assert.All(a.Layers[0].W, v => Assert.InRange(v, -Math.Sqrt(6.0 / 128), Math.Sqrt(6.0 / 128)));
        Assert.Contains(a.Layers[1].W, v => Math.Abs(v) > Math.Sqrt(6.0 / 96)); // beyond Xavier's limit: He was used
    }

    [Fact]
    public void Evaluate_ComputesTheComposition()
    {
        // layer 1: identity W = I; layer 2: softmax of (x₁ + x₂, 0); at x = (1, 2): softmax(3, 0)
        var m = MlpWeights.Initialize(Architecture.Parse(2, "2:identity,2:softmax"), 1).WithVector([1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0]);
        var y = m.Evaluate([1.0, 2.0]);
        OptimizerTests.Close(0.9525741268224334, y[0]);
        OptimizerTests.Close(0.04742587317756678, y[1]);
        // log_softmax at extreme logits stays finite: log σ₁(1000, 0) = (0, −1000)
        var l = MlpWeights.Initialize(Architecture.Parse(1, "2:log_softmax"), 1).WithVector([1000, 0, 0, 0]).Evaluate([1.0]);
        OptimizerTests.Close(0, l[0]);
        OptimizerTests.Close(-1000, l[1]);
    }

    [Fact]
    public void Architecture_ParseAndDescribe()
    {
        Assert.Equal("64 → 64 tanh → 32 relu → 10 softmax", Digits.ToString());
        Assert.Equal(64 * 65 + 32 * 65 + 10 * 33, Digits.ParameterCount);
        Assert.Equal(Digits, Architecture.Parse(64, "64:tanh, 32:ReLU, 10:softmax"));
        var e = Assert.Throws<ArgumentException>(() => Architecture.Parse(4, "8:tanh,x:relu"));
        Assert.Contains("layer 'x:relu' should be width[:activation]", e.Message);
        Assert.Throws<ArgumentException>(() => Architecture.Parse(4, "8:gelu"));
    }
}
