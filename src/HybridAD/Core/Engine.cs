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
    internal static Scalar Unary<R>(in Scalar x, double p = 0) where R : struct, IUnaryRule
    {
        if ((x.Key & Level.TapeBit) == 0 && !x.Nested)
        {
            double y = R.Primal(x.V, p);
            if (x.Key == 0) return new Scalar(y);
            LevelTable.Get(x.Key); // a first-order dual of a call that has returned is an escaped perturbation
            if (x.T == 0) return new Scalar(y, 0, x.Key, -1, false);
            return new Scalar(y, R.Partial<R64>(x.V, y, p).V * x.T, x.Key, -1, false);
        }
        return UnaryActive<R>(in x, p);
    }

    private static Scalar UnaryActive<R>(in Scalar x, double p) where R : struct, IUnaryRule
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
    internal static Scalar Binary<R>(in Scalar a, in Scalar b) where R : struct, IBinaryRule
    {
        // Both constants, or both first-order duals of the same forward call.
        if (a.Key == b.Key && (a.Key & Level.TapeBit) == 0 && !(a.Nested | b.Nested))
        {
            double y = R.Primal(a.V, b.V);
            if (a.Key == 0) return new Scalar(y);
            LevelTable.Get(a.Key); // escaped perturbation check, as on every other non-constant path
            (R64 wa, R64 wb) = R.Partials<R64>(a.V, b.V, y);
            double t = a.T == 0 ? 0 : wa.V * a.T;
            if (b.T != 0) t += wb.V * b.T;
            return new Scalar(y, t, a.Key, -1, false);
        }
        return BinaryActive<R>(in a, in b);
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
