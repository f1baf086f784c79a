namespace HybridAD.Networks;

/// <summary>The training losses a <see cref="Loss"/> can name.</summary>
public enum LossKind
{
    /// <summary>Cross-entropy H(c, σ₁(z)), from the logits (the default for classification).</summary>
    CrossEntropy,
    /// <summary>Negative log-likelihood of log-probabilities (log_softmax outputs).</summary>
    Nll,
    /// <summary>Mean squared error of the outputs against one-hot targets.</summary>
    Mse,
    /// <summary>Residual sum of squares of the outputs against one-hot targets (the notes' L₂).</summary>
    Rss,
    /// <summary>Logistic loss per output (binary cross-entropy), from the logits of a sigmoid output layer.</summary>
    Logistic,
    /// <summary>D_KL(c ‖ σ₁(z)) of the targets relative to the softmax outputs.</summary>
    KlDivergence,
}

/// <summary>
/// A training loss as a value: which loss, in which log base, evaluated on a network's output so that the stable
/// form is used — cross-entropy, NLL and KL from the logits through log_softmax when the network ends in softmax,
/// the logistic loss through softplus when it ends in sigmoid. <see cref="Evaluate"/> is a function of the
/// parameters (for a fixed batch), so its gradient is one <see cref="Parameters.ValueAndGrad"/>.
/// </summary>
/// <param name="Kind">The loss.</param>
/// <param name="LogBase">The logarithm base of the information-theoretic losses (natural by default).</param>
/// <example><code>
/// var loss = Loss.CrossEntropy();
/// var (value, grad) = Parameters.ValueAndGrad(p => loss.Evaluate(net, p, x, c), p0);
/// </code></example>
public sealed record Loss(LossKind Kind, LogBase LogBase = LogBase.E)
{
    /// <summary>Cross-entropy (natural log unless told otherwise).</summary>
    public static Loss CrossEntropy(LogBase logBase = LogBase.E) => new(LossKind.CrossEntropy, logBase);

    /// <summary>Negative log-likelihood.</summary>
    public static Loss Nll { get; } = new(LossKind.Nll);

    /// <summary>Mean squared error.</summary>
    public static Loss Mse { get; } = new(LossKind.Mse);

    /// <summary>Residual sum of squares.</summary>
    public static Loss Rss { get; } = new(LossKind.Rss);

    /// <summary>Logistic loss.</summary>
    public static Loss Logistic(LogBase logBase = LogBase.E) => new(LossKind.Logistic, logBase);

    /// <summary>KL divergence.</summary>
    public static Loss KlDivergence(LogBase logBase = LogBase.E) => new(LossKind.KlDivergence, logBase);

    /// <summary>The loss's command-line name: cross-entropy, nll, mse, rss, logistic or kl.</summary>
    public string Name => Kind switch
    {
        LossKind.CrossEntropy => "cross-entropy",
        LossKind.Nll => "nll",
        LossKind.Mse => "mse",
        LossKind.Rss => "rss",
        LossKind.Logistic => "logistic",
        _ => "kl",
    };

    /// <summary>The loss named <paramref name="name"/> (cross-entropy/ce, nll, mse, rss, logistic, kl).</summary>
    /// <exception cref="ArgumentException">An unknown name (the message lists the known ones).</exception>
    public static Loss Parse(string name, LogBase logBase = LogBase.E) => name?.Trim().ToLowerInvariant() switch
    {
        "cross-entropy" or "crossentropy" or "cross_entropy" or "ce" => CrossEntropy(logBase),
        "nll" => new Loss(LossKind.Nll, logBase),
        "mse" => new Loss(LossKind.Mse, logBase),
        "rss" => new Loss(LossKind.Rss, logBase),
        "logistic" or "bce" => Logistic(logBase),
        "kl" or "kl-divergence" => KlDivergence(logBase),
        _ => throw new ArgumentException($"Unknown loss '{name}'; expected cross-entropy, nll, mse, rss, logistic or kl.", nameof(name)),
    };

    /// <summary>Checks the loss can be computed from the network's output head.</summary>
    /// <exception cref="ArgumentException">An incompatible pair, e.g. cross-entropy after a tanh output layer (the
    /// message names both and what would fit).</exception>
    public void CheckCompatible(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var head = network.Head;
        bool ok = Kind switch
        {
            LossKind.CrossEntropy or LossKind.KlDivergence => head is Training.Activation.Softmax or Training.Activation.LogSoftmax or Training.Activation.Identity,
            LossKind.Nll => head is Training.Activation.Softmax or Training.Activation.LogSoftmax or Training.Activation.Identity,
            LossKind.Logistic => head is Training.Activation.Sigmoid or Training.Activation.Identity or Training.Activation.Softmax,
            _ => true,
        };
        if (!ok)
            throw new ArgumentException(
                $"The {Name} loss needs an output layer of {Expected()}; the network ends in {Training.Activations.Name(head)}.");
    }

    private string Expected() => Kind switch
    {
        LossKind.Logistic => "sigmoid (or identity logits, or softmax)",
        _ => "softmax, log_softmax or identity (logits)",
    };

    /// <summary>
    /// The loss of <paramref name="network"/> with <paramref name="parameters"/> on a batch: inputs X (one example
    /// per row) and targets c (one-hot rows).
    /// </summary>
    /// <exception cref="ArgumentException">The loss does not fit the network's output head, or a shape differs.</exception>
    public Scalar Evaluate(Network network, Parameters parameters, Tensor x, Tensor c, RunMode mode = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        CheckCompatible(network);
        var (z, head) = network.ApplyToHead(parameters, x, mode);
        switch (Kind)
        {
            case LossKind.CrossEntropy:
                return Losses.CrossEntropy(z, c, LogBase);
            case LossKind.Nll:
                return head == Training.Activation.Identity ? Losses.Nll(z, c) : Losses.CrossEntropy(z, c);
            case LossKind.KlDivergence:
                return Losses.KlDivergenceFromLogits(c, z, LogBase);
            case LossKind.Logistic:
                return head == Training.Activation.Softmax
                    ? Losses.Logistic(ActivationLayer.Run(head, z), c, LogBase)
                    : Losses.LogisticFromLogits(z, c, LogBase);
            case LossKind.Mse:
                return Losses.Mse(ActivationLayer.Run(head, z), c);
            default:
                return Losses.Rss(ActivationLayer.Run(head, z), c);
        }
    }

    /// <summary>The command-line name, with "(log₂)" when the base is 2.</summary>
    public override string ToString() => LogBase == LogBase.Two ? $"{Name} (log₂)" : Name;
}
