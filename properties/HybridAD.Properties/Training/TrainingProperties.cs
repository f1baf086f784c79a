using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using HybridAD.Data;
using HybridAD.Training;

namespace HybridAD.Properties.Training;

/// <summary>
/// Properties of the training building blocks: model files are bit-exact for any finite weights, the momentum
/// rule matches its closed form under a constant gradient, CSV written with round-trip numbers reads back
/// exactly, splits partition the data, min–max scaling maps the training set onto [0, 1].
/// </summary>
public class TrainingProperties
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(100).WithQuietOnSuccess(true);

    private static Arbitrary<int> Seeds => Gen.Choose(0, int.MaxValue - 1).ToArbitrary();

    /// <summary>A finite double from raw random bits: any sign, exponent and mantissa (subnormals, −0, extremes).</summary>
    private static double AnyFinite(Prng rng)
    {
        while (true)
        {
            double d = BitConverter.Int64BitsToDouble((long)rng.NextUInt64());
            if (double.IsFinite(d)) return d;
        }
    }

    [Fact]
    public void ModelJson_RoundTrip_IsBitExact_ForAnyFiniteWeights() =>
        FsCheck.Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var rng = new Prng(seed);
            var arch = new Architecture(1 + rng.NextInt(4),
            [
                new LayerSpec(1 + rng.NextInt(4), (Activation)rng.NextInt(6)),
                new LayerSpec(1 + rng.NextInt(3), (Activation)rng.NextInt(6)),
            ]);
            var v = new double[arch.ParameterCount];
            for (int i = 0; i < v.Length; i++) v[i] = AnyFinite(rng);
            var model = MlpWeights.Initialize(arch, seed).WithVector(v);
            var back = ModelFile.FromJson(ModelFile.ToJson(new SavedModel(model))).Weights;
            var w = back.ToVector();
            for (int i = 0; i < v.Length; i++)
            {
                if (BitConverter.DoubleToInt64Bits(v[i]) != BitConverter.DoubleToInt64Bits(w[i]))
                    throw new InvalidOperationException($"parameter {i}: wrote {v[i]:R}, read {w[i]:R}");
            }
            Assert.Equal(arch, back.Architecture);
        }));

    [Fact]
    public void Momentum_UnderAConstantGradient_MatchesItsClosedForm() =>
        FsCheck.Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            // ΔW(t) = −ηg·(1 − αᵗ)/(1 − α);  W(t) = W(0) − ηg/(1 − α)·(t − α(1 − αᵗ)/(1 − α))
            var rng = new Prng(seed);
            double eta = 0.001 + rng.NextDouble(), alpha = 0.99 * rng.NextDouble(), g = rng.NextNormal(), w0 = rng.NextNormal();
            int steps = 1 + rng.NextInt(30);
            var opt = new Momentum(eta, alpha);
            double[] theta = [w0];
            var s = opt.Init(1);
            for (int t = 0; t < steps; t++) (theta, s) = opt.Step(theta, s, [g]);
            double at = Math.Pow(alpha, steps);
            double delta = -eta * g * (1 - at) / (1 - alpha);
            double w = w0 - eta * g / (1 - alpha) * (steps - alpha * (1 - at) / (1 - alpha));
            double scale = Math.Abs(eta * g) * steps / (1 - alpha) + Math.Abs(w0) + 1;
            Assert.True(Math.Abs(s.Slot("velocity")[0] - delta) <= 1e-12 * scale, $"ΔW({steps}) = {s.Slot("velocity")[0]:R}, closed form {delta:R}");
            Assert.True(Math.Abs(theta[0] - w) <= 1e-12 * scale, $"W({steps}) = {theta[0]:R}, closed form {w:R}");
        }));

    [Fact]
    public void Csv_WrittenWithRoundTripNumbers_ReadsBackExactly() =>
        FsCheck.Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var rng = new Prng(seed);
            int n = 1 + rng.NextInt(20), p = 1 + rng.NextInt(5), k = 1 + rng.NextInt(4);
            int labelAt = rng.NextInt(p + 1);
            bool header = rng.NextInt(2) == 0;
            var x = new double[n * p];
            var y = new int[n];
            var sb = new StringBuilder();
            if (header)
                sb.AppendJoin(',', Enumerable.Range(0, p + 1).Select(c => c == labelAt ? "label" : $"f{c}")).Append('\n');
            for (int i = 0; i < n; i++)
            {
                y[i] = rng.NextInt(k);
                var fields = new List<string>();
                for (int j = 0; j < p; j++)
                {
                    x[i * p + j] = rng.NextInt(3) == 0 ? AnyFinite(rng) : rng.NextNormal() * 100;
                    fields.Add(x[i * p + j].ToString("R", CultureInfo.InvariantCulture));
                }
                fields.Insert(labelAt, y[i].ToString(CultureInfo.InvariantCulture));
                sb.AppendJoin(',', fields).Append(rng.NextInt(2) == 0 ? "\n" : "\r\n");
            }
            var d = Csv.Parse(sb.ToString(), new CsvOptions
            {
                Label = LabelColumn.At(labelAt),
                Header = header ? CsvHeader.Present : CsvHeader.Absent,
                ClassCount = k,
            });
            Assert.Equal(y, d.LabelArray());
            Assert.Equal(x.Select(BitConverter.DoubleToInt64Bits), d.FeatureMatrix().Select(BitConverter.DoubleToInt64Bits));
        }));

    [Fact]
    public void Split_PartitionsTheExamples() =>
        FsCheck.Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var rng = new Prng(seed);
            int n = 2 + rng.NextInt(60);
            var data = Dataset.Create(Enumerable.Range(0, n).Select(i => (double)i).ToArray(),
                Enumerable.Range(0, n).Select(i => i % 3).ToArray(), 1, 3);
            int testCount = 1 + rng.NextInt(n - 1);
            var spec = rng.NextInt(2) == 0 ? SplitSpec.TestCount(testCount, seed) : SplitSpec.TestCount(testCount);
            var s = spec.Apply(data);
            Assert.Equal(testCount, s.Test.Count);
            Assert.Equal(n - testCount, s.Train.Count);
            var all = s.Train.FeatureMatrix().Concat(s.Test.FeatureMatrix()).Order();
            Assert.Equal(Enumerable.Range(0, n).Select(i => (double)i), all);
            for (int i = 0; i < s.Test.Count; i++) Assert.Equal((int)s.Test.Row(i)[0] % 3, s.Test.Labels[i]);
        }));

    [Fact]
    public void MinMax_MapsTheTrainingSetOntoTheUnitInterval() =>
        FsCheck.Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var rng = new Prng(seed);
            int n = 2 + rng.NextInt(30), p = 1 + rng.NextInt(4);
            var x = new double[n * p];
            for (int i = 0; i < x.Length; i++) x[i] = rng.NextNormal() * Math.Pow(10, rng.NextInt(7) - 3);
            var data = Dataset.Create(x, new int[n], p, 1);
            var z = FeatureTransform.Fit(data, FeatureScaling.MinMax).Apply(data);
            for (int j = 0; j < p; j++)
            {
                double min = double.MaxValue, max = double.MinValue;
                for (int i = 0; i < n; i++) { min = Math.Min(min, z.Row(i)[j]); max = Math.Max(max, z.Row(i)[j]); }
                Assert.Equal(0.0, min);
                Assert.Equal(1.0, max, 14);
            }
        }));
}
