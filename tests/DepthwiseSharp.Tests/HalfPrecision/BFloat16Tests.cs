using System.Runtime.Intrinsics;
using System.Globalization;

namespace DepthwiseSharp.Tests.HalfPrecision;

/// <summary>
/// <see cref="BFloat16"/> over all 65,536 bit patterns against a scalar oracle written from the format's definition
/// (sign, 8 exponent bits, 7 mantissa bits, bias 127), not from the conversion code.
/// </summary>
public class BFloat16Tests
{
    /// <summary>The value of a bfloat16 bit pattern from its fields, in double.</summary>
    private static double Oracle(ushort bits)
    {
        int sign = bits >> 15, exponent = (bits >> 7) & 0xFF, mantissa = bits & 0x7F;
        double magnitude = exponent switch
        {
            0 => Math.ScaleB(mantissa / 128.0, -126),
            0xFF => mantissa == 0 ? double.PositiveInfinity : double.NaN,
            _ => Math.ScaleB(1 + mantissa / 128.0, exponent - 127),
        };
        return sign == 1 ? -magnitude : magnitude;
    }

    /// <summary>Nearest bfloat16 of a finite double by distances: the two neighbours of the value, ties to the even one.</summary>
    private static ushort NearestOracle(double value, ushort below)
    {
        // below: the bfloat16 of the same sign with the largest magnitude not above |value| (found by the caller).
        ushort above = (ushort)(below + 1);
        double lo = Oracle(below), hi = (below & 0x7FFF) == 0x7F7F ? Math.CopySign(Math.ScaleB(1.0, 128), value) : Oracle(above);
        double dlo = Math.Abs(value - lo), dhi = Math.Abs(hi - value);
        return dlo < dhi ? below : dhi < dlo ? above : (below & 1) == 0 ? below : above;
    }

    [Fact]
    public void To_float_and_double_are_exact_for_every_pattern()
    {
        for (int i = 0; i < 65536; i++)
        {
            var b = BFloat16.FromBits((ushort)i);
            double expected = Oracle((ushort)i);
            if (double.IsNaN(expected))
            {
                Assert.True(float.IsNaN((float)b) && double.IsNaN((double)b) && BFloat16.IsNaN(b), $"0x{i:X4}");
                continue;
            }

            Assert.Equal(expected, (double)(float)b);
            Assert.Equal(expected, (double)b);
            Assert.Equal(double.IsFinite(expected), BFloat16.IsFinite(b));
            Assert.Equal(double.IsInfinity(expected), BFloat16.IsInfinity(b));
            Assert.Equal(i, ((BFloat16)(float)b).ToBits());
        }
    }

    [Fact]
    public void From_float_rounds_to_nearest_even_for_every_pattern_and_tail()
    {
        var random = new Random(5);
        uint[] tails = [0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x4000, 0xC000];
        for (int i = 0; i < 65536; i++)
        {
            foreach (uint tail in tails.Append((uint)random.Next(0x10000)))
            {
                uint bits = ((uint)i << 16) | tail;
                float f = BitConverter.UInt32BitsToSingle(bits);
                ushort got = ((BFloat16)f).ToBits();
                if (float.IsNaN(f))
                {
                    Assert.True(BFloat16.IsNaN(BFloat16.FromBits(got)), $"0x{bits:X8} gave 0x{got:X4}");
                    Assert.Equal(bits >> 31, (uint)got >> 15);
                    continue;
                }

                ushort expected = float.IsInfinity(f) ? (ushort)i : NearestOracle(f, (ushort)i);
                Assert.True(expected == got, $"0x{bits:X8}: expected 0x{expected:X4}, got 0x{got:X4}");
            }
        }
    }

    [Fact]
    public void From_double_rounds_once_at_every_midpoint()
    {
        // Just above and below each midpoint between neighbours float would land on the midpoint itself, and a second
        // rounding (ties to even) would then go the wrong way half the time.
        for (int i = 0; i < 65536; i++)
        {
            ushort u = (ushort)i;
            double lo = Oracle(u);
            if (!double.IsFinite(lo))
            {
                continue;
            }

            double hi = (u & 0x7FFF) == 0x7F7F ? Math.CopySign(Math.ScaleB(1.0, 128), lo == 0 ? 1 : lo) : Oracle((ushort)(u + 1));
            if ((u & 0x8000) != 0 && (u & 0x7FFF) == 0)
            {
                continue; // -0's neighbour is -Epsilon, covered from the negative side.
            }

            double mid = (lo + hi) / 2, nudge = Math.Abs(mid) * Math.ScaleB(1.0, -40) + double.Epsilon;
            Assert.Equal(NearestOracle(mid, u), ((BFloat16)mid).ToBits());
            Assert.Equal((ushort)(u + 1), ((BFloat16)(mid + Math.CopySign(nudge, mid))).ToBits());
            Assert.Equal(u, ((BFloat16)(mid - Math.CopySign(nudge, mid))).ToBits());
            Assert.Equal(u, ((BFloat16)lo).ToBits());
        }

        Assert.True(BFloat16.IsNaN((BFloat16)double.NaN));
        Assert.Equal(BFloat16.PositiveInfinity.ToBits(), ((BFloat16)1e300).ToBits());
        Assert.Equal(BFloat16.NegativeInfinity.ToBits(), ((BFloat16)double.NegativeInfinity).ToBits());
        Assert.Equal(0x8000, ((BFloat16)(-1e-300)).ToBits());
    }

    [Fact]
    public void Equality_and_order_are_ieee_as_for_float()
    {
        var random = new Random(11);
        for (int n = 0; n < 200_000; n++)
        {
            var a = BFloat16.FromBits((ushort)random.Next(65536));
            var b = random.Next(8) == 0 ? a : BFloat16.FromBits((ushort)random.Next(65536));
            double x = Oracle(a.ToBits()), y = Oracle(b.ToBits());
            Assert.Equal(x == y, a == b);
            Assert.Equal(x != y, a != b);
            Assert.Equal(x < y, a < b);
            Assert.Equal(x >= y, a >= b);
            Assert.Equal(x.CompareTo(y), a.CompareTo(b));
            if (a.Equals(b))
            {
                Assert.Equal(a.GetHashCode(), b.GetHashCode());
            }
        }

        Assert.True(BFloat16.FromBits(0x8000) == BFloat16.Zero);
        Assert.False(BFloat16.NaN == BFloat16.NaN);
        Assert.True(BFloat16.NaN.Equals(BFloat16.NaN));
    }

    [Fact]
    public void ToString_is_the_shortest_text_that_reads_back()
    {
        for (int i = 0; i < 65536; i++)
        {
            var b = BFloat16.FromBits((ushort)i);
            string text = b.ToString();
            if (BFloat16.IsNaN(b))
            {
                Assert.Equal("NaN", text);
                continue;
            }

            Assert.Equal(i, BFloat16.Parse(text, CultureInfo.InvariantCulture).ToBits());
        }

        Assert.Equal("0.1", ((BFloat16)0.1f).ToString());
        Assert.Equal("1", BFloat16.One.ToString());
        Assert.Equal("3.39E+38", BFloat16.MaxValue.ToString());
        Assert.Equal(0.10009765625, (double)(BFloat16)0.1f);
    }
}

/// <summary>The vectorized span conversions of the 16-bit engine give the scalar conversions' bits, for every pattern.</summary>
public class BFloat16VectorsTests
{
    [Fact]
    public void Widen_and_narrow_match_the_scalar_conversions_for_every_pattern_and_length()
    {
        var all = Enumerable.Range(0, 65536).Select(i => BFloat16.FromBits((ushort)i)).ToArray();
        var wide = new float[all.Length];
        DepthwiseSharp.Kernels.BFloat16Vectors.Widen(all, wide);
        for (int i = 0; i < all.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToUInt32Bits((float)all[i]), BitConverter.SingleToUInt32Bits(wide[i]));
        }

        var random = new Random(3);
        var floats = Enumerable.Range(0, 200_003).Select(i => BitConverter.UInt32BitsToSingle((uint)random.NextInt64(0, 1L << 32))).ToArray();
        var narrow = new BFloat16[floats.Length];
        DepthwiseSharp.Kernels.BFloat16Vectors.Narrow(floats, narrow);
        for (int i = 0; i < floats.Length; i++)
        {
            Assert.Equal(((BFloat16)floats[i]).ToBits(), narrow[i].ToBits());
        }

        // Every remainder length after the widest vector loop.
        for (int n = 0; n < 70; n++)
        {
            var w = new float[n];
            DepthwiseSharp.Kernels.BFloat16Vectors.Widen(all.AsSpan(1000, n), w);
            var back = new BFloat16[n];
            DepthwiseSharp.Kernels.BFloat16Vectors.Narrow(w, back);
            Assert.True(all.AsSpan(1000, n).SequenceEqual(back));
        }
    }

    /// <summary>
    /// The fused kernel's 16-lane conversions (AVX-512) give the scalar conversions' bits: every bfloat16 pattern widened,
    /// and every float32 whose low 16 bits sit at a rounding boundary (0, just below, at and just above the midpoint, all
    /// ones) under every upper half, so each tie, each carry into the exponent, infinity and NaN; the same values rounded
    /// in place and packed two vectors to a 64-byte line (the line kernel's narrowing) in lane order; the 8-lane
    /// conversions for channels left over likewise.
    /// </summary>
    [Fact]
    public void Sixteen_lane_conversions_match_the_scalar_conversions()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512BW.IsSupported)
        {
            return;
        }

        var lanes = new ushort[16];
        var floats = new float[16];
        for (int i = 0; i < 65536; i += 16)
        {
            for (int j = 0; j < 16; j++)
            {
                lanes[j] = (ushort)(i + j);
            }

            DepthwiseSharp.Kernels.BFloat16Lanes.Widen(System.Runtime.Intrinsics.Vector256.Create(lanes)).CopyTo(floats);
            for (int j = 0; j < 16; j++)
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits((float)BFloat16.FromBits(lanes[j])), BitConverter.SingleToUInt32Bits(floats[j]));
            }

            var eight = DepthwiseSharp.Kernels.BFloat16Lanes.Widen(System.Runtime.Intrinsics.Vector128.Create(lanes.AsSpan(8, 8)));
            for (int j = 0; j < 8; j++)
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits((float)BFloat16.FromBits(lanes[8 + j])), BitConverter.SingleToUInt32Bits(eight[j]));
            }
        }

        uint[] tails = [0, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x1234, 0xC000, 0x0001];
        for (uint upper = 0; upper < 65536; upper += 2)
        {
            for (int j = 0; j < 16; j++)
            {
                floats[j] = BitConverter.UInt32BitsToSingle(((upper + (uint)(j / 8)) << 16) | tails[j % 8]);
            }

            var low = System.Runtime.Intrinsics.Vector512.Create(floats);
            DepthwiseSharp.Kernels.BFloat16Lanes.Narrow(low).CopyTo(lanes);
            for (int j = 0; j < 16; j++)
            {
                Assert.Equal(((BFloat16)floats[j]).ToBits(), lanes[j]);
            }

            var half = DepthwiseSharp.Kernels.BFloat16Lanes.Narrow(System.Runtime.Intrinsics.Vector256.Create(floats.AsSpan(4, 8)));
            for (int j = 0; j < 8; j++)
            {
                Assert.Equal(((BFloat16)floats[4 + j]).ToBits(), half[j]);
            }

            // The line: these 16 values, then the same under the sign bit.
            var high = System.Runtime.Intrinsics.Vector512.Negate(low);
            var line = DepthwiseSharp.Kernels.BFloat16Lanes.PackHigh(DepthwiseSharp.Kernels.BFloat16Lanes.RoundHigh(low),
                DepthwiseSharp.Kernels.BFloat16Lanes.RoundHigh(high));
            for (int j = 0; j < 32; j++)
            {
                float value = j < 16 ? floats[j] : -floats[j - 16];
                Assert.Equal(((BFloat16)value).ToBits(), line[j]);
            }
        }
    }
}

/// <summary>NumPy has no bfloat16: ml_dtypes' arrays are saved as raw 2-byte values ('|V2'), which read as bfloat16, held as float32.</summary>
public class BFloat16NpyTests
{
    [Fact]
    public void An_ml_dtypes_bfloat16_file_reads_as_its_values()
    {
        string dir = Path.Combine(TestData.Root, "bfloat16-npy");
        var bf = DepthwiseSharp.IO.Npy.Read(Path.Combine(dir, "values.bf16.npy"));
        var f32 = DepthwiseSharp.IO.Npy.Read(Path.Combine(dir, "values.f32.npy"));
        Assert.Equal(DepthwiseSharp.IO.NpyDType.Float32, bf.DType);
        Assert.Equal(f32.Shape, bf.Shape);
        Assert.Equal(f32.ToSingleArray().Select(BitConverter.SingleToUInt32Bits), bf.ToSingleArray().Select(BitConverter.SingleToUInt32Bits));
    }
}
