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
internal static class Engine
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Scalar Unary<R>(Scalar x, double p = 0) where R : struct, IUnaryRule
    {
        long tag = x.Tag;
        if (tag == 0) return new Scalar(R.Primal(x.V, p));
        if (tag < 0) return Rebuild(UnaryActive<R>(x, p)); // nested
        double y = R.Primal(x.V, p);
        double d = R.Partial<R64>(x.V, y, p).V;
        // First-order forward: ẏ = φ′(x)·ẋ.
        if ((tag & Level.TapeBit) == 0)
        {
            LevelTable.Get(tag); // a dual of a call that has returned is an escaped perturbation
            return Scalar.Dual(y, Tangent(d, x.RawTangent), tag);
        }
        // First-order reverse: one node on the value's tape (the lookup also rejects a closed tape).
        return Scalar.OnTape(y, tag, Tape.Of(tag).RecordUnary<R>(x.RawSlot, d, y, x.V, p));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Scalar UnaryActive<R>(Scalar x, double p) where R : struct, IUnaryRule
    {
        Level l = LevelTable.Get(x.Key);
        if (!x.Nested)
        {
            Tape tape = Unsafe.As<Tape>(l); // a first-order value that reached here is on a tape
            double y = R.Primal(x.V, p);
            double d = R.Partial<R64>(x.V, y, p).V;
            int i = tape.Push(x.Slot, d, 0, 0);
            tape.Log?.Unary<R>(i, y, x.V, p);
            return new Scalar(y, 0, tape.Key, i, false);
        }
        return UnaryNested<R>(in x, p, l);
    }

    // Kept out of the fast paths: its many struct locals would make every first-order op set up a large frame.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Scalar UnaryNested<R>(in Scalar x, double p, Level l) where R : struct, IUnaryRule
    {
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
        long ta = a.Tag, tb = b.Tag;
        if (ta == tb && ta >= 0)
        {
            // Two constants, or two first-order values of one level.
            double y = R.Primal(a.V, b.V);
            if (ta == 0) return new Scalar(y);
            if ((ta & Level.TapeBit) == 0) LevelTable.Get(ta); // escaped-perturbation check (Tape.Of checks tapes)
            (R64 wa, R64 wb) = R.Partials<R64>(a.V, b.V, y);
            if ((ta & Level.TapeBit) == 0) return Scalar.Dual(y, Tangent(wa.V, a.RawTangent, wb.V, b.RawTangent), ta);
            return Scalar.OnTape(y, ta, Tape.Of(ta).RecordBinary<R>(a.RawSlot, wa.V, b.RawSlot, wb.V, y, a.V, b.V));
        }
        if ((ta == 0 || tb == 0) && (ta | tb) >= 0)
        {
            // A first-order value and a constant. The lookup rejects a value of a finished call (an escaped
            // perturbation) and finds the tape in reverse mode.
            long key = ta | tb;
            Level level = LevelTable.Get(key);
            double y = R.Primal(a.V, b.V);
            (R64 wa, R64 wb) = R.Partials<R64>(a.V, b.V, y);
            if ((key & Level.TapeBit) == 0)
                return Scalar.Dual(y, tb == 0 ? Tangent(wa.V, a.RawTangent) : Tangent(wb.V, b.RawTangent), key);
            Tape tape = Unsafe.As<Tape>(level);
            int i = tb == 0 ? tape.RecordBinary<R>(a.RawSlot, wa.V, 0, 0, y, a.V, b.V) : tape.RecordBinary<R>(0, 0, b.RawSlot, wb.V, y, a.V, b.V);
            return Scalar.OnTape(y, key, i);
        }
        return Rebuild(BinaryActive<R>(a, b));
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Scalar BinaryActive<R>(Scalar a, Scalar b) where R : struct, IBinaryRule
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
