namespace HybridAD.Training;

/// <summary>
/// A rule for the random initial weights of a dense layer W ∈ ℝ^(out×in) (the notes' step 1,
/// initialize_random_weights), drawn from a seeded <see cref="Prng"/> so a run is reproducible.
/// </summary>
/// <remarks>
/// <para>fanIn = in (the layer's inputs), fanOut = out (its outputs).</para>
/// <list type="table">
/// <item><term>Uniform(a, b)</term><description>U(a, b)</description></item>
/// <item><term>Normal(μ, σ)</term><description>N(μ, σ²)</description></item>
/// <item><term>XavierUniform (Glorot)</term><description>U(−r, r), r = √(6 / (fanIn + fanOut))</description></item>
/// <item><term>XavierNormal (Glorot)</term><description>N(0, σ²), σ = √(2 / (fanIn + fanOut))</description></item>
/// <item><term>HeUniform (Kaiming)</term><description>U(−r, r), r = √(6 / fanIn)</description></item>
/// <item><term>HeNormal (Kaiming)</term><description>N(0, σ²), σ = √(2 / fanIn)</description></item>
/// <item><term>Zeros, Constant(c)</term><description>every entry 0 (the usual bias initializer) or c</description></item>
/// </list>
/// <para>Xavier keeps the activation variance roughly constant through tanh/sigmoid layers; He does the same for
/// ReLU layers, which zero half their inputs. <see cref="For"/> picks He for ReLU and Xavier otherwise.</para>
/// <para>Determinism: entries are drawn in row-major order, one draw (uniform) or two (normal) per entry, so the
/// values depend only on the generator's seed/stream and the shape.</para>
/// </remarks>
/// <example><code>
/// var rng = new Prng(seed: 1);
/// double[] w = Initializer.XavierUniform.Sample(fanOut: 32, fanIn: 64, rng); // 32×64, row-major
/// </code></example>
public abstract record Initializer
{
    private protected Initializer() { }

    /// <summary>U(a, b).</summary>
    public static Initializer Uniform(double low, double high) => new UniformInit(low, high);

    /// <summary>N(μ, σ²).</summary>
    public static Initializer Normal(double mean, double std) => new NormalInit(mean, std);

    /// <summary>Glorot/Xavier uniform: U(−r, r), r = √(6 / (fanIn + fanOut)).</summary>
    public static Initializer XavierUniform { get; } = new ScaledInit(ScaledInit.Rule.XavierUniform);

    /// <summary>Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)).</summary>
    public static Initializer XavierNormal { get; } = new ScaledInit(ScaledInit.Rule.XavierNormal);

    /// <summary>He/Kaiming uniform: U(−r, r), r = √(6 / fanIn).</summary>
    public static Initializer HeUniform { get; } = new ScaledInit(ScaledInit.Rule.HeUniform);

    /// <summary>He/Kaiming normal: N(0, 2 / fanIn).</summary>
    public static Initializer HeNormal { get; } = new ScaledInit(ScaledInit.Rule.HeNormal);

    /// <summary>All zeros (consumes no random draws).</summary>
    public static Initializer Zeros { get; } = new ConstantInit(0);

    /// <summary>Every entry <paramref name="value"/> (consumes no random draws).</summary>
    public static Initializer Constant(double value) => new ConstantInit(value);

    /// <summary>The default weight initializer for a layer followed by <paramref name="activation"/>: He uniform
    /// for ReLU, Xavier uniform otherwise.</summary>
    public static Initializer For(Activation activation) =>
        activation == Activation.Relu ? HeUniform : XavierUniform;

    /// <summary>
    /// Parses a name: "xavier" / "glorot" / "xavier-uniform", "xavier-normal", "he" / "kaiming" / "he-uniform",
    /// "he-normal", "zeros", "uniform:a:b", "normal:mean:std", "constant:c".
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name or malformed parameters.</exception>
    public static Initializer Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        string[] parts = text.Trim().ToLowerInvariant().Split(':');
        double Arg(int i) => parts.Length > i && double.TryParse(parts[i], System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new ArgumentException($"Initializer '{text}': expected a number as parameter {i}.", nameof(text));
        Initializer result = parts[0] switch
        {
            "xavier" or "glorot" or "xavier-uniform" or "glorot-uniform" => XavierUniform,
            "xavier-normal" or "glorot-normal" => XavierNormal,
            "he" or "kaiming" or "he-uniform" or "kaiming-uniform" => HeUniform,
            "he-normal" or "kaiming-normal" => HeNormal,
            "zeros" or "zero" => Zeros,
            "uniform" => Uniform(Arg(1), Arg(2)),
            "normal" => Normal(Arg(1), Arg(2)),
            "constant" => Constant(Arg(1)),
            _ => throw new ArgumentException(
                $"Unknown initializer '{text}'; expected xavier-uniform, xavier-normal, he-uniform, he-normal, zeros, " +
                "uniform:a:b, normal:mean:std or constant:c.", nameof(text)),
        };
        int expectedParts = parts[0] switch { "uniform" or "normal" => 3, "constant" => 2, _ => 1 };
        if (parts.Length != expectedParts)
            throw new ArgumentException(
                $"Initializer '{text}': expected {expectedParts - 1} parameter(s) after '{parts[0]}'.", nameof(text));
        return result;
    }

    /// <summary>Fills <paramref name="destination"/> (a row-major fanOut×fanIn matrix, or a bias of fanOut
    /// values with fanIn the layer's inputs) with draws from <paramref name="rng"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A fan is not positive.</exception>
    public abstract void Fill(Span<double> destination, int fanIn, int fanOut, Prng rng);

    /// <summary>A new row-major <paramref name="fanOut"/>×<paramref name="fanIn"/> weight matrix.</summary>
    public double[] Sample(int fanOut, int fanIn, Prng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanOut);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanIn);
        var w = new double[checked(fanOut * fanIn)];
        Fill(w, fanIn, fanOut, rng);
        return w;
    }

    private static void CheckFans(int fanIn, int fanOut)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanIn);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanOut);
    }

    private sealed record UniformInit : Initializer
    {
        public UniformInit(double low, double high)
        {
            if (!double.IsFinite(low) || !double.IsFinite(high) || !(low < high))
                throw new ArgumentException($"Uniform initializer: expected finite bounds low < high, got [{low}, {high}].");
            Low = low;
            High = high;
        }

        public double Low { get; }
        public double High { get; }

        public override void Fill(Span<double> destination, int fanIn, int fanOut, Prng rng)
        {
            ArgumentNullException.ThrowIfNull(rng);
            CheckFans(fanIn, fanOut);
            for (int i = 0; i < destination.Length; i++) destination[i] = rng.NextUniform(Low, High);
        }

        public override string ToString() => $"uniform({Low}, {High})";
    }

    private sealed record NormalInit : Initializer
    {
        public NormalInit(double mean, double std)
        {
            if (!double.IsFinite(mean) || !double.IsFinite(std) || std < 0)
                throw new ArgumentException($"Normal initializer: expected a finite mean and std ≥ 0, got mean {mean}, std {std}.");
            Mean = mean;
            Std = std;
        }

        public double Mean { get; }
        public double Std { get; }

        public override void Fill(Span<double> destination, int fanIn, int fanOut, Prng rng)
        {
            ArgumentNullException.ThrowIfNull(rng);
            CheckFans(fanIn, fanOut);
            for (int i = 0; i < destination.Length; i++) destination[i] = rng.NextNormal(Mean, Std);
        }

        public override string ToString() => $"normal({Mean}, {Std})";
    }

    private sealed record ConstantInit(double Value) : Initializer
    {
        public override void Fill(Span<double> destination, int fanIn, int fanOut, Prng rng)
        {
            CheckFans(fanIn, fanOut);
            destination.Fill(Value);
        }

        public override string ToString() => Value == 0 ? "zeros" : $"constant({Value})";
    }

    private sealed record ScaledInit(ScaledInit.Rule Kind) : Initializer
    {
        public enum Rule { XavierUniform, XavierNormal, HeUniform, HeNormal }

        public override void Fill(Span<double> destination, int fanIn, int fanOut, Prng rng)
        {
            ArgumentNullException.ThrowIfNull(rng);
            CheckFans(fanIn, fanOut);
            switch (Kind)
            {
                case Rule.XavierUniform: FillUniform(destination, Math.Sqrt(6.0 / (fanIn + fanOut)), rng); break;
                case Rule.XavierNormal: FillNormal(destination, Math.Sqrt(2.0 / (fanIn + fanOut)), rng); break;
                case Rule.HeUniform: FillUniform(destination, Math.Sqrt(6.0 / fanIn), rng); break;
                default: FillNormal(destination, Math.Sqrt(2.0 / fanIn), rng); break;
            }
        }

        private static void FillUniform(Span<double> d, double r, Prng rng)
        {
            for (int i = 0; i < d.Length; i++) d[i] = rng.NextUniform(-r, r);
        }

        private static void FillNormal(Span<double> d, double std, Prng rng)
        {
            for (int i = 0; i < d.Length; i++) d[i] = std * rng.NextNormal();
        }

        public override string ToString() => Kind switch
        {
            Rule.XavierUniform => "xavier-uniform",
            Rule.XavierNormal => "xavier-normal",
            Rule.HeUniform => "he-uniform",
            _ => "he-normal",
        };
    }
}
