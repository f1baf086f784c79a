using System.Runtime.CompilerServices;
using HybridAD.Rules;

namespace HybridAD.Core;

/// <summary>
/// Applies a rule to values in whatever mode they are in. This is the only place where modes meet rules:
/// <list type="bullet">
/// <item>constants (and first-order forward values of one level) take an inlined path: the primal, and for
/// duals ẏ = Σ ∂φ/∂xᵢ·ẋᵢ with the partials as <see cref="R64"/> doubles;</item>
/// <item>first-order reverse values append one tape node with the partials as doubles;</item>
/// <item>nested values (primal or partials perturbed by an outer call) have their primal and partials computed
/// one level down as <see cref="Scalar"/>s: the same rule, applied recursively to a depth equal to the nesting
/// depth, never to the size of the program.</item>
/// </list>
/// A zero tangent is a symbolic zero: its term is skipped, so ∞·0 never turns a derivative into NaN.
/// </summary>
/// <remarks>
/// <para><b>Escaped values.</b> Tape values are checked on every op (finding the tape is a lookup in
/// <see cref="LevelTable"/> anyway, and it fails for a closed tape). First-order forward values are not: the inlined
/// forward path does no lookup, so an escaped dual combined with constants stays a dual of its finished call. That
/// value cannot give a wrong number: its primal is right, and every way to a derivative checks the level — meeting
/// a value of another level (the mixed-level path looks both up), being an input of a combinator
/// (<c>EnsureOpen</c>), or being a combinator's output (<c>CheckNotInner</c>) — and throws
/// <see cref="PerturbationEscapedException"/>.</para>
/// <para><b>Why the fast paths are shaped this way.</b> The engine is inlined into the user's function, so its
/// size and its calls decide how well the JIT compiles the user's loop:</para>
/// <list type="bullet">
/// <item>One test per op for "same level or a constant" (<see cref="Level.SameLevelOrConstant"/>: one multiply and one
/// branch instead of three compares), no lookup for forward values, and the tape append inlined (a call per tape op
/// measured 1.5× slower gradients, a lookup per forward op 2× slower JVPs; see docs/benchmarks.md).</item>
/// <item>One out-of-line call per op for everything else (<c>UnaryGeneral</c>/<c>BinaryGeneral</c>), taking the
/// operands' words as doubles and longs. A struct argument makes the JIT keep the caller's values in stack memory
/// around every op (the frame of the benchmark's Rosenbrock loop went from 920 to 280 bytes when the slow paths
/// stopped taking structs, and a loop over constants from 19 to 11 times the plain-double loop).</item>
/// <item>On x64 Unix every XMM register is caller-saved: a double live across that call, even on a cold path, is
/// stored to the stack at its definition. That store per intermediate is the price of one value type for every
/// mode.</item>
/// </list>
/// </remarks>
internal static class Engine
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Scalar Unary<R>(Scalar x, double p = 0) where R : struct, IUnaryRule
    {
        long tag = x.Tag;
        double y = R.Primal(x.V, p);
        if (tag == 0) return new Scalar(y);
        if (tag > 0)
        {
            double d = R.Partial<R64>(x.V, y, p).V;
            if ((tag & Level.TapeBit) == 0)
            {
                // First-order forward: ẏ = φ′(x)·ẋ. No level lookup (see the class remarks on escaped values); a NaN
                // (∞·0 or a NaN input) is sorted out on the general path.
                double t = d * x.RawTangent;
                if (!double.IsNaN(t)) return Scalar.Dual(y, t, tag);
            }
            // First-order reverse: one node on the value's tape (the lookup also rejects a closed tape).
            else if (Tape.Of(tag).TryAppend(x.RawSlot, d, 0, 0, out int node)) return Scalar.OnTape(y, tag, node);
        }
        return Rebuild(UnaryGeneral<R>(x.V, x.RawAux, tag, p));
    }

    /// <summary>Every case of a unary op, out of line: symbolic zeros, a full or logged tape, nested values. Its
    /// arguments are the operand's words, not the struct: a struct argument would make the inlined caller keep
    /// its values in memory.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Scalar UnaryGeneral<R>(double v, double aux, long tag, double p) where R : struct, IUnaryRule
    {
        Scalar x = Scalar.FromWords(v, aux, tag);
        if (tag < 0) return UnaryNested<R>(x, p);
        double y = R.Primal(v, p);
        double d = R.Partial<R64>(v, y, p).V;
        if ((tag & Level.TapeBit) == 0) return Scalar.Dual(y, Tangent(d, aux), tag);
        return Scalar.OnTape(y, tag, Tape.Of(tag).RecordUnary<R>(x.RawSlot, d, y, v, p));
    }

    // Kept out of the fast paths: its many struct locals would make every first-order op set up a large frame.
    private static Scalar UnaryNested<R>(in Scalar x, double p) where R : struct, IUnaryRule
    {
        Level l = LevelTable.Get(x.Key); // also rejects an escaped value
        Scalar px = l.PrimalOf(x);
        Scalar yl = Unary<R>(px, p);
        Scalar dl = R.Partial<Scalar>(px, yl, p);
        if (l.IsTape)
        {
            Tape tape = Unsafe.As<Tape>(l);
            Scalar r = tape.PushNested(x.Slot, dl, 0, default, yl);
            tape.Log?.Unary<R>(r.Slot, yl.V, x.V, p);
            return r;
        }
        ForwardLevel f = Unsafe.As<ForwardLevel>(l);
        return f.Make(yl, dl * f.TangentOf(x));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Scalar Binary<R>(Scalar a, Scalar b) where R : struct, IBinaryRule
    {
        // Tags: 0 for a constant, the level's key for a first-order value, negative for a nested value.
        // Inlined: constants, and first-order values of one level (with constants), behind one test.
        long ta = a.Tag, tb = b.Tag;
        double y = R.Primal(a.V, b.V);
        long key = ta | tb;
        if (key == 0) return new Scalar(y);
        if (Level.SameLevelOrConstant(ta, tb))
        {
            (R64 wa, R64 wb) = R.Partials<R64>(a.V, b.V, y);
            if ((key & (Level.TapeBit | Scalar.NestedFlag)) == 0)
            {
                // First-order forward. A constant's tangent word is 0: ẏ = ∂φ/∂a·ȧ + ∂φ/∂b·ḃ covers both cases; a
                // NaN (∞·0 or a NaN input) is sorted out on the general path.
                double t = wa.V * a.RawTangent + wb.V * b.RawTangent;
                if (!double.IsNaN(t)) return Scalar.Dual(y, t, key);
            }
            // First-order reverse: one node on the tape (the lookup rejects a closed tape). A constant's edge goes
            // to the sink (node 0) with weight 0.
            else if (key > 0 && Tape.Of(key).TryAppend(ta == 0 ? 0 : a.RawSlot, ta == 0 ? 0 : wa.V,
                         tb == 0 ? 0 : b.RawSlot, tb == 0 ? 0 : wb.V, out int node))
                return Scalar.OnTape(y, key, node);
        }
        return Rebuild(BinaryGeneral<R>(a.V, a.RawAux, ta, b.V, b.RawAux, tb));
    }

    /// <summary>Every case of a binary op, out of line: symbolic zeros, a full or logged tape, mixed levels,
    /// nested values. Its arguments are the operands' words, not the structs: a struct argument would make the
    /// inlined caller keep its values in memory.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Scalar BinaryGeneral<R>(double av, double aaux, long ta, double bv, double baux, long tb)
        where R : struct, IBinaryRule
    {
        Scalar a = Scalar.FromWords(av, aaux, ta), b = Scalar.FromWords(bv, baux, tb);
        long key = ta | tb;
        if (Level.SameLevelOrConstant(ta, tb) && key > 0)
        {
            double y = R.Primal(av, bv);
            (R64 wa, R64 wb) = R.Partials<R64>(av, bv, y);
            if ((key & Level.TapeBit) == 0) return Scalar.Dual(y, Tangent(wa.V, aaux, wb.V, baux), key);
            return Scalar.OnTape(y, key, Tape.Of(key).RecordBinary<R>(ta == 0 ? 0 : a.RawSlot, ta == 0 ? 0 : wa.V,
                tb == 0 ? 0 : b.RawSlot, tb == 0 ? 0 : wb.V, y, av, bv));
        }
        return BinaryActive<R>(a, b);
    }

    /// <summary>A field-by-field copy of a slow path's result. The slow paths return through memory; copying the
    /// fields (rather than the struct) lets the JIT keep the fast paths' results in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Scalar Rebuild(in Scalar r) => Scalar.Rebuild(r);

    /// <summary>ẏ = w·ẋ with a zero tangent as a symbolic zero (so ∞·0 gives 0, not NaN). The product is taken
    /// first and the zero test made only when it is NaN, which keeps the branch off the common path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Tangent(double w, double t)
    {
        double r = w * t;
        return double.IsNaN(r) && t == 0 ? 0 : r;
    }

    /// <summary>ẏ = wa·ȧ + wb·ḃ with zero tangents as symbolic zeros (see <see cref="Tangent(double, double)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Tangent(double wa, double ta, double wb, double tb)
    {
        double r = wa * ta + wb * tb;
        if (double.IsNaN(r))
        {
            r = ta == 0 ? 0 : wa * ta;
            if (tb != 0) r += wb * tb;
        }
        return r;
    }

    private static Scalar BinaryActive<R>(in Scalar a, in Scalar b) where R : struct, IBinaryRule
    {
        long ka = a.Key, kb = b.Key;
        long top = Math.Max(ka, kb); // the inner call has the larger key
        Level level = LevelTable.Get(top);
        bool actA = ka == top, actB = kb == top;
        if (!actA && ka != 0) LevelTable.Get(ka); // an operand of a finished call is an escaped perturbation
        if (!actB && kb != 0) LevelTable.Get(kb);

        // First order: everything below the top level is a plain double.
        bool flatA = actA ? !a.Nested : ka == 0;
        bool flatB = actB ? !b.Nested : kb == 0;
        if (flatA && flatB)
        {
            double y = R.Primal(a.V, b.V);
            (R64 wa, R64 wb) = R.Partials<R64>(a.V, b.V, y);
            if (level.IsTape)
            {
                Tape tape = Unsafe.As<Tape>(level);
                int i = tape.Push(actA ? a.Slot : 0, actA ? wa.V : 0, actB ? b.Slot : 0, actB ? wb.V : 0);
                tape.Log?.Binary<R>(i, y, a.V, b.V);
                return new Scalar(y, 0, top, i, false);
            }
            double t = 0;
            if (actA && a.T != 0) t = wa.V * a.T;
            if (actB && b.T != 0) t += wb.V * b.T;
            return new Scalar(y, t, top, -1, false);
        }
        return BinaryNested<R>(in a, in b, level, actA, actB);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Scalar BinaryNested<R>(in Scalar a, in Scalar b, Level level, bool actA, bool actB) where R : struct, IBinaryRule
    {
        // Primal and partials one level down, as differentiable values.
        Scalar pa = actA ? level.PrimalOf(a) : a;
        Scalar pb = actB ? level.PrimalOf(b) : b;
        Scalar yl = Binary<R>(pa, pb);
        (Scalar da, Scalar db) = R.Partials<Scalar>(pa, pb, yl);
        if (level.IsTape)
        {
            Tape tape = Unsafe.As<Tape>(level);
            Scalar r = tape.PushNested(actA ? a.Slot : 0, actA ? da : default, actB ? b.Slot : 0, actB ? db : default, yl);
            tape.Log?.Binary<R>(r.Slot, yl.V, a.V, b.V);
            return r;
        }
        ForwardLevel f = Unsafe.As<ForwardLevel>(level);
        Scalar tangent = default;
        if (actA) tangent = da * f.TangentOf(a);
        if (actB) tangent = actA ? tangent + db * f.TangentOf(b) : db * f.TangentOf(b);
        return f.Make(yl, tangent);
    }
}
