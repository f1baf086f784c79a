using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Architecture = HybridAD.Training.Architecture;
using System.Text;
using HybridAD.Data;
using HybridAD.Training;

namespace HybridAD.Networks;

/// <summary>
/// A network: a composition of layers bound to an input width, so the shapes of its parameters are known. It is
/// a pure function f(θ, X) of its parameters θ (<see cref="Networks.Parameters"/>) and a batch X ∈ ℝ^(N×p) (one
/// example per row, the notes' matrix form f = σ(X·Wᵀ)…; a vector is one example). Immutable and thread-safe.
/// </summary>
/// <example><code>
/// var net = Network.Create(64, Layers.Dense(64) >> Layers.Tanh >> Layers.Dense(32) >> Layers.Relu
///                               >> Layers.Dense(10) >> Layers.Softmax);
/// Parameters p = net.Init(seed: 42);          // dense1.W [64, 64], dense1.b [64], dense2.W [32, 64], …
/// Tensor probs = net.Apply(p, x);             // N×10, rows sum to 1
/// Scalar loss = Losses.CrossEntropy(net.Logits(p, x), c);   // stable: from the logits
/// </code></example>
public sealed class Network
{

    private Network(int inputs, Sequential body)
    {
        Inputs = inputs;
        Body = body;
        Outputs = body.OutputWidth(inputs);
        ParameterSpecs = body.Declare(inputs);
        Head = body.Parts[^1].ActivationKind ?? Activation.Identity;
        Architecture = TryArchitecture();
    }

    /// <summary>The network computing <paramref name="layers"/> on inputs of width <paramref name="inputs"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The input width is not positive.</exception>
    public static Network Create(int inputs, Layer layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentNullException.ThrowIfNull(layers);
        return new Network(inputs, Sequential.Of(layers));
    }

    /// <summary>
    /// The MLP of an <see cref="Training.Architecture"/>: per layer Dense(out) then its activation, with
    /// <see cref="Dropout"/> of <paramref name="dropout"/> after every hidden activation when it is positive.
    /// </summary>
    /// <example><code>var net = Network.FromArchitecture(Architecture.Parse(64, "64:tanh,32:relu,10:softmax"), dropout: 0.1);</code></example>
    public static Network FromArchitecture(Architecture architecture, double dropout = 0)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var parts = new List<Layer>();
        for (int i = 0; i < architecture.Layers.Length; i++)
        {
            var spec = architecture.Layers[i];
            parts.Add(new Dense(spec.Outputs));
            if (spec.Activation != Activation.Identity) parts.Add(new ActivationLayer(spec.Activation));
            if (dropout > 0 && i < architecture.Layers.Length - 1) parts.Add(new Dropout(dropout));
        }
        return Create(architecture.Inputs, Sequential.Of([.. parts]));
    }

    /// <summary>The input width p.</summary>
    public int Inputs { get; }

    /// <summary>The output width.</summary>
    public int Outputs { get; }

    /// <summary>The composed layers.</summary>
    public Sequential Body { get; }

    /// <summary>The layers, first applied first.</summary>
    public ImmutableArray<Layer> Layers => Body.Parts;

    /// <summary>The parameter declarations, in flattening order.</summary>
    public ImmutableArray<ParameterSpec> ParameterSpecs { get; }

    /// <summary>The total number of scalar parameters.</summary>
    public int ParameterCount => ParameterSpecs.Sum(s => s.Size);

    /// <summary>The final activation (the output head): identity when the last layer is not an activation.</summary>
    public Activation Head { get; }

    /// <summary>The network as an <see cref="Training.Architecture"/> when it is an MLP (dense layers, each followed
    /// by at most one activation; dropout anywhere), else null. Only such networks can be saved as model files.</summary>
    public Architecture? Architecture { get; }

    /// <summary>Random initial parameters: the i-th layer with parameters draws from <c>new Prng(seed, i)</c>,
    /// weights by He (before ReLU) or Xavier (otherwise) unless overridden, biases zero unless overridden. For an
    /// MLP this equals <c>FromWeights(MlpWeights.Initialize(Architecture, seed, weights, biases))</c>.</summary>
    public Parameters Init(long seed, Initializer? weights = null, Initializer? biases = null)
    {
        Tensor[] t = Body.Initialize(Inputs, new LayerInit(seed, 0, Activation.Identity, weights, biases));
        return Parameters.Create(ParameterSpecs, t);
    }

    /// <summary>Parameters of this network holding the values of a flat vector (<see cref="Parameters.ToVector"/>'s order).</summary>
    public Parameters FromVector(ReadOnlySpan<double> vector) => Parameters.FromVector(ParameterSpecs, vector);

    /// <summary>f(θ, X): the whole network on a batch (rows = examples) or one example (a vector).</summary>
    /// <exception cref="ArgumentException">The parameters do not belong to this network, or the input's width is not
    /// <see cref="Inputs"/>.</exception>
    public Tensor Apply(Parameters parameters, Tensor x, RunMode mode = default)
    {
        Check(parameters, x);
        return Body.Apply(parameters.Span, x, mode);
    }

    /// <summary>
    /// The network up to its output head: the output before a final activation layer, and that activation
    /// (identity when the last layer is not one). Losses use it to compute cross-entropy from logits through
    /// log_softmax, and the logistic loss through softplus, which stay finite where σ(z) rounds to 0 or 1.
    /// </summary>
    public (Tensor PreActivation, Activation Head) ApplyToHead(Parameters parameters, Tensor x, RunMode mode = default)
    {
        Check(parameters, x);
        if (Body.Parts[^1].ActivationKind is not { } head) return (Body.Apply(parameters.Span, x, mode), Activation.Identity);
        return (Body.ApplyParts(Body.Parts.Length - 1, parameters.Span, x, mode), head);
    }

    /// <summary>The logits: the output before a final softmax / log_softmax / sigmoid (the whole network if it ends
    /// in no activation).</summary>
    public Tensor Logits(Parameters parameters, Tensor x, RunMode mode = default) => ApplyToHead(parameters, x, mode).PreActivation;

    /// <summary>x ↦ f(θ, x) for fixed parameters (inference).</summary>
    public Func<Tensor, Tensor> Bind(Parameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return x => Apply(parameters, x);
    }

    /// <summary>The predicted class of each example (row): the index of its largest output; with a single output
    /// (binary logistic regression) class 1 when it exceeds 0.5 after a sigmoid, 0 otherwise.</summary>
    public int[] Classify(Parameters parameters, Tensor x)
    {
        Tensor y = Apply(parameters, x);
        int rows = y.Rank == 2 ? y.Dim(0) : 1;
        double[] v = y.ToArray();
        if (Outputs == 1)
        {
            double threshold = Head == Activation.Sigmoid ? 0.5 : 0;
            var r = new int[rows];
            for (int i = 0; i < rows; i++) r[i] = v[i] > threshold ? 1 : 0;
            return r;
        }
        return Metrics.ArgMaxRows(v, rows, Outputs);
    }

    /// <summary>The predicted classes of a data set's examples.</summary>
    public int[] Classify(Parameters parameters, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Classify(parameters, Batches.Features(data));
    }

    /// <summary>The fraction of a data set's examples classified correctly.</summary>
    public double Accuracy(Parameters parameters, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Metrics.Accuracy(data.Labels, Classify(parameters, data));
    }

    // ============================================================================ MlpWeights bridge

    /// <summary>The parameters as <see cref="MlpWeights"/> (the model-file form); the network must be an MLP.</summary>
    /// <exception cref="InvalidOperationException">The network is not an MLP (see <see cref="Architecture"/>).</exception>
    public MlpWeights ToWeights(Parameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckParameters(parameters);
        var arch = Architecture ?? throw new InvalidOperationException(
            $"Network.ToWeights: {this} is not a multilayer perceptron (dense layers each followed by at most one activation), so it has no MlpWeights form.");
        var layers = ImmutableArray.CreateBuilder<DenseWeights>(arch.Layers.Length);
        int param = 0, dense = 0;
        foreach (Layer l in Body.Parts)
        {
            if (l is not (Dense or DenseExtended)) continue;
            int outs = arch.Layers[dense].Outputs, ins = arch.InputsOf(dense);
            double[] w, b;
            if (l is Dense)
            {
                w = parameters[param++].ToArray();
                b = parameters[param++].ToArray();
            }
            else
            {
                double[] wx = parameters[param++].ToArray();
                w = new double[outs * ins];
                b = new double[outs];
                for (int j = 0; j < outs; j++)
                {
                    b[j] = wx[j * (ins + 1)];
                    wx.AsSpan(j * (ins + 1) + 1, ins).CopyTo(w.AsSpan(j * ins, ins));
                }
            }
            layers.Add(new DenseWeights(outs, ins, ImmutableCollectionsMarshal.AsImmutableArray(w),
                ImmutableCollectionsMarshal.AsImmutableArray(b), arch.Layers[dense].Activation));
            dense++;
        }
        return new MlpWeights(layers.MoveToImmutable());
    }

    /// <summary>Parameters of this network from <see cref="MlpWeights"/> (e.g. a model file for <c>--init</c>).</summary>
    /// <exception cref="InvalidOperationException">The network is not an MLP.</exception>
    /// <exception cref="ModelFormatException">The weights do not fit (the message names the layer and both shapes,
    /// and both architectures).</exception>
    public Parameters FromWeights(MlpWeights weights, string source = "the weights")
    {
        ArgumentNullException.ThrowIfNull(weights);
        var arch = Architecture ?? throw new InvalidOperationException(
            $"Network.FromWeights: {this} is not a multilayer perceptron, so MlpWeights cannot fill it.");
        weights.EnsureFits(arch, source);
        var tensors = new List<Tensor>();
        int dense = 0;
        foreach (Layer l in Body.Parts)
        {
            if (l is not (Dense or DenseExtended)) continue;
            var d = weights.Layers[dense++];
            if (l is Dense)
            {
                tensors.Add(Tensor.FromSpan(d.W.AsSpan(), d.Outputs, d.Inputs));
                tensors.Add(Tensor.FromSpan(d.B.AsSpan(), d.Outputs));
            }
            else tensors.Add(Tensor.FromArray(DenseExtended.Extend(d.W.AsSpan(), d.B.AsSpan(), d.Outputs, d.Inputs), d.Outputs, d.Inputs + 1));
        }
        return Parameters.Create(ParameterSpecs, tensors);
    }

    /// <summary>"64 → dense(64) → tanh → dense(10) → softmax".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder().Append(Inputs);
        foreach (Layer l in Body.Parts) sb.Append(" → ").Append(l.Name);
        return sb.ToString();
    }

    // ============================================================================ checks

    private Architecture? TryArchitecture()
    {
        var specs = ImmutableArray.CreateBuilder<LayerSpec>();
        int? pendingOutputs = null;
        Activation? pendingActivation = null;
        foreach (Layer l in Body.Parts)
        {
            switch (l)
            {
                case Dense or DenseExtended:
                    if (pendingOutputs is int o) specs.Add(new LayerSpec(o, pendingActivation ?? Activation.Identity));
                    pendingOutputs = l.OutputWidth(1);
                    pendingActivation = null;
                    break;
                case Dropout:
                    break;
                default:
                    if (l.ActivationKind is not { } a || pendingOutputs is null || pendingActivation is not null) return null;
                    pendingActivation = a;
                    break;
            }
        }
        if (pendingOutputs is not int last) return null;
        specs.Add(new LayerSpec(last, pendingActivation ?? Activation.Identity));
        return new Architecture(Inputs, specs.ToImmutable());
    }

    private void Check(Parameters parameters, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(x);
        CheckParameters(parameters);
        if (x.Rank is < 1 or > 2 || x.Dim(-1) != Inputs)
            throw new ArgumentException(
                $"Network: the input has shape [{string.Join(", ", x.Shape.ToArray())}]; expected [N, {Inputs}] (one example per row) or [{Inputs}].", nameof(x));
    }

    private void CheckParameters(Parameters parameters)
    {
        if (parameters.Count != ParameterSpecs.Length)
            throw new ArgumentException(
                $"Network: {parameters.Count} parameter tensors given; this network ({this}) has {ParameterSpecs.Length}.", nameof(parameters));
        for (int i = 0; i < ParameterSpecs.Length; i++)
            Parameters.CheckShape(ParameterSpecs[i], parameters[i], "Network");
    }
}
