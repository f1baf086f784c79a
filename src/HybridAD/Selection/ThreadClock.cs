using System.Diagnostics;
using System.Runtime.InteropServices;

namespace HybridAD.Selection;

/// <summary>
/// The calling thread's CPU time in nanoseconds where the OS gives it precisely (Linux and macOS:
/// <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>), else wall time. The calibration measures with it so that other
/// processes competing for the cores (a loaded build machine) do not inflate the rates; on an idle machine the two
/// clocks agree for single-threaded work.
/// </summary>
internal static partial class ThreadClock
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private static readonly int s_clock = OperatingSystem.IsLinux() ? 3 : OperatingSystem.IsMacOS() ? 16 : -1;

    /// <summary>True when <see cref="NowNs"/> is thread CPU time (false: wall time).</summary>
    internal static readonly bool IsCpuTime = Probe();

    private static bool Probe()
    {
        if (s_clock < 0 || !Environment.Is64BitProcess) return false;
        try { return ClockGetTime(s_clock, out _) == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    /// <summary>Now, in nanoseconds (thread CPU time when available).</summary>
    internal static double NowNs()
    {
        if (IsCpuTime && ClockGetTime(s_clock, out TimeSpec t) == 0) return t.Seconds * 1e9 + t.Nanoseconds;
        return Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency);
    }
}
