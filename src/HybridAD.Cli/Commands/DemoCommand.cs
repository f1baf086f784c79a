using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using HybridAD.Data;
using HybridAD.Networks;
using HybridAD.Training;
using Spectre.Console;

namespace HybridAD.Cli.Commands;

/// <summary><c>hybridad demo</c>: the worked examples, differentiated in both modes.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Differentiate the source notes' worked examples in forward and reverse mode, then train a small digits network.");
        command.SetAction(_ =>
        {
            Show("(a) logistic regression RSS  L(w) = Σ (c − σ(wᵀx))²", WorkedExamples.Logistic, WorkedExamples.LogisticPoint, "w");
            Show("(b) f(x₁,x₂) = (sin(x₁/x₂) + x₁/x₂ − e^x₂)·(x₁/x₂ − e^x₂)", WorkedExamples.SinCos, WorkedExamples.SinCosPoint, "x");
            TrainDigits();
            return 0;
        });
        return command;
    }

    private static void Show(string title, Func<Scalar[], Scalar> f, double[] point, string name)
    {
        var (value, reverse) = AD.ValueAndGrad(f)(point.ToScalars());
        var table = new Table().Title(Markup.Escape(title)).AddColumn("").AddColumn("forward (Jvp, one sweep per input)").AddColumn("reverse (Grad, one sweep)");
        table.AddRow("value", F(f(point.ToScalars()).Value), F(value.Value));
        for (int j = 0; j < point.Length; j++)
        {
            var v = new double[point.Length];
            v[j] = 1;
            double forward = AD.Jvp(f, point.ToScalars(), v.ToScalars()).Tangent.Value;
            table.AddRow($"∂/∂{name}{Sub(j + (name == "w" ? 0 : 1))}", F(forward), F(reverse[j].Value));
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine($"at {name} = ({string.Join(", ", point.Select(p => p.ToString(CultureInfo.InvariantCulture)))})");
        AnsiConsole.WriteLine();
    }

    /// <summary>(c) a short digits training: the notes' IGD network, gradients by reverse mode.</summary>
    private static void TrainDigits()
    {
        var data = Datasets.Digits();
        var net = Network.Create(64, Layers.Dense(64) >> Layers.Tanh >> Layers.Dense(32) >> Layers.Relu >> Layers.Dense(10) >> Layers.Softmax);
        var options = new TrainingOptions { Epochs = 30, EvaluateEachEpoch = false };
        AnsiConsole.WriteLine("(c) digits, trained by reverse-mode gradients of the mean cross-entropy:");
        AnsiConsole.WriteLine($"    {net}");
        AnsiConsole.WriteLine($"    {options.Optimizer}, batch {options.BatchSize}, {options.Epochs} epochs");
        var clock = Stopwatch.StartNew();
        var result = Trainer.Fit(net, net.Init(seed: 42), data.Train, data.Test, options);
        double seconds = clock.Elapsed.TotalSeconds;
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    loss {result.History.Last!.TrainLoss:F4}, train accuracy {net.Accuracy(result.Parameters, data.Train):F4}, test accuracy {net.Accuracy(result.Parameters, data.Test):F4} ({data.Test.Count} digits)"));
        AnsiConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    ({seconds:F2} s; more: hybridad train --help)"));
    }

    private static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    private static string Sub(int i) => string.Concat(i.ToString(CultureInfo.InvariantCulture).Select(c => (char)('₀' + (c - '0'))));
}
