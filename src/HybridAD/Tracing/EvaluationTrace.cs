using System.Collections.Immutable;
using System.Globalization;

namespace HybridAD.Tracing;

/// <summary>What a step of an evaluation trace is.</summary>
public enum StepKind
{
    /// <summary>An independent variable v_{i−n} = xᵢ.</summary>
    Input,
    /// <summary>One built-in elemental function φ applied to variables and constants (v₂ = sin(v₁), v₅ = 0 − v₃).</summary>
    Elemental,
    /// <summary>A chain of constant-coefficient linear operations merged into one step
    /// vᵢ = Σ cⱼ·vⱼ + c₀ (v₁ = v₋₂ + v₋₁ + 1.5·v₀), as the notes write a weighted sum.</summary>
    Affine,
    /// <summary>A user-defined primitive (<see cref="CustomRule"/>) or another operation known only by name.</summary>
    Custom,
}

/// <summary>
/// One argument of a step as written: a variable vⱼ (with the local partial c_ij = ∂φᵢ/∂vⱼ at this argument
/// position) or a constant of the program (the 1.5 in 1.5·v₀), which has no partial.
/// </summary>
/// <param name="IsConstant">True for a constant of the program.</param>
/// <param name="Index">The variable's index j in the notes' numbering (inputs 1−n … 0, intermediates 1 … l);
/// 0 and meaningless for a constant.</param>
/// <param name="Value">The variable's value, or the constant.</param>
/// <param name="Partial">∂φᵢ/∂vⱼ at this argument position (for an affine step: the coefficient).</param>
public readonly record struct TraceOperand(bool IsConstant, int Index, double Value, double Partial)
{
    /// <summary>A variable operand.</summary>
    public static TraceOperand Variable(int index, double value, double partial) => new(false, index, value, partial);

    /// <summary>A constant operand.</summary>
    public static TraceOperand Constant(double value) => new(true, 0, value, 0);
}

/// <summary>
/// One step vᵢ = φᵢ(vⱼ)_{j≺i} of an evaluation trace, with its value. Immutable.
/// </summary>
public sealed class TraceStep
{
    internal TraceStep(int index, StepKind kind, string op, ImmutableArray<TraceOperand> operands, double value,
        double parameter, double offset, bool offsetFirst, string? name)
    {
        Index = index;
        Kind = kind;
        Op = op;
        Operands = operands;
        Value = value;
        Parameter = parameter;
        Offset = offset;
        OffsetFirst = offsetFirst;
        Name = name;
    }

    /// <summary>i in the notes' numbering: inputs v_{1−n} … v₀, intermediates v₁ … v_l.</summary>
    public int Index { get; }

    /// <summary>Input, elemental, affine (merged linear chain) or custom.</summary>
    public StepKind Kind { get; }

    /// <summary>The elemental's name as the rules declare it (<c>"+"</c>, <c>"sin"</c>, <c>"sigmoid"</c>, <c>"powc"</c>, …),
    /// <c>"input"</c>, <c>"affine"</c>, or a custom rule's name.</summary>
    public string Op { get; }

    /// <summary>The arguments as written (variables and constants, in order). For an affine step: the
    /// distinct variables with their coefficients as partials.</summary>
    public ImmutableArray<TraceOperand> Operands { get; }

    /// <summary>The value vᵢ computed in this run.</summary>
    public double Value { get; }

    /// <summary>The elemental's constant parameter (the exponent c of <c>x^c</c>); 0 for most.</summary>
    public double Parameter { get; }

    /// <summary>The constant term c₀ of an affine step (0 otherwise).</summary>
    public double Offset { get; }

    /// <summary>True when the affine step's constant term is written before its variables (1 − v₁ − v₂).</summary>
    public bool OffsetFirst { get; }

    /// <summary>An input's name (x₁, w₀, …); null for other steps.</summary>
    public string? Name { get; }

    /// <summary>The local partials c_ij = ∂φᵢ/∂vⱼ, one per distinct variable vⱼ (repeated arguments summed:
    /// for v·v it is 2v).</summary>
    public ImmutableArray<(int Index, double Partial)> Partials
    {
        get
        {
            var b = ImmutableArray.CreateBuilder<(int, double)>(Operands.Length);
            foreach (TraceOperand o in Operands)
            {
                if (o.IsConstant) continue;
                int k = -1;
                for (int q = 0; q < b.Count; q++) if (b[q].Item1 == o.Index) k = q;
                if (k < 0) b.Add((o.Index, o.Partial));
                else b[k] = (o.Index, b[k].Item2 + o.Partial);
            }
            return b.ToImmutable();
        }
    }

    /// <summary>The step as text, e.g. <c>v₁ = v₋₁/v₀ = 3</c>.</summary>
    public override string ToString() =>
        $"{Notation.Var(Index, Notation.Style.Text)} = {Notation.Primal(this, Notation.Style.Text, null)} = {Value.ToString("R", CultureInfo.InvariantCulture)}";
}

/// <summary>One output yₖ of the traced function: the step it is, or a constant (an output independent of x).</summary>
/// <param name="Position">k − 1 (0-based).</param>
/// <param name="Name">The output's name (y, y₁, L, …).</param>
/// <param name="StepIndex">The step vᵢ it is, or null for a constant output.</param>
/// <param name="Value">Its value.</param>
public readonly record struct TraceOutput(int Position, string Name, int? StepIndex, double Value);

/// <summary>
/// The evaluation trace of one run of f : ℝⁿ → ℝᵐ: an immutable list of steps vᵢ = φᵢ(vⱼ)_{j≺i} with their
/// values, numbered as in the source notes — inputs v_{1−n} … v₀, intermediates v₁ … v_l, and the outputs last
/// (an output that feeds a later step stays in place). Record one with <see cref="Tracer.Trace(Func{Scalar[], Scalar[]}, double[], TraceOptions?)"/>;
/// derive the forward tangent trace (<see cref="Tangent(ReadOnlySpan{double})"/>) and the reverse adjoint trace (<see cref="Adjoint(ReadOnlySpan{double})"/>)
/// from it, and render it with <see cref="TraceRenderer"/>.
/// </summary>
/// <example><code>
/// var trace = Tracer.Trace(x => x[0] * Scalar.Sin(x[1]), [2.0, 0.5]);
/// AdjointTrace back = trace.Adjoint();            // v̄ for every step, x̄ = ∇f
/// Console.WriteLine(TraceRenderer.Render(trace, back, TraceFormat.Text));
/// </code></example>
public sealed class EvaluationTrace
{
    internal EvaluationTrace(int inputCount, ImmutableArray<TraceStep> steps, ImmutableArray<TraceOutput> outputs)
    {
        InputCount = inputCount;
        Steps = steps;
        Outputs = outputs;
    }

    /// <summary>n, the number of inputs.</summary>
    public int InputCount { get; }

    /// <summary>m, the number of outputs.</summary>
    public int OutputCount => Outputs.Length;

    /// <summary>l, the number of intermediate steps (v₁ … v_l).</summary>
    public int Length => Steps.Length - InputCount;

    /// <summary>Every step in order: the n inputs, then v₁ … v_l.</summary>
    public ImmutableArray<TraceStep> Steps { get; }

    /// <summary>The outputs y₁ … y_m.</summary>
    public ImmutableArray<TraceOutput> Outputs { get; }

    /// <summary>The step vᵢ by its index in the notes' numbering (1−n ≤ i ≤ l).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such step.</exception>
    public TraceStep this[int index]
    {
        get
        {
            int p = Position(index);
            if ((uint)p >= (uint)Steps.Length)
                throw new ArgumentOutOfRangeException(nameof(index), index,
                    $"The trace has steps v_{1 - InputCount} … v_{Length}; expected an index in that range.");
            return Steps[p];
        }
    }

    /// <summary>The position of step index <paramref name="index"/> in <see cref="Steps"/>.</summary>
    internal int Position(int index) => index + InputCount - 1;

    /// <summary>
    /// The forward tangent trace along the direction ẋ: v̇_{i−n} = ẋᵢ, then v̇ᵢ = Σ_{j≺i} c_ij·v̇ⱼ in order,
    /// and ẏ = J·ẋ. Computed from the recorded partials c_ij, so it is exactly what forward mode computes.
    /// </summary>
    /// <exception cref="ArgumentException">The direction's length is not n.</exception>
    public TangentTrace Tangent(ReadOnlySpan<double> direction)
    {
        if (direction.Length != InputCount)
            throw new ArgumentException(
                $"Tangent: the direction has length {direction.Length}, but the trace has {InputCount} inputs; expected {InputCount}.",
                nameof(direction));
        var dot = new double[Steps.Length];
        for (int i = 0; i < InputCount; i++) dot[i] = direction[i];
        for (int p = InputCount; p < Steps.Length; p++)
        {
            double t = 0;
            foreach (TraceOperand o in Steps[p].Operands)
                if (!o.IsConstant)
                {
                    double d = dot[Position(o.Index)];
                    if (d != 0) t += o.Partial * d; // a zero tangent is a symbolic zero (∞·0 stays out)
                }
            dot[p] = t;
        }
        var ydot = ImmutableArray.CreateBuilder<double>(OutputCount);
        foreach (TraceOutput y in Outputs) ydot.Add(y.StepIndex is int s ? dot[Position(s)] : 0);
        return new TangentTrace(this, [.. direction], ImmutableArray.Create(dot), ydot.MoveToImmutable());
    }

    /// <summary>The forward tangent trace along the j-th unit direction eⱼ (0-based j): the column J·eⱼ.</summary>
    public TangentTrace Tangent(int inputPosition)
    {
        if ((uint)inputPosition >= (uint)InputCount)
            throw new ArgumentOutOfRangeException(nameof(inputPosition), inputPosition,
                $"Tangent: the trace has {InputCount} inputs; expected a position in 0 … {InputCount - 1}.");
        var e = new double[InputCount];
        e[inputPosition] = 1;
        return Tangent(e);
    }

    /// <summary>
    /// The reverse adjoint trace for the output weights ȳ (the notes' incremental adjoint recursion):
    /// v̄ = 0; v̄ of each output += ȳₖ; then for i = l … 1 and each argument j of step i, v̄ⱼ += v̄ᵢ·c_ij; finally
    /// x̄ = (v̄_{1−n} … v̄₀) = ȳᵀJ. Every statement is kept, so the trace shows where a value fans out and its
    /// adjoint accumulates (<c>+=</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The seed's length is not m.</exception>
    public AdjointTrace Adjoint(ReadOnlySpan<double> seed)
    {
        if (seed.Length != OutputCount)
            throw new ArgumentException(
                $"Adjoint: the seed ȳ has length {seed.Length}, but the trace has {OutputCount} outputs; expected {OutputCount}.",
                nameof(seed));
        var bar = new double[Steps.Length];
        var touched = new bool[Steps.Length];
        var statements = ImmutableArray.CreateBuilder<AdjointStatement>();
        for (int k = 0; k < OutputCount; k++)
        {
            if (Outputs[k].StepIndex is not int s) continue;
            int p = Position(s);
            bar[p] += seed[k];
            statements.Add(new AdjointStatement(AdjointStatementKind.Seed, s, k, 1, seed[k], bar[p], touched[p], -1));
            touched[p] = true;
        }
        for (int p = Steps.Length - 1; p >= InputCount; p--)
        {
            TraceStep step = Steps[p];
            double a = bar[p];
            ImmutableArray<TraceOperand> ops = step.Operands;
            for (int q = ops.Length - 1; q >= 0; q--) // the notes list a step's arguments last to first
            {
                TraceOperand o = ops[q];
                if (o.IsConstant) continue;
                int j = Position(o.Index);
                double contribution = a == 0 ? 0 : o.Partial * a; // a zero adjoint is a symbolic zero
                bar[j] += contribution;
                statements.Add(new AdjointStatement(AdjointStatementKind.Increment, o.Index, step.Index, o.Partial,
                    contribution, bar[j], touched[j], q));
                touched[j] = true;
            }
        }
        var gradient = ImmutableArray.Create(bar, 0, InputCount);
        return new AdjointTrace(this, [.. seed], ImmutableArray.Create(bar), statements.ToImmutable(), gradient);
    }

    /// <summary>The reverse adjoint trace of a scalar-valued function (ȳ = 1): x̄ = ∇f.</summary>
    /// <exception cref="InvalidOperationException">The function has more than one output (give ȳ).</exception>
    public AdjointTrace Adjoint()
    {
        if (OutputCount != 1)
            throw new InvalidOperationException(
                $"Adjoint: the trace has {OutputCount} outputs; give the seed ȳ (one weight per output) or use Adjoint(outputPosition).");
        return Adjoint([1.0]);
    }

    /// <summary>The reverse adjoint trace for the k-th unit seed eₖ (0-based): the row eₖᵀ·J.</summary>
    public AdjointTrace AdjointOf(int outputPosition)
    {
        if ((uint)outputPosition >= (uint)OutputCount)
            throw new ArgumentOutOfRangeException(nameof(outputPosition), outputPosition,
                $"Adjoint: the trace has {OutputCount} outputs; expected a position in 0 … {OutputCount - 1}.");
        var e = new double[OutputCount];
        e[outputPosition] = 1;
        return Adjoint(e);
    }

    /// <summary>The trace as text, primal steps only.</summary>
    public override string ToString() => TraceRenderer.Render(this, TraceFormat.Text);
}

/// <summary>The forward tangent trace of an <see cref="EvaluationTrace"/> along one direction ẋ. Immutable.</summary>
public sealed class TangentTrace
{
    internal TangentTrace(EvaluationTrace trace, ImmutableArray<double> direction, ImmutableArray<double> values,
        ImmutableArray<double> outputTangents)
    {
        Trace = trace;
        Direction = direction;
        Values = values;
        OutputTangents = outputTangents;
    }

    /// <summary>The primal trace this tangent trace belongs to.</summary>
    public EvaluationTrace Trace { get; }

    /// <summary>The direction ẋ.</summary>
    public ImmutableArray<double> Direction { get; }

    /// <summary>v̇ for every step, in the order of <see cref="EvaluationTrace.Steps"/>.</summary>
    public ImmutableArray<double> Values { get; }

    /// <summary>ẏ = J·ẋ.</summary>
    public ImmutableArray<double> OutputTangents { get; }

    /// <summary>v̇ᵢ by the step's index in the notes' numbering.</summary>
    public double this[int index] => Values[Trace.Position(index)];
}

/// <summary>Whether an adjoint statement seeds an output or propagates an adjoint to an argument.</summary>
public enum AdjointStatementKind
{
    /// <summary>v̄ᵢ += ȳₖ for an output vᵢ = yₖ.</summary>
    Seed,
    /// <summary>v̄ⱼ += v̄ᵢ·c_ij for an argument vⱼ of step i.</summary>
    Increment,
}

/// <summary>
/// One statement of the reverse sweep, in execution order: <c>v̄ⱼ += v̄ᵢ·c_ij</c> (or a seed <c>v̄ᵢ += ȳₖ</c>).
/// </summary>
/// <param name="Kind">Seed or increment.</param>
/// <param name="Target">j: the variable whose adjoint grows.</param>
/// <param name="Source">i, the step propagating its adjoint (for a seed: the output position k − 1).</param>
/// <param name="Partial">c_ij (1 for a seed).</param>
/// <param name="Contribution">The amount added: v̄ᵢ·c_ij (for a seed: ȳₖ).</param>
/// <param name="Total">v̄ⱼ after this statement.</param>
/// <param name="Accumulates">True when v̄ⱼ already had a contribution: the value fans out and this is a
/// <c>+=</c>; false for the first assignment.</param>
/// <param name="Argument">Which argument of step i vⱼ is (its position in <see cref="TraceStep.Operands"/>);
/// −1 for a seed.</param>
public readonly record struct AdjointStatement(AdjointStatementKind Kind, int Target, int Source, double Partial,
    double Contribution, double Total, bool Accumulates, int Argument);

/// <summary>The reverse adjoint trace of an <see cref="EvaluationTrace"/> for one seed ȳ. Immutable.</summary>
public sealed class AdjointTrace
{
    internal AdjointTrace(EvaluationTrace trace, ImmutableArray<double> seed, ImmutableArray<double> values,
        ImmutableArray<AdjointStatement> statements, ImmutableArray<double> gradient)
    {
        Trace = trace;
        Seed = seed;
        Values = values;
        Statements = statements;
        Gradient = gradient;
    }

    /// <summary>The primal trace this adjoint trace belongs to.</summary>
    public EvaluationTrace Trace { get; }

    /// <summary>The seed ȳ.</summary>
    public ImmutableArray<double> Seed { get; }

    /// <summary>The final v̄ for every step, in the order of <see cref="EvaluationTrace.Steps"/>.</summary>
    public ImmutableArray<double> Values { get; }

    /// <summary>Every statement of the sweep in execution order (seeds first, then steps l … 1).</summary>
    public ImmutableArray<AdjointStatement> Statements { get; }

    /// <summary>x̄ = ȳᵀJ (for a scalar f and ȳ = 1: ∇f).</summary>
    public ImmutableArray<double> Gradient { get; }

    /// <summary>The final v̄ᵢ by the step's index in the notes' numbering.</summary>
    public double this[int index] => Values[Trace.Position(index)];
}
