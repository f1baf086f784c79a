namespace HybridAD.Core;

/// <summary>
/// Reuse of the large <see cref="Scalar"/> arrays a combinator builds for one call of the user's function (the
/// perturbed inputs it passes to f). Allocating a fresh multi-megabyte array per call costs more than a cheap
/// function's whole evaluation (large-object-heap allocation, page faults after the collector releases
/// memory), so each thread keeps a few such arrays and hands one back out when the length matches exactly.
/// </summary>
/// <remarks>
/// An array is rented for the duration of one combinator call and returned when the call has finished reading
/// f's result, so nested and recursive calls on a thread get different arrays and concurrent calls on other
/// threads use their own caches. A function that keeps a reference to its argument array after returning may
/// see that array's contents replaced by a later call on the same thread (its elements are values of a finished
/// call either way: using them throws <see cref="PerturbationEscapedException"/>).
/// </remarks>
internal static class ArgumentArrays
{
    /// <summary>Shorter arrays are cheap to allocate and are not kept.</summary>
    internal const int MinPooledLength = 1024;
    /// <summary>Longer arrays (over 96 MB) are not kept either, so a thread never holds on to huge buffers.</summary>
    internal const int MaxPooledLength = 1 << 22;
    private const int SlotsPerThread = 4;

    [ThreadStatic] private static Scalar[]?[]? t_cache;
    [ThreadStatic] private static int t_next;

    /// <summary>An array of exactly <paramref name="length"/> elements with unspecified contents: the caller
    /// writes every element before use.</summary>
    internal static Scalar[] Rent(int length)
    {
        if (length >= MinPooledLength && t_cache is { } cache)
        {
            for (int i = 0; i < cache.Length; i++)
            {
                if (cache[i] is { } array && array.Length == length)
                {
                    cache[i] = null;
                    return array;
                }
            }
        }
        return GC.AllocateUninitializedArray<Scalar>(length);
    }

    /// <summary>Gives an array from <see cref="Rent"/> back once nothing of the call reads it any more.</summary>
    internal static void Return(Scalar[] array)
    {
        if (array.Length < MinPooledLength || array.Length > MaxPooledLength) return;
        Scalar[]?[] cache = t_cache ??= new Scalar[]?[SlotsPerThread];
        for (int i = 0; i < cache.Length; i++)
        {
            if (cache[i] is null)
            {
                cache[i] = array;
                return;
            }
        }
        cache[t_next] = array; // all slots full: replace one, round robin
        t_next = (t_next + 1) % cache.Length;
    }
}
