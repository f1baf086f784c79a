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

    /// <summary>Calls <paramref name="action"/> in rounds of at least 0.3 s and 60 calls, each followed by a pause,
    /// until tiered compilation has settled: at least two rounds, and then until two rounds in a row have not
    /// beaten the best time per call so far by 3 % (at most eight rounds). A method is promoted after 30 calls
    /// and a quiet 100 ms in which no new method was compiled, by a background compile, in up to three steps
    /// (unoptimised, instrumented, optimised); the pauses give it those quiet periods. A fixed two rounds timed
    /// unoptimised code in some processes: a 10⁵-element tensor Rosenbrock gradient at 0.4–0.6 ms instead of
    /// 0.2–0.3 ms in about one process in eight, with methods of the gradient still in their first tier at the end
    /// of the run (the JIT's summary in session 3).</summary>
    public static void WarmUp(Action action)
    {
        double best = double.MaxValue;
        for (int round = 0, stale = 0; round < 8 && (round < 2 || stale < 2); round++)
        {
            var clock = Stopwatch.StartNew();
            int calls = 0;
            for (; calls < 60 || clock.ElapsedMilliseconds < 300; calls++) action();
            double perCall = clock.Elapsed.TotalMilliseconds / calls;
            stale = perCall < 0.97 * best ? 0 : stale + 1;
            best = Math.Min(best, perCall);
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
