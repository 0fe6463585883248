using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// Software prefetch for access patterns the hardware prefetcher does not follow (loads that jump between rows inside a
/// 4 KiB page). A prefetch is only a hint: it never faults and never changes a result, so a stale address is harmless.
/// </summary>
internal static class Prefetch
{
    /// <summary>
    /// Requests the cache lines of <paramref name="count"/> elements from <paramref name="start"/> into L2 (and the levels
    /// below it), not L1: the requests run a dozen rows ahead, and lines brought into L1 that early evict the window rows
    /// still being read from the small L1, while L2 holds them and a load then waits for L2, not memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Range<T>(ref T start, nint count)
        where T : unmanaged
    {
        if (Sse.IsSupported)
        {
            byte* p = (byte*)Unsafe.AsPointer(ref start);
            nint bytes = count * sizeof(T);
            for (nint q = 0; q < bytes; q += 64)
            {
                Sse.Prefetch1(p + q);
            }
        }
    }
}
