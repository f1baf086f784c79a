using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace HybridAD.Cli.Commands.Bench;

/// <summary>Measured comparisons for <c>hybridad bench</c>: medians of repeated runs after a warm-up.</summary>
internal static class Measure
{
    /// <summary>The median wall time of one call of <paramref name="action"/> in milliseconds. First a warm-up
    /// long enough for tiered compilation to promote every hot method (<see cref="WarmUp"/>); then runs until both
    /// <paramref name="minRuns"/> samples and <paramref name="minMs"/> ms have passed (at most
    /// <paramref name="maxRuns"/> samples). A fast call is repeated inside each sample so a sample lasts about a
    /// millisecond, far above the timer's resolution; the median is divided back.</summary>
    public static double MedianMs(Action action, int minRuns = 15, double minMs = 300, int maxRuns = 2000)
    {
        WarmUp(action);
        var probe = Stopwatch.StartNew();
        int calls = 0;
        while (calls < 5 || probe.Elapsed.TotalMilliseconds < 20) { action(); calls++; }
        int repeat = (int)Math.Clamp(Math.Floor(calls / probe.Elapsed.TotalMilliseconds), 1, 1_000_000);
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < maxRuns && (times.Count < minRuns || total.Elapsed.TotalMilliseconds < minMs))
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int k = 0; k < repeat; k++) action();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds / repeat);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>Calls <paramref name="action"/> for at least 0.3 s and 60 calls, twice, with a pause after each
    /// round. A method is promoted to the optimised tier after 30 calls and a quiet 100 ms in which no new method
    /// was compiled, by a background compile; a short warm-up times unoptimised code (measured here: a 10⁵-element
    /// tensor primal at 4 ms instead of 0.14 ms).</summary>
    public static void WarmUp(Action action)
    {
        for (int round = 0; round < 2; round++)
        {
            var clock = Stopwatch.StartNew();
            for (int calls = 0; calls < 60 || clock.ElapsedMilliseconds < 300; calls++) action();
            Thread.Sleep(150);
        }
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
