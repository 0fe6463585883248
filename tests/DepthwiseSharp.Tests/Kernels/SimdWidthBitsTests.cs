using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using DepthwiseSharp.Kernels;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.Kernels;

/// <summary>
/// Identical bits for every SIMD width: the forward output and the three gradients of every kernel variant this machine
/// runs (scalar, 128, 256, 512 bits, forced in one process) are the same bits, for both dtypes, both layouts, multipliers
/// 1 and 4, strides and dilations, on sizes large enough that long reductions (dkernel, dbias over N * Lout) are split
/// into vector lanes, blocks and threads.
/// </summary>
public class SimdWidthBitsTests
{
    public static TheoryData<bool, bool, int, int, int, int, int, int> Cases() => new()
    {
        // last, f64, N, L, C, M, k, s
        { true, false, 8, 2048, 64, 1, 5, 1 },
        { false, false, 8, 2048, 64, 1, 5, 1 },
        { true, true, 8, 2048, 64, 1, 5, 1 },
        { false, true, 8, 2048, 64, 1, 5, 1 },
        { true, false, 4, 1031, 37, 4, 7, 2 },
        { false, false, 4, 1031, 37, 4, 7, 2 },
        { true, true, 4, 1031, 37, 4, 7, 2 },
        { false, true, 4, 1031, 37, 4, 7, 2 },
        { true, false, 2, 517, 19, 3, 3, 1 },
        { false, true, 2, 517, 19, 3, 3, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_variant_gives_the_same_bits(bool last, bool f64, int n, int length, int c, int m, int k, int s)
    {
        if (f64)
        {
            Check<double>(last, n, length, c, m, k, s);
        }
        else
        {
            Check<float>(last, n, length, c, m, k, s);
        }
    }

    private static void Check<T>(bool last, int n, int length, int c, int m, int k, int s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Conv1DGeometry.ForPadding(n, length, c, m, k, s, 1, Padding.Same, last ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst);
        var rng = new Random(n * 1000 + c);
        T[] R(int count) => Enumerable.Range(0, count).Select(_ => T.CreateTruncating(rng.NextDouble() * 2 - 1)).ToArray();
        T[] x = R(g.InputCount), kernel = R(g.KernelCount), bias = R(g.OutputChannels), dz = R(g.OutputCount);
        (T[] Y, T[] Dx, T[] Dk, T[] Db)? first = null;
        KernelVariant firstVariant = default;
        foreach (var variant in KernelVariants.Supported)
        {
            foreach (int threads in new[] { 1, 2 })
            {
                var y = new T[g.OutputCount];
                ForwardExecutor.Forward<T>(g, x, kernel, bias, y, variant, null, threads);
                var dx = new T[g.InputCount];
                var dk = new T[g.KernelCount];
                var db = new T[g.OutputChannels];
                BackwardKernel.Input<T>(g, dz, kernel, dx, variant, threads);
                BackwardKernel.KernelAndBias<T>(g, x, dz, dk, db, variant, threads);
                if (first is not { } f)
                {
                    first = (y, dx, dk, db);
                    firstVariant = variant;
                    continue;
                }

                Same(f.Y, y, "y");
                Same(f.Dx, dx, "dx");
                Same(f.Dk, dk, "dkernel");
                Same(f.Db, db, "dbias");

                void Same(T[] a, T[] b, string what)
                {
                    for (int i = 0; i < a.Length; i++)
                    {
                        if (!a[i].Equals(b[i]))
                        {
                            Assert.Fail($"{what}[{i}]: {firstVariant} gives {a[i]}, {variant} with {threads} thread(s) gives {b[i]}");
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Across processes: .ci/run sets DEPTHWISE_SIMD_REFERENCE, its first run (every instruction set on) writes the digests
    /// of the convolution's outputs and gradients there, and its reruns with AVX-512, AVX2 and then all hardware intrinsics
    /// switched off compare against them. The convolution, its gradients and piecewise-linear activations match at every
    /// width, scalar included. float32 elementwise activations that call the runtime's vector exp (gelu, tanh, sigmoid)
    /// match while 128-bit vectors remain (without SIMD the runtime falls back to the C library's exp). Not covered, and
    /// not claimed: float64 transcendental activations (the runtime's double exp differs between 128 and 512 bits) and
    /// softmax (TensorPrimitives' sums take a width-dependent order).
    /// </summary>
    [Fact]
    public void Results_match_the_reference_run_across_instruction_sets()
    {
        var digests = Digests();
        string? path = Environment.GetEnvironmentVariable("DEPTHWISE_SIMD_REFERENCE");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        if (!File.Exists(path))
        {
            File.WriteAllLines(path, digests.Select(d => $"{d.Name} {d.Transcendental} {d.Hash}"));
            return;
        }

        var expected = File.ReadAllLines(path).Select(line => line.Split(' ')).ToDictionary(p => p[0], p => (Transcendental: bool.Parse(p[1]), Hash: p[2]));
        Assert.Equal(expected.Count, digests.Count);
        int compared = 0;
        var differ = new List<string>();
        foreach (var (name, transcendental, hash) in digests)
        {
            if (transcendental && !Vector128.IsHardwareAccelerated)
            {
                continue;
            }

            if (expected[name].Hash != hash)
            {
                differ.Add(name);
            }

            compared++;
        }

        Assert.True(differ.Count == 0,
            $"{string.Join(", ", differ)} differ from the reference run (this run: Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated})");

        Assert.True(compared >= 16, $"only {compared} digests compared");
    }

    private static List<(string Name, bool Transcendental, string Hash)> Digests()
    {
        var result = new List<(string, bool, string)>();
        foreach (bool last in new[] { true, false })
        {
            foreach (var (n, length, c, m, k, s) in new[] { (8, 2048, 64, 1, 5, 1), (4, 1031, 37, 4, 7, 2) })
            {
                string tag = $"{(last ? "cl" : "cf")}_{n}x{length}x{c}_m{m}_k{k}_s{s}";
                Add<float>(result, tag + "_f32", last, n, length, c, m, k, s, "linear");
                Add<double>(result, tag + "_f64", last, n, length, c, m, k, s, "linear");
            }

            foreach (string activation in new[] { "gelu", "tanh", "sigmoid", "relu" })
            {
                Add<float>(result, $"{(last ? "cl" : "cf")}_{activation}_f32", last, 2, 333, 21, 2, 3, 1, activation);
            }

            Add<double>(result, $"{(last ? "cl" : "cf")}_relu_f64", last, 2, 333, 21, 2, 3, 1, "relu");

            // The 16-bit policies: their forward (16-bit tiles, float32 sums) and float32 gradients.
            foreach (string policy in new[] { "mixed_float16", "mixed_bfloat16" })
            {
                Add<float>(result, $"{(last ? "cl" : "cf")}_{policy}", last, 3, 1500, 40, 2, 5, 1, "relu", policy);
            }
        }

        return result;
    }

    private static void Add<T>(List<(string, bool, string)> result, string name, bool last, int n, int length, int c, int m, int k, int s, string activation,
        string? policy = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layer = Streaming.StreamTestUtil.WithRandomWeights(
            new DepthwiseConv1D(k, s, Padding.Same, m, last ? DataFormat.ChannelsLast : DataFormat.ChannelsFirst, 1,
                DepthwiseSharp.Activations.Activation.Get(activation),
                dtype: policy is null ? (typeof(T) == typeof(float) ? DType.Float32 : DType.Float64) : DTypePolicy.Get(policy)),
            c, new Random(length + c));
        var x = Streaming.StreamTestUtil.Input<T>(new Random(n + m), n * length * c);
        var pass = layer.Forward(Tensor.Create(x, last ? [n, length, c] : [n, c, length]));
        var dy = Streaming.StreamTestUtil.Input<T>(new Random(k + s), (int)pass.Output.FlattenedLength);
        var grads = layer.Backward(pass, Tensor.Create(dy, pass.Output.Lengths.ToArray()));
        bool transcendental = activation is "gelu" or "tanh" or "sigmoid";
        result.Add((name + "_y", transcendental, Hash(pass.Output)));
        result.Add((name + "_dx", transcendental, Hash(grads.Input)));
        result.Add((name + "_dkernel", transcendental, Hash(grads.Kernel)));
        result.Add((name + "_dbias", transcendental, Hash(grads.Bias!)));
    }

    private static string Hash<T>(Tensor<T> t)
        where T : unmanaged
    {
        var values = new T[t.FlattenedLength];
        t.FlattenTo(values);
        return Convert.ToHexString(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())))[..16];
    }
}
