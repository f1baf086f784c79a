using System.Collections.Concurrent;

namespace HybridAD.Selection;

/// <summary>
/// The work one recorded operation does per work unit, in abstract units (1 ≈ one addition through the engine):
/// <see cref="Primal"/> to evaluate φ; <see cref="Tangent"/> extra per tangent direction (the local partial and the
/// multiply-add that pushes v̇ forward); <see cref="Adjoint"/> per adjoint direction in the backward sweep (the
/// partial is recorded, so the sweep does two multiply-adds per node whatever φ is).
/// </summary>
/// <param name="Primal">Work of evaluating φ, per unit.</param>
/// <param name="Tangent">Extra work per tangent direction, per unit.</param>
/// <param name="Adjoint">Work per adjoint direction in the backward sweep, per unit.</param>
public readonly record struct OpCost(double Primal, double Tangent, double Adjoint);

/// <summary>
/// Cost weights keyed by rule name (the name a rule declares: <c>"+"</c>, <c>"tanh"</c>, a custom rule's name, or a
/// tensor op's name). A scalar op is one work unit; a tensor op reports its units (elements, or flops for a
/// matrix product) when it is recorded, so a new operation only needs its weights registered here to be covered
/// by the cost model.
/// </summary>
/// <example><code>
/// CostWeights.Register("matmul", new OpCost(Primal: 0.05, Tangent: 0.05, Adjoint: 0.1)); // per flop
/// OpCost tanh = CostWeights.Of("tanh");
/// </code></example>
public static class CostWeights
{
    /// <summary>The weights of an operation nobody registered (custom rules by default).</summary>
    public static OpCost Unknown { get; } = new(10, 10, 2);

    private static readonly ConcurrentDictionary<string, OpCost> s_weights = new(new Dictionary<string, OpCost>
    {
        // Arithmetic: cheap, and its partials are the arguments or constants.
        ["+"] = new(1, 1, 1), ["-"] = new(1, 1, 1), ["neg"] = new(1, 0.5, 1), ["*"] = new(1, 2, 1),
        ["/"] = new(2, 3, 1), ["recip"] = new(2, 2, 1), ["square"] = new(1, 1.5, 1), ["cube"] = new(1.5, 2, 1),
        ["min"] = new(1, 1, 1), ["max"] = new(1, 1, 1), ["relu"] = new(1, 1, 1), ["abs"] = new(1, 1, 1),
        // Transcendentals: the partial is often the result (exp, tanh, σ) or a sibling function (sin ↔ cos).
        ["sqrt"] = new(3, 2.5, 1), ["exp"] = new(6, 1, 1), ["expm1"] = new(7, 1, 1), ["log"] = new(6, 2.5, 1),
        ["log1p"] = new(7, 3, 1), ["sin"] = new(7, 7, 1), ["cos"] = new(7, 7, 1), ["tan"] = new(10, 2, 1),
        ["asin"] = new(8, 5, 1), ["acos"] = new(8, 5, 1), ["atan"] = new(8, 3, 1), ["atan2"] = new(12, 5, 1),
        ["sinh"] = new(10, 10, 1), ["cosh"] = new(10, 10, 1), ["tanh"] = new(8, 2, 1), ["sigmoid"] = new(7, 2, 1),
        ["softplus"] = new(12, 7, 1), ["pow"] = new(15, 12, 1), ["powc"] = new(12, 12, 1), ["hypot"] = new(5, 3, 1),
    });

    /// <summary>The weights of <paramref name="rule"/> (or <see cref="Unknown"/>).</summary>
    public static OpCost Of(string rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return s_weights.TryGetValue(rule, out OpCost c) ? c : Unknown;
    }

    /// <summary>Registers (or replaces) the weights of an operation. Thread-safe.</summary>
    /// <exception cref="ArgumentException">A weight is negative, infinite or NaN.</exception>
    public static void Register(string rule, OpCost cost)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rule);
        if (!IsWeight(cost.Primal) || !IsWeight(cost.Tangent) || !IsWeight(cost.Adjoint))
            throw new ArgumentException(
                $"Cost weights of '{rule}' must be finite and non-negative; got primal {cost.Primal}, tangent {cost.Tangent}, adjoint {cost.Adjoint}.",
                nameof(cost));
        s_weights[rule] = cost;
    }

    /// <summary>Every registered rule and its weights (a snapshot).</summary>
    public static IReadOnlyDictionary<string, OpCost> All => new Dictionary<string, OpCost>(s_weights);

    private static bool IsWeight(double w) => double.IsFinite(w) && w >= 0;
}
