using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using HybridAD.Data;
using HybridAD.Networks;
using HybridAD.Training;
using Spectre.Console;

namespace HybridAD.Cli.Commands;

/// <summary>The settings of one <c>hybridad train</c> run (what the command line says, before validation).</summary>
internal sealed record TrainArgs
{
    public string Data { get; init; } = "digits";
    public string? Label { get; init; }
    public string Header { get; init; } = "auto";
    public string? Classes { get; init; }
    public int? ClassCount { get; init; }
    public double? TestFraction { get; init; }
    public long SplitSeed { get; init; } = 1;
    public string Scale { get; init; } = "auto";
    public string Hidden { get; init; } = "64:tanh,32:relu";
    public string Output { get; init; } = "softmax";
    public string Loss { get; init; } = "cross-entropy";
    public string LogBase { get; init; } = "e";
    public string Optimizer { get; init; } = "momentum";
    public double LearningRate { get; init; } = 0.05;
    public double Momentum { get; init; } = 0.9;
    public double L2 { get; init; }
    public double Dropout { get; init; }
    public int BatchSize { get; init; } = 32;
    public int Epochs { get; init; } = 30;
    public long? ShuffleSeed { get; init; }
    public long Seed { get; init; } = 42;
    public double? Tolerance { get; init; }
    public int? Patience { get; init; }
    public string? Init { get; init; }
    public string? Save { get; init; }
    public bool Json { get; init; }
    public string? Plot { get; init; }
    public string Checkpoint { get; init; } = "hybridad-train.ckpt.json";
    public bool NoCheckpoint { get; init; }
    public bool Resume { get; init; }
}

/// <summary>
/// <c>hybridad train</c>: trains a multilayer perceptron on digits, iris or a CSV file by reverse-mode AD, with a
/// progress bar (or JSON lines), an atomic checkpoint after every epoch (<c>--resume</c> continues from it), the
/// final accuracies and a confusion matrix, and optionally the model file and an SVG plot of the curves.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "digits, iris, or the path of a CSV file (one example per line, label column last unless --label).", DefaultValueFactory = _ => "digits" };
        var label = new Option<string?>("--label") { Description = "CSV: the label column, a 0-based index (negative from the end) or a header name." };
        var header = new Option<string>("--header") { Description = "CSV: auto (detect), yes or no.", DefaultValueFactory = _ => "auto" };
        var classes = new Option<string?>("--classes") { Description = "CSV: the class names in label order, comma-separated (labels outside them are errors)." };
        var classCount = new Option<int?>("--class-count") { Description = "CSV: the number of classes k (labels must be 0..k-1)." };
        var testFraction = new Option<double?>("--test-fraction") { Description = "The share of examples held out for testing (default: digits' last 297 rows; 0.2 otherwise)." };
        var splitSeed = new Option<long>("--split-seed") { Description = "The seed of the shuffled (stratified) train/test split.", DefaultValueFactory = _ => 1 };
        var scale = new Option<string>("--scale") { Description = "Feature scaling fitted on the training set: auto (none for digits, standardize otherwise), none, minmax, standardize.", DefaultValueFactory = _ => "auto" };
        var hidden = new Option<string>("--hidden") { Description = "Hidden layers as width:activation, comma-separated (activations: tanh, relu, sigmoid, identity); \"\" for none.", DefaultValueFactory = _ => "64:tanh,32:relu" };
        var output = new Option<string>("--output") { Description = "The output layer's activation (one neuron per class): softmax, log_softmax, sigmoid or identity.", DefaultValueFactory = _ => "softmax" };
        var loss = new Option<string>("--loss") { Description = "cross-entropy, nll, mse, rss, logistic or kl.", DefaultValueFactory = _ => "cross-entropy" };
        var logBase = new Option<string>("--log-base") { Description = "The logarithm of the information losses: e (nats) or 2 (bits).", DefaultValueFactory = _ => "e" };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, momentum, nesterov or adam.", DefaultValueFactory = _ => "momentum" };
        var lr = new Option<double>("--lr") { Description = "The learning rate η.", DefaultValueFactory = _ => 0.05 };
        var momentum = new Option<double>("--momentum") { Description = "The momentum α (0 ≤ α < 1) of momentum and nesterov; β₁ of adam.", DefaultValueFactory = _ => 0.9 };
        var l2 = new Option<double>("--l2") { Description = "λ of the L2 term (λ/n)·Σw² (n = training examples).", DefaultValueFactory = _ => 0 };
        var dropout = new Option<double>("--dropout") { Description = "Dropout probability after each hidden layer (training only).", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch-size") { Description = "Examples per step; 1 = incremental gradient descent (IGD).", DefaultValueFactory = _ => 32 };
        var epochs = new Option<int>("--epochs") { Description = "The maximum number of epochs.", DefaultValueFactory = _ => 30 };
        var shuffleSeed = new Option<long?>("--shuffle-seed") { Description = "Shuffle every epoch with this seed (default: fixed file order)." };
        var seed = new Option<long>("--seed") { Description = "The seed of the initial weights and of dropout.", DefaultValueFactory = _ => 42 };
        var tolerance = new Option<double?>("--tolerance") { Description = "Stop once an epoch's mean training loss is at or below this." };
        var patience = new Option<int?>("--patience") { Description = "Stop after this many epochs without a lower training loss." };
        var init = new Option<string?>("--init") { Description = "Start from the weights of this model file (its shapes must fit the network)." };
        var save = new Option<string?>("--save") { Description = "Save the trained model to this JSON file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per epoch (epoch, train_loss, train_accuracy, test_accuracy, seconds) and nothing else." };
        var plot = new Option<string?>("--plot") { Description = "Draw the loss and accuracy curves into this SVG file." };
        var checkpoint = new Option<string>("--checkpoint") { Description = "The checkpoint file, written atomically after every epoch.", DefaultValueFactory = _ => "hybridad-train.ckpt.json" };
        var noCheckpoint = new Option<bool>("--no-checkpoint") { Description = "Do not write a checkpoint." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run saved in the checkpoint (same settings) up to --epochs." };

        var command = new Command("train", "Train a multilayer perceptron (reverse-mode AD gradients) on digits, iris or a CSV file.")
        {
            data, label, header, classes, classCount, testFraction, splitSeed, scale, hidden, output, loss, logBase, optimizer, lr,
            momentum, l2, dropout, batch, epochs, shuffleSeed, seed, tolerance, patience, init, save, json, plot, checkpoint,
            noCheckpoint, resume,
        };
        command.SetAction((parseResult, cancellation) =>
        {
            var a = new TrainArgs
            {
                Data = parseResult.GetValue(data)!, Label = parseResult.GetValue(label), Header = parseResult.GetValue(header)!,
                Classes = parseResult.GetValue(classes), ClassCount = parseResult.GetValue(classCount),
                TestFraction = parseResult.GetValue(testFraction), SplitSeed = parseResult.GetValue(splitSeed),
                Scale = parseResult.GetValue(scale)!, Hidden = parseResult.GetValue(hidden) ?? "", Output = parseResult.GetValue(output)!,
                Loss = parseResult.GetValue(loss)!, LogBase = parseResult.GetValue(logBase)!, Optimizer = parseResult.GetValue(optimizer)!,
                LearningRate = parseResult.GetValue(lr), Momentum = parseResult.GetValue(momentum), L2 = parseResult.GetValue(l2),
                Dropout = parseResult.GetValue(dropout), BatchSize = parseResult.GetValue(batch), Epochs = parseResult.GetValue(epochs),
                ShuffleSeed = parseResult.GetValue(shuffleSeed), Seed = parseResult.GetValue(seed), Tolerance = parseResult.GetValue(tolerance),
                Patience = parseResult.GetValue(patience), Init = parseResult.GetValue(init), Save = parseResult.GetValue(save),
                Json = parseResult.GetValue(json), Plot = parseResult.GetValue(plot), Checkpoint = parseResult.GetValue(checkpoint)!,
                NoCheckpoint = parseResult.GetValue(noCheckpoint), Resume = parseResult.GetValue(resume),
            };
            var config = parseResult.InvocationConfiguration;
            bool interactive = !a.Json && ReferenceEquals(config.Output, Console.Out) && !Console.IsOutputRedirected;
            // Ctrl-C (SIGINT) and SIGTERM stop the loop within a step; the last completed epoch is in the checkpoint
            // and the message says so (exit code 130). Our own handlers, so this holds however the action is invoked.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            void OnSignal(System.Runtime.InteropServices.PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
            using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
            return Task.FromResult(Run(a, config.Output, config.Error, interactive, stop.Token));
        });
        return command;
    }

    /// <summary>Runs a training job; returns the exit code (0 done, 1 bad input or I/O error, 130 interrupted).</summary>
    internal static int Run(TrainArgs a, TextWriter stdout, TextWriter stderr, bool interactive, CancellationToken cancellation)
    {
        TrainingState? state = null;
        try
        {
            var job = TrainJob.Prepare(a);
            state = job.Start;
            if (!a.Json) job.WriteHeader(stdout);

            if (interactive)
            {
                var console = AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Out = new AnsiConsoleOutput(stdout),
                    Ansi = AnsiSupport.Detect,
                    ColorSystem = ColorSystemSupport.Detect,
                    Interactive = InteractionSupport.Yes,
                });
                console.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        int remaining = Math.Max(0, a.Epochs - job.Start.Epoch);
                        int batches = (job.Split.Train.Count + Math.Min(a.BatchSize, job.Split.Train.Count) - 1) / Math.Min(a.BatchSize, job.Split.Train.Count);
                        var task = ctx.AddTask("training", maxValue: Math.Max(1, remaining * batches));
                        foreach (var s in Trainer.Run(job.Network, job.Start, job.Split.Train, job.Split.Test, job.Options, p =>
                        {
                            task.Increment(1);
                            task.Description = $"epoch {p.Epoch}/{a.Epochs}  loss {p.EpochLoss:F4}";
                        }, cancellation))
                        {
                            state = s;
                            job.Checkpoint(s);
                        }
                        task.Value = task.MaxValue;
                    });
                // Only this run's epochs (a resumed run's earlier ones are in the checkpoint's history).
                foreach (var e in state!.History.Epochs)
                    if (e.Epoch > job.Start.Epoch) stdout.WriteLine(EpochLine(e, a.Epochs));
            }
            else
            {
                foreach (var s in Trainer.Run(job.Network, job.Start, job.Split.Train, job.Split.Test, job.Options, null, cancellation))
                {
                    state = s;
                    job.Checkpoint(s);
                    var record = s.History.Last!;
                    stdout.WriteLine(a.Json ? record.ToJson() : EpochLine(record, a.Epochs));
                    stdout.Flush();
                }
            }

            job.Finish(state!, a.Json ? null : stdout);
            return 0;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine(state is null || state.Epoch == 0
                ? "Interrupted before the first epoch finished; nothing was checkpointed."
                : a.NoCheckpoint
                    ? $"Interrupted after epoch {state.Epoch}; no checkpoint was written (--no-checkpoint)."
                    : $"Interrupted: the checkpoint {a.Checkpoint} holds epoch {state.Epoch}; continue with --resume.");
            return 130;
        }
        catch (Exception e) when (e is DataFormatException or ModelFormatException or ArgumentException or IOException
                                      or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    internal static string EpochLine(EpochRecord e, int epochs) =>
        string.Create(CultureInfo.InvariantCulture, $"epoch {e.Epoch,3}/{epochs}  loss {e.TrainLoss:F4}  train {e.TrainAccuracy:F4}") +
        (e.TestAccuracy is double t ? string.Create(CultureInfo.InvariantCulture, $"  test {t:F4}") : "") +
        string.Create(CultureInfo.InvariantCulture, $"  {e.Seconds:F3} s");
}

/// <summary>A validated training job: data, network, options, the starting state, and what to write.</summary>
internal sealed class TrainJob
{
    private readonly TrainArgs _a;

    private TrainJob(TrainArgs a, string dataName, DataSplit split, Network network, TrainingOptions options,
        TrainingState start, ImmutableSortedDictionary<string, string> settings)
    {
        _a = a;
        DataName = dataName;
        Split = split;
        Network = network;
        Options = options;
        Start = start;
        Settings = settings;
    }

    public string DataName { get; }
    public DataSplit Split { get; }
    public Network Network { get; }
    public TrainingOptions Options { get; }
    public TrainingState Start { get; }
    public ImmutableSortedDictionary<string, string> Settings { get; }

    public static TrainJob Prepare(TrainArgs a)
    {
        if (a.Epochs < 0) throw new ArgumentException($"--epochs {a.Epochs}: expected at least 0.");
        if (a.BatchSize < 1) throw new ArgumentException($"--batch-size {a.BatchSize}: expected at least 1.");
        if (!(a.Dropout >= 0 && a.Dropout < 1)) throw new ArgumentException($"--dropout {F(a.Dropout)}: expected a probability in [0, 1).");
        if (!(a.L2 >= 0) || double.IsInfinity(a.L2)) throw new ArgumentException($"--l2 {F(a.L2)}: expected λ ≥ 0.");
        if (a.Resume && a.NoCheckpoint) throw new ArgumentException("--resume needs the checkpoint; drop --no-checkpoint.");
        if (a.Resume && a.Init is not null) throw new ArgumentException("--resume continues from the checkpoint's weights; drop --init (or start a new run without --resume).");

        var (name, split) = LoadData(a);
        var output = Activations.TryParse(a.Output)
            ?? throw new ArgumentException($"--output '{a.Output}': expected softmax, log_softmax, sigmoid or identity.");
        string hidden = a.Hidden.Trim();
        var arch = Architecture.Parse(split.Train.FeatureCount,
            (hidden.Length == 0 ? "" : hidden + ",") + $"{split.Train.ClassCount}:{output.Name()}");
        var network = Network.FromArchitecture(arch, a.Dropout);

        var logBase = a.LogBase.Trim() switch
        {
            "e" or "ln" or "nat" or "nats" => LogBase.E,
            "2" or "bits" or "bit" => LogBase.Two,
            _ => throw new ArgumentException($"--log-base '{a.LogBase}': expected e or 2."),
        };
        var loss = Loss.Parse(a.Loss, logBase);
        loss.CheckCompatible(network);
        Optimizer optimizer = a.Optimizer.Trim().ToLowerInvariant() switch
        {
            "sgd" => new Sgd(a.LearningRate),
            "momentum" => new Momentum(a.LearningRate, a.Momentum),
            "nesterov" => new Nesterov(a.LearningRate, a.Momentum),
            "adam" => new Adam(a.LearningRate, beta1: a.Momentum),
            _ => throw new ArgumentException($"--optimizer '{a.Optimizer}': expected sgd, momentum, nesterov or adam."),
        };
        var options = new TrainingOptions
        {
            Loss = loss, Optimizer = optimizer, L2 = a.L2, BatchSize = a.BatchSize, Epochs = a.Epochs,
            ShuffleSeed = a.ShuffleSeed, Seed = a.Seed, LossTolerance = a.Tolerance, Patience = a.Patience,
        };

        var settings = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        settings["data"] = a.Data;
        settings["label"] = a.Label ?? "";
        settings["header"] = a.Header;
        settings["classes"] = a.Classes ?? "";
        settings["class_count"] = a.ClassCount?.ToString(CultureInfo.InvariantCulture) ?? "";
        settings["test_fraction"] = a.TestFraction is double tf ? F(tf) : "";
        settings["split_seed"] = a.SplitSeed.ToString(CultureInfo.InvariantCulture);
        settings["scale"] = a.Scale;
        settings["architecture"] = arch.ToString();
        settings["loss"] = loss.ToString();
        settings["optimizer"] = optimizer.ToString();
        settings["l2"] = F(a.L2);
        settings["dropout"] = F(a.Dropout);
        settings["batch_size"] = a.BatchSize.ToString(CultureInfo.InvariantCulture);
        settings["shuffle_seed"] = a.ShuffleSeed?.ToString(CultureInfo.InvariantCulture) ?? "";
        settings["seed"] = a.Seed.ToString(CultureInfo.InvariantCulture);
        settings["init"] = a.Init ?? "";
        var frozen = settings.ToImmutable();

        TrainingState start;
        if (a.Resume)
        {
            if (!File.Exists(a.Checkpoint))
                throw new ArgumentException($"--resume: there is no checkpoint at {a.Checkpoint}; expected the file an earlier run wrote (see --checkpoint).");
            var ckpt = Training.Checkpoint.Load(a.Checkpoint);
            foreach (var (key, value) in frozen)
            {
                if (key == "init") continue; // the checkpoint's weights replace the initial ones
                string before = ckpt.Settings.GetValueOrDefault(key, "(missing)");
                if (before != value)
                    throw new ArgumentException(
                        $"--resume: the checkpoint {a.Checkpoint} was made with {key} = '{before}', this run has '{value}'; expected the same settings (or start a new run without --resume).");
            }
            if (ckpt.Optimizer != optimizer)
                throw new ArgumentException($"--resume: the checkpoint's optimizer is {ckpt.Optimizer}; this run has {optimizer}.");
            var parameters = network.FromWeights(ckpt.Model.Weights, a.Checkpoint);
            start = new TrainingState(parameters, ckpt.OptimizerState, ckpt.Epoch, ckpt.History);
        }
        else
        {
            Parameters initial;
            if (a.Init is not null)
            {
                if (!File.Exists(a.Init)) throw new ArgumentException($"--init: there is no file {a.Init}; expected a model file (hybridad train --save).");
                var model = ModelFile.Load(a.Init, arch);
                initial = network.FromWeights(model.Weights, a.Init);
            }
            else initial = network.Init(a.Seed);
            start = TrainingState.Start(initial, optimizer);
        }
        return new TrainJob(a, name, split, network, options, start, frozen);
    }

    private static (string Name, DataSplit Split) LoadData(TrainArgs a)
    {
        string source = a.Data.Trim();
        bool csv = !(source.Equals("digits", StringComparison.OrdinalIgnoreCase) || source.Equals("iris", StringComparison.OrdinalIgnoreCase));
        if (!csv && (a.Label is not null || a.Classes is not null || a.ClassCount is not null || a.Header != "auto"))
            throw new ArgumentException($"--label, --header, --classes and --class-count describe a CSV file; --data {source} is built in.");
        Dataset all;
        DataSplit split;
        FeatureScaling? scaling = a.Scale.Trim().ToLowerInvariant() switch
        {
            "auto" => null,
            "none" => FeatureScaling.None,
            "minmax" => FeatureScaling.MinMax,
            "standardize" or "standard" => FeatureScaling.Standardize,
            _ => throw new ArgumentException($"--scale '{a.Scale}': expected auto, none, minmax or standardize."),
        };
        string name;
        if (!csv && source.Equals("digits", StringComparison.OrdinalIgnoreCase))
        {
            name = "digits";
            split = a.TestFraction is double f
                ? SplitSpec.TestFraction(f, a.SplitSeed, stratified: true).Apply(Datasets.DigitsAll())
                : Datasets.Digits();
            scaling ??= FeatureScaling.None;
        }
        else
        {
            if (csv)
            {
                if (!File.Exists(source)) throw new ArgumentException($"--data: there is no file {source}; expected digits, iris or the path of a CSV file.");
                var options = new CsvOptions
                {
                    Header = a.Header.Trim().ToLowerInvariant() switch
                    {
                        "auto" or "detect" => CsvHeader.Detect,
                        "yes" or "present" or "true" => CsvHeader.Present,
                        "no" or "absent" or "false" => CsvHeader.Absent,
                        _ => throw new ArgumentException($"--header '{a.Header}': expected auto, yes or no."),
                    },
                    Label = a.Label is null ? LabelColumn.Last : LabelColumn.Parse(a.Label),
                    ClassNames = a.Classes is null ? null : [.. a.Classes.Split(',', StringSplitOptions.TrimEntries)],
                    ClassCount = a.ClassCount,
                };
                all = Csv.Load(source, options);
                name = Path.GetFileName(source);
            }
            else
            {
                all = Datasets.Iris();
                name = "iris";
            }
            if (all.ClassCount < 2) throw new ArgumentException($"{name}: the data has {all.ClassCount} class; expected at least 2 to classify.");
            split = SplitSpec.TestFraction(a.TestFraction ?? 0.2, a.SplitSeed, stratified: true).Apply(all);
            scaling ??= FeatureScaling.Standardize;
        }
        if (scaling != FeatureScaling.None) split = split.Scaled(scaling.Value);
        return (name, split);
    }

    public void WriteHeader(TextWriter console)
    {
        var tr = Split.Train;
        console.WriteLine($"data: {DataName} ({tr.Count} train / {Split.Test.Count} test, {tr.FeatureCount} features, {tr.ClassCount} classes" +
                          (Split.Transform is { } t ? $", {t.Kind.ToString().ToLowerInvariant()} scaling)" : ")"));
        console.WriteLine($"network: {Network} ({Network.ParameterCount} parameters)");
        string order = Options.ShuffleSeed is long s ? $"shuffled (seed {s})" : "fixed order";
        console.WriteLine($"training: {Options.Loss} loss" + (Options.L2 > 0 ? $" + L2 (λ {F(Options.L2)})" : "") +
                          $", {Options.Optimizer}, batch {Options.BatchSize}{(Options.BatchSize == 1 ? " (IGD)" : "")}, up to {Options.Epochs} epochs, {order}");
        if (Start.Epoch > 0) console.WriteLine($"resuming after epoch {Start.Epoch} from {_a.Checkpoint}");
        else if (_a.Init is not null) console.WriteLine($"initial weights: {_a.Init}");
    }

    /// <summary>Writes the checkpoint after an epoch (atomically), unless disabled.</summary>
    public void Checkpoint(TrainingState s)
    {
        if (_a.NoCheckpoint) return;
        Training.Checkpoint.Save(_a.Checkpoint,
            new TrainingCheckpoint(s.Epoch, Model(s), Options.Optimizer, s.OptimizerState, s.History, Settings));
    }

    private SavedModel Model(TrainingState s)
    {
        var meta = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        meta["data"] = DataName;
        meta["epochs"] = s.Epoch.ToString(CultureInfo.InvariantCulture);
        meta["loss"] = Options.Loss.ToString();
        meta["optimizer"] = Options.Optimizer.ToString();
        if (s.History.Last is { } last)
        {
            meta["train_accuracy"] = F(last.TrainAccuracy);
            if (last.TestAccuracy is double t) meta["test_accuracy"] = F(t);
        }
        return new SavedModel(Network.ToWeights(s.Parameters), Split.Transform, Split.Train.ClassNames, meta.ToImmutable());
    }

    /// <summary>The final accuracies and confusion matrix (text mode), and the model and plot files.</summary>
    public void Finish(TrainingState s, TextWriter? console)
    {
        if (console is not null)
        {
            var reason = Trainer.ShouldStop(s.History, Options);
            double trainAcc = Network.Accuracy(s.Parameters, Split.Train);
            int[] predicted = Network.Classify(s.Parameters, Split.Test);
            var cm = ConfusionMatrix.Compute(Split.Test.Labels, predicted, Split.Test.ClassCount);
            console.WriteLine();
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"after {s.Epoch} epochs ({Describe(reason)}): train accuracy {trainAcc:F4}, test accuracy {cm.Accuracy:F4}"));
            console.WriteLine("confusion matrix (test set):");
            console.WriteLine(cm.ToText(Split.Test.ClassNames).TrimEnd());
        }
        if (_a.Save is not null)
        {
            ModelFile.Save(_a.Save, Model(s));
            console?.WriteLine($"model saved to {_a.Save}");
        }
        if (_a.Plot is not null)
        {
            AtomicFile.WriteAllText(_a.Plot, HistoryPlot.ToSvg(s.History, $"{DataName}: {Network}"));
            console?.WriteLine($"curves drawn in {_a.Plot}");
        }
        if (!_a.NoCheckpoint && s.Epoch > 0) console?.WriteLine($"checkpoint: {_a.Checkpoint}");
    }

    private static string Describe(StopReason? reason) => reason switch
    {
        StopReason.LossTolerance => "the loss reached the tolerance",
        StopReason.Patience => "no improvement within the patience",
        _ => "the maximum number of epochs",
    };

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
