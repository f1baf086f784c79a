using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using HybridAD.Tensors.Kernels;

namespace HybridAD.Rules;

// Every elemental function HybridAD knows, one struct each: the primal and its local partial(s) side by side.
// Forward and reverse mode (and every nesting of them) are derived from these and nothing else; the public
// functions on Scalar just name a rule (Scalar.Sin(x) => Engine.Unary<Sin>(x)). A rule with a SIMD kernel for its
// primal over a span (TensorPrimitives, or one of ours in Tensors/Kernels/Elementwise.cs) names it in PrimalSpan,
// in the same struct; tensors use it, and tests check it against the scalar primal for lengths 0..256.
//
// Conventions at non-differentiable points (documented in docs/api.md, tested in tests/):
//   relu'(0) = 0           abs'(0) = 0             sqrt'(0) = +inf (the one-sided limit)
//   min/max at a tie: the derivative is split evenly, 1/2 to each argument (as JAX does)
//   hypot and atan2 at the origin: both partials 0
//   pow(a, b): d/db is 0 at a = 0 (b*log a has limit 0 there), NaN for a < 0; d/da is 0 at a = b = 0
// NaN in gives NaN out: primals propagate NaN, and so do partials evaluated at NaN.

/// <summary>The elemental functions: one struct per primitive, primal and partial(s) side by side.</summary>
public static class Elementals
{
    /// <summary>σ(x) = 1/(1+e^(−x)), evaluated without overflow for any |x|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SigmoidValue(double x)
    {
        if (x >= 0) return 1.0 / (1.0 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1.0 + e);
    }

    /// <summary>softplus(x) = log(1+e^x) = max(x,0) + log1p(e^(−|x|)), exact for any |x|.</summary>
    public static double SoftplusValue(double x) => Math.Max(x, 0.0) + Log1pValue(Math.Exp(-Math.Abs(x)));

    /// <summary>log(1 + x), accurate to a few ulps near 0 (where log(1 + x) loses the low digits of x).
    /// (.NET's <c>double.LogP1</c> is log(1 + x) and is not.) Kahan's method for |x| ≤ ½:
    /// log1p x = log(u)·x/(u − 1) with u = 1 + x, whose rounding errors cancel.</summary>
    public static double Log1pValue(double x)
    {
        if (!(Math.Abs(x) <= 0.5)) return Math.Log(1.0 + x); // no cancellation here (and NaN stays NaN)
        double u = 1.0 + x;
        if (u == 1.0) return x; // |x| below half an ulp of 1: log1p x = x (keeps −0)
        return Math.Log(u) * (x / (u - 1.0));
    }

    /// <summary>eˣ − 1, accurate to a few ulps near 0 (where eˣ − 1 cancels). (.NET's <c>double.ExpM1</c> is
    /// eˣ − 1 and is not.) Kahan's method for |x| ≤ ½: expm1 x = (u − 1)·x/log u with u = eˣ.</summary>
    public static double Expm1Value(double x)
    {
        if (!(Math.Abs(x) <= 0.5)) return Math.Exp(x) - 1.0; // |eˣ − 1| ≥ 0.39: no cancellation (NaN stays NaN)
        double u = Math.Exp(x);
        if (u == 1.0) return x; // keeps −0
        return (u - 1.0) * (x / Math.Log(u));
    }

    // ---------------------------------------------------------------- binary arithmetic

    /// <summary>a + b; ∂ = (1, 1). Linear.</summary>
    public readonly struct Add : IBinaryRule
    {
        /// <inheritdoc/>
        public static string Name => "+";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double a, double b) => a + b;
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (T, T) Partials<T>(T a, T b, T y) where T : IReal<T> => (T.Const(1), T.Const(1));
        /// <inheritdoc/>
        public static RuleTraits Traits => RuleTraits.Linear;
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
        {
            Elementwise.Add(a, b, y);
            return true;
        }
    }

    /// <summary>a − b; ∂ = (1, −1). Linear.</summary>
    public readonly struct Sub : IBinaryRule
    {
        /// <inheritdoc/>
        public static string Name => "-";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double a, double b) => a - b;
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (T, T) Partials<T>(T a, T b, T y) where T : IReal<T> => (T.Const(1), T.Const(-1));
        /// <inheritdoc/>
        public static RuleTraits Traits => RuleTraits.Linear;
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
        {
            Elementwise.Subtract(a, b, y);
            return true;
        }
    }

    /// <summary>a · b; ∂ = (b, a).</summary>
    public readonly struct Mul : IBinaryRule
    {
        /// <inheritdoc/>
        public static string Name => "*";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double a, double b) => a * b;
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (T, T) Partials<T>(T a, T b, T y) where T : IReal<T> => (b, a);
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
        {
            Elementwise.Multiply(a, b, y);
            return true;
        }
    }

    /// <summary>a / b; ∂ = (1/b, −y/b).</summary>
    public readonly struct Div : IBinaryRule
    {
        /// <inheritdoc/>
        public static string Name => "/";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double a, double b) => a / b;
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (T, T) Partials<T>(T a, T b, T y) where T : IReal<T> => (T.Const(1) / b, -(y / b));
        /// <inheritdoc/>
        public static (double Lo, double Hi) DomainB => (0.25, 3);
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
        {
            TensorPrimitives.Divide(a, b, y);
            return true;
        }
    }

    /// <summary>a^b (real power); ∂ = (b·a^(b−1), y·log a). d/da is 0 at a = b = 0; d/db is 0 at a = 0, NaN for a &lt; 0.</summary>
    public readonly struct Pow : IBinaryRule
    {
        /// <inheritdoc/>
        public static string Name => "pow";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double a, double b) => Math.Pow(a, b);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (T, T) Partials<T>(T a, T b, T y) where T : IReal<T>
        {
            double av = T.ValueOf(a);
            // b·a^(b−1) is 0·∞ = NaN only at a = 0, b = 0; elsewhere (b = 0 included) keep the expression, whose
            // derivative in b (a^(b−1)) higher-order derivatives need.
            T da = T.ValueOf(b) == 0 && av == 0 ? T.Const(0) : b * T.PowT(a, b - T.Const(1));
            T db = av == 0 ? T.Const(0) : av < 0 ? T.Const(double.NaN) : y * T.Log(a);
            return (da, db);
        }
        /// <inheritdoc/>
        public static (double Lo, double Hi) DomainA => (0.25, 3);
        /// <inheritdoc/>
        public static (double Lo, double Hi) DomainB => (-2, 2);
    }

    /// <summary>atan2(a, b), the angle of the point (b, a); ∂ = (b, −a)/(a²+b²); both 0 at the origin.</summary>
    public readonly struct Atan2 : IBinaryRule
    {
        /// <inheritdoc/>
        public static string Name => "atan2";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double a, double b) => Math.Atan2(a, b);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (T, T) Partials<T>(T a, T b, T y) where T : IReal<T>
        {
            if (T.ValueOf(a) == 0 && T.ValueOf(b) == 0) return (T.Const(0), T.Const(0));
            T r2 = a * a + b * b;
            return (b / r2, -(a / r2));
        }
        /// <inheritdoc/>
        public static (double Lo, double Hi) DomainB => (0.25, 3);
        /// <inheritdoc/>
        public static bool SmoothAt(double a, double b) => a != 0 || b != 0;
        /// <inheritdoc/>
        public static RuleTraits Traits => RuleTraits.HasKinks;
    }

    /// <summary>min(a, b); ∂ = (1, 0) if a &lt; b, (0, 1) if a &gt; b, (½, ½) at a tie.</summary>
    public readonly struct Min : IBinaryRule
    {
        /// <inheritdoc/>
        public static string Name => "min";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double a, double b) => Math.Min(a, b);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (T, T) Partials<T>(T a, T b, T y) where T : IReal<T>
        {
            double av = T.ValueOf(a), bv = T.ValueOf(b);
            return av < bv ? (T.Const(1), T.Const(0)) : av > bv ? (T.Const(0), T.Const(1))
                : av == bv ? (T.Const(0.5), T.Const(0.5)) : (T.Const(double.NaN), T.Const(double.NaN)); // NaN in, NaN out
        }
        /// <inheritdoc/>
        public static bool SmoothAt(double a, double b) => a != b;
        /// <inheritdoc/>
        public static RuleTraits Traits => RuleTraits.HasKinks;
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
        {
            TensorPrimitives.Min(a, b, y);
            return true;
        }
    }

    /// <summary>max(a, b); ∂ = (1, 0) if a &gt; b, (0, 1) if a &lt; b, (½, ½) at a tie.</summary>
    public readonly struct Max : IBinaryRule
    {
        /// <inheritdoc/>
        public static string Name => "max";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double a, double b) => Math.Max(a, b);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (T, T) Partials<T>(T a, T b, T y) where T : IReal<T>
        {
            double av = T.ValueOf(a), bv = T.ValueOf(b);
            return av > bv ? (T.Const(1), T.Const(0)) : av < bv ? (T.Const(0), T.Const(1))
                : av == bv ? (T.Const(0.5), T.Const(0.5)) : (T.Const(double.NaN), T.Const(double.NaN)); // NaN in, NaN out
        }
        /// <inheritdoc/>
        public static bool SmoothAt(double a, double b) => a != b;
        /// <inheritdoc/>
        public static RuleTraits Traits => RuleTraits.HasKinks;
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
        {
            TensorPrimitives.Max(a, b, y);
            return true;
        }
    }

    /// <summary>hypot(a, b) = √(a²+b²) without overflow; ∂ = (a/y, b/y); both 0 at the origin.</summary>
    public readonly struct Hypot : IBinaryRule
    {
        /// <inheritdoc/>
        public static string Name => "hypot";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double a, double b) => double.Hypot(a, b);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (T, T) Partials<T>(T a, T b, T y) where T : IReal<T> =>
            T.ValueOf(y) == 0 ? (T.Const(0), T.Const(0)) : (a / y, b / y);
        /// <inheritdoc/>
        public static bool SmoothAt(double a, double b) => a != 0 || b != 0;
        /// <inheritdoc/>
        public static RuleTraits Traits => RuleTraits.HasKinks;
    }

    // ---------------------------------------------------------------- unary

    /// <summary>−x; ∂ = −1. Linear.</summary>
    public readonly struct Neg : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "neg";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => -x;
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Const(-1);
        /// <inheritdoc/>
        public static RuleTraits Traits => RuleTraits.Linear;
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            TensorPrimitives.Negate(x, y);
            return true;
        }
    }

    /// <summary>1/x; ∂ = −y².</summary>
    public readonly struct Recip : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "recip";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => 1.0 / x;
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => -(y * y);
        /// <inheritdoc/>
        public static (double Lo, double Hi) Domain => (0.25, 3);
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            TensorPrimitives.Reciprocal(x, y);
            return true;
        }
    }

    /// <summary>x^c for a constant c; ∂ = c·x^(c−1) (0 when c = 0).</summary>
    public readonly struct PowConst : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "powc";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double c) => Math.Pow(x, c);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double c) where T : IReal<T> =>
            c == 0 ? T.Const(0) : T.Const(c) * T.Pow(x, c - 1);
        /// <inheritdoc/>
        public static (double Lo, double Hi) Domain => (0.25, 3);
        /// <inheritdoc/>
        public static (double Lo, double Hi)? ParameterDomain => (-3, 3);
    }

    /// <summary>√x; ∂ = 1/(2y), +∞ at 0 (the one-sided limit).</summary>
    public readonly struct Sqrt : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "sqrt";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Sqrt(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Const(0.5) / y;
        /// <inheritdoc/>
        public static (double Lo, double Hi) Domain => (0.1, 4);
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            TensorPrimitives.Sqrt(x, y);
            return true;
        }
    }

    /// <summary>x²; ∂ = 2x.</summary>
    public readonly struct Square : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "square";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => x * x;
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Const(2) * x;
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            Elementwise.Multiply(x, x, y);
            return true;
        }
    }

    /// <summary>x³; ∂ = 3x².</summary>
    public readonly struct Cube : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "cube";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => x * x * x;
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Const(3) * (x * x);
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            Elementwise.Cube(x, y);
            return true;
        }
    }

    /// <summary>eˣ; ∂ = y.</summary>
    public readonly struct Exp : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "exp";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Exp(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => y;
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            TensorPrimitives.Exp(x, y);
            return true;
        }
    }

    /// <summary>eˣ − 1, accurate near 0; ∂ = y + 1.</summary>
    public readonly struct Expm1 : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "expm1";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Expm1Value(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => y + T.Const(1);
    }

    /// <summary>log x (natural); ∂ = 1/x.</summary>
    public readonly struct Log : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "log";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Log(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Const(1) / x;
        /// <inheritdoc/>
        public static (double Lo, double Hi) Domain => (0.1, 5);
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            TensorPrimitives.Log(x, y);
            return true;
        }
    }

    /// <summary>log(1 + x), accurate near 0; ∂ = 1/(1+x).</summary>
    public readonly struct Log1p : IUnaryRule
    {
        // No PrimalSpan: TensorPrimitives.LogP1 computes log(1 + x) and loses the low digits near 0.
        /// <inheritdoc/>
        public static string Name => "log1p";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Log1pValue(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Const(1) / (T.Const(1) + x);
        /// <inheritdoc/>
        public static (double Lo, double Hi) Domain => (-0.8, 3);
    }

    /// <summary>sin x; ∂ = cos x.</summary>
    public readonly struct Sin : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "sin";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Sin(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Cos(x);
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            TensorPrimitives.Sin(x, y);
            return true;
        }
    }

    /// <summary>cos x; ∂ = −sin x.</summary>
    public readonly struct Cos : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "cos";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Cos(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => -T.Sin(x);
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            TensorPrimitives.Cos(x, y);
            return true;
        }
    }

    /// <summary>tan x; ∂ = 1 + y².</summary>
    public readonly struct Tan : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "tan";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Tan(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Const(1) + y * y;
        /// <inheritdoc/>
        public static (double Lo, double Hi) Domain => (-1.2, 1.2);
    }

    /// <summary>asin x; ∂ = 1/√(1−x²).</summary>
    public readonly struct Asin : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "asin";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Asin(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Const(1) / T.Sqrt(T.Const(1) - x * x);
        /// <inheritdoc/>
        public static (double Lo, double Hi) Domain => (-0.9, 0.9);
    }

    /// <summary>acos x; ∂ = −1/√(1−x²).</summary>
    public readonly struct Acos : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "acos";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Acos(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => -(T.Const(1) / T.Sqrt(T.Const(1) - x * x));
        /// <inheritdoc/>
        public static (double Lo, double Hi) Domain => (-0.9, 0.9);
    }

    /// <summary>atan x; ∂ = 1/(1+x²).</summary>
    public readonly struct Atan : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "atan";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Atan(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Const(1) / (T.Const(1) + x * x);
    }

    /// <summary>sinh x; ∂ = cosh x.</summary>
    public readonly struct Sinh : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "sinh";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Sinh(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Cosh(x);
    }

    /// <summary>cosh x; ∂ = sinh x.</summary>
    public readonly struct Cosh : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "cosh";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Cosh(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Sinh(x);
    }

    /// <summary>tanh x; ∂ = 1 − y².</summary>
    public readonly struct Tanh : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "tanh";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Tanh(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Const(1) - y * y;
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            Elementwise.Tanh(x, y);
            return true;
        }
    }

    /// <summary>σ(x) = 1/(1+e^(−x)), stable for any |x|; ∂ = y(1−y).</summary>
    public readonly struct Sigmoid : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "sigmoid";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => SigmoidValue(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => y * (T.Const(1) - y);
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            TensorPrimitives.Sigmoid(x, y);
            return true;
        }
    }

    /// <summary>softplus(x) = log(1+eˣ), stable for any |x|; ∂ = σ(x).</summary>
    public readonly struct Softplus : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "softplus";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => SoftplusValue(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T> => T.Sigmoid(x);
    }

    /// <summary>relu(x) = max(x, 0); ∂ = 1 for x &gt; 0, else 0 (relu'(0) = 0).</summary>
    public readonly struct Relu : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "relu";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => double.IsNaN(x) ? x : x > 0 ? x : 0.0;
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T>
        {
            double v = T.ValueOf(x);
            return T.Const(v > 0 ? 1 : v <= 0 ? 0 : double.NaN); // NaN in, NaN out
        }
        /// <inheritdoc/>
        public static bool SmoothAt(double x) => x != 0;
        /// <inheritdoc/>
        public static RuleTraits Traits => RuleTraits.HasKinks;
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            TensorPrimitives.Max(x, 0.0, y);
            return true;
        }
    }

    /// <summary>|x|; ∂ = sign x (abs'(0) = 0).</summary>
    public readonly struct Abs : IUnaryRule
    {
        /// <inheritdoc/>
        public static string Name => "abs";
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Primal(double x, double p) => Math.Abs(x);
        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static T Partial<T>(T x, T y, double p) where T : IReal<T>
        {
            double v = T.ValueOf(x);
            return T.Const(v > 0 ? 1 : v < 0 ? -1 : v == 0 ? 0 : double.NaN); // NaN in, NaN out
        }
        /// <inheritdoc/>
        public static bool SmoothAt(double x) => x != 0;
        /// <inheritdoc/>
        public static RuleTraits Traits => RuleTraits.HasKinks;
        /// <inheritdoc/>
        public static bool PrimalSpan(ReadOnlySpan<double> x, Span<double> y, double p)
        {
            TensorPrimitives.Abs(x, y);
            return true;
        }
    }
}
