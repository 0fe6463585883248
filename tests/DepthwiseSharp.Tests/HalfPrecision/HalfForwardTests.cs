using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.HalfPrecision;

/// <summary>
/// The 16-bit forward pass (<see cref="Half"/>, <see cref="BFloat16"/>) against a float64 reference computed here from
/// the same rounded inputs and weights, within the bound its XML docs state: one unit in the last place of the 16-bit
/// type plus <c>(k + 1) * 2^-24 * (sum |x w| + |b|)</c>.
/// </summary>
public class HalfForwardTests
{
    /// <summary>The textbook loops of the convolution in float64, with the padding as zeros.</summary>
    private static (double[] Y, double[] Magnitude) Reference(in Conv1DGeometry g, double[] x, double[] k, double[]? b)
    {
        var y = new double[g.OutputCount];
        var mag = new double[g.OutputCount];
        bool last = g.DataFormat == DataFormat.ChannelsLast;
        int c = g.Channels, m = g.DepthMultiplier, co = g.OutputChannels, lo = g.OutputLength;
        for (int n = 0; n < g.Batch; n++)
        {
            for (int t = 0; t < lo; t++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    for (int mm = 0; mm < m; mm++)
                    {
                        int o = ch * m + mm;
                        double sum = b?[o] ?? 0, size = Math.Abs(b?[o] ?? 0);
                        for (int j = 0; j < g.KernelSize; j++)
                        {
                            int l = t * g.Stride + j * g.Dilation - g.PadLeft;
                            if (l < 0 || l >= g.Length)
                            {
                                continue;
                            }

                            double xv = last ? x[(n * g.Length + l) * c + ch] : x[(n * c + ch) * g.Length + l];
                            double w = k[(j * c + ch) * m + mm];
                            sum += xv * w;
                            size += Math.Abs(xv * w);
                        }

                        int at = last ? (n * lo + t) * co + o : (n * co + o) * lo + t;
                        y[at] = sum;
                        mag[at] = size;
                    }
                }
            }
        }

        return (y, mag);
    }

    /// <summary>One unit in the last place of the 16-bit type at |v| (the spacing of its values there).</summary>
    private static double Ulp<TH>(double v)
    {
        int mantissaBits = typeof(TH) == typeof(Half) ? 10 : 7;
        int minExponent = typeof(TH) == typeof(Half) ? -14 : -126;
        int e = v == 0 ? minExponent : Math.Max(Math.ILogB(Math.Abs(v)), minExponent);
        return Math.ScaleB(1.0, e - mantissaBits);
    }

    private static TH From<TH>(double v) => typeof(TH) == typeof(Half) ? (TH)(object)(Half)v : (TH)(object)(BFloat16)v;

    private static double To<TH>(TH v) => v is Half h ? (double)h : (double)(BFloat16)(object)v!;

    private static TH[] Round<TH>(IEnumerable<double> values) => [.. values.Select(From<TH>)];

    private static void Forward<TH>(in Conv1DGeometry g, TH[] x, TH[] k, TH[] b, TH[] y, int threads)
    {
        if (typeof(TH) == typeof(Half))
        {
            DepthwiseConvolution.Forward(g, (ReadOnlySpan<Half>)(Half[])(object)x, (Half[])(object)k, (Half[])(object)b, (Half[])(object)y, threads);
        }
        else
        {
            DepthwiseConvolution.Forward(g, (ReadOnlySpan<BFloat16>)(BFloat16[])(object)x, (BFloat16[])(object)k, (BFloat16[])(object)b,
                (BFloat16[])(object)y, threads);
        }
    }

    /// <summary>Runs the 16-bit pass and checks every output against the bound; returns the output for further checks.</summary>
    private static TH[] CheckBound<TH>(in Conv1DGeometry g, double[] x, double[] k, double[]? b, int threads = 0)
    {
        TH[] xh = Round<TH>(x), kh = Round<TH>(k), bh = b is null ? [] : Round<TH>(b);
        var (expected, magnitude) = Reference(g, [.. xh.Select(To)], [.. kh.Select(To)], b is null ? null : [.. bh.Select(To)]);
        var y = new TH[g.OutputCount];
        Forward(g, xh, kh, bh, y, threads);
        double accumulation = (g.KernelSize + 1) * Math.ScaleB(1.0, -24);
        for (int i = 0; i < y.Length; i++)
        {
            double got = To(y[i]);
            double bound = Ulp<TH>(expected[i]) + accumulation * magnitude[i];
            Assert.True(Math.Abs(got - expected[i]) <= bound, $"{g} at {i}: {got} vs {expected[i]} (bound {bound})");
        }

        return y;
    }

    public static TheoryData<string> GoldenCases() => [.. TestData.GoldenCases()];

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void Golden_cases_rounded_to_16_bits_are_within_the_bound(string name)
    {
        var layer = DepthwiseConv1D.FromConfig(System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(TestData.Golden(name, "layer.json")))!);
        var x = Npy.Read(TestData.Golden(name, "x.npy"));
        var kernel = Npy.Read(TestData.Golden(name, "kernel.npy")).ToDoubleArray();
        double[]? bias = File.Exists(TestData.Golden(name, "bias.npy")) ? Npy.Read(TestData.Golden(name, "bias.npy")).ToDoubleArray() : null;
        int channels = layer.DataFormat == DataFormat.ChannelsLast ? x.Shape[2] : x.Shape[1];
        var g = layer.Geometry(x.Shape, channels);
        CheckBound<Half>(g, x.ToDoubleArray(), kernel, bias);
        CheckBound<BFloat16>(g, x.ToDoubleArray(), kernel, bias);
    }

    public static TheoryData<int, int, int, int, int, int, string, string> Shapes() => new()
    {
        // Many tiles per sequence (channels_last rows of 1536 channels; long channels_first rows), every padding, strides
        // and dilations, M > 1, a length shorter than the kernel's reach, and a long reduction (k = 255).
        { 2, 700, 1536, 1, 4, 1, "valid", "channels_last" },
        { 3, 5000, 37, 2, 7, 2, "same", "channels_last" },
        { 2, 3000, 19, 1, 5, 1, "causal", "channels_first" },
        { 2, 9000, 8, 4, 9, 3, "same", "channels_first" },
        { 1, 6, 5, 1, 9, 1, "same", "channels_last" },
        { 1, 2048, 16, 1, 255, 1, "same", "channels_last" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Tiled_shapes_are_within_the_bound_and_equal_for_every_thread_count(int n, int l, int c, int m, int k, int s, string padding, string format)
    {
        var g = Conv1DGeometry.ForPadding(n, l, c, m, k, s, k > 100 ? 1 : 1 + k % 2, KerasEnums.ParsePadding(padding), KerasEnums.ParseDataFormat(format));
        var rng = new Random(k * 31 + c);
        double[] x = [.. Enumerable.Range(0, g.InputCount).Select(_ => rng.NextDouble() * 4 - 2)];
        double[] w = [.. Enumerable.Range(0, g.KernelCount).Select(_ => rng.NextDouble() - 0.5)];
        double[] b = [.. Enumerable.Range(0, g.OutputChannels).Select(_ => rng.NextDouble() - 0.5)];
        foreach (bool half in (bool[])[true, false])
        {
            if (half)
            {
                var one = CheckBound<Half>(g, x, w, b, threads: 1);
                Assert.Equal(MemoryMarshal.AsBytes(one.AsSpan()).ToArray(), MemoryMarshal.AsBytes(CheckBound<Half>(g, x, w, b, threads: 2).AsSpan()).ToArray());
            }
            else
            {
                var one = CheckBound<BFloat16>(g, x, w, null, threads: 1);
                Assert.Equal(MemoryMarshal.AsBytes(one.AsSpan()).ToArray(), MemoryMarshal.AsBytes(CheckBound<BFloat16>(g, x, w, null, threads: 2).AsSpan()).ToArray());
            }
        }
    }

    [Fact]
    public void Half_overflow_is_infinity_and_the_generic_entry_takes_half()
    {
        var g = Conv1DGeometry.ForPadding(1, 4, 1, 1, 2, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        Half[] x = [(Half)60000, (Half)60000, (Half)(-60000), (Half)1];
        Half[] k = [(Half)1, (Half)1];
        var y = new Half[3];
        DepthwiseConvolution.Forward<Half>(g, x, k, ReadOnlySpan<Half>.Empty, y);
        Assert.Equal(Half.PositiveInfinity, y[0]);
        Assert.Equal((Half)0, y[1]);
        Assert.Equal((Half)(-59999), y[2]);
    }

    /// <summary>As in the float32 engine, padding taps are skipped: a padded zero under an infinite weight adds nothing.</summary>
    [Fact]
    public void Padding_taps_are_skipped_so_an_infinite_edge_weight_leaves_edges_finite()
    {
        var g = Conv1DGeometry.ForPadding(1, 4, 1, 1, 3, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        Half[] x = [(Half)1, (Half)1, (Half)1, (Half)1];
        Half[] k = [Half.PositiveInfinity, (Half)1, (Half)1];
        var y = new Half[4];
        DepthwiseConvolution.Forward(g, (ReadOnlySpan<Half>)x, k, ReadOnlySpan<Half>.Empty, y);
        Assert.Equal((Half)2, y[0]);
        Assert.True(Half.IsPositiveInfinity(y[1]));
    }

    /// <summary>
    /// bfloat16 channels_last calls (the fused kernel where <c>ForwardPolicy.HalfFusedPays</c> says so, the tiled path
    /// elsewhere) give exactly the float32 reference kernel's result on the widened values, rounded once: channel counts
    /// around one and four 16-lane vectors, taps 1 to 7, strides and dilations 1 and 2 (column tiles of one and two phases,
    /// and the step loop), every padding, bias or none, 1 and 2 threads, and inputs with NaN, infinities and subnormals.
    /// </summary>
    [Fact]
    public void Bfloat16_channels_last_is_the_float32_reference_rounded_once()
    {
        var rng = new Random(41);
        CheckChannelsLastShapes<BFloat16>(rng);

        // Several column tiles of two phases (d = 2), with channels left over after the 16-channel sweeps.
        CheckBfloat16Rounding(Conv1DGeometry.ForPadding(1, 150, 40, 1, 5, 1, 2, Padding.Same, DataFormat.ChannelsLast), rng, true, true);

        // Input plus output above 16 MiB of bfloat16: the call from memory (fused, with prefetching).
        CheckBfloat16Rounding(Conv1DGeometry.ForPadding(2, 4100, 1056, 1, 4, 1, 1, Padding.Valid, DataFormat.ChannelsLast), rng, true, false);
    }

    /// <summary>
    /// float16 channels_last calls (the fused kernel where <c>ForwardPolicy.HalfFusedPays</c> says so: column tiles of
    /// finite inputs with the finite lanes, the rest with the exact ones; the tiled path elsewhere) give exactly the
    /// float32 reference kernel's result on the widened values, rounded once: the bfloat16 test's shapes; inputs with
    /// NaN, infinities and subnormals; sums beyond float16's range (rounded to infinity) and below its normal range
    /// (subnormal outputs); calls from memory with one NaN or one infinity among finite inputs (the column tile holding
    /// it is computed again with the exact lanes, over the outputs the finite lanes wrote); an infinite or NaN tap and
    /// an infinite bias (the whole call with the exact lanes).
    /// </summary>
    [Fact]
    public void Float16_channels_last_is_the_float32_reference_rounded_once()
    {
        var rng = new Random(47);
        CheckChannelsLastShapes<Half>(rng);

        var cached = Conv1DGeometry.ForPadding(2, 300, 96, 1, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        CheckRounding<Half>(cached, rng, true, false, scale: 300);
        CheckRounding<Half>(cached, rng, false, false, scale: 0.004f);
        CheckRounding<Half>(cached, rng, true, false, specialInput: 96 * 150 + 40, special: float.NaN);
        CheckRounding<Half>(cached, rng, true, false, specialTap: 96 * 2 + 7, special: float.PositiveInfinity);
        CheckRounding<Half>(cached, rng, true, false, specialTap: 5, special: float.NaN);

        // Dilation 4: tiles of one block per phase, each line walked through the four phases by one call (from the cache,
        // and from memory where the walk is short enough to request the next tile in software); finite lanes, and a NaN
        // input (its tile computed again with the exact lanes). bfloat16 from memory too.
        var dilated = Conv1DGeometry.ForPadding(2, 300, 96, 1, 5, 1, 4, Padding.Same, DataFormat.ChannelsLast);
        CheckRounding<Half>(dilated, rng, true, false);
        CheckRounding<Half>(dilated, rng, false, false, specialInput: 96 * 150 + 40, special: float.NaN);
        var dilatedMemory = Conv1DGeometry.ForPadding(8, 4000, 128, 1, 5, 1, 4, Padding.Same, DataFormat.ChannelsLast);
        CheckRounding<Half>(dilatedMemory, rng, true, false, specialInput: 128 * 9000 + 3, special: float.NaN);
        CheckRounding<BFloat16>(dilatedMemory, rng, true, false);

        var memory = Conv1DGeometry.ForPadding(2, 4100, 1056, 1, 4, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        CheckRounding<Half>(memory, rng, true, false, specialInput: 1056 * 2000 + 77, special: float.NaN);
        CheckRounding<Half>(memory, rng, false, false, specialInput: 1056 * (4100 + 3000) + 1000, special: float.NegativeInfinity);

        // An infinite bias: every output of its channel infinite, through the exact lanes.
        var g1 = Conv1DGeometry.ForPadding(1, 200, 64, 1, 3, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        Half[] x = [.. Enumerable.Range(0, g1.InputCount).Select(j => (Half)(j % 7 * 0.25f))];
        Half[] kernel = [.. Enumerable.Range(0, g1.KernelCount).Select(j => (Half)(j % 5 * 0.125f))];
        Half[] bias = [.. Enumerable.Range(0, 64).Select(j => j == 9 ? Half.PositiveInfinity : (Half)0.5f)];
        var y = new Half[g1.OutputCount];
        DepthwiseConvolution.Forward(g1, x, kernel, bias, y);
        var z = new float[g1.OutputCount];
        DepthwiseSharp.Kernels.ReferenceKernel.Forward<float>(g1, x.Select(v => (float)v).ToArray(), kernel.Select(v => (float)v).ToArray(),
            bias.Select(v => (float)v).ToArray(), z);
        Assert.Equal(z.Select(v => BitConverter.HalfToUInt16Bits((Half)v)), y.Select(BitConverter.HalfToUInt16Bits));
        Assert.True(Half.IsPositiveInfinity(y[9]));
    }

    /// <summary>
    /// bfloat16 and float16 channels_first calls (the fused kernel for strides 1 and 2, where <c>ForwardPolicy.HalfFusedPays</c> says
    /// so, the tiled path for stride 3; float16 rows of finite inputs, taps and bias with the finite lanes, the rest
    /// computed again with the exact ones) give exactly the float32 reference kernel's result on the widened values, rounded
    /// once: rows shorter than a group of 32 outputs, of one group, of a pair and an overlapping last group, long rows;
    /// taps 1 to 9, 33, 40 and 70, dilations 1 to 4, 8, 15, 30 and 32 (edge groups over zero-filled windows), float16 rows of
    /// several staged chunks, every padding, multipliers 1 and 3, bias or none, 1 and 2 threads, and inputs
    /// with NaN, infinities and subnormals; float16 sums beyond its range and a NaN tap.
    /// </summary>
    [Fact]
    public void Bfloat16_channels_first_is_the_float32_reference_rounded_once() => CheckChannelsFirst<BFloat16>(new Random(43));

    /// <summary>The float16 side of <see cref="Bfloat16_channels_first_is_the_float32_reference_rounded_once"/>.</summary>
    [Fact]
    public void Float16_channels_first_is_the_float32_reference_rounded_once()
    {
        var rng = new Random(53);
        CheckChannelsFirst<Half>(rng);
        var g = Conv1DGeometry.ForPadding(2, 300, 5, 2, 7, 1, 2, Padding.Same, DataFormat.ChannelsFirst);
        CheckRounding<Half>(g, rng, true, false, scale: 300);
        CheckRounding<Half>(g, rng, false, false, scale: 0.004f);
        CheckRounding<Half>(g, rng, true, false, specialInput: 300 * 3 + 17, special: float.PositiveInfinity);
        CheckRounding<Half>(g, rng, true, false, specialTap: 10 * 3 + 4, special: float.NaN);
    }

    /// <summary>
    /// The ends of 16-bit channels_first rows at stride 1 (masked groups loading straight from the row, or one output at a
    /// time) leave out the taps outside the row, as the reference does: an infinite or NaN weight on a tap that reaches
    /// the padding leaves those outputs as the reference has them (0 * infinity would make them NaN). Rows shorter than a
    /// group, of one group and a few more, long rows, taps 3 to 9, dilations 1 to 4, every padding; the weight on the
    /// first tap (left end) and the last (right end); bfloat16 and float16 against the float32 reference rounded once.
    /// </summary>
    [Fact]
    public void Sixteen_bit_channels_first_ends_leave_out_the_taps_outside_the_row()
    {
        var rng = new Random(61);
        foreach (var (l, k, d, padding) in ((int, int, int, Padding)[])[(20, 5, 2, Padding.Same), (40, 3, 1, Padding.Same), (45, 9, 4, Padding.Causal),
                     (130, 9, 4, Padding.Same), (300, 7, 3, Padding.Valid), (300, 4, 1, Padding.Causal)])
        {
            var g = Conv1DGeometry.ForPadding(1, l, 2, 1, k, 1, d, padding, DataFormat.ChannelsFirst);
            foreach (float special in (float[])[float.PositiveInfinity, float.NaN])
            {
                // Kernel (k, C, M): channel 1's first and last taps.
                foreach (int tap in (int[])[1, (k - 1) * 2 + 1])
                {
                    CheckRounding<BFloat16>(g, rng, true, false, specialTap: tap, special: special);
                    CheckRounding<Half>(g, rng, false, false, specialTap: tap, special: special);
                }
            }
        }
    }

    private static void CheckChannelsFirst<TH>(Random rng)
        where TH : unmanaged
    {
        var pads = (Padding[])[Padding.Same, Padding.Valid, Padding.Causal];
        int i = 0;
        foreach (int l in (int[])[5, 31, 33, 40, 66, 97, 130, 300])
        {
            foreach (int k in (int[])[1, 3, 4, 9])
            {
                int d = 1 + i % 4, m = i % 5 == 2 ? 3 : 1, s = i % 3 == 1 ? 2 : i % 11 == 10 ? 3 : 1;
                if ((long)(k - 1) * d + 1 > l)
                {
                    d = 1;
                }

                var g = Conv1DGeometry.ForPadding(2, l, 3 + i % 4, m, k, s, d, pads[i % 3], DataFormat.ChannelsFirst);
                CheckRounding<TH>(g, rng, withBias: i % 4 != 3, specials: i % 3 == 0);
                i++;
            }
        }

        // More taps than the kernel keeps on the stack (64).
        CheckRounding<TH>(Conv1DGeometry.ForPadding(1, 300, 3, 1, 70, 1, 1, Padding.Same, DataFormat.ChannelsFirst), rng, true, false);

        // Stride 1 edges in masked groups: padding wider than a group (two groups on each side, or the whole left side
        // of a causal row), rows of one to two groups whose every group reaches the padding, one end masked and the other
        // one output at a time (fewer taps), a window longer than the edge buffer (one output at a time), with NaN and
        // infinities.
        CheckRounding<TH>(Conv1DGeometry.ForPadding(2, 500, 3, 1, 9, 1, 8, Padding.Same, DataFormat.ChannelsFirst), rng, true, true);
        CheckRounding<TH>(Conv1DGeometry.ForPadding(1, 700, 2, 2, 7, 1, 15, Padding.Causal, DataFormat.ChannelsFirst), rng, false, true);
        CheckRounding<TH>(Conv1DGeometry.ForPadding(1, 45, 3, 1, 5, 1, 3, Padding.Same, DataFormat.ChannelsFirst), rng, true, true);
        CheckRounding<TH>(Conv1DGeometry.ForPadding(1, 63, 3, 1, 6, 1, 5, Padding.Causal, DataFormat.ChannelsFirst), rng, true, false);
        CheckRounding<TH>(Conv1DGeometry.ForPadding(2, 45, 3, 1, 9, 1, 2, Padding.Same, DataFormat.ChannelsFirst), rng, true, true);
        CheckRounding<TH>(Conv1DGeometry.ForPadding(1, 1500, 2, 1, 40, 1, 30, Padding.Same, DataFormat.ChannelsFirst), rng, true, true);
        CheckRounding<TH>(Conv1DGeometry.ForPadding(1, 1200, 2, 1, 33, 1, 32, Padding.Same, DataFormat.ChannelsFirst), rng, false, true);

        // float16 at dilation 2 or more stages each chunk of 512 outputs (HalfChannelsFirstKernel.Staged): rows of several
        // chunks, a last chunk of up to a group more (1554 interior outputs: 512, 512, 530), with NaN and infinities.
        CheckRounding<TH>(Conv1DGeometry.ForPadding(1, 2000, 3, 1, 7, 1, 2, Padding.Same, DataFormat.ChannelsFirst), rng, true, true);
        CheckRounding<TH>(Conv1DGeometry.ForPadding(2, 1567, 2, 1, 5, 1, 3, Padding.Valid, DataFormat.ChannelsFirst), rng, false, false);
        CheckRounding<TH>(Conv1DGeometry.ForPadding(1, 1290, 2, 2, 4, 1, 4, Padding.Causal, DataFormat.ChannelsFirst), rng, true, true);

        // Long strided rows (pairs of groups, then one, then an overlapping one), and input plus output above 16 MiB.
        CheckRounding<TH>(Conv1DGeometry.ForPadding(1, 415, 5, 1, 7, 2, 3, Padding.Same, DataFormat.ChannelsFirst), rng, true, true);
        CheckRounding<TH>(Conv1DGeometry.ForPadding(2, 4100, 1056, 1, 4, 1, 1, Padding.Valid, DataFormat.ChannelsFirst), rng, true, false);
    }

    /// <summary>
    /// The fused bfloat16 kernel's line stores, streaming forced whatever the size and forced off: the output starting at
    /// every 16-bit offset within a 64-byte line (streaming then starts at each row's first line boundary; with stride 1 the
    /// kernel and bias are wrapped so that each step's last line runs on into the next step's first channels, otherwise
    /// the channels around the lines go step by step), channel counts of one, two and three lines, taps 1 to 12, strides
    /// 1 and 2, dilations 1, 2 and 4 (column phases; stride 2 with dilation 1 walks rows two apart), rows of 2 and 4 KiB
    /// (one-block tiles walked across runs of lines), lengths that leave steps after the last block, bias or none, 1 and 2
    /// threads: always the float32 reference on the widened values, rounded once. Streaming from a line boundary past the
    /// row's start wraps the run of steps, at stride 2 with the line straddling two steps read from both steps' rows.
    /// </summary>
    [Fact]
    public void Bfloat16_fused_line_stores_at_every_output_alignment_match_the_reference()
    {
        if (!DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(
            Conv1DGeometry.ForPadding(1, 8, 32, 1, 1, 1, 1, Padding.Valid, DataFormat.ChannelsLast), DepthwiseSharp.Kernels.KernelVariant.Vector512, null))
        {
            return;
        }

        var rng = new Random(77);
        var pads = (Padding[])[Padding.Same, Padding.Valid, Padding.Causal];
        for (int offset = 0; offset < 32; offset++)
        {
            int c = 32 * (1 + offset % 3), k = 1 + offset * 5 % 12, s = 1 + offset / 3 % 2, d = (offset % 4) switch { 0 => 1, 1 => 2, 2 => 4, _ => 1 };

            var g = Conv1DGeometry.ForPadding(2, 45 + offset, c, 1, k, s, d, pads[offset % 3], DataFormat.ChannelsLast);
            CheckFusedLines(g, offset, rng, withBias: offset % 5 != 4);
            CheckFusedLines<Half>(g, offset, rng, withBias: offset % 5 != 3);
        }

        // Rows of 2 and 4 KiB (1024 and 2048 channels) at strides 1 and 2: walks that alias in L1 take one-block tiles,
        // each call walking its block across a run of lines.
        CheckFusedLines(Conv1DGeometry.ForPadding(1, 29, 1024, 1, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast), 6, rng, withBias: true);
        CheckFusedLines(Conv1DGeometry.ForPadding(1, 37, 2048, 1, 3, 2, 1, Padding.Valid, DataFormat.ChannelsLast), 0, rng, withBias: false);
        CheckFusedLines(Conv1DGeometry.ForPadding(1, 37, 1056 - 32, 1, 7, 2, 1, Padding.Causal, DataFormat.ChannelsLast), 17, rng, withBias: true);
        CheckFusedLines<Half>(Conv1DGeometry.ForPadding(1, 29, 1024, 1, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast), 6, rng, withBias: true);
        CheckFusedLines<Half>(Conv1DGeometry.ForPadding(1, 37, 2048, 1, 3, 2, 1, Padding.Valid, DataFormat.ChannelsLast), 0, rng, withBias: false);

        // Stride 2 on one-block tiles with the lines starting past each row's start: the runs of lines, then the line that
        // straddles two steps.
        CheckFusedLines(Conv1DGeometry.ForPadding(1, 37, 1024, 1, 5, 2, 1, Padding.Same, DataFormat.ChannelsLast), 9, rng, withBias: true);
        CheckFusedLines<Half>(Conv1DGeometry.ForPadding(2, 41, 1024, 1, 4, 2, 1, Padding.Valid, DataFormat.ChannelsLast), 23, rng, withBias: true);
    }

    private static void CheckFusedLines(in Conv1DGeometry g, int offset, Random rng, bool withBias) => CheckFusedLines<BFloat16>(g, offset, rng, withBias);

    private static void CheckFusedLines<TH>(in Conv1DGeometry g, int offset, Random rng, bool withBias)
        where TH : unmanaged
    {
        TH[] x = [.. Enumerable.Range(0, g.InputCount).Select(_ => To<TH>((float)(rng.NextDouble() * 4 - 2)))];
        TH[] k = [.. Enumerable.Range(0, g.KernelCount).Select(_ => To<TH>((float)(rng.NextDouble() - 0.5)))];
        float[] b = withBias ? [.. Enumerable.Range(0, g.OutputChannels).Select(_ => From(To<TH>((float)(rng.NextDouble() - 0.5))))] : [];
        var z = new float[g.OutputCount];
        DepthwiseSharp.Kernels.ReferenceKernel.Forward<float>(g, x.Select(From).ToArray(), k.Select(From).ToArray(), b, z);
        ushort[] expected = [.. z.Select(v => Bits(To<TH>(v)))];

        // A pinned buffer whose slice starts `offset` values past a 64-byte boundary.
        var buffer = GC.AllocateArray<TH>(g.OutputCount + 64, pinned: true);
        var handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        int misalignment = (int)(handle.AddrOfPinnedObject() % 64) / 2;
        handle.Free();

        var y = buffer.AsSpan(((offset - misalignment) % 32 + 32) % 32, g.OutputCount);
        var k16 = MemoryMarshal.Cast<TH, ushort>(k);
        foreach (bool streaming in (bool[])[true, false])
        {
            foreach (int threads in (int[])[1, 2])
            {
                y.Fill(To<TH>(float.NaN));
                DepthwiseSharp.Kernels.HalfForward.Fused<TH>(g, x, k16, b, y, threads, streaming);
                ushort[] actual = [.. y.ToArray().Select(Bits)];
                Assert.True(expected.AsSpan().SequenceEqual(actual),
                    $"{typeof(TH).Name} {g}, offset {offset}, streaming={streaming}, threads={threads}, bias={withBias}: differs from the float32 reference rounded once");
            }
        }
    }

    /// <summary>
    /// Channel counts around one and four 16-lane vectors, taps 1 to 7, strides and dilations 1 and 2, every padding,
    /// bias or none, and every third call with NaN, infinities and subnormals among the inputs (<see cref="CheckRounding{TH}"/>);
    /// then multipliers 2 to 5, and one call from memory with a multiplier.
    /// </summary>
    private static void CheckChannelsLastShapes<TH>(Random rng)
        where TH : unmanaged
    {
        var pads = (Padding[])[Padding.Same, Padding.Valid, Padding.Causal];
        int i = 0;
        foreach (int c in (int[])[1, 15, 16, 17, 63, 64, 65, 79, 130])
        {
            for (int k = 1; k <= 7; k += 2)
            {
                int s = 1 + i % 2, d = 1 + i / 2 % 2;
                var g = Conv1DGeometry.ForPadding(2, 23 + i % 5, c, 1, k, s, d, pads[i % 3], DataFormat.ChannelsLast);
                CheckRounding<TH>(g, rng, withBias: i % 4 != 3, specials: i % 3 == 0);
                i++;
            }
        }

        // Multipliers 2 to 5 (rows repeated M times, 32 values per permute where M divides 32, one by one otherwise), C * M
        // around one and two vectors and lines, strides and dilations 1 and 2, every padding; work items of 64 steps
        // (several per batch element: the repeated rows of each item start at its own first row).
        foreach (int m in (int[])[2, 3, 4, 5])
        {
            foreach (int c in (int[])[1, 4, 8, 13, 16])
            {
                int s = 1 + i % 2, d = 1 + i / 2 % 2, k = 1 + 2 * (i % 4);
                var g = Conv1DGeometry.ForPadding(2, i % 2 == 0 ? 29 : 150, c, m, k, s, d, pads[i % 3], DataFormat.ChannelsLast);
                CheckRounding<TH>(g, rng, withBias: i % 4 != 3, specials: i % 3 == 0);
                i++;
            }
        }

        // From memory with a multiplier (above 8 MiB of 16-bit values: streamed lines from each row's first line boundary,
        // the kernel wrapped; 1056 output channels, 33 lines a row).
        CheckRounding<TH>(Conv1DGeometry.ForPadding(2, 2050, 264, 4, 4, 1, 1, Padding.Valid, DataFormat.ChannelsLast), rng, withBias: true, specials: false);
    }

    private static void CheckBfloat16Rounding(in Conv1DGeometry g, Random rng, bool withBias, bool specials) =>
        CheckRounding<BFloat16>(g, rng, withBias, specials);

    /// <summary>
    /// <see cref="DepthwiseConvolution.Forward"/> on 16-bit spans against the float32 reference kernel on the widened
    /// values, rounded once, bit for bit, 1 and 2 threads. <paramref name="specials"/>: every 97th input NaN, an
    /// infinity or a subnormal; <paramref name="special"/> sets one input and <paramref name="specialTap"/> one tap
    /// (indices, or -1) to it.
    /// </summary>
    private static void CheckRounding<TH>(in Conv1DGeometry g, Random rng, bool withBias, bool specials, float scale = 1,
        int specialInput = -1, int specialTap = -1, float special = float.NaN)
        where TH : unmanaged
    {
        float[] values = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-40f, -3e-39f];
        if (typeof(TH) == typeof(Half))
        {
            values[3] = 3e-7f;
            values[4] = -6e-8f;
        }

        TH[] x = [.. Enumerable.Range(0, g.InputCount).Select(j => To<TH>(specials && j % 97 == 5 ? values[j % 5] : (float)(rng.NextDouble() * 4 - 2) * scale))];
        TH[] k = [.. Enumerable.Range(0, g.KernelCount).Select(_ => To<TH>((float)(rng.NextDouble() - 0.5) * scale))];
        TH[] b = withBias ? [.. Enumerable.Range(0, g.OutputChannels).Select(_ => To<TH>((float)(rng.NextDouble() - 0.5)))] : [];
        if (specialInput >= 0)
        {
            x[specialInput] = To<TH>(special);
        }

        if (specialTap >= 0)
        {
            k[specialTap] = To<TH>(special);
        }

        var z = new float[g.OutputCount];
        DepthwiseSharp.Kernels.ReferenceKernel.Forward<float>(g, x.Select(From).ToArray(), k.Select(From).ToArray(), b.Select(From).ToArray(), z);
        ushort[] expected = [.. z.Select(v => Bits(To<TH>(v)))];
        foreach (int threads in (int[])[1, 2])
        {
            var y = new TH[g.OutputCount];
            if (typeof(TH) == typeof(Half))
            {
                DepthwiseConvolution.Forward(g, MemoryMarshal.Cast<TH, Half>(x), MemoryMarshal.Cast<TH, Half>(k), MemoryMarshal.Cast<TH, Half>(b),
                    MemoryMarshal.Cast<TH, Half>(y.AsSpan()), threads);
            }
            else
            {
                DepthwiseConvolution.Forward(g, MemoryMarshal.Cast<TH, BFloat16>(x), MemoryMarshal.Cast<TH, BFloat16>(k), MemoryMarshal.Cast<TH, BFloat16>(b),
                    MemoryMarshal.Cast<TH, BFloat16>(y.AsSpan()), threads);
            }

            ushort[] actual = [.. y.Select(Bits)];
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{typeof(TH).Name} {g}, bias={withBias}, threads={threads}: differs from the float32 reference rounded once");
        }
    }

    private static TH To<TH>(float v)
        where TH : unmanaged => typeof(TH) == typeof(Half) ? (TH)(object)(Half)v : (TH)(object)(BFloat16)v;

    private static float From<TH>(TH v)
        where TH : unmanaged => v is Half h ? (float)h : (float)(BFloat16)(object)v;

    private static ushort Bits<TH>(TH v)
        where TH : unmanaged => MemoryMarshal.Cast<TH, ushort>(new[] { v })[0];

    /// <summary>Which fused bfloat16 calls stream: the rule stated on <c>ForwardPolicy.FusedStreamingStart</c>.</summary>
    [Fact]
    public void Bfloat16_fused_calls_stream_from_any_line_boundary_at_the_strides_the_column_kernel_walks()
    {
        var strided = Conv1DGeometry.ForPadding(16, 4096, 256, 1, 7, 2, 1, Padding.Valid, DataFormat.ChannelsLast);
        var unstrided = Conv1DGeometry.ForPadding(16, 4096, 256, 1, 7, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        var unwalked = Conv1DGeometry.ForPadding(16, 4096, 256, 1, 7, 3, 1, Padding.Valid, DataFormat.ChannelsLast);
        Assert.Equal(0, DepthwiseSharp.Kernels.ForwardPolicy.FusedStreamingStart(strided, 4096, false));
        Assert.Equal(18, DepthwiseSharp.Kernels.ForwardPolicy.FusedStreamingStart(strided, 4096 + 28, false));
        Assert.Equal(18, DepthwiseSharp.Kernels.ForwardPolicy.FusedStreamingStart(unstrided, 4096 + 28, false));
        Assert.Equal(0, DepthwiseSharp.Kernels.ForwardPolicy.FusedStreamingStart(unwalked, 4096, false));
        Assert.Equal(-1, DepthwiseSharp.Kernels.ForwardPolicy.FusedStreamingStart(unwalked, 4096 + 28, false));
        Assert.Equal(18, DepthwiseSharp.Kernels.ForwardPolicy.FusedStreamingStart(unwalked, 4096 + 28, true));
        var cached = Conv1DGeometry.ForPadding(1, 512, 256, 1, 7, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        Assert.Equal(-1, DepthwiseSharp.Kernels.ForwardPolicy.FusedStreamingStart(cached, 4096 + 28, false));
    }

    private static ushort BFloat16Bits(BFloat16 v) => MemoryMarshal.Cast<BFloat16, ushort>(new[] { v })[0];

    /// <summary>Which 16-bit calls take a fused kernel: the rule stated on <c>ForwardPolicy.HalfFusedPays</c>.</summary>
    [Fact]
    public void Sixteen_bit_calls_fuse_channels_last_from_memory_in_one_tile_or_on_whole_line_rows_and_channels_first_at_strides_1_and_2()
    {
        var best = DepthwiseSharp.Kernels.KernelVariant.Vector512;
        var small = Conv1DGeometry.ForPadding(1, 128, 64, 1, 3, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        var cached = Conv1DGeometry.ForPadding(32, 1000, 128, 1, 9, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        var cachedStraddling = Conv1DGeometry.ForPadding(8, 2000, 100, 1, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        var memory = Conv1DGeometry.ForPadding(8, 4099, 1536, 1, 4, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        var memoryStraddling = Conv1DGeometry.ForPadding(8, 4099, 1500, 1, 4, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        bool avx512 = System.Runtime.Intrinsics.X86.Avx512BW.IsSupported;
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(small, best, null));
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(cached, best, null));
        Assert.False(DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(cachedStraddling, best, null));
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(memoryStraddling, best, null));
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(memory, best, null));
        // float16: the same channels_last rule.
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<Half>(memory, best, null));
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<Half>(cached, best, null));
        Assert.False(DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<Half>(cachedStraddling, best, null));
        Assert.False(DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(memory, DepthwiseSharp.Kernels.KernelVariant.Vector256, null));
        // A multiplier above 1: the same rule on the C * M output channels (the rows repeated M times first).
        var multiplier = Conv1DGeometry.ForPadding(8, 4099, 1536, 2, 4, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(multiplier, best, null));
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<Half>(
            Conv1DGeometry.ForPadding(16, 2048, 64, 4, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast), best, null));
        Assert.False(DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(
            Conv1DGeometry.ForPadding(8, 2000, 25, 4, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast), best, null));
        // channels_first: strides 1 and 2, any multiplier, from memory or the cache; larger strides take the tiled path.
        var first = Conv1DGeometry.ForPadding(8, 4099, 1536, 1, 4, 1, 1, Padding.Valid, DataFormat.ChannelsFirst);
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(first, best, null));
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(
            Conv1DGeometry.ForPadding(16, 2048, 64, 4, 5, 1, 1, Padding.Same, DataFormat.ChannelsFirst), best, null));
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(
            Conv1DGeometry.ForPadding(16, 4096, 256, 1, 7, 2, 1, Padding.Valid, DataFormat.ChannelsFirst), best, null));
        Assert.False(DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<BFloat16>(
            Conv1DGeometry.ForPadding(16, 4096, 256, 1, 7, 3, 1, Padding.Valid, DataFormat.ChannelsFirst), best, null));
        Assert.Equal(avx512, DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<Half>(first, best, null));
        Assert.False(DepthwiseSharp.Kernels.ForwardPolicy.HalfFusedPays<Half>(
            Conv1DGeometry.ForPadding(16, 4096, 256, 1, 7, 3, 1, Padding.Valid, DataFormat.ChannelsFirst), best, null));
    }

    /// <summary>Each SIMD width, forced in this process, gives the same bits, for the span call and a layer with a fused activation.</summary>
    [Theory]
    [InlineData("channels_last")]
    [InlineData("channels_first")]
    public void Every_simd_width_gives_the_same_bits(string format)
    {
        var df = KerasEnums.ParseDataFormat(format);
        var g = Conv1DGeometry.ForPadding(3, 777, 37, 2, 5, 1, 2, Padding.Same, df);
        var rng = new Random(12);
        Half[] x = [.. Enumerable.Range(0, g.InputCount).Select(_ => (Half)(rng.NextDouble() * 2 - 1))];
        Half[] k = [.. Enumerable.Range(0, g.KernelCount).Select(_ => (Half)(rng.NextDouble() - 0.5))];
        Half[] b = [.. Enumerable.Range(0, g.OutputChannels).Select(_ => (Half)(rng.NextDouble() - 0.5))];
        var layer = new DepthwiseConv1D(5, 1, "same", depthMultiplier: 2, dataFormat: format, dilationRate: 2, activation: "gelu", dtype: "mixed_bfloat16");
        var xb = Tensor.Create(x.Select(v => (BFloat16)(float)v).ToArray(), df == DataFormat.ChannelsLast ? [3, 777, 37] : [3, 37, 777]);
        layer.Build([null, (int)xb.Lengths[1], (int)xb.Lengths[2]]);
        byte[]? first = null, firstLayer = null;
        foreach (var variant in DepthwiseSharp.Kernels.KernelVariants.Supported)
        {
            using var width = DepthwiseSharp.Kernels.KernelVariants.Force(variant);
            var y = new Half[g.OutputCount];
            DepthwiseConvolution.Forward(g, (ReadOnlySpan<Half>)x, k, b, y, 2);
            byte[] bits = MemoryMarshal.AsBytes(y.AsSpan()).ToArray();
            byte[] layerBits = MemoryMarshal.AsBytes(layer.Call(xb).ToArray().AsSpan()).ToArray();
            first ??= bits;
            firstLayer ??= layerBits;
            Assert.True(first.AsSpan().SequenceEqual(bits), $"{variant}: span forward differs");
            Assert.True(firstLayer.AsSpan().SequenceEqual(layerBits), $"{variant}: layer call differs");
        }
    }

    /// <summary>After warm-up the 16-bit entry points allocate nothing on one thread (scratch comes from ArrayPool), a
    /// whole-row activation (softmax) included.</summary>
    [Fact]
    public void Sixteen_bit_calls_allocate_nothing_after_warm_up()
    {
        // M = 2: with AVX-512 the fused kernel over each item's rows repeated into a pooled buffer (the layers below, with
        // an activation, take the tiled path).
        var g = Conv1DGeometry.ForPadding(4, 600, 32, 2, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        var x = new BFloat16[g.InputCount];
        var k = new BFloat16[g.KernelCount];
        var y = new BFloat16[g.OutputCount];

        // M = 1: the fused bfloat16 kernel where the machine has AVX-512 (its 16-bit kernel copy comes from ArrayPool).
        var fused = Conv1DGeometry.ForPadding(4, 600, 32, 1, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        var kf = new BFloat16[fused.KernelCount];
        var yf = new BFloat16[fused.OutputCount];
        // channels_first, stride 1: the fused channels_first kernel (its taps in a stack buffer).
        var first = Conv1DGeometry.ForPadding(4, 600, 32, 2, 5, 1, 1, Padding.Same, DataFormat.ChannelsFirst);
        var layer = new DepthwiseConv1D(5, 1, "same", depthMultiplier: 2, activation: "gelu", dtype: "mixed_bfloat16") { MaxDegreeOfParallelism = 1 };
        var rows = new DepthwiseConv1D(5, 1, "same", depthMultiplier: 2, activation: "softmax", dtype: "mixed_bfloat16") { MaxDegreeOfParallelism = 1 };
        int[] shape = [4, 600, 32];
        for (int i = 0; i < 3; i++)
        {
            DepthwiseConvolution.Forward(g, (ReadOnlySpan<BFloat16>)x, k, ReadOnlySpan<BFloat16>.Empty, y, 1);
            DepthwiseConvolution.Forward(fused, x.AsSpan(0, fused.InputCount), kf, ReadOnlySpan<BFloat16>.Empty, yf, 1);
            DepthwiseConvolution.Forward(first, (ReadOnlySpan<BFloat16>)x, k, ReadOnlySpan<BFloat16>.Empty, y, 1);
            layer.Call(x, shape, y);
            rows.Call(x, shape, y);
        }

        // The least of three rounds: ArrayPool.Shared drops its cached arrays when a full collection runs, and other tests
        // running in parallel can cause one mid-round (CI once saw the 2,072 bytes of one re-rented 512-float scratch).
        // A steady state that allocates has every round above zero.
        long allocated = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                DepthwiseConvolution.Forward(g, (ReadOnlySpan<BFloat16>)x, k, ReadOnlySpan<BFloat16>.Empty, y, 1);
                DepthwiseConvolution.Forward(fused, x.AsSpan(0, fused.InputCount), kf, ReadOnlySpan<BFloat16>.Empty, yf, 1);
                DepthwiseConvolution.Forward(first, (ReadOnlySpan<BFloat16>)x, k, ReadOnlySpan<BFloat16>.Empty, y, 1);
                layer.Call(x, shape, y);
                rows.Call(x, shape, y);
            }

            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        if (TestBuild.LibraryIsOptimized)
        {
            Assert.Equal(0, allocated);
        }
    }

    [Fact]
    public void Lengths_that_do_not_match_the_geometry_are_named()
    {
        var g = Conv1DGeometry.ForPadding(1, 4, 2, 1, 2, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        var e = Assert.Throws<ArgumentException>(() =>
            DepthwiseConvolution.Forward(g, new BFloat16[8], new BFloat16[3], ReadOnlySpan<BFloat16>.Empty, new BFloat16[6]));
        Assert.Equal("kernel", e.ParamName);
    }
}
