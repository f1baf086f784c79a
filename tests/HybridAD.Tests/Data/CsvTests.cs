using HybridAD.Data;

namespace HybridAD.Tests.Data;

public sealed class CsvTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybridad-csv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Flowers =
        "length,width,species\n" +
        "1.5,0.2,setosa\n" +
        "4.5,1.5,versicolor\n" +
        "6.0,2.5,virginica\n" +
        "1.4,0.3,0\n";

    private static readonly CsvOptions Named = new() { ClassNames = ["setosa", "versicolor", "virginica"] };

    [Fact]
    public void Parse_HeaderNamedLabels_AndIndices()
    {
        var d = Csv.Parse(Flowers, Named);
        Assert.Equal(4, d.Count);
        Assert.Equal(["length", "width"], d.FeatureNames.ToArray());
        Assert.Equal([0, 1, 2, 0], d.LabelArray());
        Assert.Equal([1.5, 0.2, 4.5, 1.5, 6.0, 2.5, 1.4, 0.3], d.FeatureMatrix());
        Assert.Equal(3, d.ClassCount);
    }

    [Fact]
    public void Parse_NoHeader_DetectedAndInferredClasses()
    {
        var d = Csv.Parse("1,2,0\n3,4,2\n5,6,1\n");
        Assert.Equal(3, d.Count);
        Assert.Equal(3, d.ClassCount);
        Assert.Equal(["x1", "x2"], d.FeatureNames.ToArray());
        Assert.Equal(["0", "1", "2"], d.ClassNames.ToArray());
    }

    [Fact]
    public void Parse_LabelColumnByIndexOrName_CrlfQuotesAndSpaces()
    {
        string text = "\"label\", \"a, quoted\" ,b\r\n1, 10.5 , -2e-1\r\n0,\"3\",4\r\n";
        var byIndex = Csv.Parse(text, new CsvOptions { Label = LabelColumn.At(0) });
        Assert.Equal(["a, quoted", "b"], byIndex.FeatureNames.ToArray());
        Assert.Equal([10.5, -0.2, 3, 4], byIndex.FeatureMatrix());
        Assert.Equal([1, 0], byIndex.LabelArray());
        var byName = Csv.Parse(text, new CsvOptions { Label = LabelColumn.Named("label") });
        Assert.Equal(byIndex.FeatureMatrix(), byName.FeatureMatrix());
        var parsed = Csv.Parse(text, new CsvOptions { Label = LabelColumn.Parse("0") });
        Assert.Equal(byIndex.LabelArray(), parsed.LabelArray());
        var fromEnd = Csv.Parse("1,0,5\n2,1,6\n", new CsvOptions { Label = LabelColumn.At(-2) });
        Assert.Equal([0, 1], fromEnd.LabelArray());
        Assert.Equal([1.0, 5, 2, 6], fromEnd.FeatureMatrix());
    }

    [Fact]
    public void Parse_OtherDelimiter_AndForcedHeader()
    {
        var d = Csv.Parse("1;2;0\n3;4;1\n", new CsvOptions { Delimiter = ';', Header = CsvHeader.Present });
        Assert.Equal(1, d.Count);                  // "1;2;0" was the header
        Assert.Equal(["1", "2"], d.FeatureNames.ToArray());
    }

    [Fact]
    public void WrongFieldCount_ReportsLineAndExpectation()
    {
        var e = Assert.Throws<DataFormatException>(() => Csv.Parse("a,b,c\n1,2,0\n3,4\n5,6,1\n", source: "my.csv"));
        Assert.Equal(3, e.LineNumber);
        Assert.Equal("my.csv: line 3: expected 3 fields (2 features and the label, as on line 1), found 2 fields: '3,4'.", e.Message);
    }

    [Fact]
    public void NonNumericAndNonFiniteFields_ReportLineColumnAndName()
    {
        var e = Assert.Throws<DataFormatException>(() => Csv.Parse("h1,h2,y\n1,abc,0\n2,NaN,1\n3,,1\n4,1e999,0\n"));
        Assert.Equal(4, e.Problems.Length);
        Assert.Equal("line 2, column 2 (h2): expected a number, found 'abc'", e.Problems[0].ToString());
        Assert.Equal("line 3, column 2 (h2): expected a finite number, found 'NaN'", e.Problems[1].ToString());
        Assert.Equal("line 4, column 2 (h2): expected a number, found an empty field", e.Problems[2].ToString());
        Assert.Equal("line 5, column 2 (h2): expected a finite number, found '1e999'", e.Problems[3].ToString());
        Assert.Contains("4 problems", e.Message);
    }

    [Fact]
    public void EmptyLines_AreErrors_NotSkipped()
    {
        var e = Assert.Throws<DataFormatException>(() => Csv.Parse("1,2,0\n\n3,4,1\n   \n"));
        Assert.Equal([2, 4], e.Problems.Select(p => p.Line));
        Assert.Equal("line 2: expected 3 fields, found an empty line", e.Problems[0].ToString());
        // A single final newline is just the end of the last line.
        Assert.Equal(2, Csv.Parse("1,2,0\n3,4,1\n").Count);
        Assert.Equal(2, Csv.Parse("1,2,0\n3,4,1").Count);
    }

    [Fact]
    public void LabelOutsideDeclaredClasses_IsAClearError()
    {
        var e = Assert.Throws<DataFormatException>(() => Csv.Parse(Flowers + "5.0,1.0,rose\n", Named, "flowers.csv"));
        Assert.Equal(6, e.LineNumber);
        Assert.Equal("flowers.csv: line 6, column 3 (species): expected one of the declared classes " +
                     "{setosa, versicolor, virginica} or a class index 0..2, found 'rose'.", e.Message);

        e = Assert.Throws<DataFormatException>(() => Csv.Parse("1,0\n2,3\n", new CsvOptions { ClassCount = 3 }));
        Assert.Equal("line 2, column 2: expected a class index in 0..2 (the 3 declared classes), found '3'", e.Problems[0].ToString());

        e = Assert.Throws<DataFormatException>(() => Csv.Parse("1,0\n2,-1\n3,1.5\n"));
        Assert.Equal([2, 3], e.Problems.Select(p => p.Line));
        Assert.Contains("a class index (a non-negative integer", e.Problems[0].Expected);
    }

    [Fact]
    public void NamedLabelsWithoutDeclaredClasses_ExplainWhatToDo()
    {
        var e = Assert.Throws<DataFormatException>(() => Csv.Parse(Flowers));
        Assert.Equal(2, e.LineNumber);
        Assert.Contains("declare CsvOptions.ClassNames for named labels", e.Message);
    }

    [Fact]
    public void ManyBadLines_StopAfterTheLimit()
    {
        string text = "1,0\n" + string.Concat(Enumerable.Range(0, 30).Select(_ => "x,0\n"));
        var e = Assert.Throws<DataFormatException>(() => Csv.Parse(text));
        Assert.Equal(DataFormatException.MaxProblems, e.Problems.Length);
        Assert.True(e.Truncated);
        Assert.Contains("(stopped after 20 problems)", e.Message);
    }

    [Fact]
    public void FileLevelProblems()
    {
        Assert.Equal("CSV text: the file: expected a header or data line, found an empty file.",
            Assert.Throws<DataFormatException>(() => Csv.Parse("")).Message);
        Assert.Contains("expected at least one data line, found only a header",
            Assert.Throws<DataFormatException>(() => Csv.Parse("a,b,y\n")).Message);
        Assert.Contains("line 1: expected at least 2 ','-separated fields (features and a label), found 1 field: '1'",
            Assert.Throws<DataFormatException>(() => Csv.Parse("1\n2\n")).Message);
        Assert.Contains("line 2: expected well-formed fields, found an unterminated quote in field 2",
            Assert.Throws<DataFormatException>(() => Csv.Parse("1,0\n2,\"1\n")).Message);
        Assert.Contains("expected a header naming the label column 'kind'",
            Assert.Throws<DataFormatException>(() => Csv.Parse("a,b,c\n1,2,0\n", new CsvOptions { Label = LabelColumn.Named("kind") })).Message);
        Assert.Contains("expected a label column index in 0..2 or -3..-1",
            Assert.Throws<DataFormatException>(() => Csv.Parse("1,2,0\n", new CsvOptions { Label = LabelColumn.At(5) })).Message);
    }

    [Fact]
    public void InconsistentOptions_AreArgumentErrors()
    {
        Assert.Throws<ArgumentException>(() => Csv.Parse("1,0\n",
            new CsvOptions { Label = LabelColumn.Named("y"), Header = CsvHeader.Absent }));
        Assert.Throws<ArgumentException>(() => Csv.Parse("1,0\n",
            new CsvOptions { ClassCount = 2, ClassNames = ["a", "b", "c"] }));
        Assert.Throws<ArgumentException>(() => new CsvOptions { ClassNames = ["a", "a"] });
    }

    [Fact]
    public void Load_FromFile_ReportsThePath()
    {
        string path = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(path, "1,2,0\n3,4,0,9\n");
        var e = Assert.Throws<DataFormatException>(() => Csv.Load(path));
        Assert.Equal(path, e.DataSource);
        Assert.StartsWith($"{path}: line 2: expected 3 fields", e.Message);

        string good = Path.Combine(_dir, "good.csv");
        File.WriteAllText(good, "\uFEFFa,b,y\n1,2,0\n3,4,1\n"); // BOM is fine
        Assert.Equal(["a", "b"], Csv.Load(good).FeatureNames.ToArray());
    }

    [Fact]
    public void LoadSplit_SplitsThenStandardizesWithTrainStatistics()
    {
        string path = Path.Combine(_dir, "d.csv");
        // 10 rows: feature = row index, labels alternate. Test = last 2 (no seed).
        File.WriteAllText(path, string.Concat(Enumerable.Range(0, 10).Select(i => $"{i},{i % 2}\n")));
        var s = Csv.LoadSplit(path, null, SplitSpec.TestCount(2), FeatureScaling.Standardize);
        Assert.Equal(8, s.Train.Count);
        // Train features 0..7: mean 3.5, population std √5.25.
        double std = Math.Sqrt(5.25);
        Assert.Equal(3.5, s.Transform!.Offset[0]);
        Assert.Equal(std, s.Transform.Scale[0], 15);
        Assert.Equal((0 - 3.5) / std, s.Train.Row(0)[0], 15);
        Assert.Equal((8 - 3.5) / std, s.Test.Row(0)[0], 15);   // test uses the train statistics
        Assert.Equal((9 - 3.5) / std, s.Test.Row(1)[0], 15);
    }
}
