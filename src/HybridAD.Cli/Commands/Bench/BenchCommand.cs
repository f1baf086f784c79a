using System.CommandLine;

namespace HybridAD.Cli.Commands.Bench;

/// <summary><c>hybridad bench &lt;workload&gt;</c>: quick measured runs (medians) for side-by-side comparisons.
/// One file per workload in this folder, each with a static Create() listed here.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure a workload (medians of repeated runs); --json prints machine-readable results.")
        {
            GemmBench.Create(),
            RosenbrockBench.Create(),
            JacobianBench.Create(),
            HessianBench.Create(),
            MlpDigitsBench.Create(),
            MlpSyntheticBench.Create(),
            RosenbrockScalarBench.Create(),
            ScalarFloorsBench.Create(),
        };
        return command;
    }
}
