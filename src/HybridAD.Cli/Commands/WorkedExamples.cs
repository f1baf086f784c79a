using static HybridAD.Scalar;

namespace HybridAD.Cli.Commands;

/// <summary>The source notes' worked examples, shared by the demo, check and trace commands.</summary>
internal static class WorkedExamples
{
    /// <summary>Logistic-regression RSS: D = {((1, 1.5), 0), ((1.5, −1), 1)}, x₀ = 1, L(w) = Σ (c − σ(wᵀx))².</summary>
    public static Scalar Logistic(Scalar[] w)
    {
        Scalar loss = 0;
        loss += Square(0 - Sigmoid(w[0] + w[1] * 1 + w[2] * 1.5));
        loss += Square(1 - Sigmoid(w[0] + w[1] * 1.5 + w[2] * -1));
        return loss;
    }

    /// <summary>The logistic example's point w = (−1, 1.5, 0.5).</summary>
    public static readonly double[] LogisticPoint = [-1, 1.5, 0.5];

    /// <summary>f(x₁, x₂) = (sin(x₁/x₂) + x₁/x₂ − e^(x₂)) · (x₁/x₂ − e^(x₂)).</summary>
    public static Scalar SinCos(Scalar[] x)
    {
        Scalar q = x[0] / x[1];
        Scalar e = Exp(x[1]);
        return (Sin(q) + q - e) * (q - e);
    }

    /// <summary>The sin/cos example's point (1.5, 0.5).</summary>
    public static readonly double[] SinCosPoint = [1.5, 0.5];

    /// <summary>The logistic example's residuals r(w) = (cᵢ − σ(wᵀxᵢ))ᵢ ∈ ℝ², a function ℝ³ → ℝ² (L = ‖r‖²).</summary>
    public static Scalar[] LogisticResiduals(Scalar[] w) =>
    [
        0 - Sigmoid(w[0] + w[1] * 1 + w[2] * 1.5),
        1 - Sigmoid(w[0] + w[1] * 1.5 + w[2] * -1),
    ];

    /// <summary>L(x) = −(5x²)·x² (at x = 2: L = −80, L′ = −160).</summary>
    public static Scalar Quartic(Scalar x) => -(5 * Square(x)) * Square(x);

    /// <summary>f(x) = log x + √(log x) (at x = 2: f′ = 0.800280602196612).</summary>
    public static Scalar LogSqrtLog(Scalar x) => Log(x) + Sqrt(Log(x));
}
