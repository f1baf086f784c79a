using System.CommandLine;
using System.Globalization;
using HybridAD.Data;
using HybridAD.Training;

namespace HybridAD.Cli.Commands.Bench;

/// <summary><c>hybridad bench mlp-digits [--json] [--runs R]</c>: the notes' digits network (64 → 64 tanh → 32 ReLU →
/// 10 softmax, mean cross-entropy, SGD momentum 0.9, η 0.05, batch 32, 30 epochs, fixed order) trained from the same
/// seed R + 1 times (the first warms the JIT up); epoch_ms is the median epoch over the timed runs (training steps
/// only: the accuracies are computed once, after the last run).</summary>
internal static class MlpDigitsBench
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object {workload, epoch_ms, epochs, train_accuracy, test_accuracy, final_loss}." };
        var runs = new Option<int>("--runs") { Description = "Timed runs of 30 epochs after the warm-up run.", DefaultValueFactory = _ => 3 };
        var command = new Command("mlp-digits", "Train the digits MLP (30 epochs): median ms per epoch and the final accuracies.") { json, runs };
        command.SetAction(parseResult =>
        {
            int r = parseResult.GetValue(runs);
            if (r < 1)
            {
                Console.Error.WriteLine($"--runs must be at least 1, got {r}.");
                return 2;
            }
            MlpWorkloads.RunDigits();
            var times = new List<double>();
            TrainingResult result = null!;
            for (int i = 0; i < r; i++)
            {
                result = MlpWorkloads.RunDigits();
                foreach (var e in result.History.Epochs) times.Add(e.Seconds * 1000);
            }
            times.Sort();
            double epochMs = times[times.Count / 2];
            var data = Datasets.Digits();
            var net = MlpWorkloads.DigitsNetwork();
            double train = net.Accuracy(result.Parameters, data.Train), test = net.Accuracy(result.Parameters, data.Test);
            double loss = result.History.Last!.TrainLoss;
            if (parseResult.GetValue(json))
                Console.WriteLine(Measure.Json(("workload", "mlp-digits"), ("epoch_ms", epochMs), ("epochs", result.History.Count),
                    ("train_accuracy", train), ("test_accuracy", test), ("final_loss", loss)));
            else
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"mlp-digits: {epochMs:F3} ms/epoch (median of {times.Count} epochs), {result.History.Count} epochs, train accuracy {train:F4}, test accuracy {test:F4}, final loss {loss:F5} (targets: ≤ 8 ms/epoch, test ≥ 0.92)"));
            return 0;
        });
        return command;
    }
}
