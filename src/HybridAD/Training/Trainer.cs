using System.Collections.Immutable;
using System.Diagnostics;
using HybridAD.Data;
using HybridAD.Networks;

namespace HybridAD.Training;

/// <summary>What early stopping by patience watches.</summary>
public enum StopMonitor
{
    /// <summary>The mean training loss (improvement = a decrease by more than the minimum delta).</summary>
    TrainLoss,
    /// <summary>The test accuracy (improvement = an increase by more than the minimum delta); needs a test set.</summary>
    TestAccuracy,
}

/// <summary>Why training stopped.</summary>
public enum StopReason
{
    /// <summary>The maximum number of epochs was reached.</summary>
    MaxEpochs,
    /// <summary>The mean training loss fell to the tolerance.</summary>
    LossTolerance,
    /// <summary>The monitored quantity did not improve for <see cref="TrainingOptions.Patience"/> epochs.</summary>
    Patience,
}

/// <summary>
/// The settings of a training run: the loss and its L2 term, the optimizer, how examples are grouped and
/// ordered, and when to stop. Immutable; the defaults are the notes' digits setup (mean cross-entropy, momentum
/// 0.9, η = 0.05, batches of 32 in file order, 30 epochs).
/// </summary>
/// <example><code>
/// var options = new TrainingOptions { Optimizer = new Adam(0.01), BatchSize = 1, Epochs = 50, ShuffleSeed = 7, Patience = 5 };
/// </code></example>
public sealed record TrainingOptions
{
    /// <summary>The loss (default: cross-entropy from the logits, natural log).</summary>
    public Loss Loss { get; init; } = Loss.CrossEntropy();

    /// <summary>The optimizer (default: momentum, η = 0.05, α = 0.9).</summary>
    public Optimizer Optimizer { get; init; } = new Momentum(0.05, 0.9);

    /// <summary>λ of the L2 term (λ/n)·Σ w², n the training-set size (default 0: no regularization).</summary>
    public double L2
    {
        get;
        init => field = value >= 0 && double.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(L2), value, "TrainingOptions.L2: expected λ ≥ 0.");
    }

    /// <summary>Examples per step: 1 is incremental gradient descent (the notes' IGD, one example at a time), the
    /// training-set size or more is full-batch gradient descent (default 32).</summary>
    public int BatchSize
    {
        get;
        init => field = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "TrainingOptions.BatchSize: expected at least 1.");
    } = 32;

    /// <summary>The maximum number of epochs (default 30).</summary>
    public int Epochs
    {
        get;
        init => field = value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(Epochs), value, "TrainingOptions.Epochs: expected at least 0.");
    } = 30;

    /// <summary>The shuffle seed: null keeps the data set's order every epoch; a seed shuffles each epoch e with
    /// <c>new Prng(seed, e)</c> (so epoch e's order does not depend on earlier epochs).</summary>
    public long? ShuffleSeed { get; init; }

    /// <summary>The seed of the training-time randomness (dropout masks: one stream per step and layer).</summary>
    public long Seed { get; init; }

    /// <summary>Stop once an epoch's mean training loss is at or below this value (null: never).</summary>
    public double? LossTolerance { get; init; }

    /// <summary>Stop after this many epochs without improvement of <see cref="Monitor"/> (null: never).</summary>
    public int? Patience
    {
        get;
        init => field = value is null or >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(Patience), value, "TrainingOptions.Patience: expected at least 1 epoch.");
    }

    /// <summary>What <see cref="Patience"/> watches (default: the training loss).</summary>
    public StopMonitor Monitor { get; init; } = StopMonitor.TrainLoss;

    /// <summary>The smallest change that counts as an improvement for <see cref="Patience"/> (default 0).</summary>
    public double MinDelta { get; init; }

    /// <summary>Compute the training and test accuracy after every epoch (default true; a benchmark turns it off
    /// and records NaN).</summary>
    public bool EvaluateEachEpoch { get; init; } = true;
}

/// <summary>
/// The state a training fold threads through its epochs: the parameters, the optimizer state (its step counter t
/// is the global step number), the number of completed epochs and the history. Immutable.
/// </summary>
/// <param name="Parameters">The network's parameters after <see cref="Epoch"/> epochs.</param>
/// <param name="OptimizerState">The optimizer's state (t, velocity or moments).</param>
/// <param name="Epoch">The number of completed epochs.</param>
/// <param name="History">One record per completed epoch.</param>
public sealed record TrainingState(Parameters Parameters, OptimizerState OptimizerState, int Epoch, TrainingHistory History)
{
    /// <summary>The state before the first epoch: the initial parameters and a fresh optimizer state.</summary>
    public static TrainingState Start(Parameters parameters, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(optimizer);
        return new TrainingState(parameters, optimizer.Init(parameters.Size), 0, TrainingHistory.Empty);
    }

    /// <summary>The number of optimizer steps taken so far (t).</summary>
    public long Step => OptimizerState.Step;
}

/// <summary>Progress of one training step, for progress bars.</summary>
/// <param name="Epoch">The epoch in progress (1-based).</param>
/// <param name="Batch">The step within the epoch (1-based).</param>
/// <param name="Batches">The number of steps in the epoch.</param>
/// <param name="Step">The global step number t after this step.</param>
/// <param name="Loss">This step's loss.</param>
/// <param name="EpochLoss">The mean loss of the epoch's steps so far (weighted by batch size).</param>
public readonly record struct StepProgress(int Epoch, int Batch, int Batches, long Step, double Loss, double EpochLoss);

/// <summary>The result of a training fold: the final state (parameters, optimizer state, history) and why it
/// stopped.</summary>
/// <param name="State">The state after the last epoch.</param>
/// <param name="Reason">Why training stopped.</param>
public sealed record TrainingResult(TrainingState State, StopReason Reason)
{
    /// <summary>The trained parameters.</summary>
    public Parameters Parameters => State.Parameters;

    /// <summary>One record per epoch.</summary>
    public TrainingHistory History => State.History;
}

/// <summary>
/// Training as a fold over epochs: <c>state′ = Epoch(state)</c> until a stopping rule holds, each epoch a fold over
/// its steps <c>(θ, opt) → (θ′, opt′)</c> where the gradient of the loss — a function of the parameters, ℓ(w) =
/// l(δ) + (λ/n)·R(w) as in the notes' IGD algorithm — comes from reverse-mode AD
/// (<see cref="Parameters.ValueAndGrad"/>): there is no hand-written backpropagation.
/// </summary>
/// <remarks>
/// <para>Pure at its edges: <c>Fit</c>, <see cref="Run"/>, <see cref="Epoch"/> and <see cref="Step"/> take
/// and return immutable values. Inside an epoch the parameters and optimizer state live in flat buffers updated in
/// place (<see cref="Optimizer.Update"/>) — the same arithmetic as the pure step, without an allocation per
/// parameter per step.</para>
/// <para>Deterministic: the result depends only on the inputs. Epoch e's order is the file order or a shuffle by
/// <c>new Prng(ShuffleSeed, e)</c>; dropout at step t draws from stream (t, layer) of <see cref="TrainingOptions.Seed"/>;
/// so resuming from a checkpoint after epoch e gives bit for bit the run that never stopped.</para>
/// </remarks>
/// <example><code>
/// var data = Datasets.Digits();
/// var net = Network.Create(64, Layers.Dense(64) >> Layers.Tanh >> Layers.Dense(32) >> Layers.Relu
///                               >> Layers.Dense(10) >> Layers.Softmax);
/// TrainingResult r = Trainer.Fit(net, net.Init(seed: 1), data.Train, data.Test, new TrainingOptions());
/// double acc = net.Accuracy(r.Parameters, data.Test);       // ≈ 0.95
/// File.WriteAllText("curves.svg", HistoryPlot.ToSvg(r.History));
/// </code></example>
public static class Trainer
{
    /// <summary>Trains from <paramref name="initial"/> until a stopping rule holds; returns the final state and
    /// the reason.</summary>
    public static TrainingResult Fit(Network network, Parameters initial, Dataset train, Dataset? test, TrainingOptions options,
        Action<StepProgress>? onStep = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Fit(network, TrainingState.Start(initial, options.Optimizer), train, test, options, onStep, cancellation);
    }

    /// <summary>Continues training from <paramref name="start"/> (e.g. a resumed checkpoint) until a stopping rule
    /// holds.</summary>
    public static TrainingResult Fit(Network network, TrainingState start, Dataset train, Dataset? test, TrainingOptions options,
        Action<StepProgress>? onStep = null, CancellationToken cancellation = default)
    {
        TrainingState state = start;
        foreach (TrainingState s in Run(network, start, train, test, options, onStep, cancellation)) state = s;
        return new TrainingResult(state, ShouldStop(state.History, options) ?? StopReason.MaxEpochs);
    }

    /// <summary>
    /// The states after each epoch, lazily, until a stopping rule holds (the caller can checkpoint, print or stop
    /// between epochs; enumerating again restarts from <paramref name="start"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The network, loss, data and parameters do not fit together (the message
    /// says how).</exception>
    public static IEnumerable<TrainingState> Run(Network network, TrainingState start, Dataset train, Dataset? test,
        TrainingOptions options, Action<StepProgress>? onStep = null, CancellationToken cancellation = default)
    {
        Validate(network, start, train, test, options);
        return Iterate(network, start, train, test, options, onStep, cancellation);
    }

    private static IEnumerable<TrainingState> Iterate(Network network, TrainingState state, Dataset train, Dataset? test,
        TrainingOptions options, Action<StepProgress>? onStep, CancellationToken cancellation)
    {
        while (ShouldStop(state.History, options) is null)
        {
            state = Epoch(network, state, train, test, options, onStep, cancellation);
            yield return state;
        }
    }

    /// <summary>
    /// The stopping rule as a pure function of the history: max epochs, loss tolerance, or patience (epochs since
    /// the best value of the monitored quantity); null to go on.
    /// </summary>
    public static StopReason? ShouldStop(TrainingHistory history, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(options);
        int done = history.Last?.Epoch ?? 0;
        if (done >= options.Epochs) return StopReason.MaxEpochs;
        if (history.Last is not { } last) return null;
        if (options.LossTolerance is double tol && last.TrainLoss <= tol) return StopReason.LossTolerance;
        if (options.Patience is int patience)
        {
            int bestEpoch = 0;
            double best = double.NaN;
            foreach (var e in history.Epochs)
            {
                double v = options.Monitor == StopMonitor.TrainLoss ? -e.TrainLoss : e.TestAccuracy ?? double.NaN;
                if (double.IsNaN(v)) continue;
                if (double.IsNaN(best) || v > best + options.MinDelta)
                {
                    best = v;
                    bestEpoch = e.Epoch;
                }
            }
            if (last.Epoch - bestEpoch >= patience) return StopReason.Patience;
        }
        return null;
    }

    /// <summary>The order of the examples in epoch <paramref name="epoch"/> (1-based): 0..n−1, or the permutation
    /// drawn by <c>new Prng(shuffleSeed, epoch)</c>.</summary>
    public static int[] EpochOrder(int count, int epoch, long? shuffleSeed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (shuffleSeed is long seed) return new Prng(seed, epoch).Permutation(count);
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        return order;
    }

    /// <summary>
    /// One epoch: a pass over the training set in batches of <see cref="TrainingOptions.BatchSize"/>, one optimizer
    /// step per batch, then the epoch's record (mean training loss, accuracies, seconds) appended to the history.
    /// </summary>
    public static TrainingState Epoch(Network network, TrainingState state, Dataset train, Dataset? test, TrainingOptions options,
        Action<StepProgress>? onStep = null, CancellationToken cancellation = default)
    {
        Validate(network, state, train, test, options);
        var clock = Stopwatch.StartNew();
        int epoch = state.Epoch + 1;
        int n = train.Count, batch = Math.Min(options.BatchSize, n);
        int batches = (n + batch - 1) / batch;
        int[] order = EpochOrder(n, epoch, options.ShuffleSeed);

        var stepper = new Stepper(network, options, state.Parameters, state.OptimizerState, n);
        double lossSum = 0;
        for (int b = 0; b < batches; b++)
        {
            cancellation.ThrowIfCancellationRequested();
            int start = b * batch, count = Math.Min(batch, n - start);
            var (x, c) = Batches.Rows(train, order.AsSpan(start, count), network.Outputs);
            double loss = stepper.Step(x, c);
            lossSum += loss * count;
            onStep?.Invoke(new StepProgress(epoch, b + 1, batches, stepper.Buffers.Step, loss, lossSum / (start + count)));
        }

        Parameters trained = network.FromVector(stepper.Theta);
        double trainAcc = double.NaN;
        double? testAcc = null;
        if (options.EvaluateEachEpoch)
        {
            trainAcc = network.Accuracy(trained, train);
            if (test is not null) testAcc = network.Accuracy(trained, test);
        }
        else if (test is not null) testAcc = double.NaN;
        var record = new EpochRecord(epoch, lossSum / n, trainAcc, testAcc, clock.Elapsed.TotalSeconds);
        return new TrainingState(trained, stepper.Buffers.ToState(), epoch, state.History.Add(record));
    }

    /// <summary>
    /// The objective of one step, a function of the parameters: ℓ(w) = l(batch) + (λ/n)·Σ w² (the notes' step 7a),
    /// with the batch loss averaged over the batch (summed for RSS).
    /// </summary>
    public static Scalar Objective(Network network, Parameters parameters, Tensor x, Tensor c, Loss loss, double l2, int n, RunMode mode = default)
    {
        ArgumentNullException.ThrowIfNull(loss);
        Scalar l = loss.Evaluate(network, parameters, x, c, mode);
        return l2 == 0 ? l : l + Regularization.L2(parameters, l2, n);
    }

    /// <summary>
    /// One pure training step on a batch: the gradient of <see cref="Objective"/> by reverse mode, then the
    /// optimizer's step. Returns the new parameters and state and the batch's loss before the step.
    /// </summary>
    /// <example><code>
    /// var (p1, s1, loss) = Trainer.Step(net, p0, opt.Init(p0.Size), opt, Loss.CrossEntropy(), x, c, l2: 0, n: x.Dim(0));
    /// </code></example>
    public static (Parameters Parameters, OptimizerState State, double Loss) Step(Network network, Parameters parameters,
        OptimizerState state, Optimizer optimizer, Loss loss, Tensor x, Tensor c, double l2, int n, RunMode mode = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        var (value, grad) = Parameters.ValueAndGrad(p => Objective(network, p, x, c, loss, l2, n, mode), parameters);
        var (theta, next) = optimizer.Step(parameters.ToVector(), state, grad.ToVector());
        return (parameters.WithVector(theta), next, value.Value);
    }

    private static void Validate(Network network, TrainingState state, Dataset train, Dataset? test, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        if (train.Count == 0) throw new ArgumentException("Trainer: the training set is empty; expected at least one example.", nameof(train));
        if (train.FeatureCount != network.Inputs)
            throw new ArgumentException(
                $"Trainer: the training data has {train.FeatureCount} features; the network ({network}) expects {network.Inputs} inputs.", nameof(train));
        try { Batches.CheckOutputs(train, network.Outputs); }
        catch (ArgumentException e) { throw new ArgumentException("Trainer: " + e.Message, nameof(train), e); }
        if (test is not null && (test.FeatureCount != train.FeatureCount || test.ClassCount != train.ClassCount))
            throw new ArgumentException(
                $"Trainer: the test data has {test.FeatureCount} features and {test.ClassCount} classes; expected {train.FeatureCount} and {train.ClassCount} like the training data.", nameof(test));
        if (state.Parameters.Size != network.ParameterCount || !state.Parameters.Specs.SequenceEqual(network.ParameterSpecs))
            throw new ArgumentException($"Trainer: the parameters ({state.Parameters}) do not belong to the network {network}.", nameof(state));
        if (state.OptimizerState.Optimizer != options.Optimizer.Name)
            throw new ArgumentException(
                $"Trainer: the optimizer state belongs to '{state.OptimizerState.Optimizer}'; the options use '{options.Optimizer.Name}'.", nameof(state));
        if (options.Monitor == StopMonitor.TestAccuracy && options.Patience is not null && test is null)
            throw new ArgumentException("Trainer: patience on the test accuracy needs a test set.", nameof(test));
        options.Loss.CheckCompatible(network);
    }

    /// <summary>
    /// The in-place step loop of an epoch: the flat parameters θ and the optimizer buffers, updated by one step per
    /// batch — the objective's gradient by one reverse sweep over parameter tensors holding θ's values, then the
    /// optimizer's in-place update reading each parameter's gradient where the sweep left it. (Also the synthetic benchmark's step.)
    /// </summary>
    /// <remarks>
    /// <para>The parameter tensors of a step are views of θ (no copy): for the MNIST-size network that saves 2 MB of
    /// copying per step. The step's temporaries — the fused dense outputs on the step's tape and every array of its
    /// backward sweep — come from a <see cref="StepArena"/> and are reused by the next step instead of going to the
    /// large-object heap. Both are safe because no tensor of a step outlives it: the values of its tape tensors cannot
    /// be read once the differentiation call has returned, the gradients are copied out before θ changes or the arena
    /// takes its arrays back, and nothing else is kept. Tensors the caller holds (the initial parameters, the
    /// returned states) are never written.</para>
    /// </remarks>
    internal sealed class Stepper
    {
        private readonly Network _network;
        private readonly TrainingOptions _options;
        private readonly ImmutableArray<ParameterSpec> _specs;
        private readonly int[] _offsets, _sizes;
        private readonly int[][] _shapes;
        private readonly Tensor[] _tensors;
        private readonly double[] _grad;
        private readonly int _n;
        private readonly StepArena _arena = new();
        private readonly Func<Tensor[], Scalar> _objective;
        private Tensor _x = null!, _c = null!;
        private RunMode _mode;

        internal Stepper(Network network, TrainingOptions options, Parameters parameters, OptimizerState state, int n)
        {
            _network = network;
            _options = options;
            _specs = network.ParameterSpecs;
            _n = n;
            Theta = parameters.ToVector();
            _grad = new double[Theta.Length];
            Buffers = OptimizerBuffers.From(state);
            _tensors = new Tensor[_specs.Length];
            _offsets = new int[_specs.Length];
            _sizes = new int[_specs.Length];
            _shapes = new int[_specs.Length][];
            for (int i = 0; i < _specs.Length; i++)
            {
                _offsets[i] = i == 0 ? 0 : _offsets[i - 1] + _sizes[i - 1];
                _sizes[i] = _specs[i].Size;
                _shapes[i] = [.. _specs[i].Shape];
            }
            _objective = ps =>
            {
                _arena.TapeKey = ps[0].Key;
                Scalar loss = Objective(_network, Parameters.Wrap(_specs, ps), _x, _c, _options.Loss, _options.L2, _n, _mode);
                _arena.Sweeping = true;
                return loss;
            };
        }

        /// <summary>θ, flat (updated in place by every step).</summary>
        internal double[] Theta { get; }

        /// <summary>The optimizer state (updated in place by every step).</summary>
        internal OptimizerBuffers Buffers { get; }

        /// <summary>The arena of the step temporaries (tests).</summary>
        internal StepArena Arena => _arena;

        /// <summary>One step on the batch (x, c); returns the batch's objective before the step.</summary>
        internal double Step(Tensor x, Tensor c)
        {
            for (int i = 0; i < _tensors.Length; i++)
                _tensors[i] = new Tensor(_shapes[i], new Tensors.Lazy.Buf(Theta, _offsets[i], _sizes[i]));
            (_x, _c, _mode) = (x, c, RunMode.Train(_options.Seed, Buffers.Step));
            double value;
            _arena.Enter();
            try
            {
                var (loss, grads) = TensorAD.ValueAndGrad(_objective, _tensors);
                value = loss.Value;
                // The update reads each gradient in place (before the arena takes its arrays back) — unless a gradient
                // is θ's own array (∂/∂W Σ W⊙V = V): then θ must not change under it, so it is copied first.
                bool aliased = false;
                foreach (Tensor g in grads) aliased |= ReferenceEquals(g.Values.Data, Theta);
                if (aliased)
                {
                    for (int i = 0; i < grads.Length; i++) grads[i].CopyTo(_grad.AsSpan(_offsets[i], _sizes[i]));
                    _options.Optimizer.Update(Theta, Buffers, _grad);
                }
                else _options.Optimizer.UpdateParts(Theta, Buffers, grads, _offsets);
            }
            finally
            {
                _arena.Exit();
                Array.Clear(_tensors);
                (_x, _c) = (null!, null!);
            }
            return value;
        }
    }
}
