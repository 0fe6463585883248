using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Tests.Kernels;

/// <summary>
/// Every supported SIMD width against the scalar reference, bit for bit, over boundary cases: channels below, equal to,
/// above and a multiple of each vector width; k from 1 to 31; strides; dilations; valid, same, causal and explicit pads;
/// lengths from 0. The reference itself is checked against a float64 formula elsewhere (golden tests).
/// </summary>
public class KernelVariantTests
{
    // Variant names (the enum is internal): Scalar, Vector128, Vector256, Vector512 as this machine supports them.
    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (var v in KernelVariants.Supported)
        {
            data.Add(v.ToString());
        }

        return data;
    }

    private static readonly int[] Channels = [1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 65];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Channel_boundaries_match_reference(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        var rng = new Random(1);
        foreach (int c in Channels)
        {
            foreach (int m in (int[])[1, 2, 3])
            {
                foreach (var df in (DataFormat[])[DataFormat.ChannelsLast, DataFormat.ChannelsFirst])
                {
                    Check<float>(variant, new Conv1DGeometry(2, 11, c, m, 3, 1, 1, 1, 1, df), rng);
                    Check<double>(variant, new Conv1DGeometry(1, 9, c, m, 2, 2, 1, 0, 1, df), rng);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Kernel_sizes_1_to_31_strides_dilations_and_paddings_match_reference(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        var rng = new Random(2);
        for (int k = 1; k <= 31; k++)
        {
            foreach (var (s, d) in ((int, int)[])[(1, 1), (2, 1), (3, 1), (1, 2), (1, 3), (2, 2)])
            {
                foreach (var padding in (Padding[])[Padding.Valid, Padding.Same, Padding.Causal])
                {
                    foreach (int length in (int[])[1, 2, 5, 17, 40])
                    {
                        if (padding == Padding.Valid && length < (k - 1) * d + 1)
                        {
                            continue;
                        }

                        var df = (k + length) % 2 == 0 ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst;
                        var g = Conv1DGeometry.ForPadding(2, length, 5 + k % 4, 1 + k % 3, k, s, d, padding, df);
                        Check<float>(variant, g, rng);
                    }
                }
            }
        }
    }

    /// <summary>
    /// channels_last rows of 4 KiB and more take the 4-step register block (or the column kernel, where it applies):
    /// channel counts at, below and above a whole number of 2-vector groups, block and step remainders (lengths not a
    /// multiple of 4), strides, dilations, M &gt; 1.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Page_sized_channels_last_rows_take_the_step_block_and_match_reference(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        var rng = new Random(4);
        foreach (int cm in (int[])[1023, 1024, 1025, 1056, 1087, 1200])
        {
            foreach (var (m, k, s, d, length) in ((int, int, int, int, int)[])[(1, 7, 1, 1, 23), (1, 3, 2, 1, 18), (1, 4, 1, 3, 30)])
            {
                Check<float>(variant, Conv1DGeometry.ForPadding(2, length, cm, m, k, s, d, Padding.Same, DataFormat.ChannelsLast), rng);
            }
        }

        Check<float>(variant, Conv1DGeometry.ForPadding(2, 21, 300, 4, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast), rng);
        Check<float>(variant, Conv1DGeometry.ForPadding(1, 26, 341, 3, 3, 1, 2, Padding.Valid, DataFormat.ChannelsLast), rng);
        Check<double>(variant, Conv1DGeometry.ForPadding(2, 19, 512, 1, 7, 1, 1, Padding.Same, DataFormat.ChannelsLast), rng);
        Check<double>(variant, Conv1DGeometry.ForPadding(1, 17, 520, 1, 2, 2, 1, Padding.Causal, DataFormat.ChannelsLast), rng);
    }

    /// <summary>
    /// The channels_last column kernel (blocks of 8 outputs with AVX-512, else 4, all taps in registers) at its
    /// boundaries: channels equal to, above and a multiple of the vector width plus a remainder; taps 1 to 13 (12 is the
    /// most it takes with 8-output blocks, 11 with 4, more fall back); stride and dilation pairs where the dilation is a
    /// multiple of the stride (phases of d / s outputs), strides a multiple of the dilation (2 and 4 with 1 and 2: row steps
    /// of 2) and pairs it does not walk (3 with 1, 3 with 2: fall back); lengths giving no block, one block and blocks plus
    /// a remainder per phase and per 32-step tile; M = 2 (repeated-input rows).
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Column_kernel_boundaries_match_reference(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        int w = variant == KernelVariant.Scalar ? 1 : (int)variant / 32;
        var rng = new Random(5);
        var pads = (Padding[])[Padding.Same, Padding.Valid, Padding.Causal];
        var strideDilations = ((int, int)[])[(1, 1), (1, 2), (1, 3), (2, 2), (2, 4), (3, 3), (2, 1), (4, 2), (3, 1), (3, 2)];
        for (int k = 1; k <= 13; k++)
        {
            for (int i = 0; i < strideDilations.Length; i++)
            {
                var (s, d) = strideDilations[i];
                foreach (int length in (int[])[1, 9, 40, 75 + k, 150 + k])
                {
                    var padding = pads[(k + i + length) % 3];
                    if (padding == Padding.Valid && length < (k - 1) * d + 1)
                    {
                        continue;
                    }

                    int cm = ((k + i) % 3) switch { 0 => w, 1 => w + 1, _ => 2 * w + 3 };
                    Check<float>(variant, Conv1DGeometry.ForPadding(1, length, cm, 1, k, s, d, padding, DataFormat.ChannelsLast), rng);
                }
            }

            Check<float>(variant, Conv1DGeometry.ForPadding(2, 50, w / 2 + 1, 2, k, 1, 1, Padding.Same, DataFormat.ChannelsLast), rng);
            Check<double>(variant, Conv1DGeometry.ForPadding(1, 45, w / 2 + 3, 1, k, 1, 2, Padding.Same, DataFormat.ChannelsLast), rng);
        }
    }

    /// <summary>
    /// Dilated column walks of calls from memory (input plus output above ForwardPolicy.CacheResidentBytes) whose walk is
    /// short enough to request the next tile's rows in software, where a tile of one block per phase walks each channel
    /// vector through its phases in one call, and a long walk, where it goes phase by phase: d / s of 3 and 4, channel
    /// counts with a remainder, every variant.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Dilated_column_tiles_from_memory_match_reference(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        var rng = new Random(17);
        Check<float>(variant, Conv1DGeometry.ForPadding(8, 4000, 128, 1, 5, 1, 4, Padding.Same, DataFormat.ChannelsLast), rng);
        Check<float>(variant, Conv1DGeometry.ForPadding(4, 8000, 99, 1, 7, 1, 3, Padding.Causal, DataFormat.ChannelsLast), rng);
        Check<float>(variant, Conv1DGeometry.ForPadding(2, 4000, 520, 1, 4, 1, 4, Padding.Valid, DataFormat.ChannelsLast), rng);
    }

    /// <summary>
    /// channels_first with M &gt; 1, where 4 output rows of one input channel are computed together (2 vectors of steps
    /// at a time): M a multiple of 4, one above (a group then a single row) and below 4 (single rows only); interiors of
    /// fewer than, exactly and more than 2 vectors of steps, with a remainder; k 1 to 7; strides 1 and 2 (phases);
    /// dilations 1 and 2; one and two threads, with items of 5 output rows that split groups.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Channels_first_multiplier_groups_match_reference(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        int w = variant == KernelVariant.Scalar ? 1 : (int)variant / 32;
        var rng = new Random(8);
        foreach (int m in (int[])[4, 8, 5, 3])
        {
            for (int k = 1; k <= 7; k += 2)
            {
                foreach (int length in (int[])[1, 2 * w - 1, 2 * w + k - 1, 4 * w + 3 + k, 70])
                {
                    var (s, d) = ((m + k) % 3) switch { 0 => (1, 1), 1 => (2, 1), _ => (1, 2) };
                    var padding = (k + length) % 2 == 0 ? Padding.Same : Padding.Causal;
                    Check<float>(variant, Conv1DGeometry.ForPadding(2, length, 3, m, k, s, d, padding, DataFormat.ChannelsFirst), rng);
                }
            }

            Check<double>(variant, Conv1DGeometry.ForPadding(1, 4 * w + 5, 2, m, 5, 1, 1, Padding.Same, DataFormat.ChannelsFirst), rng);
        }

        // Work enough for 8 items of 5 rows (40 output rows) with two threads, 4 with one.
        var g = Conv1DGeometry.ForPadding(1, 4096, 5, 8, 5, 1, 1, Padding.Same, DataFormat.ChannelsFirst);
        var x = Random<float>(g.InputCount, rng);
        var kernel = Random<float>(g.KernelCount, rng);
        var b = Random<float>(g.OutputChannels, rng);
        var expected = new float[g.OutputCount];
        ReferenceKernel.Forward<float>(g, x, kernel, b, expected);
        foreach (int threads in (int[])[1, 2])
        {
            var actual = new float[g.OutputCount];
            actual.AsSpan().Fill(float.NaN);
            ForwardExecutor.Forward<float>(g, x, kernel, b, actual, variant, maxDegree: threads);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{variant} with {threads} threads differs from the reference for {g}");
        }
    }

    /// <summary>
    /// Non-temporal (streaming) stores, forced whatever the output size: the output starting at every element offset
    /// within a 64-byte line (the streamed range then begins at the row's first line boundary, channels before it and
    /// after the last whole line take ordinary stores); stride 1 (each row's last vector runs on into the next row's
    /// head, with the wrapped kernel) and stride 2 (head and tail per row); the step loop, the 4-step block (rows of
    /// 4 KiB and more) and the column kernel; one and two threads; one sequence split into several work items; M = 2;
    /// float and double; bias or none.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Streaming_stores_at_every_output_alignment_match_reference(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        var rng = new Random(6);
        for (int offset = 0; offset < 16; offset++)
        {
            var (s, d) = (offset % 3) switch { 0 => (1, 1), 1 => (1, 4), _ => (2, 1) };
            int k = 3 + offset % 5;
            CheckStreaming<float>(variant, Conv1DGeometry.ForPadding(2, 37 + offset, 64, 1, k, s, d, Padding.Same, DataFormat.ChannelsLast), offset, rng);
            CheckStreaming<float>(variant, Conv1DGeometry.ForPadding(1, 30, 1024 + 16 * (offset % 2), 1, k, s, 1, Padding.Valid,
                DataFormat.ChannelsLast), offset, rng);
            CheckStreaming<float>(variant, Conv1DGeometry.ForPadding(2, 29, 16, 2, k, s, d, Padding.Causal, DataFormat.ChannelsLast), offset, rng);
            CheckStreaming<double>(variant, Conv1DGeometry.ForPadding(2, 33, 24, 1, k, s, d, Padding.Same, DataFormat.ChannelsLast), offset % 8, rng);
            if (offset % 6 < 2)
            {
                // Work enough to split one sequence into several items (4 with one thread, 8 with two): wrapped runs end
                // and start again inside it.
                CheckStreaming<float>(variant, Conv1DGeometry.ForPadding(1, 300, 256, 1, 7, 1, d, Padding.Same, DataFormat.ChannelsLast), offset, rng);
            }
        }

        // Rows that are not a whole number of lines never stream; still correct.
        CheckStreaming<float>(variant, Conv1DGeometry.ForPadding(1, 20, 37, 1, 3, 1, 1, Padding.Same, DataFormat.ChannelsLast), 3, rng);
    }

    /// <summary>
    /// Cache-resident calls that store whole aligned lines with ordinary stores (<c>ForwardPolicy.AlignedLinesStart</c>: the
    /// interior from the row's first line boundary, the kernel wrapped): the output at every element offset within a line,
    /// the column kernel and the step loop, one and two threads, bias or none, against the reference.
    /// </summary>
    [Fact]
    public void Aligned_line_stores_of_cached_calls_at_every_output_alignment_match_reference()
    {
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            return;
        }

        var rng = new Random(8);
        for (int offset = 0; offset < 16; offset += 3)
        {
            // 1 x 300 x 256 float32 in and out: 600 KiB, above AlignedLinesMinBytes and cache-resident.
            var g = Conv1DGeometry.ForPadding(1, 300, 256, 1, 3 + offset % 5, 1, 1, Padding.Same, DataFormat.ChannelsLast);
            Assert.True(ForwardPolicy.AlignedLinesStart<float>(g, 4096 + 4 * offset, false, KernelVariant.Vector512) == (16 - offset) % 16);
            CheckStreaming<float>(KernelVariant.Vector512, g, offset, rng, streaming: null);
        }
    }

    /// <summary>Which cached calls store aligned lines: the rule stated on <c>ForwardPolicy.AlignedLinesStart</c>.</summary>
    [Fact]
    public void Only_cached_stride_1_calls_of_half_an_L2_or_more_align_their_lines()
    {
        var best = KernelVariant.Vector512;
        var g = Conv1DGeometry.ForPadding(1, 512, 256, 1, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        Assert.Equal(12, ForwardPolicy.AlignedLinesStart<float>(g, 4096 + 16, false, best));
        Assert.Equal(0, ForwardPolicy.AlignedLinesStart<float>(g, 4096, false, best));
        Assert.Equal(-1, ForwardPolicy.AlignedLinesStart<float>(g, 4096 + 16, true, best));
        Assert.Equal(-1, ForwardPolicy.AlignedLinesStart<float>(g, 4096 + 16, false, KernelVariant.Vector256));
        Assert.Equal(-1, ForwardPolicy.AlignedLinesStart<float>(g, 4096 + 2, false, best));

        // 1 x 255 x 256 float32: just under 512 KiB in and out; stride 2; M = 2; rows not whole lines; from memory (streams).
        Assert.Equal(-1, ForwardPolicy.AlignedLinesStart<float>(Conv1DGeometry.ForPadding(1, 255, 256, 1, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast),
            4096 + 16, false, best));
        Assert.Equal(-1, ForwardPolicy.AlignedLinesStart<float>(Conv1DGeometry.ForPadding(1, 1024, 256, 1, 5, 2, 1, Padding.Same, DataFormat.ChannelsLast),
            4096 + 16, false, best));
        Assert.Equal(-1, ForwardPolicy.AlignedLinesStart<float>(Conv1DGeometry.ForPadding(1, 512, 128, 2, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast),
            4096 + 16, false, best));
        Assert.Equal(-1, ForwardPolicy.AlignedLinesStart<float>(Conv1DGeometry.ForPadding(1, 512, 250, 1, 5, 1, 1, Padding.Same, DataFormat.ChannelsLast),
            4096 + 16, false, best));
        Assert.Equal(-1, ForwardPolicy.AlignedLinesStart<float>(Conv1DGeometry.ForPadding(64, 8192, 256, 1, 7, 1, 1, Padding.Same, DataFormat.ChannelsLast),
            4096 + 16, false, best));
        Assert.Equal(-1, ForwardPolicy.AlignedLinesStart<float>(Conv1DGeometry.ForPadding(1, 512, 256, 1, 5, 1, 1, Padding.Same, DataFormat.ChannelsFirst),
            4096 + 16, false, best));
    }

    /// <summary>Which calls stream, and from which channel: the rule stated on <c>ForwardPolicy.StreamingStart</c>.</summary>
    [Fact]
    public void Streaming_starts_at_the_first_line_boundary_of_large_channels_last_outputs_only()
    {
        var big = Conv1DGeometry.ForPadding(64, 8192, 256, 1, 7, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        var best = KernelVariant.Vector128;
        Assert.Equal(0, ForwardPolicy.StreamingStart<float>(big, 4096, false, best, false));
        Assert.Equal(12, ForwardPolicy.StreamingStart<float>(big, 4096 + 16, false, best, false));
        Assert.Equal(1, ForwardPolicy.StreamingStart<double>(big, 4096 + 56, false, best, false));
        Assert.Equal(-1, ForwardPolicy.StreamingStart<float>(big, 4096 + 2, false, best, false));
        Assert.Equal(-1, ForwardPolicy.StreamingStart<float>(big, 4096, true, best, false));
        Assert.Equal(-1, ForwardPolicy.StreamingStart<float>(big, 4096, false, KernelVariant.Scalar, false));
        var small = Conv1DGeometry.ForPadding(1, 128, 64, 1, 3, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        Assert.Equal(-1, ForwardPolicy.StreamingStart<float>(small, 4096, false, best, false));

        // Input plus output just above 14 MiB streams, just below does not: 14 x 513 x 256 float32 in and 14 x 512 x 256
        // out (valid, k 2) is 14 MiB + 14 KiB; one step fewer in and out is 14 MiB - 14 KiB.
        var over = Conv1DGeometry.ForPadding(14, 513, 256, 1, 2, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        Assert.Equal(0, ForwardPolicy.StreamingStart<float>(over, 4096, false, best, false));
        var under = Conv1DGeometry.ForPadding(14, 512, 256, 1, 2, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        Assert.Equal(-1, ForwardPolicy.StreamingStart<float>(under, 4096, false, best, false));
        Assert.Equal(0, ForwardPolicy.StreamingStart<float>(small, 4096, false, best, true));
        var oddRows = Conv1DGeometry.ForPadding(64, 8192, 250, 1, 7, 1, 1, Padding.Same, DataFormat.ChannelsLast);
        Assert.Equal(-1, ForwardPolicy.StreamingStart<float>(oddRows, 4096, false, best, false));
        var first = Conv1DGeometry.ForPadding(64, 8192, 256, 1, 7, 1, 1, Padding.Same, DataFormat.ChannelsFirst);
        Assert.Equal(-1, ForwardPolicy.StreamingStart<float>(first, 4096, false, best, false));
    }

    /// <summary>Which calls request rows ahead in software: the rule stated on <c>ForwardPolicy.Prefetches</c>.</summary>
    [Fact]
    public void Only_calls_larger_than_14_MiB_prefetch()
    {
        // 14 MiB + 14 KiB and 14 MiB - 14 KiB of float32 input plus output (see the streaming test); double doubles them.
        var over = Conv1DGeometry.ForPadding(14, 513, 256, 1, 2, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        var under = Conv1DGeometry.ForPadding(14, 512, 256, 1, 2, 1, 1, Padding.Valid, DataFormat.ChannelsLast);
        Assert.True(ForwardPolicy.Prefetches<float>(over));
        Assert.False(ForwardPolicy.Prefetches<float>(under));
        Assert.True(ForwardPolicy.Prefetches<double>(under));
        Assert.False(ForwardPolicy.Prefetches<float>(Conv1DGeometry.ForPadding(1, 128, 64, 1, 3, 1, 1, Padding.Same, DataFormat.ChannelsLast)));
    }

    /// <summary>
    /// <c>ForwardPolicy.PageRows</c>: channels_last calls at stride 1, dilation 1 and M = 1 whose rows are whole 4 KiB pages
    /// take the path of calls from memory (streamed output, requests ahead, one-block column tiles) whatever their size.
    /// </summary>
    [Fact]
    public void Rows_of_whole_pages_take_the_path_of_calls_from_memory()
    {
        static Conv1DGeometry Geometry(int l, int c, int m, int s, int d, DataFormat df = DataFormat.ChannelsLast) =>
            Conv1DGeometry.ForPadding(1, l, c, m, 7, s, d, Padding.Same, df);

        var pages = Geometry(1000, 1024, 1, 1, 1);
        Assert.True(ForwardPolicy.PageRows<float>(pages));
        Assert.False(ForwardPolicy.CacheResident<float>(pages));
        Assert.True(ForwardPolicy.Prefetches<float>(pages));
        Assert.True(ForwardPolicy.ColumnsPay<float>(pages));
        Assert.Equal(8, ForwardPolicy.ColumnTile<float>(pages, 8));
        Assert.True(ForwardPolicy.StreamingStart<float>(pages, 0, false, KernelVariant.Vector512, false) >= 0);
        Assert.True(ForwardPolicy.PageRows<double>(Geometry(1000, 512, 1, 1, 1)));
        // Rows of half a page too (512 float32 channels).
        Assert.True(ForwardPolicy.PageRows<float>(Geometry(1000, 512, 1, 1, 1)));

        // Not whole pages (1008 channels, 6 KiB rows, 1 KiB rows), a stride, a dilation, a multiplier, channels_first: cached.
        foreach (var g in new[] { Geometry(1000, 1008, 1, 1, 1), Geometry(259, 1536, 1, 1, 1), Geometry(1000, 256, 1, 1, 1),
                     Geometry(1000, 1024, 1, 2, 1), Geometry(1000, 1024, 1, 1, 2), Geometry(1000, 512, 2, 1, 1),
                     Geometry(1000, 1024, 1, 1, 1, DataFormat.ChannelsFirst) })
        {
            Assert.False(ForwardPolicy.PageRows<float>(g), g.ToString());
            Assert.True(ForwardPolicy.CacheResident<float>(g), g.ToString());
        }

        Assert.False(ForwardPolicy.PageRows<BFloat16>(Geometry(1000, 2048, 1, 1, 1)));
    }

    /// <summary>
    /// Small calls whose rows are whole pages stream from any output alignment, as <c>ForwardPolicy.PageRows</c> sends
    /// them: every length from 1, taps 1 to 9, bias or none, 1 and 2 threads, at every supported width, against the
    /// reference bit for bit.
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Small_calls_with_rows_of_whole_pages_match_reference(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        var rng = new Random(17);
        foreach (int c in (int[])[512, 1024, 2048])
        {
            foreach (int k in (int[])[1, 3, 4, 9])
            {
                foreach (int l in (int[])[1, 2, 7, 19, 40])
                {
                    var g = Conv1DGeometry.ForPadding(2, l, c, 1, k, 1, 1, Padding.Same, DataFormat.ChannelsLast);
                    var x = Random<float>(g.InputCount, rng);
                    var kernel = Random<float>(g.KernelCount, rng);
                    var bias = Random<float>(g.OutputChannels, rng);
                    var expected = new float[g.OutputCount];
                    ReferenceKernel.Forward<float>(g, x, kernel, bias, expected);
                    foreach (int offset in (int[])[0, 3])
                    {
                        foreach (int threads in (int[])[1, 2])
                        {
                            var y = GC.AllocateArray<float>(g.OutputCount + 16, pinned: true);
                            ForwardExecutor.Forward<float>(g, x, kernel, bias, y.AsSpan(offset, g.OutputCount), variant, maxDegree: threads);
                            Assert.True(expected.AsSpan().SequenceEqual(y.AsSpan(offset, g.OutputCount)), $"{variant} {g} offset {offset} threads {threads}");
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Where the channels_last interior takes the column kernel and how long its tiles are: the rules stated on
    /// <c>ForwardPolicy.ColumnsPay</c>, <c>ColumnWalkAliases</c> and <c>ColumnTile</c>.
    /// </summary>
    [Fact]
    public void Column_kernel_takes_aliasing_walks_from_memory_in_one_block_tiles()
    {
        static Conv1DGeometry Geometry(int n, int l, int c, int k, int s, int d, Padding p) =>
            Conv1DGeometry.ForPadding(n, l, c, 1, k, s, d, p, DataFormat.ChannelsLast);

        // 6 KiB rows (1536 float32 channels): the walk lands in 2 L1 sets. From memory: one block (8 steps) per tile.
        var big = Geometry(8, 4099, 1536, 4, 1, 1, Padding.Valid);
        Assert.True(ForwardPolicy.ColumnWalkAliases<float>(big));
        Assert.True(ForwardPolicy.ColumnsPay<float>(big));
        Assert.Equal(8, ForwardPolicy.ColumnTile<float>(big, 8));
        Assert.Equal(4, ForwardPolicy.ColumnTile<float>(big, 4));

        // The same rows from the cache (1 x 259 x 1536: 3.2 MB) take the step loop.
        Assert.False(ForwardPolicy.ColumnsPay<float>(Geometry(1, 259, 1536, 4, 1, 1, Padding.Valid)));

        // 2 KiB rows alias too, but are shorter than a page: from memory the step loop below HalfPageRowMinTaps taps, the
        // column kernel from there.
        var shortRows = Geometry(16, 4096, 512, 3, 1, 1, Padding.Valid);
        Assert.True(ForwardPolicy.ColumnWalkAliases<float>(shortRows));
        Assert.False(ForwardPolicy.ColumnsPay<float>(shortRows));
        Assert.True(ForwardPolicy.ColumnsPay<float>(Geometry(16, 4096, 512, ForwardPolicy.HalfPageRowMinTaps, 1, 1, Padding.Valid)));

        // Stride 2, dilation 1 over 2 KiB rows: a sweep reads every row, 2 KiB apart: aliases; 8 KiB rows at stride 1 too.
        Assert.True(ForwardPolicy.ColumnWalkAliases<float>(Geometry(4, 4096, 512, 7, 2, 1, Padding.Valid)));
        Assert.True(ForwardPolicy.ColumnsPay<float>(Geometry(4, 4096, 2048, 5, 1, 1, Padding.Same)));

        // 1 KiB rows (256 channels): no aliasing, the column kernel with tiles of 32 steps; with 4 phases (d = 4), 32
        // steps too (4 blocks of 8, one per phase); bfloat16 rows of 3 KiB: no aliasing.
        var f = Geometry(64, 8192, 256, 7, 1, 1, Padding.Same);
        Assert.False(ForwardPolicy.ColumnWalkAliases<float>(f));
        Assert.True(ForwardPolicy.ColumnsPay<float>(f));
        Assert.Equal(32, ForwardPolicy.ColumnTile<float>(f, 8));
        Assert.Equal(32, ForwardPolicy.ColumnTile<float>(Geometry(16, 4096, 256, 7, 1, 4, Padding.Same), 8));
        Assert.False(ForwardPolicy.ColumnWalkAliases<BFloat16>(big));
        Assert.Equal(32, ForwardPolicy.ColumnTile<BFloat16>(big, 8));

        // Dilation 2 at stride 1 has two phases: no aliasing whatever the rows.
        Assert.False(ForwardPolicy.ColumnWalkAliases<float>(Geometry(8, 4096, 1024, 4, 1, 2, Padding.Same)));

        // Rows that are not whole lines take it from memory too (1100 and 1000 channels, 200), on walks that do not alias;
        // M > 1 from memory does not.
        Assert.True(ForwardPolicy.ColumnsPay<float>(Geometry(8, 4096, 1100, 4, 1, 1, Padding.Valid)));
        Assert.True(ForwardPolicy.ColumnsPay<float>(Geometry(2, 1050, 1000, 7, 1, 1, Padding.Same)));
        Assert.True(ForwardPolicy.ColumnsPay<float>(Geometry(16, 4096, 200, 7, 1, 2, Padding.Same)));
        Assert.False(ForwardPolicy.ColumnsPay<float>(new Conv1DGeometry(8, 4096, 512, 4, 4, 1, 1, 0, 0, DataFormat.ChannelsLast)));
    }

    /// <summary>
    /// Streaming calls whose input and output lie at different offsets in their 64-byte lines, on walks whose tap step is a
    /// whole number of 4 KiB pages (<c>ForwardPolicy.StitchesLines</c>: the column kernel walks blocks across each row from
    /// the input's line boundaries and stitches the output lines): every third input offset against several output
    /// offsets, channels 64 to 1024, dilations 1 to 16, leftover steps after the last block, one and two threads, bias or
    /// none, against the reference; placements whose lines coincide take the swept path, the same bits.
    /// </summary>
    [Fact]
    public void Streaming_with_input_and_output_at_different_line_offsets_matches_reference()
    {
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            return;
        }

        var rng = new Random(12);
        Conv1DGeometry[] shapes =
        [
            Conv1DGeometry.ForPadding(2, 61, 256, 1, 7, 1, 4, Padding.Same, DataFormat.ChannelsLast),
            Conv1DGeometry.ForPadding(1, 37, 1024, 1, 3, 1, 1, Padding.Valid, DataFormat.ChannelsLast),
            Conv1DGeometry.ForPadding(1, 90, 64, 1, 3, 1, 16, Padding.Causal, DataFormat.ChannelsLast),
            Conv1DGeometry.ForPadding(1, 700, 256, 1, 5, 1, 4, Padding.Same, DataFormat.ChannelsLast),
        ];
        foreach (var g in shapes)
        {
            Assert.True(ForwardPolicy.StitchesLines<float>(g, 4) && !ForwardPolicy.StitchesLines<float>(g, 64));
            var x = GC.AllocateArray<float>(g.InputCount + 32, pinned: true);
            var y = GC.AllocateArray<float>(g.OutputCount + 32, pinned: true);
            int xMis = Misalignment(x), yMis = Misalignment(y);
            var k = Random<float>(g.KernelCount, rng);
            var b = Random<float>(g.OutputChannels, rng);
            for (int xOffset = 0; xOffset < 16; xOffset += 3)
            {
                var xs = x.AsSpan(((xOffset - xMis) % 16 + 16) % 16, g.InputCount);
                Random<float>(g.InputCount, rng).CopyTo(xs);
                foreach (int yOffset in (int[])[0, 5, 15])
                {
                    var ys = y.AsSpan(((yOffset - yMis) % 16 + 16) % 16, g.OutputCount);
                    foreach (bool withBias in (bool[])[true, false])
                    {
                        var expected = new float[g.OutputCount];
                        ReferenceKernel.Forward<float>(g, xs, k, withBias ? b : default, expected);
                        foreach (int threads in (int[])[1, 2])
                        {
                            ys.Fill(float.NaN);
                            ForwardExecutor.Forward<float>(g, xs, k, withBias ? b : default, ys, KernelVariant.Vector512, maxDegree: threads, columns: true,
                                streaming: true);
                            Assert.True(expected.AsSpan().SequenceEqual(ys),
                                $"x offset {xOffset}, y offset {yOffset}, threads {threads}, bias {withBias}: differs from the reference for {g}");
                        }
                    }
                }
            }
        }
    }

    /// <summary>Elements of a pinned float array's start past a 64-byte boundary.</summary>
    private static int Misalignment(float[] pinned)
    {
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(pinned, System.Runtime.InteropServices.GCHandleType.Pinned);
        int misalignment = (int)(handle.AddrOfPinnedObject() % 64) / 4;
        handle.Free();
        return misalignment;
    }

    private static void CheckStreaming<T>(KernelVariant variant, Conv1DGeometry g, int offset, Random rng, bool? streaming = true)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var x = Random<T>(g.InputCount, rng);
        var k = Random<T>(g.KernelCount, rng);
        var b = Random<T>(g.OutputChannels, rng);
        var expected = new T[g.OutputCount];

        // A pinned buffer whose slice starts `offset` elements past a 64-byte boundary.
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int line = 64 / size;
        var buffer = GC.AllocateArray<T>(g.OutputCount + 2 * line, pinned: true);
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(buffer, System.Runtime.InteropServices.GCHandleType.Pinned);
        int misalignment = (int)(handle.AddrOfPinnedObject() % 64) / size;
        handle.Free();
        int start = ((offset - misalignment) % line + line) % line;

        var actual = buffer.AsSpan(start, g.OutputCount);
        foreach (bool withBias in (bool[])[true, false])
        {
            ReferenceKernel.Forward<T>(g, x, k, withBias ? b : default, expected);
            foreach (bool columns in (bool[])[true, false])
            {
                foreach (int threads in (int[])[1, 2])
                {
                    actual.Fill(T.NaN);
                    ForwardExecutor.Forward<T>(g, x, k, withBias ? b : default, actual, variant, maxDegree: threads, columns: columns, streaming: streaming);
                    Assert.True(expected.AsSpan().SequenceEqual(actual),
                        $"{variant} streaming={streaming} (offset {offset}, columns={columns}, threads={threads}) differs from the reference for {g}, bias={withBias}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Explicit_asymmetric_pads_and_empty_sequences_match_reference(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        var rng = new Random(3);
        foreach (var df in (DataFormat[])[DataFormat.ChannelsLast, DataFormat.ChannelsFirst])
        {
            Check<float>(variant, new Conv1DGeometry(2, 0, 4, 2, 3, 1, 1, 2, 3, df), rng);
            Check<float>(variant, new Conv1DGeometry(0, 5, 4, 2, 3, 1, 1, 1, 1, df), rng);
            Check<float>(variant, new Conv1DGeometry(1, 3, 8, 1, 5, 1, 2, 7, 0, df), rng);
            Check<float>(variant, new Conv1DGeometry(1, 10, 8, 2, 4, 3, 2, 0, 9, df), rng);
            Check<double>(variant, new Conv1DGeometry(3, 1, 33, 1, 9, 1, 1, 4, 4, df), rng);
        }
    }

    /// <summary>
    /// A tap outside the row is left out, not multiplied by a zero: an infinite tap at the sequence edges gives the
    /// reference's infinity (0 * inf would be NaN) and a -0 bias stays -0 where no tap is inside (-0 + 0 * w would be +0),
    /// at every width and in both layouts, bit for bit (masked edge vectors included).
    /// </summary>
    [Theory]
    [MemberData(nameof(Variants))]
    public void Taps_outside_the_row_are_left_out_not_multiplied_by_zero(string name)
    {
        var variant = Enum.Parse<KernelVariant>(name);
        var rng = new Random(9);
        foreach (var df in (DataFormat[])[DataFormat.ChannelsFirst, DataFormat.ChannelsLast])
        {
            foreach (int length in (int[])[1, 3, 16, 17, 40, 129])
            {
                foreach (var (k, d, m) in ((int, int, int)[])[(3, 1, 1), (5, 2, 1), (4, 3, 2), (7, 1, 3)])
                {
                    foreach (var padding in (Padding[])[Padding.Same, Padding.Causal])
                    {
                        var g = Conv1DGeometry.ForPadding(2, length, 5, m, k, 1, d, padding, df);
                        var x = Random<float>(g.InputCount, rng);
                        var kernel = Random<float>(g.KernelCount, rng);
                        var bias = new float[g.OutputChannels];
                        for (int i = 0; i < x.Length; i += 3)
                        {
                            x[i] = i % 2 == 0 ? 0f : -0f;
                        }

                        for (int o = 0; o < g.OutputChannels; o++)
                        {
                            // The first and last taps infinite on some channels; bias -0 (and some taps -0) elsewhere.
                            kernel[o] = o % 2 == 0 ? float.PositiveInfinity : -0f;
                            kernel[(k - 1) * g.OutputChannels + o] = o % 3 == 0 ? float.NegativeInfinity : kernel[(k - 1) * g.OutputChannels + o];
                            bias[o] = -0f;
                        }

                        var expected = new float[g.OutputCount];
                        var actual = new float[g.OutputCount];
                        ReferenceKernel.Forward<float>(g, x, kernel, bias, expected);
                        ForwardExecutor.Forward<float>(g, x, kernel, bias, actual, variant);
                        Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan())
                                .SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan())),
                            $"{variant} differs from the reference for {g}");
                    }
                }
            }
        }
    }

    private static void Check<T>(KernelVariant variant, Conv1DGeometry g, Random rng)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var x = Random<T>(g.InputCount, rng);
        var k = Random<T>(g.KernelCount, rng);
        var b = Random<T>(g.OutputChannels, rng);
        foreach (bool withBias in (bool[])[true, false])
        {
            var expected = new T[g.OutputCount];
            var actual = new T[g.OutputCount];
            ReferenceKernel.Forward<T>(g, x, k, withBias ? b : default, expected);

            // channels_last interiors run both ways: the column kernel (where it applies) and the step loop.
            foreach (bool columns in (bool[])[true, false])
            {
                actual.AsSpan().Fill(T.NaN);
                ForwardExecutor.Forward<T>(g, x, k, withBias ? b : default, actual, variant, columns: columns);
                Assert.True(expected.AsSpan().SequenceEqual(actual),
                    $"{variant} (columns={columns}) differs from the reference for {g}, bias={withBias}");
            }
        }
    }

    private static T[] Random<T>(int n, Random rng)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var a = new T[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = T.CreateTruncating(rng.NextDouble() * 2 - 1);
        }

        return a;
    }
}
