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

    /// <summary>
    /// The logistic example written in the order the notes trace it (000: forward primal trace v₁ … v₉): the two
    /// weighted sums, the two σ, the two residuals, the two squares, their sum. With <paramref name="expandSigmoid"/>,
    /// σ(z) is computed as 1/(1 + exp(−z)) — the four elementals the notes' remark names.
    /// </summary>
    public static Scalar LogisticAsTraced(Scalar[] w, bool expandSigmoid)
    {
        Func<Scalar, Scalar> sigma = expandSigmoid ? z => Reciprocal(1 + Exp(-z)) : Sigmoid;
        Scalar z1 = w[0] + w[1] * 1 + w[2] * 1.5;   // v₁
        Scalar z2 = w[0] + w[1] * 1.5 - w[2];       // v₂
        Scalar s1 = sigma(z1);                      // v₃
        Scalar s2 = sigma(z2);                      // v₄
        Scalar e1 = 0 - s1;                         // v₅
        Scalar e2 = 1 - s2;                         // v₆
        return Square(e1) + Square(e2);             // v₇, v₈, v₉
    }

    /// <summary>The logistic example's input names as the notes write them.</summary>
    public static readonly string[] LogisticNames = ["w0", "w1", "w2"];

    /// <summary>
    /// The sin/cos example in the notes' trace order (003: v₁ = v₋₁/v₀, v₂ = sin v₁, v₃ = exp v₀, v₄ = v₁ − v₃,
    /// v₅ = v₂ + v₄, v₆ = v₅·v₄); the same function as <see cref="SinCos"/>.
    /// </summary>
    public static Scalar SinCosAsTraced(Scalar[] x)
    {
        Scalar v1 = x[0] / x[1];
        Scalar v2 = Sin(v1);
        Scalar v3 = Exp(x[1]);
        Scalar v4 = v1 - v3;
        Scalar v5 = v2 + v4;
        return v5 * v4;
    }

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
