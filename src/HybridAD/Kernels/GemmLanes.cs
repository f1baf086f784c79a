using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HybridAD.Kernels;

/// <summary>
/// The handful of lane operations the GEMM micro-kernel and packing routines need, over one vector type
/// <typeparamref name="TV"/> of <see cref="Width"/> doubles. Implemented by <see cref="Lanes512"/>
/// (AVX-512), <see cref="Lanes256"/> (AVX2/FMA) and <see cref="LanesScalar"/> (one double). The kernel is
/// written once, generic over this interface; the JIT specialises it per struct and inlines every call,
/// so the generic body compiles to the same code as a hand-written kernel per width.
/// </summary>
internal interface IGemmLanes<TV> where TV : unmanaged
{
    /// <summary>Doubles per vector.</summary>
    static abstract int Width { get; }

    /// <summary>All lanes zero.</summary>
    static abstract TV Zero { get; }

    /// <summary>Loads <see cref="Width"/> doubles from <paramref name="p"/> (no alignment needed).</summary>
    static abstract unsafe TV Load(double* p);

    /// <summary>Stores <see cref="Width"/> doubles to <paramref name="p"/> (no alignment needed).</summary>
    static abstract unsafe void Store(double* p, TV v);

    /// <summary>Every lane = <paramref name="x"/>.</summary>
    static abstract TV Broadcast(double x);

    /// <summary>a·b + addend, fused (one rounding) where the hardware has FMA.</summary>
    static abstract TV MultiplyAdd(TV a, TV b, TV addend);

    /// <summary>a·b lane-wise.</summary>
    static abstract TV Multiply(TV a, TV b);
}

/// <summary>8 doubles per <see cref="Vector512{T}"/> (AVX-512F).</summary>
internal readonly struct Lanes512 : IGemmLanes<Vector512<double>>
{
    public static int Width => Vector512<double>.Count;
    public static Vector512<double> Zero => Vector512<double>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<double> Load(double* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(double* p, Vector512<double> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Broadcast(double x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> MultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> addend) =>
        Vector512.FusedMultiplyAdd(a, b, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Multiply(Vector512<double> a, Vector512<double> b) => a * b;
}

/// <summary>4 doubles per <see cref="Vector256{T}"/> (AVX2 + FMA3).</summary>
internal readonly struct Lanes256 : IGemmLanes<Vector256<double>>
{
    public static int Width => Vector256<double>.Count;
    public static Vector256<double> Zero => Vector256<double>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<double> Load(double* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(double* p, Vector256<double> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Broadcast(double x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> addend) =>
        Vector256.FusedMultiplyAdd(a, b, addend);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Multiply(Vector256<double> a, Vector256<double> b) => a * b;
}

/// <summary>One double per "vector": the portable fallback, same kernel body.</summary>
internal readonly struct LanesScalar : IGemmLanes<double>
{
    public static int Width => 1;
    public static double Zero => 0.0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe double Load(double* p) => *p;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Store(double* p, double v) => *p = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Broadcast(double x) => x;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MultiplyAdd(double a, double b, double addend) => a * b + addend;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Multiply(double a, double b) => a * b;
}
