using BenchmarkDotNet.Attributes;
using HybridAD.Data;
using HybridAD.Networks;
using HybridAD.Training;

namespace HybridAD.Benchmarks;

/// <summary>
/// MLP training (issue 6): one digits epoch (64 → 64 tanh → 32 ReLU → 10 softmax, mean cross-entropy, momentum 0.9,
/// η 0.05, 47 batches of 32 in file order, from the same seeded initial state every time; target ≤ 8 ms) and one
/// synthetic MNIST-size step (784 → 256 ReLU → 256 ReLU → 10, softmax cross-entropy, batch 128; target ≤ 4.74 ms,
/// i.e. ≥ 27,000 examples/s). Run: <c>dotnet run -c Release --project benchmarks/HybridAD.Benchmarks -- --filter '*MlpBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class MlpBenchmarks
{
    private Network _digits = null!;
    private TrainingState _start = null!;
    private DataSplit _data = null!;
    private TrainingOptions _options = null!;
    private Trainer.Stepper _stepper = null!;
    private Tensor _x = null!, _c = null!;

    /// <summary>Builds both workloads.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _data = Datasets.Digits();
        _digits = MlpWorkloads.DigitsNetwork();
        _options = MlpWorkloads.DigitsOptions();
        _start = TrainingState.Start(_digits.Init(42), _options.Optimizer);
        (_stepper, _x, _c) = MlpWorkloads.Synthetic(128);
    }

    /// <summary>One digits epoch (47 training steps).</summary>
    [Benchmark]
    public double DigitsEpoch() => Trainer.Epoch(_digits, _start, _data.Train, null, _options).History.Last!.TrainLoss;

    /// <summary>One synthetic training step on a batch of 128.</summary>
    [Benchmark]
    public double SyntheticStep() => _stepper.Step(_x, _c);
}
