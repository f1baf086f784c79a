using System.Globalization;
using System.Xml.Linq;

namespace HybridAD.Training;

/// <summary>
/// Draws a <see cref="TrainingHistory"/> as an SVG picture: the mean training loss per epoch (left panel) and the
/// training and test accuracy per epoch (right panel), each with axes, tick labels, axis titles, grid lines and a
/// legend — the <c>--plot FILE.svg</c> output of <c>hybridad train</c>.
/// </summary>
/// <remarks>
/// The curves are <c>&lt;polyline&gt;</c> elements with ids <c>train-loss</c>, <c>train-accuracy</c> and
/// <c>test-accuracy</c> (a curve with a gap — a non-finite loss — becomes several polylines with the same class).
/// The document is built with <see cref="System.Xml.Linq"/>, so it is always well-formed XML and every label is
/// escaped.
/// </remarks>
/// <example><code>File.WriteAllText("curves.svg", HistoryPlot.ToSvg(history, "digits, 64-64-32-10"));</code></example>
public static class HistoryPlot
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private const double Width = 960, Height = 420;
    private const double PanelWidth = 370, Top = 60, Bottom = 350;
    private static readonly double[] PanelLeft = [80, 560];

    private const string LossColor = "#1f77b4", TrainColor = "#2ca02c", TestColor = "#d62728";

    /// <summary>The SVG document (UTF-8 text, with XML declaration) for <paramref name="history"/>.</summary>
    public static string ToSvg(TrainingHistory history, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        var epochs = history.Epochs;
        var root = new XElement(Svg + "svg",
            new XAttribute("width", F(Width)), new XAttribute("height", F(Height)),
            new XAttribute("viewBox", $"0 0 {F(Width)} {F(Height)}"),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", "12"),
            new XElement(Svg + "title", title ?? "Training history"),
            new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "white")),
            Text(Width / 2, 28, title ?? "Training history", anchor: "middle", size: 16, weight: "bold"));

        if (epochs.IsEmpty)
        {
            root.Add(Text(Width / 2, Height / 2, "no epochs recorded yet", anchor: "middle", size: 14));
            return Document(root);
        }

        // x: epochs. A single epoch gets a unit-wide domain around it.
        double xMin = epochs[0].Epoch, xMax = epochs[^1].Epoch;
        if (xMax == xMin) { xMin -= 0.5; xMax += 0.5; }
        var xTicks = NiceTicks(xMin, xMax, integer: true);

        // Left: loss. The axis starts at 0 unless a loss is negative.
        var losses = epochs.Select(e => e.TrainLoss).Where(double.IsFinite).ToArray();
        double lMin = losses.Length > 0 ? Math.Min(0, losses.Min()) : 0;
        double lMax = losses.Length > 0 ? losses.Max() : 1;
        if (lMax <= lMin) lMax = lMin + 1;
        var lTicks = NiceTicks(lMin, lMax, integer: false);
        var loss = new Panel(PanelLeft[0], xMin, xMax, lTicks[0], lTicks[^1]);
        root.Add(Axes(loss, xTicks, lTicks, "epoch", "mean training loss", "loss-panel"));
        root.Add(Series(loss, epochs.Select(e => (e.Epoch, (double?)e.TrainLoss)), "train-loss", LossColor, dashed: false));

        // Right: accuracy on [0, 1].
        double[] aTicks = [0, 0.2, 0.4, 0.6, 0.8, 1.0];
        var acc = new Panel(PanelLeft[1], xMin, xMax, 0, 1);
        root.Add(Axes(acc, xTicks, aTicks, "epoch", "accuracy", "accuracy-panel"));
        root.Add(Series(acc, epochs.Select(e => (e.Epoch, (double?)e.TrainAccuracy)), "train-accuracy", TrainColor, dashed: false));
        bool hasTest = epochs.Any(e => e.TestAccuracy is not null);
        if (hasTest)
            root.Add(Series(acc, epochs.Select(e => (e.Epoch, e.TestAccuracy)), "test-accuracy", TestColor, dashed: true));

        // Legend (inside the accuracy panel, bottom right, where accuracy curves rarely go).
        var legend = new XElement(Svg + "g", new XAttribute("id", "legend"));
        double lx = acc.Left + PanelWidth - 150, ly = Bottom - 60;
        legend.Add(LegendRow(lx, ly, "train loss (left)", LossColor, false));
        legend.Add(LegendRow(lx, ly + 18, "train accuracy", TrainColor, false));
        if (hasTest) legend.Add(LegendRow(lx, ly + 36, "test accuracy", TestColor, true));
        root.Add(legend);

        var last = epochs[^1];
        string summary = $"epoch {last.Epoch}: loss {G4(last.TrainLoss)}, train accuracy {G4(last.TrainAccuracy)}" +
                         (last.TestAccuracy is double ta ? $", test accuracy {G4(ta)}" : "");
        root.Add(Text(Width / 2, Height - 12, summary, anchor: "middle", size: 12));
        return Document(root);
    }

    private sealed record Panel(double Left, double XMin, double XMax, double YMin, double YMax)
    {
        public double X(double v) => Left + (v - XMin) / (XMax - XMin) * PanelWidth;
        public double Y(double v) => Bottom - (v - YMin) / (YMax - YMin) * (Bottom - Top);
    }

    private static XElement Axes(Panel p, double[] xTicks, double[] yTicks, string xLabel, string yLabel, string id)
    {
        var g = new XElement(Svg + "g", new XAttribute("id", id));
        foreach (double t in yTicks)
        {
            double y = p.Y(t);
            g.Add(Line(p.Left, y, p.Left + PanelWidth, y, "#e0e0e0"));
            g.Add(Line(p.Left - 5, y, p.Left, y, "black"));
            g.Add(Text(p.Left - 8, y + 4, G(t), anchor: "end"));
        }
        foreach (double t in xTicks)
        {
            double x = p.X(t);
            if (x < p.Left - 0.01 || x > p.Left + PanelWidth + 0.01) continue;
            g.Add(Line(x, Bottom, x, Bottom + 5, "black"));
            g.Add(Text(x, Bottom + 18, G(t), anchor: "middle"));
        }
        g.Add(Line(p.Left, Bottom, p.Left + PanelWidth, Bottom, "black"));   // x axis
        g.Add(Line(p.Left, Top, p.Left, Bottom, "black"));                   // y axis
        g.Add(Text(p.Left + PanelWidth / 2, Bottom + 38, xLabel, anchor: "middle", size: 13));
        double yMid = (Top + Bottom) / 2, yx = p.Left - 55;
        g.Add(new XElement(Svg + "text",
            new XAttribute("x", F(yx)), new XAttribute("y", F(yMid)), new XAttribute("text-anchor", "middle"),
            new XAttribute("font-size", "13"), new XAttribute("transform", $"rotate(-90 {F(yx)} {F(yMid)})"), yLabel));
        return g;
    }

    /// <summary>One polyline per run of finite points, plus a dot per point (when there are few).</summary>
    private static XElement Series(Panel p, IEnumerable<(int Epoch, double? Value)> points, string id, string color, bool dashed)
    {
        var g = new XElement(Svg + "g", new XAttribute("class", id));
        var all = points.ToList();
        var run = new List<string>();
        int part = 0;
        void Flush()
        {
            if (run.Count == 0) return;
            var line = new XElement(Svg + "polyline",
                new XAttribute("id", part == 0 ? id : $"{id}-{part}"), new XAttribute("class", id),
                new XAttribute("fill", "none"), new XAttribute("stroke", color), new XAttribute("stroke-width", "2"),
                new XAttribute("points", string.Join(" ", run)));
            if (dashed) line.Add(new XAttribute("stroke-dasharray", "6 3"));
            g.Add(line);
            part++;
            run.Clear();
        }
        foreach (var (epoch, value) in all)
        {
            if (value is double v && double.IsFinite(v)) run.Add($"{F(p.X(epoch))},{F(p.Y(v))}");
            else Flush();
        }
        Flush();
        if (all.Count <= 60)
        {
            foreach (var (epoch, value) in all)
                if (value is double v && double.IsFinite(v))
                    g.Add(new XElement(Svg + "circle", new XAttribute("cx", F(p.X(epoch))), new XAttribute("cy", F(p.Y(v))),
                        new XAttribute("r", "2.5"), new XAttribute("fill", color)));
        }
        return g;
    }

    private static XElement LegendRow(double x, double y, string label, string color, bool dashed)
    {
        var line = Line(x, y - 4, x + 24, y - 4, color);
        line.SetAttributeValue("stroke-width", "2");
        if (dashed) line.SetAttributeValue("stroke-dasharray", "6 3");
        return new XElement(Svg + "g", line, Text(x + 30, y, label));
    }

    /// <summary>Round tick values covering [lo, hi] with about 5 steps of 1, 2 or 5 × 10ⁿ.</summary>
    internal static double[] NiceTicks(double lo, double hi, bool integer)
    {
        double rough = (hi - lo) / 5;
        double mag = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double r = rough / mag;
        double step = (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
        if (integer) step = Math.Max(1, Math.Round(step));
        // Integer axes (epochs) label the multiples of the step inside the range; value axes extend the range to
        // the enclosing multiples so the curve never leaves the frame.
        double first = integer ? Math.Ceiling(lo / step - 1e-9) * step : Math.Floor(lo / step + 1e-9) * step;
        double last = integer ? Math.Floor(hi / step + 1e-9) * step : Math.Ceiling(hi / step - 1e-9) * step;
        int decimals = Math.Clamp(-(int)Math.Floor(Math.Log10(step)), 0, 15);
        var ticks = new List<double>();
        for (int i = 0; ; i++)
        {
            double t = Math.Round(first + i * step, decimals); // 0.6, not 0.6000000000000001
            if (t > last + step * 1e-9) break;
            ticks.Add(t);
        }
        if (ticks.Count == 0) ticks.Add(lo);
        return [.. ticks];
    }

    private static XElement Line(double x1, double y1, double x2, double y2, string stroke) =>
        new(Svg + "line", new XAttribute("x1", F(x1)), new XAttribute("y1", F(y1)), new XAttribute("x2", F(x2)),
            new XAttribute("y2", F(y2)), new XAttribute("stroke", stroke));

    private static XElement Text(double x, double y, string text, string anchor = "start", double size = 12, string? weight = null)
    {
        var e = new XElement(Svg + "text", new XAttribute("x", F(x)), new XAttribute("y", F(y)),
            new XAttribute("text-anchor", anchor), new XAttribute("font-size", F(size)), text);
        if (weight is not null) e.Add(new XAttribute("font-weight", weight));
        return e;
    }

    private static string Document(XElement root) =>
        new XDeclaration("1.0", "UTF-8", null) + "\n" + root.ToString(SaveOptions.None) + "\n";

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string G(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private static string G4(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
