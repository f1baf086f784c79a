using HybridAD.Data;

namespace HybridAD.Tests.Data;

public class DatasetsTests
{
    [Fact]
    public void DigitsAll_HasTheKnownShapeAndCounts()
    {
        var d = Datasets.DigitsAll();
        Assert.Equal(1797, d.Count);
        Assert.Equal(64, d.FeatureCount);
        Assert.Equal(10, d.ClassCount);
        // Class sizes of sklearn's load_digits.
        Assert.Equal([178, 182, 177, 183, 181, 182, 181, 179, 174, 180], d.ClassCounts());
        Assert.Equal("pixel_0_0", d.FeatureNames[0]);
        Assert.Equal("pixel_7_7", d.FeatureNames[63]);
    }

    [Fact]
    public void Digits_FeaturesAreDividedBy16()
    {
        var d = Datasets.DigitsAll();
        // First row of the file: 0,0,5,13,9,1,0,0,... label 0.
        Assert.Equal([0, 0, 5 / 16.0, 13 / 16.0, 9 / 16.0, 1 / 16.0, 0, 0], d.Row(0)[..8].ToArray());
        Assert.Equal(0, d.Labels[0]);
        // Last row: 0,0,10,14,8,1,0,0,0,2,16,14,... label 8.
        Assert.Equal([0, 0, 10 / 16.0, 14 / 16.0, 8 / 16.0, 1 / 16.0, 0, 0, 0, 2 / 16.0, 1.0, 14 / 16.0],
            d.Row(1796)[..12].ToArray());
        Assert.Equal(8, d.Labels[1796]);
        // Sum of all raw pixel values in the file is 561718.
        double sum = 0;
        foreach (double v in d.Features) sum += v;
        Assert.Equal(561718 / 16.0, sum, 9);
        double max = 0;
        foreach (double v in d.Features) max = Math.Max(max, v);
        Assert.Equal(1.0, max);
    }

    [Fact]
    public void Digits_Split_IsFirst1500TrainLast297Test()
    {
        var s = Datasets.Digits();
        Assert.Equal(1500, s.Train.Count);
        Assert.Equal(297, s.Test.Count);
        Assert.Null(s.Transform);
        var all = Datasets.DigitsAll();
        Assert.Equal(all.Row(0).ToArray(), s.Train.Row(0).ToArray());
        Assert.Equal(all.Row(1499).ToArray(), s.Train.Row(1499).ToArray());
        Assert.Equal(all.Row(1500).ToArray(), s.Test.Row(0).ToArray());
        Assert.Equal(1, s.Test.Labels[0]); // row 1500 of the file is a 1
        Assert.Equal([27, 31, 27, 30, 33, 30, 30, 30, 28, 31], s.Test.ClassCounts());
        Assert.Same(s, Datasets.Digits()); // parsed once, shared
    }

    [Fact]
    public void Iris_HasHeaderNamesClassesAndValues()
    {
        var d = Datasets.Iris();
        Assert.Equal(150, d.Count);
        Assert.Equal(4, d.FeatureCount);
        Assert.Equal(["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"], d.FeatureNames.ToArray());
        Assert.Equal(["setosa", "versicolor", "virginica"], d.ClassNames.ToArray());
        Assert.Equal([50, 50, 50], d.ClassCounts());
        Assert.Equal([5.1, 3.5, 1.4, 0.2], d.Row(0).ToArray());
        Assert.Equal([5.9, 3.0, 5.1, 1.8], d.Row(149).ToArray());
        Assert.Equal(2, d.Labels[149]);
    }

    [Fact]
    public void Attribution_NamesTheSources()
    {
        Assert.Contains("Alpaydin", Datasets.Attribution);
        Assert.Contains("Kaynak", Datasets.Attribution);
        Assert.Contains("Fisher (1936)", Datasets.Attribution);
        Assert.Contains("UCI Machine Learning Repository", Datasets.Attribution);
        Assert.Contains("CC BY 4.0", Datasets.Attribution);
    }

    [Fact]
    public void ByName_FindsTheBuiltIns()
    {
        Assert.Same(Datasets.Iris(), Datasets.ByName("Iris"));
        Assert.Same(Datasets.DigitsAll(), Datasets.ByName("digits"));
        Assert.Null(Datasets.ByName("mnist"));
    }

    [Fact]
    public void Dataset_ConversionsAgree()
    {
        var d = Datasets.Iris().Slice(48, 4); // two setosa, two versicolor
        double[,] m = d.ToMatrix();
        Assert.Equal(4, m.GetLength(0));
        Assert.Equal(d.Row(2)[3], m[2, 3]);
        Assert.Equal([0, 0, 1, 1], d.LabelArray());
        Assert.Equal([1.0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0], d.OneHot());
        var again = Dataset.FromMatrix(m, d.LabelArray(), 3);
        Assert.Equal(d.FeatureMatrix(), again.FeatureMatrix());
        var picked = d.Select([3, 0]);
        Assert.Equal(d.Row(3).ToArray(), picked.Row(0).ToArray());
        Assert.Equal([1, 0], picked.LabelArray());
    }

    [Fact]
    public void Dataset_Create_RejectsBadInput_NamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => Dataset.Create([1.0, 2, 3], [0, 1], 2, 2));
        Assert.Contains("features has 3 values; expected labels.Length × featureCount = 2 × 2 = 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => Dataset.Create([1.0, 2], [0, 5], 1, 3));
        Assert.Contains("label of example 1 is 5; expected a class in 0..2", e.Message);
        e = Assert.Throws<ArgumentException>(() => Dataset.Create([1.0, double.NaN], [0, 0], 1, 1));
        Assert.Contains("feature 0 of example 1 is NaN", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Datasets.Iris().Slice(140, 20));
    }
}
