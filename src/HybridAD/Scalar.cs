using System.Globalization;
using System.Runtime.CompilerServices;
using HybridAD.Core;
using HybridAD.Rules;
using E = HybridAD.Rules.Elementals;

namespace HybridAD;

/// <summary>
/// An immutable real number that HybridAD can differentiate. Write a function once over <see cref="Scalar"/>
/// (a C# lambda using <c>+ - * /</c> and the functions below) and differentiate it with the combinators of
/// <see cref="AD"/> in forward mode, reverse mode, or any nesting of the two.
/// </summary>
/// <remarks>
/// <para>A <see cref="Scalar"/> made from a <see cref="double"/> is a constant and costs exactly a double's
/// arithmetic. Inside a combinator call, values carry that call's perturbation: a tangent (forward mode) or a
/// node on a tape (reverse mode). Comparisons, <see cref="Value"/> and <see cref="ToString()"/> use the primal,
/// so data-dependent branches work.</para>
/// <para>A value created inside a differentiated function belongs to that call: using it after the call has
/// returned throws <see cref="PerturbationEscapedException"/> rather than computing a wrong derivative.</para>
/// <para>NaN in gives NaN out: a NaN primal propagates through every function, and its derivatives are NaN.</para>
/// </remarks>
/// <example><code>
/// Func&lt;Scalar, Scalar&gt; f = x => x * Scalar.Sin(x);
/// double slope = AD.Derivative(f)(2.0).Value; // sin 2 + 2 cos 2
/// </code></example>
public readonly struct Scalar : IReal<Scalar>, IEquatable<Scalar>, IComparable<Scalar>
{
    // 24 bytes, no GC references. What the second and third words mean depends on the mode:
    //   constant                     _aux = 0                       _tag = 0
    //   first-order forward value    _aux = the tangent             _tag = the level's key
    //   first-order tape value       _aux = the node (as bits)      _tag = the tape's key (it has the tape bit)
    //   nested value (either mode)   _aux = the slot (as bits)      _tag = the level's key | NestedFlag
    // A tape or nested value has no inline tangent, so the tangent and the slot share a word.

    /// <summary>The primal, as a double (at any nesting depth: the numeric value).</summary>
    internal readonly double V;
    /// <summary>The tangent of a first-order forward value, or the slot of a tape or nested value as bits.</summary>
    private readonly double _aux;
    /// <summary>The level key, with <see cref="NestedFlag"/> set for a nested value; 0 for a constant.</summary>
    private readonly long _tag;

    /// <summary>Set in <see cref="Tag"/> when the value's primal (or tangent) lives in its level's side storage
    /// because it is itself perturbed by an outer level. Level keys are positive, so a nested value's tag is
    /// negative.</summary>
    internal const long NestedFlag = long.MinValue;

    /// <summary>The key of the level (differentiation call) perturbing this value; 0 for a constant.</summary>
    internal long Key => _tag & long.MaxValue;
    /// <summary>True when the primal (or tangent) is itself perturbed by an outer level and lives in the
    /// level's side storage.</summary>
    internal bool Nested => _tag < 0;
    /// <summary>The tangent of a first-order forward-mode value (0 for every other value).</summary>
    internal double T => UsesSlot ? 0 : _aux;
    /// <summary>The tape node (reverse mode) or side-storage slot (nested value); −1 when there is none.</summary>
    internal int Slot => UsesSlot ? (int)BitConverter.DoubleToInt64Bits(_aux) : -1;
    private bool UsesSlot => (_tag & (Level.TapeBit | NestedFlag)) != 0;

    /// <summary>The raw key word: <see cref="Key"/> with <see cref="NestedFlag"/> (fast paths compare it whole:
    /// equal tags mean the same level and the same nesting, a non-negative tag a first-order value).</summary>
    internal long Tag => _tag;
    /// <summary><see cref="T"/> without the mode test: valid for constants and first-order forward values.</summary>
    internal double RawTangent => _aux;
    /// <summary>The second word as stored (tangent or slot bits), for passing a value to an out-of-line path as
    /// primitives (see <see cref="FromWords"/>).</summary>
    internal double RawAux => _aux;
    /// <summary><see cref="Slot"/> without the mode test: valid for tape values.</summary>
    internal int RawSlot => (int)BitConverter.DoubleToInt64Bits(_aux);

    /// <summary>A constant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Scalar(double value)
    {
        V = value;
        _aux = 0;
        _tag = 0;
    }

    /// <summary>A value of the level <paramref name="key"/>: a tangent (first-order forward value) or a slot
    /// (tape or nested value), whichever its mode uses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Scalar(double value, double tangent, long key, int slot, bool nested)
    {
        V = value;
        _aux = nested || (key & Level.TapeBit) != 0 ? BitConverter.Int64BitsToDouble(slot) : tangent;
        _tag = nested ? key | NestedFlag : key;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Scalar(double value, double aux, long tag)
    {
        V = value;
        _aux = aux;
        _tag = tag;
    }

    /// <summary>A field-by-field copy (see Engine: lets the JIT keep a slow path's result in registers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Scalar Rebuild(in Scalar r) => new(r.V, r._aux, r._tag);

    /// <summary>A value from its three words (<see cref="V"/>, <see cref="RawAux"/>, <see cref="Tag"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Scalar FromWords(double value, double aux, long tag) => new(value, aux, tag);

    /// <summary>A first-order forward value of the level <paramref name="key"/> (no tape bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Scalar Dual(double value, double tangent, long key) => new(value, tangent, key);

    /// <summary>A first-order value on node <paramref name="node"/> of the tape <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Scalar OnTape(double value, long key, int node) => new(value, BitConverter.Int64BitsToDouble(node), key);

    /// <summary>The primal value as a double.</summary>
    public double Value => V;

    /// <summary>True when this is a constant: no differentiation call perturbs it.</summary>
    public bool IsConstant => Key == 0;

    /// <summary>Zero.</summary>
    public static Scalar Zero => default;

    /// <summary>A constant from a double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static implicit operator Scalar(double value) => new(value);

    /// <summary>The primal value (drops any perturbation: use <see cref="Value"/> in expressions).</summary>
    public static explicit operator double(Scalar x) => x.V;

    // ------------------------------------------------------------------ arithmetic

    /// <summary>a + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar operator +(Scalar a, Scalar b) => Engine.Binary<E.Add>(a, b);
    /// <summary>a − b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar operator -(Scalar a, Scalar b) => Engine.Binary<E.Sub>(a, b);
    /// <summary>a · b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar operator *(Scalar a, Scalar b) => Engine.Binary<E.Mul>(a, b);
    /// <summary>a / b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar operator /(Scalar a, Scalar b) => Engine.Binary<E.Div>(a, b);
    /// <summary>−a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar operator -(Scalar a) => Engine.Unary<E.Neg>(a);
    /// <summary>+a.</summary>
    public static Scalar operator +(Scalar a) => a;

    // ------------------------------------------------------------------ comparisons on the primal

    /// <summary>Compares primals.</summary>
    public static bool operator <(Scalar a, Scalar b) => a.V < b.V;
    /// <summary>Compares primals.</summary>
    public static bool operator >(Scalar a, Scalar b) => a.V > b.V;
    /// <summary>Compares primals.</summary>
    public static bool operator <=(Scalar a, Scalar b) => a.V <= b.V;
    /// <summary>Compares primals.</summary>
    public static bool operator >=(Scalar a, Scalar b) => a.V >= b.V;
    /// <summary>Compares primals.</summary>
    public static bool operator ==(Scalar a, Scalar b) => a.V == b.V;
    /// <summary>Compares primals.</summary>
    public static bool operator !=(Scalar a, Scalar b) => a.V != b.V;
    /// <summary>Equality of primals.</summary>
    public bool Equals(Scalar other) => V.Equals(other.V);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Scalar s && Equals(s);
    /// <inheritdoc/>
    public override int GetHashCode() => V.GetHashCode();
    /// <summary>Orders by primal.</summary>
    public int CompareTo(Scalar other) => V.CompareTo(other.V);

    /// <summary>The primal, shortest round-trip form, invariant culture.</summary>
    public override string ToString() => V.ToString(CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ elemental functions

    /// <summary>1/x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Reciprocal(Scalar x) => Engine.Unary<E.Recip>(x);
    /// <summary>x^c for a constant exponent c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Pow(Scalar x, double c) => Engine.Unary<E.PowConst>(x, c);
    /// <summary>x^y, both variable (real power: x &gt; 0 for a derivative in y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Pow(Scalar x, Scalar y) => Engine.Binary<E.Pow>(x, y);
    /// <summary>√x. The derivative at 0 is +∞.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Sqrt(Scalar x) => Engine.Unary<E.Sqrt>(x);
    /// <summary>x².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Square(Scalar x) => Engine.Unary<E.Square>(x);
    /// <summary>x³.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Cube(Scalar x) => Engine.Unary<E.Cube>(x);
    /// <summary>eˣ.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Exp(Scalar x) => Engine.Unary<E.Exp>(x);
    /// <summary>eˣ − 1, accurate for small x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Expm1(Scalar x) => Engine.Unary<E.Expm1>(x);
    /// <summary>Natural logarithm.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Log(Scalar x) => Engine.Unary<E.Log>(x);
    /// <summary>log(1 + x), accurate for small x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Log1p(Scalar x) => Engine.Unary<E.Log1p>(x);
    /// <summary>sin x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Sin(Scalar x) => Engine.Unary<E.Sin>(x);
    /// <summary>cos x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Cos(Scalar x) => Engine.Unary<E.Cos>(x);
    /// <summary>tan x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Tan(Scalar x) => Engine.Unary<E.Tan>(x);
    /// <summary>asin x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Asin(Scalar x) => Engine.Unary<E.Asin>(x);
    /// <summary>acos x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Acos(Scalar x) => Engine.Unary<E.Acos>(x);
    /// <summary>atan x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Atan(Scalar x) => Engine.Unary<E.Atan>(x);
    /// <summary>atan2(y, x): the angle of the point (x, y). Both partials are 0 at the origin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Atan2(Scalar y, Scalar x) => Engine.Binary<E.Atan2>(y, x);
    /// <summary>sinh x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Sinh(Scalar x) => Engine.Unary<E.Sinh>(x);
    /// <summary>cosh x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Cosh(Scalar x) => Engine.Unary<E.Cosh>(x);
    /// <summary>tanh x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Tanh(Scalar x) => Engine.Unary<E.Tanh>(x);
    /// <summary>The logistic function σ(x) = 1/(1+e^(−x)), stable for any |x|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Sigmoid(Scalar x) => Engine.Unary<E.Sigmoid>(x);
    /// <summary>softplus(x) = log(1 + eˣ), stable for any |x|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Softplus(Scalar x) => Engine.Unary<E.Softplus>(x);
    /// <summary>max(x, 0). Its derivative at 0 is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Relu(Scalar x) => Engine.Unary<E.Relu>(x);
    /// <summary>|x|. Its derivative at 0 is 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Abs(Scalar x) => Engine.Unary<E.Abs>(x);
    /// <summary>min(a, b). At a tie each argument gets half the derivative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Min(Scalar a, Scalar b) => Engine.Binary<E.Min>(a, b);
    /// <summary>max(a, b). At a tie each argument gets half the derivative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Max(Scalar a, Scalar b) => Engine.Binary<E.Max>(a, b);
    /// <summary>√(a² + b²) without overflow. Both partials are 0 at the origin.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar Hypot(Scalar a, Scalar b) => Engine.Binary<E.Hypot>(a, b);

    /// <summary>The same primal with no derivative at any level: d StopGradient(x) = 0.</summary>
    public static Scalar StopGradient(Scalar x)
    {
        x.EnsureOpen();
        return new Scalar(x.V);
    }

    /// <summary>Throws <see cref="PerturbationEscapedException"/> if this value's call has returned.</summary>
    internal void EnsureOpen()
    {
        if (Key != 0) LevelTable.Get(Key);
    }

    // ------------------------------------------------------------------ IReal<Scalar>: rules' partials over Scalars

    /// <inheritdoc/>
    static Scalar IReal<Scalar>.Const(double value) => new(value);
    /// <inheritdoc/>
    static double IReal<Scalar>.ValueOf(Scalar x) => x.V;
    /// <inheritdoc/>
    static Scalar IReal<Scalar>.PowT(Scalar x, Scalar y) => Pow(x, y);
    /// <inheritdoc/>
    static Scalar IReal<Scalar>.Pow(Scalar x, double c) => Pow(x, c);
}
