using System.Runtime.CompilerServices;

namespace HybridAD.Rules;

/// <summary>
/// The arithmetic a rule's local partial is written in. A rule states its partial once, generically over
/// <typeparamref name="T"/>; HybridAD instantiates it with <see cref="R64"/> (plain doubles: first-order
/// differentiation, the fast path) and with <see cref="Scalar"/> (the partial itself is differentiated:
/// nested, higher-order differentiation). Both instantiations are specialised by the JIT.
/// </summary>
public interface IReal<T> where T : IReal<T>
{
    /// <summary>A constant.</summary>
    static abstract T Const(double value);
    /// <summary>The numeric value (the primal at every level), for branch decisions inside a rule.</summary>
    static abstract double ValueOf(T x);
    /// <summary>Sum.</summary>
    static abstract T operator +(T a, T b);
    /// <summary>Difference.</summary>
    static abstract T operator -(T a, T b);
    /// <summary>Product.</summary>
    static abstract T operator *(T a, T b);
    /// <summary>Quotient.</summary>
    static abstract T operator /(T a, T b);
    /// <summary>Negation.</summary>
    static abstract T operator -(T a);
    /// <summary>sin x.</summary>
    static abstract T Sin(T x);
    /// <summary>cos x.</summary>
    static abstract T Cos(T x);
    /// <summary>sinh x.</summary>
    static abstract T Sinh(T x);
    /// <summary>cosh x.</summary>
    static abstract T Cosh(T x);
    /// <summary>exp x.</summary>
    static abstract T Exp(T x);
    /// <summary>log x.</summary>
    static abstract T Log(T x);
    /// <summary>√x.</summary>
    static abstract T Sqrt(T x);
    /// <summary>x^c for a constant c.</summary>
    static abstract T Pow(T x, double c);
    /// <summary>x^y for a variable exponent.</summary>
    static abstract T PowT(T x, T y);
    /// <summary>The logistic function 1/(1+e^(−x)).</summary>
    static abstract T Sigmoid(T x);
}

/// <summary>A plain double as an <see cref="IReal{T}"/>: the first-order instantiation of every rule.</summary>
public readonly struct R64(double value) : IReal<R64>
{
    /// <summary>The wrapped double.</summary>
    public readonly double V = value;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static R64 Const(double value) => new(value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ValueOf(R64 x) => x.V;
    /// <summary>Wraps a double.</summary>
    public static implicit operator R64(double v) => new(v);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static R64 operator +(R64 a, R64 b) => new(a.V + b.V);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static R64 operator -(R64 a, R64 b) => new(a.V - b.V);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static R64 operator *(R64 a, R64 b) => new(a.V * b.V);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static R64 operator /(R64 a, R64 b) => new(a.V / b.V);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static R64 operator -(R64 a) => new(-a.V);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static R64 Sin(R64 x) => new(Math.Sin(x.V));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static R64 Cos(R64 x) => new(Math.Cos(x.V));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static R64 Sinh(R64 x) => new(Math.Sinh(x.V));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static R64 Cosh(R64 x) => new(Math.Cosh(x.V));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static R64 Exp(R64 x) => new(Math.Exp(x.V));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static R64 Log(R64 x) => new(Math.Log(x.V));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static R64 Sqrt(R64 x) => new(Math.Sqrt(x.V));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static R64 Pow(R64 x, double c) => new(Math.Pow(x.V, c));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static R64 PowT(R64 x, R64 y) => new(Math.Pow(x.V, y.V));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static R64 Sigmoid(R64 x) => new(Elementals.SigmoidValue(x.V));
}
