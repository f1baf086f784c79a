using System.Numerics;
using System.Runtime.CompilerServices;
using HybridAD.Rules;

namespace HybridAD.Tensors.Kernels;

/// <summary>Thrown (once per rule, while probing) when a rule's partial needs an operation that has no lane-exact
/// SIMD form (a transcendental function, or a branch on an element's value).</summary>
internal sealed class LaneUnsupportedException() : Exception("not lane-exact");

/// <summary>
/// <see cref="Vector{T}"/> lanes of doubles as an <see cref="IReal{T}"/>: a rule's partial, written once over
/// <see cref="IReal{T}"/>, runs on whole SIMD registers. Only operations that are correctly rounded in IEEE 754
/// (+ − × ÷ and √) are provided, so a lane result is bit-identical to the rule evaluated on one double; any other
/// operation throws <see cref="LaneUnsupportedException"/>, which makes the rule fall back to a per-element loop.
/// </summary>
internal readonly struct VLane(Vector<double> v) : IReal<VLane>
{
    internal readonly Vector<double> V = v;

    public static VLane Const(double value) => new(new Vector<double>(value));
    public static double ValueOf(VLane x) => throw new LaneUnsupportedException();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VLane operator +(VLane a, VLane b) => new(a.V + b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VLane operator -(VLane a, VLane b) => new(a.V - b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VLane operator *(VLane a, VLane b) => new(a.V * b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VLane operator /(VLane a, VLane b) => new(a.V / b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VLane operator -(VLane a) => new(-a.V);
    public static VLane Sqrt(VLane x) => new(Vector.SquareRoot(x.V));
    public static VLane Sin(VLane x) => throw new LaneUnsupportedException();
    public static VLane Cos(VLane x) => throw new LaneUnsupportedException();
    public static VLane Sinh(VLane x) => throw new LaneUnsupportedException();
    public static VLane Cosh(VLane x) => throw new LaneUnsupportedException();
    public static VLane Exp(VLane x) => throw new LaneUnsupportedException();
    public static VLane Log(VLane x) => throw new LaneUnsupportedException();
    public static VLane Pow(VLane x, double c) => throw new LaneUnsupportedException();
    public static VLane PowT(VLane x, VLane y) => throw new LaneUnsupportedException();
    public static VLane Sigmoid(VLane x) => throw new LaneUnsupportedException();
}

/// <summary>Whether a unary rule's partial runs exactly on <see cref="VLane"/>s (probed once per rule).</summary>
internal static class UnaryLanes<R> where R : struct, IUnaryRule
{
    internal static readonly bool Exact = Probe();

    private static bool Probe()
    {
        if (!Vector.IsHardwareAccelerated) return false;
        try
        {
            R.Partial(VLane.Const(0.5), VLane.Const(0.5), 1.5);
            return true;
        }
        catch (LaneUnsupportedException) { return false; }
    }
}

/// <summary>Whether a binary rule's partials run exactly on <see cref="VLane"/>s (probed once per rule).</summary>
internal static class BinaryLanes<R> where R : struct, IBinaryRule
{
    internal static readonly bool Exact = Probe();

    private static bool Probe()
    {
        if (!Vector.IsHardwareAccelerated) return false;
        try
        {
            R.Partials(VLane.Const(0.5), VLane.Const(0.75), VLane.Const(0.25));
            return true;
        }
        catch (LaneUnsupportedException) { return false; }
    }
}
