using System.Collections.Immutable;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;

namespace HybridAD.Training;

/// <summary>The activation applied after a dense layer (its name in model files in parentheses).</summary>
public enum Activation
{
    /// <summary>None: y = z ("identity").</summary>
    Identity,
    /// <summary>The logistic function σ(z) = 1 / (1 + e^−z) ("sigmoid").</summary>
    Sigmoid,
    /// <summary>tanh z ("tanh").</summary>
    Tanh,
    /// <summary>max(0, z) ("relu").</summary>
    Relu,
    /// <summary>The softmax σ₁(z)ᵢ = e^zᵢ / Σⱼ e^zⱼ over each example's outputs ("softmax").</summary>
    Softmax,
    /// <summary>log σ₁(z)ᵢ = zᵢ − log Σⱼ e^zⱼ ("log_softmax").</summary>
    LogSoftmax,
}

/// <summary>Names of <see cref="Activation"/> values as written in model files and on the command line.</summary>
public static class Activations
{
    /// <summary>"identity", "sigmoid", "tanh", "relu", "softmax" or "log_softmax".</summary>
    public static string Name(this Activation activation) => activation switch
    {
        Activation.Identity => "identity",
        Activation.Sigmoid => "sigmoid",
        Activation.Tanh => "tanh",
        Activation.Relu => "relu",
        Activation.Softmax => "softmax",
        Activation.LogSoftmax => "log_softmax",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <summary>The activation named <paramref name="name"/> (case-insensitive; "linear"/"none" = identity,
    /// "log-softmax"/"logsoftmax" accepted), or null.</summary>
    public static Activation? TryParse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "identity" or "linear" or "none" => Activation.Identity,
        "sigmoid" or "logistic" => Activation.Sigmoid,
        "tanh" => Activation.Tanh,
        "relu" => Activation.Relu,
        "softmax" => Activation.Softmax,
        "log_softmax" or "log-softmax" or "logsoftmax" => Activation.LogSoftmax,
        _ => null,
    };

    /// <summary>The activation named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">An unknown name (the message lists the known ones).</exception>
    public static Activation Parse(string name) =>
        TryParse(name) ?? throw new ArgumentException(
            $"Unknown activation '{name}'; expected identity, sigmoid, tanh, relu, softmax or log_softmax.", nameof(name));
}

/// <summary>One dense layer of an architecture: its number of outputs and its activation.</summary>
/// <param name="Outputs">The layer's width (number of neurons), ≥ 1.</param>
/// <param name="Activation">The activation after the affine map W·x + b.</param>
public sealed record LayerSpec(int Outputs, Activation Activation)
{
    /// <summary>"64 tanh".</summary>
    public override string ToString() => $"{Outputs} {Activation.Name()}";
}

/// <summary>
/// The shape of a multilayer perceptron: the input width and, per dense layer, its width and activation — e.g.
/// the notes' digits network 64 → 64 tanh → 32 relu → 10 softmax.
/// </summary>
/// <example><code>
/// var arch = Architecture.Parse(64, "64:tanh,32:relu,10:softmax");
/// arch.ParameterCount;   // 64·64+64 + 32·64+32 + 10·32+10 = 6570
/// arch.ToString();       // "64 → 64 tanh → 32 relu → 10 softmax"
/// </code></example>
public sealed record Architecture
{
    /// <summary>An architecture with <paramref name="inputs"/> inputs and the given layers (at least one).</summary>
    /// <exception cref="ArgumentException">No layers, or a width below 1.</exception>
    public Architecture(int inputs, ImmutableArray<LayerSpec> layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        if (layers.IsDefaultOrEmpty)
            throw new ArgumentException("An architecture needs at least one layer.", nameof(layers));
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i] is null || layers[i].Outputs < 1)
                throw new ArgumentException($"Layer {i + 1} has {layers[i]?.Outputs ?? 0} outputs; expected at least 1.", nameof(layers));
        }
        Inputs = inputs;
        Layers = layers;
    }

    /// <summary>The input width p.</summary>
    public int Inputs { get; }

    /// <summary>The dense layers, first to last.</summary>
    public ImmutableArray<LayerSpec> Layers { get; }

    /// <summary>The output width (the last layer's).</summary>
    public int Outputs => Layers[^1].Outputs;

    /// <summary>The input width of layer <paramref name="index"/> (0-based): the previous layer's width.</summary>
    public int InputsOf(int index) => index == 0 ? Inputs : Layers[index - 1].Outputs;

    /// <summary>The total number of parameters Σ (out·in + out).</summary>
    public int ParameterCount
    {
        get
        {
            long n = 0;
            for (int i = 0; i < Layers.Length; i++) n += (long)Layers[i].Outputs * (InputsOf(i) + 1);
            return checked((int)n);
        }
    }

    /// <summary>
    /// Parses "64:tanh,32:relu,10:softmax" (width:activation per layer, comma-separated; an activation may be
    /// omitted for identity).
    /// </summary>
    /// <exception cref="ArgumentException">A malformed layer.</exception>
    public static Architecture Parse(int inputs, string layers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(layers);
        var b = ImmutableArray.CreateBuilder<LayerSpec>();
        foreach (string part in layers.Split(',', StringSplitOptions.TrimEntries))
        {
            string[] wa = part.Split(':', StringSplitOptions.TrimEntries);
            if (wa.Length is < 1 or > 2 || !int.TryParse(wa[0], out int width) || width < 1)
                throw new ArgumentException(
                    $"Architecture '{layers}': layer '{part}' should be width[:activation], e.g. 64:tanh.", nameof(layers));
            b.Add(new LayerSpec(width, wa.Length == 2 ? Activations.Parse(wa[1]) : Activation.Identity));
        }
        return new Architecture(inputs, b.ToImmutable());
    }

    /// <summary>"64 → 64 tanh → 32 relu → 10 softmax".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder().Append(Inputs);
        foreach (var l in Layers) sb.Append(" → ").Append(l);
        return sb.ToString();
    }

    /// <summary>Structural equality: same inputs and the same layers.</summary>
    public bool Equals(Architecture? other) =>
        other is not null && Inputs == other.Inputs && Layers.SequenceEqual(other.Layers);

    /// <summary>A hash consistent with <see cref="Equals(Architecture?)"/>.</summary>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Inputs);
        foreach (var l in Layers) h.Add(l);
        return h.ToHashCode();
    }
}

/// <summary>
/// The weights of one dense layer y = act(W·x + b): W ∈ ℝ^(out×in) stored row-major (row j holds neuron j's
/// incoming weights, the notes' wⱼᵀ), and b ∈ ℝ^out. Immutable.
/// </summary>
public sealed record DenseWeights
{
    /// <summary>A layer from a row-major W (out·in values) and b (out values).</summary>
    /// <exception cref="ArgumentException">The lengths do not match out×in and out.</exception>
    public DenseWeights(int outputs, int inputs, ImmutableArray<double> w, ImmutableArray<double> b, Activation activation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        if (w.IsDefault || w.Length != (long)outputs * inputs)
            throw new ArgumentException(
                $"DenseWeights: W has {(w.IsDefault ? 0 : w.Length)} values; expected {outputs}×{inputs} = {(long)outputs * inputs}.",
                nameof(w));
        if (b.IsDefault || b.Length != outputs)
            throw new ArgumentException(
                $"DenseWeights: b has {(b.IsDefault ? 0 : b.Length)} values; expected {outputs} (one per output).", nameof(b));
        Outputs = outputs;
        Inputs = inputs;
        W = w;
        B = b;
        Activation = activation;
    }

    /// <summary>The number of outputs (rows of W).</summary>
    public int Outputs { get; }

    /// <summary>The number of inputs (columns of W).</summary>
    public int Inputs { get; }

    /// <summary>W, row-major out×in.</summary>
    public ImmutableArray<double> W { get; }

    /// <summary>b, one per output.</summary>
    public ImmutableArray<double> B { get; }

    /// <summary>The activation after the affine map.</summary>
    public Activation Activation { get; }

    /// <summary>Row <paramref name="j"/> of W (neuron j's input weights).</summary>
    public ReadOnlySpan<double> Row(int j) => W.AsSpan().Slice(j * Inputs, Inputs);

    /// <summary>W·x + b then the activation, for one input (a reference evaluation in plain doubles, e.g. to check
    /// a loaded model; training uses the tensor network).</summary>
    internal double[] Evaluate(ReadOnlySpan<double> x)
    {
        var z = new double[Outputs];
        for (int j = 0; j < Outputs; j++)
            z[j] = TensorPrimitives.Dot(Row(j), x) + B[j];
        switch (Activation)
        {
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(z, z); break;
            case Activation.Tanh: TensorPrimitives.Tanh(z, z); break;
            case Activation.Relu: TensorPrimitives.Max(z, 0.0, z); break;
            case Activation.Softmax or Activation.LogSoftmax:
                // Max-shifted: exact at large |z|. log σ₁(z)ᵢ = zᵢ − (max + log Σ e^(zⱼ − max)).
                double max = TensorPrimitives.Max(z);
                double sum = 0;
                foreach (double v in z) sum += Math.Exp(v - max);
                if (Activation == Activation.LogSoftmax)
                {
                    TensorPrimitives.Subtract(z, max + Math.Log(sum), z);
                }
                else
                {
                    for (int j = 0; j < z.Length; j++) z[j] = Math.Exp(z[j] - max) / sum;
                }
                break;
        }
        return z;
    }

    /// <summary>Value equality of shapes, activation and every weight (bit-for-bit, so NaN equals NaN and −0 ≠ 0).</summary>
    public bool Equals(DenseWeights? other) =>
        other is not null && Outputs == other.Outputs && Inputs == other.Inputs && Activation == other.Activation &&
        BitEqual(W.AsSpan(), other.W.AsSpan()) && BitEqual(B.AsSpan(), other.B.AsSpan());

    /// <summary>A hash of the shape and activation.</summary>
    public override int GetHashCode() => HashCode.Combine(Outputs, Inputs, Activation);

    internal static bool BitEqual(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        MemoryMarshal.AsBytes(a).SequenceEqual(MemoryMarshal.AsBytes(b));
}

/// <summary>
/// The weights of a multilayer perceptron: its dense layers in order — the storage form of a model (what the model
/// file holds, see docs/model-format.md) and the bridge between a network's parameters and one flat vector for
/// <see cref="Optimizer"/>s. Immutable; <see cref="WithVector"/> returns a new one.
/// </summary>
/// <remarks>
/// The flat vector (<see cref="ToVector"/>) is, layer by layer, W row-major then b:
/// [W₁ (out₁·in₁), b₁ (out₁), W₂, b₂, …]. Its length is <see cref="Architecture.ParameterCount"/>.
/// </remarks>
/// <example><code>
/// var arch = Architecture.Parse(64, "64:tanh,32:relu,10:softmax");
/// MlpWeights m = MlpWeights.Initialize(arch, seed: 42);  // He for relu, Xavier otherwise; b = 0
/// double[] theta = m.ToVector();                         // 6570 values
/// MlpWeights m2 = m.WithVector(theta);                   // same architecture, these values
/// </code></example>
public sealed record MlpWeights
{
    /// <summary>A model from its layers; consecutive layers must chain (layer i's inputs = layer i−1's outputs).</summary>
    /// <exception cref="ArgumentException">No layers, or layers that do not chain.</exception>
    public MlpWeights(ImmutableArray<DenseWeights> layers)
    {
        if (layers.IsDefaultOrEmpty)
            throw new ArgumentException("A model needs at least one layer.", nameof(layers));
        for (int i = 1; i < layers.Length; i++)
        {
            if (layers[i].Inputs != layers[i - 1].Outputs)
                throw new ArgumentException(
                    $"Layer {i + 1} has {layers[i].Inputs} inputs but layer {i} has {layers[i - 1].Outputs} outputs; " +
                    "expected them to be equal.", nameof(layers));
        }
        Layers = layers;
        var specs = ImmutableArray.CreateBuilder<LayerSpec>(layers.Length);
        foreach (var l in layers) specs.Add(new LayerSpec(l.Outputs, l.Activation));
        Architecture = new Architecture(layers[0].Inputs, specs.MoveToImmutable());
    }

    /// <summary>The dense layers, first to last.</summary>
    public ImmutableArray<DenseWeights> Layers { get; }

    /// <summary>The model's shape.</summary>
    public Architecture Architecture { get; }

    /// <summary>The total number of parameters (the length of <see cref="ToVector"/>).</summary>
    public int ParameterCount => Architecture.ParameterCount;

    /// <summary>
    /// Random initial weights for <paramref name="architecture"/>: W from <paramref name="weights"/> (default: per
    /// layer <see cref="Initializer.For"/> its activation), b from <paramref name="biases"/> (default zeros).
    /// Layer i draws from the independent stream <c>new Prng(seed, i)</c>, so a layer's values do not depend on the
    /// other layers' sizes.
    /// </summary>
    public static MlpWeights Initialize(Architecture architecture, long seed, Initializer? weights = null,
        Initializer? biases = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var layers = ImmutableArray.CreateBuilder<DenseWeights>(architecture.Layers.Length);
        for (int i = 0; i < architecture.Layers.Length; i++)
        {
            var spec = architecture.Layers[i];
            int fanIn = architecture.InputsOf(i);
            var rng = new Prng(seed, i);
            var w = new double[checked(spec.Outputs * fanIn)];
            (weights ?? Initializer.For(spec.Activation)).Fill(w, fanIn, spec.Outputs, rng);
            var b = new double[spec.Outputs];
            (biases ?? Initializer.Zeros).Fill(b, fanIn, spec.Outputs, rng);
            layers.Add(new DenseWeights(spec.Outputs, fanIn, ImmutableCollectionsMarshal.AsImmutableArray(w),
                ImmutableCollectionsMarshal.AsImmutableArray(b), spec.Activation));
        }
        return new MlpWeights(layers.MoveToImmutable());
    }

    /// <summary>All parameters as one new vector: per layer, W row-major then b.</summary>
    public double[] ToVector()
    {
        var v = new double[ParameterCount];
        CopyTo(v);
        return v;
    }

    /// <summary>Writes all parameters into <paramref name="destination"/> (length <see cref="ParameterCount"/>).</summary>
    /// <exception cref="ArgumentException">The destination has the wrong length.</exception>
    public void CopyTo(Span<double> destination)
    {
        if (destination.Length != ParameterCount)
            throw new ArgumentException(
                $"MlpWeights.CopyTo: the destination has length {destination.Length}; expected {ParameterCount} ({Architecture}).",
                nameof(destination));
        int at = 0;
        foreach (var l in Layers)
        {
            l.W.AsSpan().CopyTo(destination[at..]);
            at += l.W.Length;
            l.B.AsSpan().CopyTo(destination[at..]);
            at += l.B.Length;
        }
    }

    /// <summary>A model of the same architecture with the parameters taken from <paramref name="vector"/>
    /// (in <see cref="ToVector"/>'s order).</summary>
    /// <exception cref="ArgumentException">The vector's length is not <see cref="ParameterCount"/>.</exception>
    public MlpWeights WithVector(ReadOnlySpan<double> vector)
    {
        if (vector.Length != ParameterCount)
            throw new ArgumentException(
                $"MlpWeights.WithVector: the vector has length {vector.Length}; expected {ParameterCount} ({Architecture}).",
                nameof(vector));
        var layers = ImmutableArray.CreateBuilder<DenseWeights>(Layers.Length);
        int at = 0;
        foreach (var l in Layers)
        {
            var w = vector.Slice(at, l.W.Length).ToArray();
            at += l.W.Length;
            var b = vector.Slice(at, l.B.Length).ToArray();
            at += l.B.Length;
            layers.Add(new DenseWeights(l.Outputs, l.Inputs, ImmutableCollectionsMarshal.AsImmutableArray(w),
                ImmutableCollectionsMarshal.AsImmutableArray(b), l.Activation));
        }
        return new MlpWeights(layers.MoveToImmutable());
    }

    /// <summary>
    /// Checks that these weights fit <paramref name="expected"/> (e.g. an <c>--init</c> file against the network
    /// asked for on the command line): the same input width, number of layers, and per layer the same W and b
    /// shapes and activation.
    /// </summary>
    /// <exception cref="ModelFormatException">The first mismatch, naming the layer, the expected and the actual
    /// shape (or activation), and both architectures.</exception>
    public void EnsureFits(Architecture expected, string source = "the model")
    {
        ArgumentNullException.ThrowIfNull(expected);
        string both = $"expected {expected}, {source} has {Architecture}";
        if (Layers.Length != expected.Layers.Length)
            throw new ModelFormatException(source,
                $"expected {expected.Layers.Length} layers, found {Layers.Length} ({both}).");
        for (int i = 0; i < Layers.Length; i++)
        {
            var l = Layers[i];
            int outs = expected.Layers[i].Outputs, ins = expected.InputsOf(i);
            if (l.Outputs != outs || l.Inputs != ins)
                throw new ModelFormatException(source,
                    $"layer {i + 1}: W is {l.Outputs}×{l.Inputs} and b has {l.B.Length} values; expected W {outs}×{ins} " +
                    $"and b {outs} ({both}).");
            if (l.Activation != expected.Layers[i].Activation)
                throw new ModelFormatException(source,
                    $"layer {i + 1}: the activation is {l.Activation.Name()}; expected {expected.Layers[i].Activation.Name()} ({both}).");
        }
    }

    /// <summary>Evaluates the network on one input in plain doubles (a reference, not the training path).</summary>
    /// <exception cref="ArgumentException">The input's length is not the architecture's input width.</exception>
    public double[] Evaluate(ReadOnlySpan<double> x)
    {
        if (x.Length != Architecture.Inputs)
            throw new ArgumentException(
                $"MlpWeights.Evaluate: the input has {x.Length} values; expected {Architecture.Inputs}.", nameof(x));
        double[] y = x.ToArray();
        foreach (var l in Layers) y = l.Evaluate(y);
        return y;
    }

    /// <summary>Value equality: same layers, bit for bit.</summary>
    public bool Equals(MlpWeights? other) => other is not null && Layers.SequenceEqual(other.Layers);

    /// <summary>A hash of the architecture.</summary>
    public override int GetHashCode() => Architecture.GetHashCode();

    /// <summary>"MlpWeights(64 → 64 tanh → 32 relu → 10 softmax, 6570 parameters)".</summary>
    public override string ToString() => $"MlpWeights({Architecture}, {ParameterCount} parameters)";
}
