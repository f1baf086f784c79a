using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HybridAD.Cli.Commands.Bench;

/// <summary>Measured comparisons for <c>hybridad bench</c>: medians of repeated runs after a warm-up.</summary>
internal static class Measure
{
    /// <summary>The median wall time of <paramref name="action"/> in milliseconds: warms up (so the JIT reaches
    /// its optimised tier), then runs until both <paramref name="minRuns"/> runs and <paramref name="minMs"/> ms
    /// have passed (at most <paramref name="maxRuns"/> runs).</summary>
    public static double MedianMs(Action action, int minRuns = 15, double minMs = 300, int maxRuns = 2000)
    {
        var warm = Stopwatch.StartNew();
        int warmRuns = 0;
        while (warmRuns < 5 || (warm.Elapsed.TotalMilliseconds < 200 && warmRuns < 200))
        {
            action();
            warmRuns++;
        }
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < maxRuns && (times.Count < minRuns || total.Elapsed.TotalMilliseconds < minMs))
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>A flat JSON object from name/value pairs (numbers in round-trip form, strings quoted).</summary>
    public static string Json(params (string Name, object Value)[] fields)
    {
        var sb = new StringBuilder("{");
        for (int i = 0; i < fields.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append('"').Append(fields[i].Name).Append("\":");
            sb.Append(fields[i].Value switch
            {
                string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
                double d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "null",
                float f => ((double)f).ToString("R", CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
                null => "null",
                var o => "\"" + o + "\"",
            });
        }
        return sb.Append('}').ToString();
    }
}
