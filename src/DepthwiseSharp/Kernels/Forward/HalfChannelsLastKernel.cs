using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DepthwiseSharp.Kernels;

/// <summary>
/// The 16-bit channels_last forward with the conversions in the kernel (bfloat16, AVX-512, M = 1, no fused activation;
/// where it runs is <see cref="ForwardPolicy.HalfFusedPays{TH}"/>): each step reads its input rows as 16-bit values, widens them in
/// registers, multiplies by the float32 kernel and rounds each output once into 16 bits. Memory then moves the 16-bit
/// bytes only, and no float32 copy of the data is written or read back (the tiled path, <see cref="HalfForward"/>, widens
/// tiles into float32 scratch first).
/// <para>Lane layout: lanes run across 16 channels of one step (a 256-bit load of 16-bit values widens into one 512-bit
/// float32 vector), 4 such vectors per loop, then single vectors, then the channels left over one by one with the
/// scalar conversions (the same bits). Edge steps take their valid tap range.</para>
/// <para>The kernel is read in 16 bits too (its values are the type's, so exactly), widened with the input: half the
/// float32 kernel's cache footprint, which with a step's input rows must fit L1.</para>
/// <para>Per output: bias, then the valid taps ascending, each a fused multiply-add in float32, then one rounding: the
/// operations of the float32 executor on the widened values, so the bits equal the tiled path's for every width and
/// thread count.</para>
/// </summary>
internal static class HalfChannelsLastKernel
{
    /// <summary>
    /// Output steps [t0, t1) of batch element b. x, y and the kernel (k, C) are 16-bit bits, the bias (C, or a null ref) float32.
    /// <paramref name="prefetch"/>: request the input rows new to each step <see cref="ForwardPolicy.PrefetchRows"/> steps
    /// ahead (calls from memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows<TL>(in Conv1DGeometry g, ref ushort x, ref ushort kernel, ref float bias, bool hasBias, ref ushort y, int b, int t0,
        int t1, bool prefetch)
        where TL : struct, IHalfLanes
    {
        int l = g.Length, c = g.Channels, k = g.KernelSize, s = g.Stride, d = g.Dilation, pl = g.PadLeft, lout = g.OutputLength;
        ref ushort xb = ref Unsafe.Add(ref x, (nint)b * l * c);
        ref ushort yb = ref Unsafe.Add(ref y, (nint)b * lout * c);
        nint tapStep = (nint)d * c;
        int newRows = Math.Min(s, (k - 1) * d + 1);
        for (int t = t0; t < t1; t++)
        {
            int start = t * s - pl;

            // Valid taps: all of them inside the sequence; at its ends, those that land on a row (no division without
            // dilation, whose taps are consecutive rows).
            int jlo = start >= 0 ? 0 : d == 1 ? -start : (-start + d - 1) / d;
            int jhi = start > l - 1 ? 0 : Math.Min(k, d == 1 ? l - start : (l - 1 - start) / d + 1);
            if (jhi < jlo)
            {
                jhi = jlo;
            }

            if (prefetch)
            {
                // The rows step t + PrefetchRows reads that no earlier step read: its newest s.
                int newest = (t + ForwardPolicy.PrefetchRows) * s - pl + (k - 1) * d;
                int first = Math.Max(0, newest - newRows + 1), end = Math.Min(l, newest + 1);
                if (end > first)
                {
                    Prefetch.Range(ref Unsafe.Add(ref xb, (nint)first * c), (nint)(end - first) * c);
                }
            }

            // A step with no valid tap (wholly in the padding) reads nothing: its row refs stay at the batch start.
            ref ushort xr = ref jhi > jlo ? ref Unsafe.Add(ref xb, (nint)(start + jlo * d) * c) : ref xb;
            ref ushort kr = ref Unsafe.Add(ref kernel, (nint)jlo * c);
            Step<TL>(ref xr, ref kr, ref bias, hasBias, ref Unsafe.Add(ref yb, (nint)t * c), c, jhi - jlo, tapStep);
        }
    }

    /// <summary>One step: channels [0, c) over <paramref name="taps"/> taps (x and kernel refs at the first), bias first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TL>(ref ushort x, ref ushort kernel, ref float bias, bool hasBias, ref ushort y, int c, int taps, nint tapStep)
        where TL : struct, IHalfLanes
    {
        const int W = 16;
        int c0 = 0;
        for (; c0 + 4 * W <= c; c0 += 4 * W)
        {
            Vector512<float> a0 = hasBias ? Vector512.LoadUnsafe(ref bias, (nuint)c0) : default;
            Vector512<float> a1 = hasBias ? Vector512.LoadUnsafe(ref bias, (nuint)(c0 + W)) : default;
            Vector512<float> a2 = hasBias ? Vector512.LoadUnsafe(ref bias, (nuint)(c0 + 2 * W)) : default;
            Vector512<float> a3 = hasBias ? Vector512.LoadUnsafe(ref bias, (nuint)(c0 + 3 * W)) : default;
            nint xo = c0, ko = c0;
            for (int j = 0; j < taps; j++)
            {
                a0 = Vector512.FusedMultiplyAdd(TL.Widen(Vector256.LoadUnsafe(ref x, (nuint)xo)), TL.Widen(Vector256.LoadUnsafe(ref kernel, (nuint)ko)), a0);
                a1 = Vector512.FusedMultiplyAdd(TL.Widen(Vector256.LoadUnsafe(ref x, (nuint)(xo + W))), TL.Widen(Vector256.LoadUnsafe(ref kernel, (nuint)(ko + W))), a1);
                a2 = Vector512.FusedMultiplyAdd(TL.Widen(Vector256.LoadUnsafe(ref x, (nuint)(xo + 2 * W))), TL.Widen(Vector256.LoadUnsafe(ref kernel, (nuint)(ko + 2 * W))), a2);
                a3 = Vector512.FusedMultiplyAdd(TL.Widen(Vector256.LoadUnsafe(ref x, (nuint)(xo + 3 * W))), TL.Widen(Vector256.LoadUnsafe(ref kernel, (nuint)(ko + 3 * W))), a3);
                xo += tapStep;
                ko += c;
            }

            TL.Narrow(a0).StoreUnsafe(ref y, (nuint)c0);
            TL.Narrow(a1).StoreUnsafe(ref y, (nuint)(c0 + W));
            TL.Narrow(a2).StoreUnsafe(ref y, (nuint)(c0 + 2 * W));
            TL.Narrow(a3).StoreUnsafe(ref y, (nuint)(c0 + 3 * W));
        }

        for (; c0 + W <= c; c0 += W)
        {
            Vector512<float> a = hasBias ? Vector512.LoadUnsafe(ref bias, (nuint)c0) : default;
            nint xo = c0, ko = c0;
            for (int j = 0; j < taps; j++)
            {
                a = Vector512.FusedMultiplyAdd(TL.Widen(Vector256.LoadUnsafe(ref x, (nuint)xo)), TL.Widen(Vector256.LoadUnsafe(ref kernel, (nuint)ko)), a);
                xo += tapStep;
                ko += c;
            }

            TL.Narrow(a).StoreUnsafe(ref y, (nuint)c0);
        }

        for (; c0 < c; c0++)
        {
            float a = hasBias ? Unsafe.Add(ref bias, c0) : 0f;
            nint xo = c0, ko = c0;
            for (int j = 0; j < taps; j++)
            {
                a = MathF.FusedMultiplyAdd(TL.Widen(Unsafe.Add(ref x, xo)), TL.Widen(Unsafe.Add(ref kernel, ko)), a);
                xo += tapStep;
                ko += c;
            }

            Unsafe.Add(ref y, c0) = TL.Narrow(a);
        }
    }
}
