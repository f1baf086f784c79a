using System.CommandLine;
using System.Globalization;
using HybridAD.Selection;

namespace HybridAD.Cli.Commands;

/// <summary><c>hybridad calibrate</c>: measures this machine's cost rates (w_tan, w_grad, ns per work unit) for the
/// Jacobian mode selector and caches them.</summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var show = new Option<bool>("--show") { Description = "Print the cached (or reference) calibration without measuring." };
        var command = new Command("calibrate", "Measure w_tan, w_grad and the cost rates the Jacobian mode selector uses, and cache them.") { show };
        command.SetAction(parse =>
        {
            CostCalibration c = parse.GetValue(show) ? CostCalibration.Current : CostCalibration.Measure();
            var ci = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Format(ci, "w_tan  = {0:F2}   (TIME{{F, F'x}} / TIME{{F}}; the notes: 2 … 2.5)", c.WTan));
            Console.WriteLine(string.Format(ci, "w_grad = {0:F2}   (TIME{{F, y'F'}} / TIME{{F}}; the notes: 3 … 4)", c.WGrad));
            Console.WriteLine(string.Format(ci, "ns per work unit: primal {0:F3}, tangent {1:F3}, adjoint {2:F3}; ns per recorded node {3:F3}",
                c.NsPerPrimalUnit, c.NsPerTangentUnit, c.NsPerAdjointUnit, c.NsPerRecordedNode));
            Console.WriteLine(string.Format(ci, "ns per sweep: forward {0:F0}, reverse {1:F0}", c.NsPerForwardSweep, c.NsPerReverseSweep));
            Console.WriteLine($"source: {c.Source}; cache: {CostCalibration.CachePath ?? "(none)"}");
            return 0;
        });
        return command;
    }
}
