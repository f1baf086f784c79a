using System.Collections.Immutable;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace HybridAD.Training;

/// <summary>
/// A first-order optimizer over one flat parameter vector θ (a network's parameter tree flattened in a fixed
/// order). Each optimizer is an immutable record of hyper-parameters with a pure step
/// <c>(θ, state, ∇) → (θ′, state′)</c> — <see cref="Step"/> — and an in-place form of the same arithmetic for
/// training loops — <see cref="Update"/> on <see cref="OptimizerBuffers"/>.
/// </summary>
/// <remarks>
/// <para>The state holds the step counter t (the number of steps taken) and the optimizer's per-parameter
/// vectors ("slots"): none for SGD, the last update ΔW for momentum and Nesterov, the moment estimates m and v for
/// Adam. It is plain data: it can be checkpointed (<see cref="OptimizerState"/>) and resumed bit-exactly.</para>
/// <para>Every step checks its inputs: lengths must agree with the state, and a non-finite gradient entry
/// (NaN or ±∞, the usual sign of a diverging run) throws an <see cref="ArgumentException"/> naming its index
/// instead of silently turning the parameters into NaN.</para>
/// </remarks>
/// <example><code>
/// Optimizer opt = new Momentum(learningRate: 0.05, alpha: 0.9);
/// OptimizerState s = opt.Init(theta.Length);
/// (theta, s) = opt.Step(theta, s, grad);           // pure: new arrays, inputs untouched
///
/// var buffers = OptimizerBuffers.From(s);           // training loop: same arithmetic, in place
/// opt.Update(theta, buffers, grad);
/// OptimizerState checkpoint = buffers.ToState();
/// </code></example>
public abstract record Optimizer
{
    private protected Optimizer() { }

    /// <summary>The optimizer's name as used in state and checkpoint files: "sgd", "momentum", "nesterov", "adam".</summary>
    public abstract string Name { get; }

    /// <summary>The names of the per-parameter state vectors, in order.</summary>
    public abstract ImmutableArray<string> SlotNames { get; }

    /// <summary>The hyper-parameters by name (e.g. learning_rate, alpha), as saved in checkpoints; see
    /// <see cref="Create"/>.</summary>
    public abstract ImmutableArray<KeyValuePair<string, double>> HyperParameters { get; }

    /// <summary>
    /// The optimizer named <paramref name="name"/> ("sgd", "momentum", "nesterov", "adam") with the given
    /// hyper-parameters — the inverse of (<see cref="Name"/>, <see cref="HyperParameters"/>). Missing Adam
    /// settings take their defaults; every other missing or unknown key is an error.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, a missing or unknown hyper-parameter, or an invalid value.</exception>
    /// <example><code>
    /// Optimizer.Create("momentum", new Dictionary&lt;string, double&gt; { ["learning_rate"] = 0.05, ["alpha"] = 0.9 });
    /// </code></example>
    public static Optimizer Create(string name, IReadOnlyDictionary<string, double> hyperParameters)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(hyperParameters);
        string[] allowed = name switch
        {
            "sgd" => ["learning_rate"],
            "momentum" or "nesterov" => ["learning_rate", "alpha"],
            "adam" => ["learning_rate", "beta1", "beta2", "epsilon"],
            _ => throw new ArgumentException(
                $"Unknown optimizer '{name}'; expected one of sgd, momentum, nesterov, adam.", nameof(name)),
        };
        foreach (var key in hyperParameters.Keys)
        {
            if (Array.IndexOf(allowed, key) < 0)
                throw new ArgumentException(
                    $"Optimizer '{name}' has no hyper-parameter '{key}'; expected {string.Join(", ", allowed)}.",
                    nameof(hyperParameters));
        }
        double Get(string key, double? fallback = null) =>
            hyperParameters.TryGetValue(key, out double v) ? v
            : fallback ?? throw new ArgumentException(
                $"Optimizer '{name}' needs the hyper-parameter '{key}'; expected {string.Join(", ", allowed)}.",
                nameof(hyperParameters));
        return name switch
        {
            "sgd" => new Sgd(Get("learning_rate")),
            "momentum" => new Momentum(Get("learning_rate"), Get("alpha")),
            "nesterov" => new Nesterov(Get("learning_rate"), Get("alpha")),
            _ => new Adam(Get("learning_rate", 0.001), Get("beta1", 0.9), Get("beta2", 0.999), Get("epsilon", 1e-8)),
        };
    }

    /// <summary>The initial state for <paramref name="parameterCount"/> parameters: t = 0, every slot zero.</summary>
    public OptimizerState Init(int parameterCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        var slots = ImmutableArray.CreateBuilder<OptimizerSlot>(SlotNames.Length);
        foreach (string name in SlotNames)
            slots.Add(new OptimizerSlot(name, ImmutableCollectionsMarshal.AsImmutableArray(new double[parameterCount])));
        return new OptimizerState(Name, 0, parameterCount, slots.MoveToImmutable());
    }

    /// <summary>
    /// One pure step: returns the new parameters and the new state; <paramref name="parameters"/>,
    /// <paramref name="state"/> and <paramref name="gradient"/> are not modified.
    /// </summary>
    /// <exception cref="ArgumentException">The state belongs to another optimizer, a length differs from the
    /// state's parameter count, or the gradient has a NaN or infinite entry.</exception>
    public (double[] Parameters, OptimizerState State) Step(ReadOnlySpan<double> parameters, OptimizerState state,
        ReadOnlySpan<double> gradient)
    {
        ArgumentNullException.ThrowIfNull(state);
        var buffers = OptimizerBuffers.From(state);
        var theta = parameters.ToArray();
        Update(theta, buffers, gradient);
        return (theta, buffers.ToStateUnshared());
    }

    /// <summary>
    /// One step in place: updates <paramref name="parameters"/> and <paramref name="buffers"/> (t increases by one).
    /// The arithmetic is the same as <see cref="Step"/>'s, element for element.
    /// </summary>
    /// <exception cref="ArgumentException">As for <see cref="Step"/>.</exception>
    public void Update(Span<double> parameters, OptimizerBuffers buffers, ReadOnlySpan<double> gradient)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        if (buffers.Optimizer != Name)
            throw new ArgumentException(
                $"{Name}: the optimizer state belongs to '{buffers.Optimizer}'; expected a '{Name}' state (from {GetType().Name}.Init).",
                nameof(buffers));
        int n = buffers.ParameterCount;
        if (parameters.Length != n)
            throw new ArgumentException(
                $"{Name}: the parameter vector has length {parameters.Length}; the optimizer state was created for {n}.",
                nameof(parameters));
        if (gradient.Length != n)
            throw new ArgumentException(
                $"{Name}: the gradient has length {gradient.Length}; expected {n}, the parameter count.", nameof(gradient));
        CheckFinite(gradient);
        buffers.Step++;
        Apply(parameters, buffers.Slots, 0, buffers.Step, gradient);
    }

    /// <summary>
    /// <see cref="Update"/> with the gradient given in parts: part i holds the gradient of θ[offsets[i] ..
    /// offsets[i] + parts[i].Length) (the parts tile θ in order). The same values as one update on the concatenated
    /// gradient, without concatenating it (the training step reads each parameter tensor's gradient in place).
    /// </summary>
    internal void UpdateParts(double[] parameters, OptimizerBuffers buffers, Tensor[] parts, int[] offsets)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(buffers);
        if (buffers.Optimizer != Name)
            throw new ArgumentException(
                $"{Name}: the optimizer state belongs to '{buffers.Optimizer}'; expected a '{Name}' state (from {GetType().Name}.Init).",
                nameof(buffers));
        int n = buffers.ParameterCount, covered = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            if (offsets[i] != covered)
                throw new ArgumentException($"{Name}: gradient part {i} starts at {offsets[i]}; expected {covered}.", nameof(offsets));
            covered += parts[i].Length;
        }
        if (parameters.Length != n || covered != n)
            throw new ArgumentException(
                $"{Name}: {parameters.Length} parameters and {covered} gradient entries; the optimizer state was created for {n}.",
                nameof(parameters));
        for (int i = 0; i < parts.Length; i++) CheckFinite(parts[i].Values.Span, offsets[i]);
        long t = ++buffers.Step;
        double[][] slots = buffers.Slots;
        // The rules are elementwise, so contiguous ranges of θ can be updated on different cores (large models only:
        // below that the fork-join costs more than the pass).
        int chunks = n >= ParallelUpdateMinimum ? Math.Min(Environment.ProcessorCount, n / (ParallelUpdateMinimum / 2)) : 1;
        if (chunks <= 1)
        {
            UpdateRange(parameters, slots, t, parts, offsets, 0, n);
            return;
        }
        Parallel.For(0, chunks, c => UpdateRange(parameters, slots, t, parts, offsets, (int)((long)n * c / chunks), (int)((long)n * (c + 1) / chunks)));
    }

    /// <summary>Parameters with at least this many entries are updated on several cores.</summary>
    internal const int ParallelUpdateMinimum = 1 << 16;

    /// <summary>Applies the rule to θ[lo, hi), part by part.</summary>
    private void UpdateRange(double[] theta, double[][] slots, long t, Tensor[] parts, int[] offsets, int lo, int hi)
    {
        for (int i = 0; i < parts.Length; i++)
        {
            int start = Math.Max(lo, offsets[i]), end = Math.Min(hi, offsets[i] + parts[i].Length);
            if (start >= end) continue;
            ReadOnlySpan<double> g = parts[i].Values.Span.Slice(start - offsets[i], end - start);
            Apply(theta.AsSpan(start, end - start), slots, start, t, g);
        }
    }

    /// <summary>"momentum(learning_rate=0.05, alpha=0.9)": the name and hyper-parameters (invariant culture,
    /// round-trip numbers), as shown by <c>hybridad train</c> and stored in checkpoint settings.</summary>
    public sealed override string ToString() =>
        $"{Name}({string.Join(", ", HyperParameters.Select(h => h.Key + "=" + h.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))})";

    /// <summary>The update rule, on validated inputs, for the parameters θ[offset .. offset + theta.Length) (the slots
    /// are read from the same offset); <paramref name="t"/> is the new step number (1 for the first step). Element-wise:
    /// updating in parts gives the same values as one update.</summary>
    private protected abstract void Apply(Span<double> theta, double[][] slots, int offset, long t, ReadOnlySpan<double> g);

    private protected static double CheckLearningRate(double value) =>
        double.IsFinite(value) && value > 0
            ? value
            : throw new ArgumentOutOfRangeException("learningRate", value, "Expected a finite learning rate η > 0.");

    private static void CheckFinite(ReadOnlySpan<double> g, int offset = 0)
    {
        // One SIMD pass in the common case; locate the culprit only when something is off.
        if (double.IsFinite(TensorPrimitives.Sum(g))) return;
        for (int i = 0; i < g.Length; i++)
        {
            if (!double.IsFinite(g[i]))
                throw new ArgumentException(
                    $"The gradient entry {offset + i} is {g[i]}; expected finite values (the loss may be diverging: try a " +
                    "smaller learning rate).", "gradient");
        }
        // All entries finite, the sum merely overflowed: fine.
    }
}

/// <summary>
/// Plain stochastic gradient descent: θ ← θ − η·∇ℓ(θ) (the notes' IGD step 7b/8, ΔW = −η·∇, W ← W + ΔW).
/// </summary>
/// <example><code>var (theta1, s1) = new Sgd(0.1).Step(theta, new Sgd(0.1).Init(theta.Length), grad);</code></example>
public sealed record Sgd : Optimizer
{
    /// <summary>SGD with learning rate <paramref name="learningRate"/> (η &gt; 0).</summary>
    public Sgd(double learningRate) => LearningRate = learningRate;

    /// <summary>The learning rate η &gt; 0.</summary>
    public double LearningRate { get; init => field = CheckLearningRate(value); }

    /// <inheritdoc/>
    public override string Name => "sgd";

    /// <inheritdoc/>
    public override ImmutableArray<KeyValuePair<string, double>> HyperParameters => [new("learning_rate", LearningRate)];

    /// <inheritdoc/>
    public override ImmutableArray<string> SlotNames => [];

    private protected override void Apply(Span<double> theta, double[][] slots, int offset, long t, ReadOnlySpan<double> g) =>
        TensorPrimitives.MultiplyAdd(g, -LearningRate, theta, theta);
}

/// <summary>
/// Gradient descent with momentum, exactly the notes' rule: ΔW(t) = −η·∇ℓ(W) + α·ΔW(t−1), W ← W + ΔW(t),
/// with ΔW(0) = 0 and momentum 0 ≤ α &lt; 1.
/// </summary>
/// <remarks>
/// The notes write ΔW(t) = η·(δ ⊗ x) + α·ΔW(t−1) with δ = c − y the residual; for their loss −∇ℓ = δ ⊗ x, so this is
/// the same rule with the autodiff gradient in place of the hand-derived one. The state slot "velocity" is ΔW(t−1).
/// With α = 0 it is <see cref="Sgd"/>.
/// </remarks>
/// <example><code>
/// var opt = new Momentum(learningRate: 0.1, alpha: 0.5);
/// // θ = 1, ∇ = 2 twice:  ΔW(1) = −0.2, θ = 0.8;  ΔW(2) = −0.2 + 0.5·(−0.2) = −0.3, θ = 0.5
/// </code></example>
public sealed record Momentum : Optimizer
{
    /// <summary>Momentum with learning rate η and momentum α (0 ≤ α &lt; 1).</summary>
    public Momentum(double learningRate, double alpha) { LearningRate = learningRate; Alpha = alpha; }

    /// <summary>The learning rate η &gt; 0.</summary>
    public double LearningRate { get; init => field = CheckLearningRate(value); }

    /// <summary>The momentum α, 0 ≤ α &lt; 1 (the notes' range: α ≥ 1 would let updates grow without bound).</summary>
    public double Alpha { get; init => field = CheckMomentum(value); }

    /// <inheritdoc/>
    public override string Name => "momentum";

    /// <inheritdoc/>
    public override ImmutableArray<KeyValuePair<string, double>> HyperParameters =>
        [new("learning_rate", LearningRate), new("alpha", Alpha)];

    /// <inheritdoc/>
    public override ImmutableArray<string> SlotNames => ["velocity"];

    private protected override void Apply(Span<double> theta, double[][] slots, int offset, long t, ReadOnlySpan<double> g)
    {
        // One pass: ΔW(t) = α·ΔW(t−1) + (−η)·∇ (two products, then their sum: no fused multiply-add), W ← W + ΔW(t).
        Span<double> delta = slots[0].AsSpan(offset, theta.Length);
        double alpha = Alpha, minusEta = -LearningRate;
        int i = 0;
        if (Vector.IsHardwareAccelerated && theta.Length >= Vector<double>.Count)
        {
            var va = new Vector<double>(alpha);
            var ve = new Vector<double>(minusEta);
            var dv = MemoryMarshal.Cast<double, Vector<double>>(delta);
            var tv = MemoryMarshal.Cast<double, Vector<double>>(theta);
            var gv = MemoryMarshal.Cast<double, Vector<double>>(g);
            for (int k = 0; k < dv.Length; k++)
            {
                Vector<double> d = va * dv[k] + ve * gv[k];
                dv[k] = d;
                tv[k] += d;
            }
            i = dv.Length * Vector<double>.Count;
        }
        for (; i < theta.Length; i++)
        {
            double d = alpha * delta[i] + minusEta * g[i];
            delta[i] = d;
            theta[i] += d;
        }
    }

    internal static double CheckMomentum(double value) =>
        value >= 0 && value < 1
            ? value
            : throw new ArgumentOutOfRangeException("alpha", value, "Expected a momentum α with 0 ≤ α < 1.");
}

/// <summary>
/// Nesterov accelerated gradient: the momentum step taken from the look-ahead point. With the gradient at the
/// current parameters it reads ΔW(t) = −η·∇ℓ(W) + α·ΔW(t−1), W ← W + α·ΔW(t) − η·∇ℓ(W), ΔW(0) = 0, 0 ≤ α &lt; 1.
/// </summary>
/// <remarks>
/// This is Sutskever et al.'s formulation v ← αv − η∇ℓ(W + αv), W ← W + v, rewritten (Bengio et al., 2013) in the
/// shifted variable W + αv so that the gradient is needed only at the stored parameters; PyTorch's
/// <c>SGD(nesterov=True)</c> is the same rule. The state slot "velocity" is ΔW(t−1).
/// </remarks>
public sealed record Nesterov : Optimizer
{
    /// <summary>Nesterov momentum with learning rate η and momentum α (0 ≤ α &lt; 1).</summary>
    public Nesterov(double learningRate, double alpha) { LearningRate = learningRate; Alpha = alpha; }

    /// <summary>The learning rate η &gt; 0.</summary>
    public double LearningRate { get; init => field = CheckLearningRate(value); }

    /// <summary>The momentum α, 0 ≤ α &lt; 1.</summary>
    public double Alpha { get; init => field = Momentum.CheckMomentum(value); }

    /// <inheritdoc/>
    public override string Name => "nesterov";

    /// <inheritdoc/>
    public override ImmutableArray<KeyValuePair<string, double>> HyperParameters =>
        [new("learning_rate", LearningRate), new("alpha", Alpha)];

    /// <inheritdoc/>
    public override ImmutableArray<string> SlotNames => ["velocity"];

    private protected override void Apply(Span<double> theta, double[][] slots, int offset, long t, ReadOnlySpan<double> g)
    {
        var delta = slots[0].AsSpan(offset, theta.Length);
        TensorPrimitives.Multiply(delta, Alpha, delta);                 // α·ΔW(t−1)
        TensorPrimitives.MultiplyAdd(g, -LearningRate, delta, delta);   // ΔW(t) = −η·∇ + α·ΔW(t−1)
        TensorPrimitives.MultiplyAdd(delta, Alpha, theta, theta);       // W + α·ΔW(t)
        TensorPrimitives.MultiplyAdd(g, -LearningRate, theta, theta);   //   − η·∇
    }
}

/// <summary>
/// Adam (Kingma and Ba, 2015), with bias correction: m ← β₁m + (1−β₁)∇, v ← β₂v + (1−β₂)∇²,
/// m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), θ ← θ − η·m̂/(√v̂ + ε).
/// </summary>
/// <remarks>Defaults are the paper's: η = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸. Slots "m" and "v".</remarks>
public sealed record Adam : Optimizer
{
    /// <summary>Adam with the given hyper-parameters (0 ≤ β &lt; 1, ε &gt; 0).</summary>
    public Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>The learning rate η &gt; 0.</summary>
    public double LearningRate { get; init => field = CheckLearningRate(value); }

    /// <summary>The decay of the first-moment estimate, 0 ≤ β₁ &lt; 1.</summary>
    public double Beta1 { get; init => field = CheckBeta(value, "beta1"); }

    /// <summary>The decay of the second-moment estimate, 0 ≤ β₂ &lt; 1.</summary>
    public double Beta2 { get; init => field = CheckBeta(value, "beta2"); }

    /// <summary>The denominator's safety term ε &gt; 0.</summary>
    public double Epsilon
    {
        get;
        init => field = double.IsFinite(value) && value > 0
            ? value
            : throw new ArgumentOutOfRangeException("epsilon", value, "Expected a finite ε > 0.");
    }

    /// <inheritdoc/>
    public override string Name => "adam";

    /// <inheritdoc/>
    public override ImmutableArray<KeyValuePair<string, double>> HyperParameters =>
        [new("learning_rate", LearningRate), new("beta1", Beta1), new("beta2", Beta2), new("epsilon", Epsilon)];

    /// <inheritdoc/>
    public override ImmutableArray<string> SlotNames => ["m", "v"];

    private protected override void Apply(Span<double> theta, double[][] slots, int offset, long t, ReadOnlySpan<double> g)
    {
        Span<double> m = slots[0].AsSpan(offset, theta.Length), v = slots[1].AsSpan(offset, theta.Length);
        double b1 = Beta1, b2 = Beta2, c1 = 1 - b1, c2 = 1 - b2;
        double stepSize = LearningRate / (1 - Math.Pow(b1, t));   // η / (1 − β₁ᵗ)
        double vScale = 1 / (1 - Math.Pow(b2, t));                // 1 / (1 − β₂ᵗ)
        double eps = Epsilon;
        int i = 0;
        if (Vector.IsHardwareAccelerated && theta.Length >= Vector<double>.Count)
        {
            var vb1 = new Vector<double>(b1); var vc1 = new Vector<double>(c1);
            var vb2 = new Vector<double>(b2); var vc2 = new Vector<double>(c2);
            var vStep = new Vector<double>(stepSize); var vvScale = new Vector<double>(vScale);
            var vEps = new Vector<double>(eps);
            var mv = MemoryMarshal.Cast<double, Vector<double>>(m);
            var vv = MemoryMarshal.Cast<double, Vector<double>>(v);
            var tv = MemoryMarshal.Cast<double, Vector<double>>(theta);
            var gv = MemoryMarshal.Cast<double, Vector<double>>(g);
            for (int k = 0; k < gv.Length; k++)
            {
                var gk = gv[k];
                var mk = vb1 * mv[k] + vc1 * gk;
                var vk = vb2 * vv[k] + vc2 * (gk * gk);
                mv[k] = mk;
                vv[k] = vk;
                tv[k] -= vStep * mk / (Vector.SquareRoot(vk * vvScale) + vEps);
            }
            i = gv.Length * Vector<double>.Count;
        }
        for (; i < theta.Length; i++)
        {
            double gi = g[i];
            double mi = b1 * m[i] + c1 * gi;
            double vi = b2 * v[i] + c2 * (gi * gi);
            m[i] = mi;
            v[i] = vi;
            theta[i] -= stepSize * mi / (Math.Sqrt(vi * vScale) + eps);
        }
    }

    private static double CheckBeta(double value, string name) =>
        value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(name, value, $"Expected 0 ≤ {name} < 1.");
}

/// <summary>One named per-parameter vector of an optimizer state (e.g. "velocity", "m", "v").</summary>
/// <param name="Name">The slot's name.</param>
/// <param name="Values">One value per parameter.</param>
public sealed record OptimizerSlot(string Name, ImmutableArray<double> Values);

/// <summary>
/// An immutable snapshot of an optimizer's state: which optimizer, the number of steps taken, the parameter count
/// and the named per-parameter vectors. Produced by <see cref="Optimizer.Init"/> and <see cref="Optimizer.Step"/>,
/// and saved in checkpoints.
/// </summary>
public sealed record OptimizerState
{
    /// <summary>A state; every slot must hold <paramref name="parameterCount"/> values.</summary>
    /// <exception cref="ArgumentException">A slot has the wrong length or the step count is negative.</exception>
    public OptimizerState(string optimizer, long step, int parameterCount, ImmutableArray<OptimizerSlot> slots)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(optimizer);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        if (slots.IsDefault) slots = [];
        foreach (var slot in slots)
        {
            if (slot.Values.IsDefault || slot.Values.Length != parameterCount)
                throw new ArgumentException(
                    $"OptimizerState: slot '{slot.Name}' has {(slot.Values.IsDefault ? 0 : slot.Values.Length)} values; " +
                    $"expected {parameterCount}, the parameter count.", nameof(slots));
        }
        Optimizer = optimizer;
        Step = step;
        ParameterCount = parameterCount;
        Slots = slots;
    }

    /// <summary>The name of the optimizer this state belongs to (<see cref="Training.Optimizer.Name"/>).</summary>
    public string Optimizer { get; }

    /// <summary>The number of steps taken, t.</summary>
    public long Step { get; }

    /// <summary>The number of parameters.</summary>
    public int ParameterCount { get; }

    /// <summary>The per-parameter vectors, in the optimizer's <see cref="Training.Optimizer.SlotNames"/> order.</summary>
    public ImmutableArray<OptimizerSlot> Slots { get; }

    /// <summary>The values of the slot named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is no such slot.</exception>
    public ImmutableArray<double> Slot(string name)
    {
        foreach (var s in Slots)
            if (s.Name == name) return s.Values;
        throw new KeyNotFoundException(
            $"The {Optimizer} state has no slot '{name}'; it has [{string.Join(", ", Slots.Select(s => s.Name))}].");
    }
}

/// <summary>
/// The mutable working copy of an <see cref="OptimizerState"/> for a training loop's in-place
/// <see cref="Optimizer.Update"/>: no allocation per step. Not thread-safe; one per training run.
/// </summary>
public sealed class OptimizerBuffers
{
    private OptimizerBuffers(string optimizer, long step, int parameterCount, string[] names, double[][] slots)
    {
        Optimizer = optimizer;
        Step = step;
        ParameterCount = parameterCount;
        SlotNames = names;
        Slots = slots;
    }

    /// <summary>A working copy of <paramref name="state"/> (the state itself is not shared).</summary>
    public static OptimizerBuffers From(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var names = new string[state.Slots.Length];
        var slots = new double[state.Slots.Length][];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = state.Slots[i].Name;
            slots[i] = state.Slots[i].Values.ToArray();
        }
        return new OptimizerBuffers(state.Optimizer, state.Step, state.ParameterCount, names, slots);
    }

    /// <summary>The optimizer's name.</summary>
    public string Optimizer { get; }

    /// <summary>The number of steps taken so far.</summary>
    public long Step { get; internal set; }

    /// <summary>The number of parameters.</summary>
    public int ParameterCount { get; }

    internal string[] SlotNames { get; }

    internal double[][] Slots { get; }

    /// <summary>The state over these buffers' own arrays, for a caller that drops the buffers afterwards.</summary>
    internal OptimizerState ToStateUnshared()
    {
        var b = ImmutableArray.CreateBuilder<OptimizerSlot>(Slots.Length);
        for (int i = 0; i < Slots.Length; i++)
            b.Add(new OptimizerSlot(SlotNames[i], ImmutableCollectionsMarshal.AsImmutableArray(Slots[i])));
        return new OptimizerState(Optimizer, Step, ParameterCount, b.MoveToImmutable());
    }

    /// <summary>An immutable snapshot (copies the vectors), e.g. for a checkpoint.</summary>
    public OptimizerState ToState()
    {
        var b = ImmutableArray.CreateBuilder<OptimizerSlot>(Slots.Length);
        for (int i = 0; i < Slots.Length; i++)
            b.Add(new OptimizerSlot(SlotNames[i], [.. Slots[i]]));
        return new OptimizerState(Optimizer, Step, ParameterCount, b.MoveToImmutable());
    }
}
