namespace HybridAD.Networks;

/// <summary>The base of the logarithm in information-theoretic losses: nats (e, the default) or bits (2, the notes'
/// convention "log means log₂").</summary>
public enum LogBase
{
    /// <summary>The natural logarithm: losses in nats.</summary>
    E,
    /// <summary>log₂: losses in bits (the natural-log value divided by ln 2).</summary>
    Two,
}

/// <summary>
/// Loss functions over tensors, each a differentiable <see cref="Scalar"/>. Batches hold one example per row (a
/// vector is one example); targets c have the outputs' shape (one-hot rows for classes, the notes' c ∈ {0,1}^k)
/// unless a method takes class labels. Per-example losses are averaged over the examples ("mean"), except
/// <see cref="Rss"/>, which is the notes' plain sum.
/// </summary>
/// <remarks>
/// <para>Stability: <see cref="CrossEntropy(Tensor, Tensor, LogBase)"/> takes logits z and computes
/// log σ₁(z) = z − logsumexp(z) (max-shifted), and <see cref="LogisticFromLogits"/> uses softplus, so neither
/// overflows nor takes log 0 when a probability rounds to 0 or 1.</para>
/// <para>Conventions: 0·log 0 = 0 (an impossible target class contributes nothing, and its derivative is exactly
/// zero, never NaN).</para>
/// </remarks>
/// <example><code>
/// Tensor z = net.Logits(p, x);                       // N×k
/// Scalar ce = Losses.CrossEntropy(z, c);             // mean over rows of −Σ c·log σ₁(z)
/// Scalar bits = Losses.CrossEntropy(z, c, LogBase.Two);
/// </code></example>
public static class Losses
{
    private static readonly double Ln2 = Math.Log(2);

    /// <summary>Mean squared error (1/(N·k)) Σ (c − y)² over all entries.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static Scalar Mse(Tensor y, Tensor c)
    {
        SameShape(y, c, nameof(Mse));
        return Tensor.Mean(Tensor.Square(c - y));
    }

    /// <summary>The residual sum of squares Σ (c − y)² (the notes' L₂ loss of the worked example).</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static Scalar Rss(Tensor y, Tensor c)
    {
        SameShape(y, c, nameof(Rss));
        return Tensor.Sum(Tensor.Square(c - y));
    }

    /// <summary>
    /// The logistic loss of probabilities y = σ(z) against binary targets c ∈ [0, 1] per output:
    /// mean over examples of Σ −c·log y − (1 − c)·log(1 − y) (the notes' l_σ; several outputs are independent
    /// binary problems). Prefer <see cref="LogisticFromLogits"/> when the logits are at hand.
    /// </summary>
    public static Scalar Logistic(Tensor y, Tensor c, LogBase logBase = LogBase.E)
    {
        SameShape(y, c, nameof(Logistic));
        Tensor l = -(XLogY(c, y) + XLogY(1.0 - c, 1.0 - y));
        return Scale(Tensor.Sum(l) / Rows(y), logBase);
    }

    /// <summary>The logistic loss from logits z (y = σ(z)): mean over examples of Σ softplus(z) − c·z, which equals
    /// −c·log σ(z) − (1 − c)·log(1 − σ(z)) and is finite for every z.</summary>
    public static Scalar LogisticFromLogits(Tensor z, Tensor c, LogBase logBase = LogBase.E)
    {
        SameShape(z, c, nameof(LogisticFromLogits));
        return Scale(Tensor.Sum(Tensor.Softplus(z) - c * z) / Rows(z), logBase);
    }

    /// <summary>
    /// Cross-entropy from logits: mean over examples of H(c, σ₁(z)) = −Σᵢ cᵢ·log σ₁(z)ᵢ, with log σ₁ computed as
    /// log_softmax(z) (stable). c holds target distributions per row (one-hot for classes).
    /// </summary>
    /// <example><code>Scalar l = Losses.CrossEntropy(net.Logits(p, x), Tensor.OneHot(labels, 10));</code></example>
    public static Scalar CrossEntropy(Tensor logits, Tensor c, LogBase logBase = LogBase.E)
    {
        SameShape(logits, c, nameof(CrossEntropy));
        // One fused primitive for a first-order batch of logits (the training path); the composition otherwise.
        if (CrossEntropyOp.TryApply(logits, c) is { } fused) return Scale(fused.ToScalar(), logBase);
        return Scale(-Tensor.Sum(Tensor.MulZ(c, Tensor.LogSoftmax(logits, -1))) / Rows(logits), logBase);
    }

    /// <summary>Cross-entropy from logits against class labels (one per row).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, k).</exception>
    public static Scalar CrossEntropy(Tensor logits, int[] labels, LogBase logBase = LogBase.E)
    {
        ArgumentNullException.ThrowIfNull(logits);
        return CrossEntropy(logits, Targets(logits, labels, nameof(CrossEntropy)), logBase);
    }

    /// <summary>Cross-entropy H(p, q) = −Σ p·log q of probabilities q (e.g. softmax outputs) relative to targets p,
    /// averaged over rows (0·log q = 0).</summary>
    public static Scalar CrossEntropyFromProbabilities(Tensor q, Tensor p, LogBase logBase = LogBase.E)
    {
        SameShape(q, p, nameof(CrossEntropyFromProbabilities));
        return Scale(-Tensor.Sum(XLogY(p, q)) / Rows(q), logBase);
    }

    /// <summary>Negative log-likelihood of log-probabilities (e.g. log_softmax outputs): mean over rows of
    /// −log q[label] (the notes' NLL; the same value as cross-entropy with one-hot targets).</summary>
    public static Scalar Nll(Tensor logProbabilities, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(logProbabilities);
        return Nll(logProbabilities, Targets(logProbabilities, labels, nameof(Nll)));
    }

    /// <summary>Negative log-likelihood with one-hot (or distribution) targets: mean over rows of −Σ c·log q.</summary>
    public static Scalar Nll(Tensor logProbabilities, Tensor c)
    {
        SameShape(logProbabilities, c, nameof(Nll));
        return -Tensor.Sum(Tensor.MulZ(c, logProbabilities)) / Rows(logProbabilities);
    }

    /// <summary>The Kullback–Leibler divergence D_KL(p ‖ q) = Σ p·(log p − log q), averaged over rows (0·log 0 = 0):
    /// the additional bits (or nats) of coding p with q. H(p, q) = H(p) + D_KL(p ‖ q).</summary>
    public static Scalar KlDivergence(Tensor p, Tensor q, LogBase logBase = LogBase.E)
    {
        SameShape(p, q, nameof(KlDivergence));
        return Scale(Tensor.Sum(XLogY(p, p) - XLogY(p, q)) / Rows(p), logBase);
    }

    /// <summary>D_KL(p ‖ σ₁(z)) from logits z (through log_softmax, stable), averaged over rows.</summary>
    public static Scalar KlDivergenceFromLogits(Tensor p, Tensor logits, LogBase logBase = LogBase.E)
    {
        SameShape(p, logits, nameof(KlDivergenceFromLogits));
        return Scale(Tensor.Sum(XLogY(p, p) - Tensor.MulZ(p, Tensor.LogSoftmax(logits, -1))) / Rows(p), logBase);
    }

    /// <summary>The entropy H(p) = −Σ p·log p of each row's distribution, averaged over rows (0·log 0 = 0).</summary>
    public static Scalar Entropy(Tensor p, LogBase logBase = LogBase.E)
    {
        ArgumentNullException.ThrowIfNull(p);
        return Scale(-Tensor.Sum(XLogY(p, p)) / Rows(p), logBase);
    }

    /// <summary>x·log y elementwise with 0·log y = 0 wherever x = 0 (the value and the derivative both; a
    /// constant x that is 0 sends no derivative into log y).</summary>
    public static Tensor XLogY(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        Tensor zero = Tensor.Equal(x, 0.0);
        Tensor safeY = Tensor.Where(zero, Tensor.Ones([.. y.Shape]), y);
        return Tensor.Where(zero, 0.0, x * Tensor.Log(safeY));
    }

    /// <summary>The number of examples: rows of a matrix, 1 for a vector.</summary>
    internal static int Rows(Tensor t) => t.Rank >= 2 ? Math.Max(1, t.Dim(0)) : 1;

    private static Scalar Scale(Scalar nats, LogBase logBase) => logBase == LogBase.Two ? nats / Ln2 : nats;

    private static Tensor Targets(Tensor outputs, int[] labels, string op)
    {
        ArgumentNullException.ThrowIfNull(labels);
        int rows = outputs.Rank == 2 ? outputs.Dim(0) : 1;
        if (labels.Length != rows)
            throw new ArgumentException($"Losses.{op}: {labels.Length} labels for {rows} examples; expected one label per example (row).", nameof(labels));
        Tensor oneHot = Tensor.OneHot(labels, outputs.Dim(-1));
        return outputs.Rank == 1 ? oneHot.Reshape(outputs.Dim(-1)) : oneHot;
    }

    private static void SameShape(Tensor a, Tensor b, string op)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.Shape.SequenceEqual(b.Shape))
            throw new ArgumentException(
                $"Losses.{op}: the outputs have shape [{string.Join(", ", a.Shape.ToArray())}] and the targets [{string.Join(", ", b.Shape.ToArray())}]; expected equal shapes.");
    }
}

/// <summary>
/// Regularization terms in the notes' form ℓ(w) = l(δ) + (λ/n)·R(w): R is a penalty of the weights and n the
/// number of training examples, so a full pass over the data adds λ·R(w) once in total whatever the batch size.
/// </summary>
public static class Regularization
{
    /// <summary>R(w) = Σ w² over every weight tensor (<see cref="ParameterRole.Weight"/>; biases are not penalized,
    /// except the bias column of <see cref="DenseExtended"/>'s W̃, as in the notes).</summary>
    public static Scalar SquaredNorm(Parameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Scalar r = 0;
        for (int i = 0; i < parameters.Count; i++)
            if (parameters.Specs[i].Role == ParameterRole.Weight) r += Tensor.Sum(Tensor.Square(parameters[i]));
        return r;
    }

    /// <summary>The L2 term (λ/n)·Σ w² (0, with no work, when λ = 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException">λ is negative or not finite, or n &lt; 1.</exception>
    /// <example><code>Scalar loss = Losses.CrossEntropy(z, c) + Regularization.L2(p, lambda: 1e-3, n: 1500);</code></example>
    public static Scalar L2(Parameters parameters, double lambda, int n)
    {
        if (!(lambda >= 0) || double.IsInfinity(lambda))
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "Regularization.L2: expected λ ≥ 0.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        return lambda == 0 ? new Scalar(0) : lambda / n * SquaredNorm(parameters);
    }
}
