using System.Globalization;
using System.Xml.Linq;
using HybridAD.Training;

namespace HybridAD.Tests.Training;

public class HistoryPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static TrainingHistory FiveEpochs() => TrainingHistory.From(
    [
        new EpochRecord(1, 2.0, 0.50, 0.45, 0.010),
        new EpochRecord(2, 1.0, 0.70, 0.66, 0.011),
        new EpochRecord(3, 0.5, 0.85, 0.80, 0.009),
        new EpochRecord(4, 0.3, 0.92, 0.88, 0.010),
        new EpochRecord(5, 0.2, 0.95, 0.90, 0.010),
    ]);

    private static (double X, double Y)[] Points(XElement polyline) =>
        polyline.Attribute("points")!.Value.Split(' ')
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToArray();

    [Fact]
    public void Svg_IsValidXml_WithAxesLabelsAndThreeCurves()
    {
        string svg = HistoryPlot.ToSvg(FiveEpochs(), "digits <64-32-10> & co");
        var doc = XDocument.Parse(svg); // throws if not well-formed
        var root = doc.Root!;
        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal("0 0 960 420", root.Attribute("viewBox")!.Value);

        var lines = root.Descendants(Svg + "polyline").ToDictionary(p => p.Attribute("id")!.Value);
        Assert.Equal(["test-accuracy", "train-accuracy", "train-loss"], lines.Keys.Order());
        Assert.All(lines.Values, p => Assert.Equal(5, Points(p).Length));

        var texts = root.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("epoch", texts);
        Assert.Contains("mean training loss", texts);
        Assert.Contains("accuracy", texts);
        Assert.Contains("digits <64-32-10> & co", texts);      // escaped in the file, intact when parsed
        Assert.Contains("test accuracy", texts);               // legend
        Assert.True(root.Descendants(Svg + "line").Count() >= 4); // axes and ticks
    }

    [Fact]
    public void Curves_AreMappedOntoTheAxes()
    {
        var root = XDocument.Parse(HistoryPlot.ToSvg(FiveEpochs())).Root!;
        var lines = root.Descendants(Svg + "polyline").ToDictionary(p => p.Attribute("id")!.Value);
        var loss = Points(lines["train-loss"]);
        // x: epochs 1..5 span the panel [80, 450] evenly.
        Assert.Equal(80, loss[0].X, 2);
        Assert.Equal(450, loss[^1].X, 2);
        Assert.Equal(80 + 370 / 4.0, loss[1].X, 2);
        // The loss falls, so its y (downwards in SVG) grows; the loss axis 0..2 maps onto 350..60.
        for (int i = 1; i < loss.Length; i++) Assert.True(loss[i].Y > loss[i - 1].Y);
        Assert.Equal(60, loss[0].Y, 2);                          // loss 2.0 at the top tick
        Assert.Equal(350 - 0.2 / 2.0 * 290, loss[^1].Y, 2);
        // Accuracy axis 0..1 maps onto 350..60.
        var train = Points(lines["train-accuracy"]);
        Assert.Equal(350 - 0.5 * 290, train[0].Y, 2);
        Assert.Equal(350 - 0.95 * 290, train[^1].Y, 2);
        Assert.Equal(560, train[0].X, 2);
    }

    [Fact]
    public void NonFiniteLoss_BreaksTheCurve_NoTestSet_NoTestCurve()
    {
        var h = TrainingHistory.From(
        [
            new EpochRecord(1, 1.0, 0.5, null, 0.01),
            new EpochRecord(2, double.NaN, 0.5, null, 0.01),
            new EpochRecord(3, 0.5, 0.6, null, 0.01),
            new EpochRecord(4, 0.4, 0.7, null, 0.01),
        ]);
        var root = XDocument.Parse(HistoryPlot.ToSvg(h)).Root!;
        var loss = root.Descendants(Svg + "polyline").Where(p => p.Attribute("class")!.Value == "train-loss").ToList();
        Assert.Equal(2, loss.Count);
        Assert.Single(Points(loss[0]));
        Assert.Equal(2, Points(loss[1]).Length);
        Assert.DoesNotContain(root.Descendants(Svg + "polyline"), p => p.Attribute("id")!.Value == "test-accuracy");
    }

    [Fact]
    public void EmptyHistory_StillAValidPicture()
    {
        var root = XDocument.Parse(HistoryPlot.ToSvg(TrainingHistory.Empty)).Root!;
        Assert.Empty(root.Descendants(Svg + "polyline"));
        Assert.Contains(root.Descendants(Svg + "text"), t => t.Value == "no epochs recorded yet");
    }

    [Theory]
    [InlineData(0, 2.0, false, new[] { 0, 0.5, 1, 1.5, 2 })]
    [InlineData(0, 0.93, false, new[] { 0, 0.2, 0.4, 0.6, 0.8, 1.0 })]
    [InlineData(1, 30, true, new double[] { 5, 10, 15, 20, 25, 30 })]
    [InlineData(1, 3, true, new double[] { 1, 2, 3 })]
    public void NiceTicks_AreRoundAndCoverTheRange(double lo, double hi, bool integer, double[] expected) =>
        Assert.Equal(expected, HistoryPlot.NiceTicks(lo, hi, integer));

    [Fact]
    public void EpochRecord_JsonLine_HasTheDocumentedFields_AndRoundTrips()
    {
        var r = new EpochRecord(3, 0.25, 0.9, 0.875, 0.0042);
        Assert.Equal("""{"epoch":3,"train_loss":0.25,"train_accuracy":0.9,"test_accuracy":0.875,"seconds":0.0042}""", r.ToJson());
        Assert.Equal(r, EpochRecord.FromJson(r.ToJson()));
        var diverged = new EpochRecord(4, double.NaN, 0.1, null, 1);
        Assert.Equal("""{"epoch":4,"train_loss":null,"train_accuracy":0.1,"test_accuracy":null,"seconds":1}""", diverged.ToJson());
        Assert.Equal(diverged, EpochRecord.FromJson(diverged.ToJson()));
    }

    [Fact]
    public void History_RequiresIncreasingEpochs_AndIsImmutable()
    {
        var h1 = TrainingHistory.Empty.Add(new EpochRecord(1, 1, 0.5, null, 0));
        var h2 = h1.Add(new EpochRecord(2, 0.5, 0.6, null, 0));
        Assert.Equal(1, h1.Count);
        Assert.Equal(2, h2.Count);
        var e = Assert.Throws<ArgumentException>(() => h2.Add(new EpochRecord(2, 0.4, 0.7, null, 0)));
        Assert.Contains("epoch 2 comes after epoch 2", e.Message);
        Assert.Equal(2, h2.ToJsonLines().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}

public class ConfusionMatrixTests
{
    [Fact]
    public void Compute_CountsPairs_AndDerivesTheRates()
    {
        int[] actual = [0, 0, 0, 1, 1, 2, 2, 2, 2];
        int[] predicted = [0, 0, 1, 1, 1, 2, 2, 0, 1];
        var cm = ConfusionMatrix.Compute(actual, predicted, 3);
        Assert.Equal([2, 1, 0, 0, 2, 0, 1, 1, 2], cm.Counts.ToArray());
        Assert.Equal(9, cm.Total);
        Assert.Equal(6, cm.Correct);
        Assert.Equal(6.0 / 9, cm.Accuracy);
        Assert.Equal(2.0 / 3, cm.Recall(0));
        Assert.Equal(1.0, cm.Recall(1));
        Assert.Equal(0.5, cm.Recall(2));
        Assert.Equal(2.0 / 3, cm.Precision(0));   // column 0: 2 right of 3
        Assert.Equal(0.5, cm.Precision(1));       // column 1: 2 right of 4
        Assert.Equal(1.0, cm.Precision(2));
        Assert.Equal(Metrics.Accuracy(actual, predicted), cm.Accuracy);
    }

    [Fact]
    public void ToText_IsAnAlignedTable()
    {
        var cm = ConfusionMatrix.Compute([0, 0, 0, 1, 1, 2, 2, 2, 2], [0, 0, 1, 1, 1, 2, 2, 0, 1], 3);
        string text = cm.ToText(["setosa", "versicolor", "virginica"]);
        string[] lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal(6, lines.Length);
        Assert.StartsWith("actual \\ predicted", lines[0]);
        Assert.Contains("versicolor", lines[0]);
        Assert.Matches(@"^setosa\s+2\s+1\s+0\s+0\.667$", lines[1]);
        Assert.Matches(@"^virginica\s+1\s+1\s+2\s+0\.500$", lines[3]);
        Assert.Matches(@"^precision\s+0\.667\s+0\.500\s+1\.000$", lines[4]);
        Assert.Equal("accuracy 0.667 (6/9)", lines[5]);
        Assert.Equal(lines[0].Length, lines[1].Length); // columns line up
        Assert.Equal(lines[1].Length, lines[3].Length);
    }

    [Fact]
    public void Compute_RejectsLabelsOutsideTheClasses()
    {
        var e = Assert.Throws<ArgumentException>(() => ConfusionMatrix.Compute([0, 3], [0, 1], 3));
        Assert.Contains("actual label 1 is 3; expected a class in 0..2", e.Message);
        e = Assert.Throws<ArgumentException>(() => ConfusionMatrix.Compute([0, 1], [0], 3));
        Assert.Contains("1 predictions for 2 labels", e.Message);
    }

    [Fact]
    public void ArgMaxRows_PicksTheLargestScorePerRow()
    {
        double[] scores = [0.1, 0.7, 0.2, /**/ 5, -1, 5, /**/ -3, -2, -1];
        Assert.Equal([1, 0, 2], Metrics.ArgMaxRows(scores, 3, 3));    // ties: the first
        var e = Assert.Throws<ArgumentException>(() => Metrics.ArgMaxRows(scores, 2, 3));
        Assert.Contains("expected rows × classes = 2 × 3 = 6", e.Message);
    }
}
