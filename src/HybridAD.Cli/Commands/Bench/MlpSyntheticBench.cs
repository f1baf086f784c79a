using System.CommandLine;
using System.Globalization;
using HybridAD.Training;

namespace HybridAD.Cli.Commands.Bench;

/// <summary><c>hybridad bench mlp-synthetic [--json] [--batch B]</c>: one full training step (forward, reverse sweep,
/// momentum update) of 784 → 256 ReLU → 256 ReLU → 10 with softmax cross-entropy on a random batch; median ms per
/// step and examples per second.</summary>
internal static class MlpSyntheticBench
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object {workload, batch, step_ms, examples_per_s}." };
        var batch = new Option<int>("--batch") { Description = "Examples per step.", DefaultValueFactory = _ => 128 };
        var command = new Command("mlp-synthetic", "One MNIST-size MLP training step on random inputs: median ms and examples/s.") { json, batch };
        command.SetAction(parseResult =>
        {
            int b = parseResult.GetValue(batch);
            if (b < 1)
            {
                Console.Error.WriteLine($"--batch must be at least 1, got {b}.");
                return 2;
            }
            var (stepper, x, c) = MlpWorkloads.Synthetic(b);
            // A longer warm-up than MedianMs's own: the JIT's optimised tier for every op involved, and a steady GC.
            var warm = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < 30 || warm.ElapsedMilliseconds < 1500; i++) stepper.Step(x, c);
            double ms = Measure.MedianMs(() => stepper.Step(x, c), minRuns: 30, minMs: 1000);
            double perSecond = b / (ms / 1000);
            if (parseResult.GetValue(json))
                Console.WriteLine(Measure.Json(("workload", "mlp-synthetic"), ("batch", b), ("step_ms", ms), ("examples_per_s", perSecond)));
            else
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"mlp-synthetic: batch {b}, {ms:F3} ms/step, {perSecond:F0} examples/s (target ≥ 27,000 at batch 128; {Environment.ProcessorCount} cores)"));
            return 0;
        });
        return command;
    }
}
