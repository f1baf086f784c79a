using System.Collections.Immutable;
using HybridAD.Training;

namespace HybridAD.Networks;

/// <summary>
/// How a network is being run: for inference (the default: dropout is the identity) or for one training step
/// (dropout draws its masks from a seeded stream determined by the seed, the step number and the layer's
/// position, so a step's randomness is a pure function of (seed, step) and a resumed run repeats it exactly).
/// </summary>
/// <param name="Training">True during a training step.</param>
/// <param name="Seed">The run's seed (training only).</param>
/// <param name="Step">The global step number t (training only).</param>
/// <example><code>
/// Tensor y = net.Apply(p, x);                                  // inference
/// Tensor yt = net.Apply(p, x, RunMode.Train(seed: 7, step: 12)); // training step 12: dropout active
/// </code></example>
public readonly record struct RunMode(bool Training, long Seed, long Step)
{
    private const long DropoutSalt = 0x44524F50; // "DROP": keeps dropout streams apart from shuffle streams

    /// <summary>Inference: dropout off.</summary>
    public static RunMode Inference => default;

    /// <summary>Training step <paramref name="step"/> of a run seeded with <paramref name="seed"/>.</summary>
    public static RunMode Train(long seed, long step) => new(true, seed, step);

    /// <summary>The layer's position in its network (set by <see cref="Network"/> before each layer runs).</summary>
    public int LayerIndex { get; init; }

    /// <summary>The generator for the current layer in the current step: stream (step, layer) of the seed.</summary>
    public Prng Random() => new(Seed ^ DropoutSalt, Step * 4096 + LayerIndex);
}

/// <summary>What a layer's initializer needs: the seed and the layer's stream, the activation that follows the
/// layer (for the default weight rule, <see cref="Initializer.For"/>), and optional overrides.</summary>
/// <param name="Seed">The network's initialization seed.</param>
/// <param name="Stream">The layer's stream: i for the i-th layer with parameters (0-based), as in
/// <see cref="MlpWeights.Initialize"/>.</param>
/// <param name="NextActivation">The first activation after the layer (identity if none).</param>
/// <param name="Weights">A weight initializer overriding the default, or null.</param>
/// <param name="Biases">A bias initializer overriding zeros, or null.</param>
public sealed record LayerInit(long Seed, int Stream, Activation NextActivation, Initializer? Weights, Initializer? Biases)
{
    /// <summary>A new generator for the layer's stream, <c>new Prng(Seed, Stream)</c>.</summary>
    public Prng CreateRng() => new(Seed, Stream);

    /// <summary>The weight rule: the override, or He for ReLU and Xavier otherwise.</summary>
    public Initializer WeightRule => Weights ?? Initializer.For(NextActivation);

    /// <summary>The bias rule: the override, or zeros.</summary>
    public Initializer BiasRule => Biases ?? Initializer.Zeros;
}

/// <summary>
/// A layer: a pure function (θ, X) → Y of its parameters θ and a batch X (one example per row; a vector is one
/// example), plus the shape information a <see cref="Network"/> needs. Layers compose with <c>&gt;&gt;</c>:
/// <c>Layers.Dense(64) &gt;&gt; Layers.Tanh &gt;&gt; Layers.Dense(10) &gt;&gt; Layers.Softmax</c> is the function
/// softmax ∘ dense₂ ∘ tanh ∘ dense₁, the notes' composition (σ∘f)∘…∘(σ∘f).
/// </summary>
/// <remarks>Derive from this class for a custom layer: declare its parameters (<see cref="Declare"/>), create
/// their initial values (<see cref="Initialize"/>), and write <see cref="Apply"/> with tensor operations — its
/// gradient then comes from <see cref="TensorAD"/>, like every built-in layer's.</remarks>
public abstract class Layer
{
    /// <summary>The layer's description, e.g. <c>dense(64)</c> or <c>tanh</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The prefix of its parameter group in the tree (numbered per network: dense1, dense2, …).</summary>
    public virtual string GroupPrefix => "layer";

    /// <summary>The width of the output for an input of width <paramref name="inputs"/>.</summary>
    public virtual int OutputWidth(int inputs) => inputs;

    /// <summary>The layer's parameters for input width <paramref name="inputs"/> (local names such as W and b);
    /// none by default. Their number must not depend on the width.</summary>
    public virtual ImmutableArray<ParameterSpec> Declare(int inputs) => [];

    /// <summary>Initial values of the declared parameters, in declaration order.</summary>
    public virtual Tensor[] Initialize(int inputs, LayerInit init) => [];

    /// <summary>The activation this layer is, if it is one (used to find a network's output head and to convert
    /// to and from <see cref="MlpWeights"/>).</summary>
    public virtual Activation? ActivationKind => null;

    /// <summary>Y = layer(θ, X): <paramref name="parameters"/> are this layer's tensors in declaration order.</summary>
    public abstract Tensor Apply(ReadOnlySpan<Tensor> parameters, Tensor x, RunMode mode);

    /// <summary>The composition "first, then second": (second ∘ first)(θ, x) = second(θ₂, first(θ₁, x)).
    /// Associative; the result is a flat <see cref="Sequential"/>.</summary>
    public static Layer operator >>(Layer first, Layer second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return Sequential.Of(first, second);
    }

    /// <summary>The same composition as <c>this &gt;&gt; next</c>.</summary>
    public Layer Then(Layer next) => this >> next;

    /// <summary>The layer's name.</summary>
    public override string ToString() => Name;
}

/// <summary>A composition of layers applied left to right (built by <c>&gt;&gt;</c> or <see cref="Layers.Compose"/>;
/// nested compositions are flattened).</summary>
public sealed class Sequential : Layer
{
    private Sequential(ImmutableArray<Layer> layers) => Parts = layers;

    /// <summary>The composed layers, first applied first (never themselves <see cref="Sequential"/>).</summary>
    public ImmutableArray<Layer> Parts { get; }

    /// <summary>The flat composition of <paramref name="layers"/>.</summary>
    /// <exception cref="ArgumentException">No layers.</exception>
    public static Sequential Of(params Layer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var b = ImmutableArray.CreateBuilder<Layer>();
        foreach (Layer l in layers)
        {
            ArgumentNullException.ThrowIfNull(l, nameof(layers));
            if (l is Sequential s) b.AddRange(s.Parts);
            else b.Add(l);
        }
        if (b.Count == 0) throw new ArgumentException("Sequential: no layers; expected at least one.", nameof(layers));
        return new Sequential(b.ToImmutable());
    }

    /// <inheritdoc/>
    public override string Name => string.Join(" >> ", Parts.Select(p => p.Name));

    /// <inheritdoc/>
    public override int OutputWidth(int inputs)
    {
        foreach (Layer l in Parts) inputs = l.OutputWidth(inputs);
        return inputs;
    }

    /// <summary>Every part's parameters, in order, each named <c>{prefix}{k}.{name}</c> where k counts the parts with
    /// that prefix (dense1.W, dense1.b, dense2.W, …).</summary>
    public override ImmutableArray<ParameterSpec> Declare(int inputs)
    {
        var b = ImmutableArray.CreateBuilder<ParameterSpec>();
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Layer l in Parts)
        {
            var local = l.Declare(inputs);
            if (local.Length > 0)
            {
                int k = counters.GetValueOrDefault(l.GroupPrefix) + 1;
                counters[l.GroupPrefix] = k;
                foreach (var spec in local) b.Add(spec with { Name = $"{l.GroupPrefix}{k}.{spec.Name}" });
            }
            inputs = l.OutputWidth(inputs);
        }
        return b.ToImmutable();
    }

    /// <summary>Every part's initial values: the i-th part with parameters uses stream i of the seed and the
    /// default weight rule of the first activation after it.</summary>
    public override Tensor[] Initialize(int inputs, LayerInit init)
    {
        ArgumentNullException.ThrowIfNull(init);
        var r = new List<Tensor>();
        int stream = init.Stream;
        for (int i = 0; i < Parts.Length; i++)
        {
            Layer l = Parts[i];
            if (ParameterCounts[i] > 0)
            {
                Activation next = Activation.Identity;
                for (int j = i + 1; j < Parts.Length; j++)
                {
                    if (Parts[j].ActivationKind is { } a) { next = a; break; }
                    if (ParameterCounts[j] > 0) break;
                }
                r.AddRange(l.Initialize(inputs, init with { Stream = stream++, NextActivation = next }));
            }
            inputs = l.OutputWidth(inputs);
        }
        return [.. r];
    }

    /// <summary>Applies the parts in order, each to the previous output, each with its own parameters (and its
    /// position as <see cref="RunMode.LayerIndex"/>).</summary>
    public override Tensor Apply(ReadOnlySpan<Tensor> parameters, Tensor x, RunMode mode) =>
        ApplyParts(Parts.Length, parameters, x, mode);

    /// <summary>
    /// The first <paramref name="count"/> parts applied in order. A dense layer on a batch and the elementwise
    /// activation right after it run as one fused primitive (<see cref="DenseOp"/>) whenever that is first order;
    /// otherwise each part runs on its own — the same function either way.
    /// </summary>
    internal Tensor ApplyParts(int count, ReadOnlySpan<Tensor> parameters, Tensor x, RunMode mode)
    {
        ImmutableArray<int> counts = ParameterCounts;
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            int n = counts[i];
            if (Parts[i] is Dense && x.Rank == 2)
            {
                bool withNext = i + 1 < count && Parts[i + 1] is ActivationLayer next && DenseOp.Fuses(next.Activation);
                Activation activation = withNext ? ((ActivationLayer)Parts[i + 1]).Activation : Activation.Identity;
                if (DenseOp.TryApply(x, parameters[at], parameters[at + 1], activation) is { } y)
                {
                    x = y;
                    at += n;
                    if (withNext) i++;
                    continue;
                }
            }
            x = Parts[i].Apply(parameters.Slice(at, n), x, mode with { LayerIndex = i });
            at += n;
        }
        return x;
    }

    /// <summary>The number of parameter tensors of each part (independent of the input width).</summary>
    internal ImmutableArray<int> ParameterCounts => _counts ??= [.. Parts.Select(p => p.Declare(1).Length)];

    private ImmutableArray<int>? _counts;
}

/// <summary>
/// A dense (fully connected) layer Y = X·Wᵀ + b over a batch (one example per row), i.e. y = W·x + b per example,
/// with W ∈ ℝ^(out×in) (row j = neuron j's incoming weights, the notes' wⱼᵀ) and b ∈ ℝ^out.
/// </summary>
public sealed class Dense(int outputs) : Layer
{
    /// <summary>The number of outputs (neurons).</summary>
    public int Outputs { get; } = outputs > 0 ? outputs : throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "Dense: expected at least one output.");

    /// <inheritdoc/>
    public override string Name => $"dense({Outputs})";

    /// <inheritdoc/>
    public override string GroupPrefix => "dense";

    /// <inheritdoc/>
    public override int OutputWidth(int inputs) => Outputs;

    /// <summary>W [out, in] (weight) and b [out] (bias).</summary>
    public override ImmutableArray<ParameterSpec> Declare(int inputs) =>
        [new("W", [Outputs, inputs], ParameterRole.Weight), new("b", [Outputs], ParameterRole.Bias)];

    /// <summary>W from the weight rule, then b from the bias rule, both from the layer's stream (the same draws as
    /// <see cref="MlpWeights.Initialize"/>).</summary>
    public override Tensor[] Initialize(int inputs, LayerInit init)
    {
        ArgumentNullException.ThrowIfNull(init);
        var rng = init.CreateRng();
        var w = new double[checked(Outputs * inputs)];
        init.WeightRule.Fill(w, inputs, Outputs, rng);
        var b = new double[Outputs];
        init.BiasRule.Fill(b, inputs, Outputs, rng);
        return [Tensor.FromArray(w, Outputs, inputs), Tensor.FromArray(b, Outputs)];
    }

    /// <summary>X·Wᵀ + b (a batch) or W·x + b (a vector).</summary>
    public override Tensor Apply(ReadOnlySpan<Tensor> parameters, Tensor x, RunMode mode)
    {
        Tensor w = parameters[0], b = parameters[1];
        if (x.Rank == 1) return Tensor.MatMul(w, x) + b;
        return DenseOp.TryApply(x, w, b, Activation.Identity) ?? Tensor.MatMul(x, w, false, true) + b;
    }
}

/// <summary>
/// The notes' form of a dense layer: the input is extended by x₀ = 1 and one matrix W̃ ∈ ℝ^(out×(in+1)) holds the
/// bias in its column 0, so y = W̃·(1, x) — the same function as <see cref="Dense"/> with b = W̃[:, 0] and
/// W = W̃[:, 1..]. Its single parameter is a weight (so L2 regularization includes the bias column, as in the
/// notes' R(w)).
/// </summary>
public sealed class DenseExtended(int outputs) : Layer
{
    /// <summary>The number of outputs (neurons).</summary>
    public int Outputs { get; } = outputs > 0 ? outputs : throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "DenseExtended: expected at least one output.");

    /// <inheritdoc/>
    public override string Name => $"dense_x0({Outputs})";

    /// <inheritdoc/>
    public override string GroupPrefix => "dense";

    /// <inheritdoc/>
    public override int OutputWidth(int inputs) => Outputs;

    /// <summary>W̃ [out, in + 1] (column 0 is the bias).</summary>
    public override ImmutableArray<ParameterSpec> Declare(int inputs) => [new("W", [Outputs, inputs + 1], ParameterRole.Weight)];

    /// <summary>The same values as <see cref="Dense"/> with the same stream: W̃[:, 1..] = W, W̃[:, 0] = b.</summary>
    public override Tensor[] Initialize(int inputs, LayerInit init)
    {
        ArgumentNullException.ThrowIfNull(init);
        var rng = init.CreateRng();
        var w = new double[checked(Outputs * inputs)];
        init.WeightRule.Fill(w, inputs, Outputs, rng);
        var b = new double[Outputs];
        init.BiasRule.Fill(b, inputs, Outputs, rng);
        return [Tensor.FromArray(Extend(w, b, Outputs, inputs), Outputs, inputs + 1)];
    }

    /// <summary>[1 | X]·W̃ᵀ (a batch) or W̃·(1, x) (a vector).</summary>
    public override Tensor Apply(ReadOnlySpan<Tensor> parameters, Tensor x, RunMode mode)
    {
        Tensor w = parameters[0];
        if (x.Rank == 1) return Tensor.MatMul(w, Tensor.Concat(0, Tensor.Ones(1), x));
        return Tensor.MatMul(Tensor.Concat(1, Tensor.Ones(x.Dim(0), 1), x), w, false, true);
    }

    /// <summary>W̃ = [b | W] row by row.</summary>
    internal static double[] Extend(ReadOnlySpan<double> w, ReadOnlySpan<double> b, int outputs, int inputs)
    {
        var r = new double[checked(outputs * (inputs + 1))];
        for (int j = 0; j < outputs; j++)
        {
            r[j * (inputs + 1)] = b[j];
            w.Slice(j * inputs, inputs).CopyTo(r.AsSpan(j * (inputs + 1) + 1, inputs));
        }
        return r;
    }
}

/// <summary>An activation applied elementwise (sigmoid, tanh, ReLU, identity) or per example (softmax, log softmax
/// over each row).</summary>
public sealed class ActivationLayer(Activation activation) : Layer
{
    /// <summary>The activation.</summary>
    public Activation Activation { get; } = activation;

    /// <inheritdoc/>
    public override string Name => Activation.Name();

    /// <inheritdoc/>
    public override Activation? ActivationKind => Activation;

    /// <inheritdoc/>
    public override Tensor Apply(ReadOnlySpan<Tensor> parameters, Tensor x, RunMode mode) => Run(Activation, x);

    /// <summary>The activation as a tensor function (softmax and log softmax along the last axis).</summary>
    public static Tensor Run(Activation activation, Tensor x) => activation switch
    {
        Activation.Identity => x,
        Activation.Sigmoid => Tensor.Sigmoid(x),
        Activation.Tanh => Tensor.Tanh(x),
        Activation.Relu => Tensor.Relu(x),
        Activation.Softmax => Tensor.Softmax(x, -1),
        Activation.LogSoftmax => Tensor.LogSoftmax(x, -1),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}

/// <summary>
/// Inverted dropout: during training each input is kept with probability 1 − rate and scaled by 1/(1 − rate)
/// (zeroed otherwise), so the expected output equals the input and inference is the identity. The mask is drawn
/// from <see cref="RunMode.Random"/>: seeded, one stream per (step, layer).
/// </summary>
public sealed class Dropout : Layer
{
    /// <summary>Dropout with drop probability <paramref name="rate"/> ∈ [0, 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is outside [0, 1).</exception>
    public Dropout(double rate)
    {
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout: expected a drop probability in [0, 1).");
        Rate = rate;
    }

    /// <summary>The probability of dropping an input.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    public override string Name => $"dropout({Rate.ToString(System.Globalization.CultureInfo.InvariantCulture)})";

    /// <summary>x ⊙ m/(1 − rate) with m ~ Bernoulli(1 − rate) in training; x otherwise.</summary>
    public override Tensor Apply(ReadOnlySpan<Tensor> parameters, Tensor x, RunMode mode)
    {
        if (!mode.Training || Rate == 0) return x;
        return x * Mask(x.Shape, mode);
    }

    /// <summary>The scaled mask m/(1 − rate) a training step uses (a constant tensor of the input's shape).</summary>
    public Tensor Mask(ReadOnlySpan<int> shape, RunMode mode)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        var m = new double[n];
        var rng = mode.Random();
        double keep = 1 - Rate, scale = 1 / keep;
        for (int i = 0; i < n; i++) m[i] = rng.NextDouble() < keep ? scale : 0;
        return Tensor.FromArray(m, shape.ToArray());
    }
}

/// <summary>
/// The layer constructors: dense layers, activations and dropout, composed with <c>&gt;&gt;</c>.
/// </summary>
/// <example><code>
/// Layer mlp = Layers.Dense(64) >> Layers.Tanh >> Layers.Dense(32) >> Layers.Relu >> Layers.Dense(10) >> Layers.Softmax;
/// Network net = Network.Create(inputs: 64, mlp);
/// </code></example>
public static class Layers
{
    /// <summary>A dense layer y = W·x + b with <paramref name="outputs"/> neurons (W is out×in).</summary>
    public static Layer Dense(int outputs) => new Dense(outputs);

    /// <summary>The notes' dense layer: x extended by x₀ = 1, one matrix W̃ = [b | W] of out×(in+1).</summary>
    public static Layer DenseExtended(int outputs) => new DenseExtended(outputs);

    /// <summary>σ(z) = 1/(1 + e^−z) elementwise.</summary>
    public static Layer Sigmoid { get; } = new ActivationLayer(Activation.Sigmoid);

    /// <summary>tanh z elementwise.</summary>
    public static Layer Tanh { get; } = new ActivationLayer(Activation.Tanh);

    /// <summary>max(0, z) elementwise.</summary>
    public static Layer Relu { get; } = new ActivationLayer(Activation.Relu);

    /// <summary>The softmax σ₁ of each example (row).</summary>
    public static Layer Softmax { get; } = new ActivationLayer(Activation.Softmax);

    /// <summary>log σ₁ of each example (row).</summary>
    public static Layer LogSoftmax { get; } = new ActivationLayer(Activation.LogSoftmax);

    /// <summary>The identity.</summary>
    public static Layer Identity { get; } = new ActivationLayer(Activation.Identity);

    /// <summary>The layer for an activation.</summary>
    public static Layer For(Activation activation) => new ActivationLayer(activation);

    /// <summary>Inverted dropout with drop probability <paramref name="rate"/> (active only in training).</summary>
    public static Layer Dropout(double rate) => new Dropout(rate);

    /// <summary>The composition of <paramref name="layers"/>, first applied first (the same as chaining
    /// <c>&gt;&gt;</c>).</summary>
    public static Layer Compose(params Layer[] layers) => Sequential.Of(layers);
}
