using HybridAD.Data;

namespace HybridAD.Tests.Data;

public class SplitAndScalingTests
{
    private static Dataset Numbered(int n, int classes = 2) =>
        Dataset.Create(Enumerable.Range(0, n).Select(i => (double)i).ToArray(),
            Enumerable.Range(0, n).Select(i => i % classes).ToArray(), featureCount: 1, classCount: classes);

    [Fact]
    public void TestCount_WithoutSeed_KeepsFileOrder()
    {
        var s = SplitSpec.TestCount(3).Apply(Numbered(10));
        Assert.Equal([0.0, 1, 2, 3, 4, 5, 6], s.Train.FeatureMatrix());
        Assert.Equal([7.0, 8, 9], s.Test.FeatureMatrix());
    }

    [Fact]
    public void TestFraction_RoundsTheTestCount()
    {
        var s = SplitSpec.TestFraction(0.25).Apply(Numbered(10)); // 2.5 → 3
        Assert.Equal(7, s.Train.Count);
        Assert.Equal(3, s.Test.Count);
        Assert.Equal(30, SplitSpec.TestFraction(0.2).Apply(Datasets.Iris()).Test.Count);
    }

    [Fact]
    public void SeededShuffle_IsDeterministic_AndAPartition()
    {
        var data = Numbered(50);
        var a = SplitSpec.TestFraction(0.2, seed: 7).Apply(data);
        var b = SplitSpec.TestFraction(0.2, seed: 7).Apply(data);
        var c = SplitSpec.TestFraction(0.2, seed: 8).Apply(data);
        Assert.Equal(a.Train.FeatureMatrix(), b.Train.FeatureMatrix());
        Assert.Equal(a.Test.FeatureMatrix(), b.Test.FeatureMatrix());
        Assert.NotEqual(a.Test.FeatureMatrix(), c.Test.FeatureMatrix());
        var all = a.Train.FeatureMatrix().Concat(a.Test.FeatureMatrix()).Order();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (double)i), all);
        Assert.NotEqual(Enumerable.Range(40, 10).Select(i => (double)i), a.Test.FeatureMatrix()); // shuffled
        // Labels travel with their rows.
        for (int i = 0; i < a.Test.Count; i++) Assert.Equal((int)a.Test.Row(i)[0] % 2, a.Test.Labels[i]);
    }

    [Fact]
    public void Stratified_KeepsClassProportions()
    {
        var s = SplitSpec.TestFraction(0.2, seed: 3, stratified: true).Apply(Datasets.Iris());
        Assert.Equal([10, 10, 10], s.Test.ClassCounts());
        Assert.Equal([40, 40, 40], s.Train.ClassCounts());
    }

    [Fact]
    public void BadSplits_AreClearErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SplitSpec.TestFraction(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SplitSpec.TestFraction(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SplitSpec.TestCount(0));
        Assert.Throws<ArgumentException>(() => SplitSpec.TestFraction(0.2, stratified: true)); // needs a seed
        var e = Assert.Throws<ArgumentException>(() => SplitSpec.TestCount(10).Apply(Numbered(10)));
        Assert.Contains("gives 10 test and 0 training examples; expected at least one of each", e.Message);
        e = Assert.Throws<ArgumentException>(() => SplitSpec.TestFraction(0.01).Apply(Numbered(10)));
        Assert.Contains("gives 0 test", e.Message);
    }

    [Fact]
    public void MinMax_MapsTrainOntoUnitInterval_TestWithTrainRange()
    {
        // Feature 0: 2, 4, 6 → (x − 2)/4; feature 1 constant 5 → scale 1, maps to 0.
        var train = Dataset.Create([2.0, 5, 4, 5, 6, 5], [0, 1, 0], 2, 2);
        var t = FeatureTransform.Fit(train, FeatureScaling.MinMax);
        Assert.Equal([2.0, 5], t.Offset.ToArray());
        Assert.Equal([4.0, 1], t.Scale.ToArray());
        Assert.Equal([0.0, 0, 0.5, 0, 1, 0], t.Apply(train).FeatureMatrix());
        var test = Dataset.Create([10.0, 7], [1], 2, 2);
        Assert.Equal([2.0, 2], t.Apply(test).FeatureMatrix()); // outside [0, 1]: not clipped
    }

    [Fact]
    public void Standardize_OnIris_GivesZeroMeanUnitVariance()
    {
        var iris = Datasets.Iris();
        var t = FeatureTransform.Fit(iris, FeatureScaling.Standardize);
        // Reference: mean and population std of each column.
        double[] mean = [5.843333333333335, 3.057333333333334, 3.7580000000000027, 1.199333333333334];
        double[] std = [0.8253012917851409, 0.43441096773549437, 1.7594040657753032, 0.7596926279021594];
        for (int j = 0; j < 4; j++)
        {
            Assert.Equal(mean[j], t.Offset[j], 12);
            Assert.Equal(std[j], t.Scale[j], 12);
        }
        var z = t.Apply(iris);
        for (int j = 0; j < 4; j++)
        {
            double m = 0, v = 0;
            for (int i = 0; i < z.Count; i++) m += z.Row(i)[j];
            m /= z.Count;
            for (int i = 0; i < z.Count; i++) v += (z.Row(i)[j] - m) * (z.Row(i)[j] - m);
            Assert.Equal(0, m, 12);
            Assert.Equal(1, v / z.Count, 12);
        }
        Assert.Equal(iris.LabelArray(), z.LabelArray());
    }

    [Fact]
    public void Scaled_FitsOnTrainOnly_AndRefusesToScaleTwice()
    {
        var s = SplitSpec.TestCount(1).Apply(Numbered(6)).Scaled(FeatureScaling.MinMax);
        Assert.Equal([0.0, 0.25, 0.5, 0.75, 1.0], s.Train.FeatureMatrix()); // train 0..4
        Assert.Equal([1.25], s.Test.FeatureMatrix());                       // test 5 with the train range
        Assert.Throws<InvalidOperationException>(() => s.Scaled(FeatureScaling.Standardize));
        var e = Assert.Throws<ArgumentException>(() => s.Transform!.Apply(Datasets.Iris()));
        Assert.Contains("has 4 features; this transform was fitted on 1", e.Message);
    }
}
