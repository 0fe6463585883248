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
    /// <para>Lane layout: lane i of the vector at step t is output step t + i of one (batch, output channel) row. The
    /// interior goes 8 vectors at a time, then 4, then 1: a multiply-add waits 4 cycles on the tap before it, so 8
    /// independent sums keep the multiply-add units busy where 4 left them idle (4x2000x80 k11 0.26-0.34 -> 0.25-0.27 ms,
    /// 16x1000x64 k3 0.178-0.191 -> 0.140-0.174; bench/README.md). Remainder: the row's last vector stores only its steps below Lout. A masked-off lane of a tap is not added (the
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
                if (t >= innerLo && t + 112 <= innerHi)
                {
                    InteriorVectors<Const8>(xrow + t - pl, kcol, k, d, cm, bv, yrow + t);
                    t += 128;
                }
                else if (t >= innerLo && t + 48 <= innerHi)
                {
                    InteriorVectors<Const4>(xrow + t - pl, kcol, k, d, cm, bv, yrow + t);
                    t += 64;
                }
                else if (t >= innerLo && t <= innerHi)
                {
                    InteriorVectors<Const1>(xrow + t - pl, kcol, k, d, cm, bv, yrow + t);
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

    /// <summary>
    /// TN vectors of 16 consecutive output steps of one row, every tap inside the row: x at the first vector's first
    /// input, the kernel column at tap 0 (taps <paramref name="kStep"/> apart), bias then taps ascending, each a fused
    /// multiply-add; stored at y.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void InteriorVectors<TN>(float* x, float* kernel, int k, int d, nint kStep, Vector512<float> bias, float* y)
        where TN : struct, IConstant
    {
        Vector512<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        for (int j = 0; j < k; j++)
        {
            var w = Vector512.Create(*kernel);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(x), w, a0);
            if (TN.Value > 1)
            {
                a1 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 16), w, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 32), w, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 48), w, a3);
            }

            if (TN.Value > 4)
            {
                a4 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 64), w, a4);
                a5 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 80), w, a5);
                a6 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 96), w, a6);
                a7 = Vector512.FusedMultiplyAdd(Vector512.Load(x + 112), w, a7);
            }

            x += d;
            kernel += kStep;
        }

        a0.Store(y);
        if (TN.Value > 1)
        {
            a1.Store(y + 16);
            a2.Store(y + 32);
            a3.Store(y + 48);
        }

        if (TN.Value > 4)
        {
            a4.Store(y + 64);
            a5.Store(y + 80);
            a6.Store(y + 96);
            a7.Store(y + 112);
        }
    }
}
