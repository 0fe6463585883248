using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DepthwiseSharp.Activations;

namespace DepthwiseSharp.Kernels;

internal static partial class ChannelsFirstKernel
{
    /// <summary>
    /// float32 channels_first rows at stride 1 and the 512-bit width, each row one loop of 16-step vectors from step 0:
    /// the vectors with a tap outside the row (the sequence edges) and the row's last, partial vector take masked loads,
    /// multiply-adds and stores, so a row has no scalar edge steps, no narrower widths and no overlapping last vector.
    /// On short rows those cost more than the taps (1x128x64 k3 same: about 200 cycles a row for 8 vectors).
    /// <para>Lane layout: lane i of the vector at step t is output step t + i of one (batch, output channel) row.
    /// Remainder: the row's last vector stores only its steps below Lout. A masked-off lane of a tap is not added (the
    /// accumulator keeps its value), which is what <see cref="ReferenceKernel"/> does with a tap outside the row: per
    /// output, bias then the taps inside the row in ascending order, each a fused multiply-add, so the bits are those of
    /// every other width.</para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MaskedRows(in Conv1DGeometry g, float* x, float* kernel, float* bias, float* y, int b, int o0, int o1,
        Activation? epilogue)
    {
        int l = g.Length, c = g.Channels, m = g.DepthMultiplier, k = g.KernelSize, d = g.Dilation, pl = g.PadLeft;
        int cm = g.OutputChannels, lout = g.OutputLength;

        // A vector at step t reads x[t - pl .. t + 15 + (k - 1) * d - pl]: inside the row from innerLo to innerHi.
        int innerLo = pl, innerHi = Math.Min(l - 16 - (k - 1) * d + pl, lout - 16);
        int ci = o0 / m, mi = o0 % m;
        for (int o = o0; o < o1; o++)
        {
            float* xrow = x + ((nint)b * c + ci) * l;
            float* yrow = y + ((nint)b * cm + o) * lout;
            // Kernel (k, C, M): tap j of output channel o at j * C * M + o.
            float* kcol = kernel + o;
            var bv = Vector512.Create(bias is null ? 0f : bias[o]);
            int t = 0;
            while (t < lout)
            {
                if (t >= innerLo && t + 48 <= innerHi)
                {
                    Vector512<float> a0 = bv, a1 = bv, a2 = bv, a3 = bv;
                    float* xp = xrow + t - pl;
                    float* kp = kcol;
                    for (int j = 0; j < k; j++)
                    {
                        var w = Vector512.Create(*kp);
                        a0 = Vector512.FusedMultiplyAdd(Vector512.Load(xp), w, a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.Load(xp + 16), w, a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.Load(xp + 32), w, a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.Load(xp + 48), w, a3);
                        xp += d;
                        kp += cm;
                    }

                    a0.Store(yrow + t);
                    a1.Store(yrow + t + 16);
                    a2.Store(yrow + t + 32);
                    a3.Store(yrow + t + 48);
                    t += 64;
                }
                else if (t >= innerLo && t <= innerHi)
                {
                    Vector512<float> a0 = bv;
                    float* xp = xrow + t - pl;
                    float* kp = kcol;
                    for (int j = 0; j < k; j++)
                    {
                        a0 = Vector512.FusedMultiplyAdd(Vector512.Load(xp), Vector512.Create(*kp), a0);
                        xp += d;
                        kp += cm;
                    }

                    a0.Store(yrow + t);
                    t += 16;
                }
                else
                {
                    Vector512<float> a0 = bv;
                    var first = Vector512.Create(t - pl) + Vector512<int>.Indices;
                    float* kp = kcol;
                    for (int j = 0; j < k; j++)
                    {
                        // Lanes whose input step is inside the row: 0 <= step < L, one unsigned compare. The masked load
                        // does not touch the others (no fault before or after the row).
                        var inside = Vector512.LessThan((first + Vector512.Create(j * d)).AsUInt32(), Vector512.Create((uint)l)).AsSingle();
                        var xv = Avx512F.MaskLoad(xrow + t - pl + j * d, inside, Vector512<float>.Zero);
                        a0 = Vector512.ConditionalSelect(inside, Vector512.FusedMultiplyAdd(xv, Vector512.Create(*kp), a0), a0);
                        kp += cm;
                    }

                    if (t + 16 <= lout)
                    {
                        a0.Store(yrow + t);
                    }
                    else
                    {
                        Avx512F.MaskStore(yrow + t, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(lout - t)).AsSingle(), a0);
                    }

                    t += 16;
                }
            }

            if (epilogue is not null)
            {
                var span = new Span<float>(yrow, lout);
                epilogue.Forward<float>(span, span, lout);
            }

            if (++mi == m)
            {
                mi = 0;
                ci++;
            }
        }
    }
}
