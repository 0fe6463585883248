using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Tests.RealKeras;

namespace DepthwiseSharp.Tests.HalfPrecision;

/// <summary>
/// Keras's dtype policies against what real Keras 3.15.1 says and computes (TestData/real-keras/policies, written by
/// make_policies.py there), and the 16-bit layer paths against float64 references of the rounded values.
/// </summary>
public class PolicyTests
{
    private static string P(string name) => RealKerasData.File(Path.Combine("policies", name));

    private static JsonObject Keras(string policy) => RealKerasData.Json(Path.Combine("policies", policy + ".json"));

    public static TheoryData<string> Policies() => ["mixed_float16", "mixed_bfloat16", "float16", "bfloat16"];

    [Theory]
    [MemberData(nameof(Policies))]
    public void Dtypes_and_config_are_keras_s(string policy)
    {
        var keras = Keras(policy);
        var layer = new DepthwiseConv1D(5, padding: "same", depthMultiplier: 2, activation: "relu", dtype: policy, name: "dw");
        Assert.Equal((string)keras["compute_dtype"]!, layer.ComputeDType.ToKeras());
        Assert.Equal((string)keras["variable_dtype"]!, layer.VariableDType.ToKeras());
        Assert.Equal((string)keras["dtype"]!, layer.VariableDType.ToKeras());
        layer.Build([null, 40, 6]);
        Assert.Equal(keras["config"]!["dtype"]!.ToJsonString(), layer.GetConfig()["dtype"]!.ToJsonString());

        // Keras's own config loads back to the same policy, and so does tf.keras's Policy form.
        var fromKeras = DepthwiseConv1D.FromConfig((JsonObject)keras["config"]!.DeepClone());
        Assert.Equal(policy, fromKeras.DTypePolicy.Name);
        var tfKeras = (JsonObject)keras["config"]!.DeepClone();
        tfKeras["dtype"] = new JsonObject { ["class_name"] = "Policy", ["config"] = new JsonObject { ["name"] = policy } };
        Assert.Equal(policy, DepthwiseConv1D.FromConfig(tfKeras).DTypePolicy.Name);
    }

    [Fact]
    public void An_unknown_policy_gets_keras_s_text()
    {
        string expected = (string)RealKerasData.Json(Path.Combine("policies", "errors.json"))["foo"]!;
        var e = Assert.Throws<KerasArgumentException>(() => new DepthwiseConv1D(3, dtype: "foo"));
        Assert.Equal(expected, e.Message.Split(" (Parameter")[0]);
        Assert.Contains("int32", Assert.Throws<KerasArgumentException>(() => new DepthwiseConv1D(3, dtype: "int32")).Message);
    }

    /// <summary>Keras keeps a bfloat16 layer's weights in bfloat16: what get_weights returns is rounded, as ours is.</summary>
    [Fact]
    public void A_bfloat16_layer_keeps_its_weights_rounded_as_keras_does()
    {
        var stored = ((JsonArray)Keras("bfloat16")["bias_stored"]!).Select(v => (float)v!).ToArray();
        var layer = new DepthwiseConv1D(5, padding: "same", depthMultiplier: 2, activation: "relu", dtype: "bfloat16");
        layer.SetWeights(Npy.Read(P("kernel.npy")).ToTensorSingle(), Npy.Read(P("bias.npy")).ToTensorSingle());
        Assert.Equal(stored, layer.Bias!.AsSpan<float>().ToArray());
        Assert.Equal(DType.BFloat16, layer.Bias.ValueDType);

        var mixed = new DepthwiseConv1D(5, padding: "same", depthMultiplier: 2, dtype: "mixed_bfloat16");
        mixed.SetWeights(Npy.Read(P("kernel.npy")).ToTensorSingle(), Npy.Read(P("bias.npy")).ToTensorSingle());
        Assert.Equal(Npy.Read(P("bias.npy")).ToSingleArray(), mixed.Bias!.AsSpan<float>().ToArray());
    }

    /// <summary>
    /// Keras rounds after its convolution and again after adding the bias; DepthwiseSharp rounds the pre-activation once.
    /// Where the bias cancels much of the convolution, Keras's first rounding is at the convolution's larger magnitude: the
    /// two agree within a unit in the last place of bfloat16 at the output and one at the convolution before the bias.
    /// </summary>
    [Theory]
    [InlineData("mixed_bfloat16")]
    [InlineData("bfloat16")]
    public void Bfloat16_outputs_match_real_keras(string policy)
    {
        var layer = new DepthwiseConv1D(5, padding: "same", depthMultiplier: 2, activation: "relu", dtype: policy);
        layer.SetWeights(Npy.Read(P("kernel.npy")).ToTensorSingle(), Npy.Read(P("bias.npy")).ToTensorSingle());
        var x = Npy.Read(P("x.npy")).ToTensorSingle();
        float[] ours = TestData.Flat(layer.Call(x));
        AssertMatchesKeras(ours, policy);

        // The same through a bfloat16 tensor.
        var xb = TestData.Flat(x).Select(v => (BFloat16)v).ToArray();
        var yb = layer.Call(Tensor.Create(xb, x.Lengths));
        Assert.Equal(ours, yb.ToArray().Select(v => (float)v).ToArray());
    }

    private static void AssertMatchesKeras(float[] ours, string policy)
    {
        float[] keras = Npy.Read(P(policy + ".y.npy")).ToSingleArray();
        float[] bias = Npy.Read(P("bias.npy")).ToSingleArray();
        Assert.Equal(keras.Length, ours.Length);
        static double Ulp(double v) => Math.ScaleB(1.0, Math.Max(Math.ILogB(Math.Abs(v)), -126) - 7);
        for (int i = 0; i < keras.Length; i++)
        {
            Assert.Equal(ours[i], (float)(BFloat16)ours[i]); // a bfloat16 value, widened
            double conv = keras[i] - (double)(BFloat16)bias[i % bias.Length];
            Assert.True(Math.Abs(ours[i] - keras[i]) <= Ulp(keras[i]) + Ulp(conv) + 1e-6, $"{policy} at {i}: {ours[i]} vs Keras {keras[i]}");
        }
    }

    /// <summary>The 16-bit composition, <c>round(act(round(z)))</c>, against a float64 reference of the rounded values.</summary>
    [Theory]
    [InlineData("mixed_float16", "linear", "channels_last")]
    [InlineData("float16", "tanh", "channels_first")]
    [InlineData("mixed_bfloat16", "gelu", "channels_last")]
    [InlineData("bfloat16", "softmax", "channels_first")]
    [InlineData("mixed_float16", "softmax", "channels_last")]
    public void Outputs_are_the_rounded_activation_of_the_rounded_pre_activation(string policy, string activation, string format)
    {
        for (int seed = 0; seed < 6; seed++)
        {
            RoundedActivationCase(policy, activation, format, seed);
        }
    }

    private static void RoundedActivationCase(string policy, string activation, string format, int seed)
    {
        bool half = policy.EndsWith("float16", StringComparison.Ordinal) && !policy.EndsWith("bfloat16", StringComparison.Ordinal);
        var layer = new DepthwiseConv1D(4, 1, "same", depthMultiplier: 2, dataFormat: format, activation: activation, dtype: policy);
        var rng = new Random(seed);
        int n = 3, l = 300, c = 5;
        var x = Tensor.Create(Enumerable.Range(0, n * l * c).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray(),
            format == "channels_last" ? [n, l, c] : [n, c, l]);
        layer.Build([null, (int)x.Lengths[1], (int)x.Lengths[2]]);
        // Seeded weights (the default initializer draws a seed per layer), so a failure reproduces.
        float[] RandomArray(int count, double scale) => Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        layer.SetWeights(Tensor.Create(RandomArray(4 * c * 2, 0.8), [4, c, 2]), Tensor.Create(RandomArray(c * 2, 0.5), [c * 2]));
        double Round(double v) => half ? (double)(Half)v : (double)(BFloat16)v;
        float[] y = TestData.Flat(layer.Call(x));

        // float64: the rounded input and weights, z rounded, the activation in float64, compared within the bound.
        var g = layer.Geometry([n, (int)x.Lengths[1], (int)x.Lengths[2]], c);
        double[] xr = TestData.Flat(x).Select(v => Round(v)).ToArray();
        double[] kr = layer.Kernel.AsSpan<float>().ToArray().Select(v => Round(v)).ToArray();
        double[] br = layer.Bias!.AsSpan<float>().ToArray().Select(v => Round(v)).ToArray();
        var z = new double[g.OutputCount];
        DepthwiseSharp.Kernels.ReferenceKernel.Forward(g, xr, kr, br, z);
        double[] zr = z.Select(v => Round(v)).ToArray();
        var expected = new double[zr.Length];
        int lastAxis = format == "channels_last" ? g.OutputChannels : g.OutputLength;
        layer.Activation.Forward<double>(zr, expected, lastAxis);
        int ulpBits = half ? 10 : 7;
        double Ulp(double v) => Math.ScaleB(1.0, Math.Max(Math.ILogB(Math.Abs(v)), half ? -14 : -126) - ulpBits);
        // A pre-activation's float32 sum may round to the neighbour of the reference's rounded z: one unit of z, through
        // the activation's slope (at most 1.13, gelu's; softmax moves an output by at most half the largest unit of its
        // row). Then one rounding of the output.
        var zUnit = new double[zr.Length];
        for (int row = 0; row < zr.Length / lastAxis; row++)
        {
            double rowMax = 0;
            for (int j = row * lastAxis; j < (row + 1) * lastAxis; j++) rowMax = Math.Max(rowMax, Ulp(zr[j]));
            for (int j = row * lastAxis; j < (row + 1) * lastAxis; j++) zUnit[j] = activation == "softmax" ? rowMax : Ulp(zr[j]);
        }
        for (int i = 0; i < y.Length; i++)
        {
            double e = expected[i];
            double bound = Ulp(e) + 1.13 * zUnit[i];
            Assert.True(Math.Abs(y[i] - e) <= bound + 1e-6, $"{policy} {activation} seed {seed} at {i}: {y[i]} vs {e} (bound {bound})");
        }

        // Training's forward pass gives Call's bits, and says which policy made them.
        var pass = layer.Forward(x);
        Assert.Equal(y, TestData.Flat(pass.Output));
        Assert.Contains($"dtype={policy},", pass.ToString());
    }

    [Fact]
    public void The_kernel_gradient_uses_the_rounded_input()
    {
        var layer = new DepthwiseConv1D(3, 1, "valid", dtype: "mixed_bfloat16", useBias: false);
        var rng = new Random(5);
        int n = 2, l = 50, c = 3;
        var x = Tensor.Create(Enumerable.Range(0, n * l * c).Select(_ => (float)rng.NextDouble()).ToArray(), [n, l, c]);
        var pass = layer.Forward(x);
        var dy = Tensor.Create(Enumerable.Range(0, n * 48 * c).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), [n, 48, c]);
        var grads = layer.Backward(pass, dy);
        double[] xr = TestData.Flat(x).Select(v => (double)(BFloat16)v).ToArray();
        float[] d = TestData.Flat(dy);
        float[] dk = TestData.Flat(grads.Kernel);
        for (int j = 0; j < 3; j++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                double sum = 0;
                for (int b = 0; b < n; b++)
                {
                    for (int t = 0; t < 48; t++)
                    {
                        sum += d[(b * 48 + t) * c + ch] * xr[(b * l + t + j) * c + ch];
                    }
                }

                Assert.True(Math.Abs(dk[j * c + ch] - sum) <= 1e-5 * (1 + Math.Abs(sum)), $"dK[{j},{ch}] {dk[j * c + ch]} vs {sum}");
            }
        }
    }

    [Fact]
    public void Paths_that_do_not_run_16_bits_say_so()
    {
        var layer = new DepthwiseConv1D(3, 1, "valid", dtype: "mixed_float16");
        layer.Build([null, 10, 4]);
        Assert.Contains("DepthwiseStream<Half>", Assert.Throws<InvalidOperationException>(() => new DepthwiseSharp.Streaming.DepthwiseStream<float>(layer)).Message);
        var bf = new DepthwiseConv1D(3, 1, "valid", dtype: "bfloat16");
        bf.Build([null, 10, 4]);
        Assert.Contains("DepthwiseStream<BFloat16>", Assert.Throws<InvalidOperationException>(() => new DepthwiseSharp.Streaming.DepthwiseStream<float>(bf)).Message);
        var e = Assert.Throws<InvalidOperationException>(() => new DepthwiseConv1D(3, dtype: "bfloat16").Call(Tensor.Create(new Half[40], [1, 10, 4])));
        Assert.Contains("Tensor<BFloat16>", e.Message);
    }

    /// <summary>A 16-bit causal layer streamed in uneven chunks gives the whole-sequence call's bits; its state round-trips as bytes.</summary>
    [Theory]
    [InlineData("channels_last", "gelu", "mixed_float16")]
    [InlineData("channels_first", "relu", "mixed_float16")]
    [InlineData("channels_last", "tanh", "bfloat16")]
    [InlineData("channels_first", "linear", "mixed_bfloat16")]
    public void A_16_bit_stream_gives_the_whole_call_s_bits(string format, string activation, string policy)
    {
        if (policy.Contains("bfloat16", StringComparison.Ordinal))
        {
            StreamMatchesCall<BFloat16>(format, activation, policy, v => (BFloat16)v, (l, t) => l.Call(t));
        }
        else
        {
            StreamMatchesCall<Half>(format, activation, policy, v => (Half)v, (l, t) => l.Call(t));
        }
    }

    private static void StreamMatchesCall<TH>(string format, string activation, string policy, Func<double, TH> from,
        Func<DepthwiseConv1D, Tensor<TH>, Tensor<TH>> call)
        where TH : unmanaged
    {
        var layer = new CausalDepthwiseConv1D(4, depthMultiplier: 2, dilationRate: 2, dataFormat: format, activation: activation, dtype: policy);
        var rng = new Random(4);
        int n = 2, l = 53, c = 3;
        bool last = format == "channels_last";
        var x = Enumerable.Range(0, n * l * c).Select(_ => from(rng.NextDouble() * 2 - 1)).ToArray();
        var whole = call(layer, Tensor.Create(x, last ? [n, l, c] : [n, c, l]));
        var stream = new DepthwiseSharp.Streaming.DepthwiseStream<TH>(layer, n);
        var got = new List<TH[]>();
        int[] chunks = [1, 7, 13, 2, 30];
        int t0 = 0;
        foreach (int steps in chunks)
        {
            var chunk = new TH[n * steps * c];
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < steps; t++)
                {
                    for (int ch = 0; ch < c; ch++)
                    {
                        chunk[last ? (b * steps + t) * c + ch : (b * c + ch) * steps + t] = x[last ? (b * l + t0 + t) * c + ch : (b * c + ch) * l + t0 + t];
                    }
                }
            }

            if (t0 == 8)
            {
                // A state saved as bytes and restored on a new stream continues the same.
                var restored = new DepthwiseSharp.Streaming.DepthwiseStream<TH>(layer, n);
                restored.SetState(DepthwiseSharp.Streaming.StreamState<TH>.FromBytes(stream.GetState().ToBytes()));
                stream = restored;
            }

            got.Add(stream.Push(Tensor.Create(chunk, last ? [n, steps, c] : [n, c, steps])).ToArray());
            t0 += steps;
        }

        // Reassemble the steps in order and compare with the whole call, bit for bit.
        int co = c * 2;
        var expected = whole.ToArray();
        int offset = 0;
        foreach (var (part, steps) in got.Zip(chunks))
        {
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < steps; t++)
                {
                    for (int o = 0; o < co; o++)
                    {
                        TH e = expected[last ? (b * l + offset + t) * co + o : (b * co + o) * l + offset + t];
                        TH g = part[last ? (b * steps + t) * co + o : (b * co + o) * steps + t];
                        Assert.True(System.Runtime.CompilerServices.Unsafe.As<TH, ushort>(ref e) == System.Runtime.CompilerServices.Unsafe.As<TH, ushort>(ref g),
                            $"{policy} step {offset + t}: {g} vs {e}");
                    }
                }
            }

            offset += steps;
        }
    }

    [Fact]
    public void A_bfloat16_state_is_not_read_as_a_float16_one()
    {
        var layer = new CausalDepthwiseConv1D(3, dtype: "bfloat16");
        layer.Build([null, null, 2]);
        byte[] bytes = new DepthwiseSharp.Streaming.DepthwiseStream<BFloat16>(layer).GetState().ToBytes();
        var e = Assert.Throws<ArgumentException>(() => DepthwiseSharp.Streaming.StreamState<Half>.FromBytes(bytes));
        Assert.Contains("bfloat16", e.Message);
    }

    [Theory]
    [InlineData("mixed_float16", NpyDType.Float16)]
    [InlineData("mixed_bfloat16", NpyDType.Float32)]
    public void Depthwise_stream_runs_a_16_bit_layer_in_its_type(string policy, NpyDType stored)
    {
        string dir = Directory.CreateTempSubdirectory("dw_policy_stream").FullName;
        try
        {
            string json = Path.Combine(dir, "layer.json");
            File.WriteAllText(json, """{"class_name": "CausalDepthwiseConv1D", "config": {"kernel_size": 5, "depth_multiplier": 2, "activation": "relu", "dtype": "POLICY", "name": "dw"}}""".Replace("POLICY", policy, StringComparison.Ordinal));
            string output = Path.Combine(dir, "y.npy");
            var (code, stdout, err) = DepthwiseSharp.Tests.Cli.CliRunner.Run("stream", "--layer", json, "--weights", P("kernel.npy"), P("bias.npy"),
                "--input", P("x.npy"), "--chunk", "7", "--output", output, "--check");
            Assert.True(code == 0, err);
            Assert.Contains("check: identical to the whole-sequence call", stdout);
            Assert.Equal(stored, Npy.Read(output).DType);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("mixed_float16", NpyDType.Float16)]
    [InlineData("mixed_bfloat16", NpyDType.Float32)]
    public void Depthwise_run_writes_keras_s_output_dtype(string policy, NpyDType stored)
    {
        string dir = Directory.CreateTempSubdirectory("dw_policy_run").FullName;
        try
        {
            string json = Path.Combine(dir, "layer.json");
            File.WriteAllText(json, Keras(policy)["config"]!.ToJsonString());
            string output = Path.Combine(dir, "y.npy");
            var (code, _, err) = DepthwiseSharp.Tests.Cli.CliRunner.Run("run", "--layer", json, "--weights", P("kernel.npy"), P("bias.npy"),
                "--input", P("x.npy"), "--output", output);
            Assert.True(code == 0, err);
            var y = Npy.Read(output);
            Assert.Equal(stored, y.DType);

            // The same values as the library's 16-bit call on the same layer.
            var layer = DepthwiseConv1D.FromConfig((JsonObject)Keras(policy)["config"]!.DeepClone());
            layer.SetWeights(Npy.Read(P("kernel.npy")).ToTensorSingle(), Npy.Read(P("bias.npy")).ToTensorSingle());
            Assert.Equal(TestData.Flat(layer.Call(Npy.Read(P("x.npy")).ToTensorSingle())), y.ToSingleArray());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>
    /// Training under a mixed policy keeps float32 weights that the optimizer updates, with float32 gradients of the
    /// 16-bit forward pass: the FIR filters come back to within one unit of the compute type's precision (2^-8 for
    /// bfloat16, 2^-10 for float16) relative to each filter, as the forward pass rounds them to that type.
    /// </summary>
    [Theory]
    [InlineData("mixed_bfloat16", -8)]
    [InlineData("mixed_float16", -10)]
    public void Mixed_precision_fit_recovers_the_filters_to_the_type_s_precision(string policy, int exponent)
    {
        var found = DepthwiseSharp.Cli.Commands.DemoCommand.Identify(centralTap: 0.5, policy: policy);
        Assert.All(found.RelativeErrors, e => Assert.InRange(e, 0, Math.ScaleB(1.0, exponent)));
        Assert.True(found.Loss[^1] < found.Loss[0] * 1e-4, $"loss {found.Loss[0]} -> {found.Loss[^1]}");
    }

    /// <summary>
    /// Files Keras saved under each policy: float16 weights are float16 datasets, bfloat16 weights are opaque 2-byte
    /// datasets marked dtype='bfloat16', mixed policies keep float32. They load with their policy and Keras's weights.
    /// </summary>
    [Theory]
    [InlineData("float16", "float16")]
    [InlineData("bfloat16", "bfloat16")]
    [InlineData("mixed_float16", "float32")]
    public void Keras_files_of_each_policy_load_with_their_weights(string policy, string datasetDType)
    {
        string file = P(policy + ".keras");
        Assert.All(Serialization.KerasFile.Inspect(file).Layers.SelectMany(l => l.Variables), v => Assert.Equal(datasetDType, v.DType));
        var layer = Serialization.KerasFile.LoadModel(file).Layers.Single();
        Assert.Equal(policy, layer.DTypePolicy.Name);
        double Round(float v) => policy == "float16" ? (double)(Half)v : policy == "bfloat16" ? (double)(BFloat16)v : v;
        Assert.Equal(Npy.Read(P("kernel.npy")).ToSingleArray().Select(Round), layer.Kernel.AsSpan<float>().ToArray().Select(v => (double)v));
        if (policy == "bfloat16")
        {
            AssertMatchesKeras(TestData.Flat(layer.Call(Npy.Read(P("x.npy")).ToTensorSingle())), policy);
        }

        var weightsOnly = new DepthwiseConv1D(5, padding: "same", depthMultiplier: 2, dtype: policy, name: "dw");
        if (policy != "mixed_float16")
        {
            var loaded = Serialization.KerasFile.LoadLayerWeights(P(policy + ".weights.h5"), weightsOnly.GetConfig(), 0);
            Assert.Equal(layer.Kernel.AsSpan<float>().ToArray(), loaded.Kernel.AsSpan<float>().ToArray());
        }
    }

    /// <summary>
    /// What DepthwiseSharp saves: a float16 layer's weights as float16 datasets (as Keras does); a bfloat16 layer's as
    /// float32 datasets holding the bfloat16 values exactly (Keras 3.15.1 loads them, casting on assignment, and computed
    /// the same outputs within one bfloat16 unit when tried), and both read back with their policy.
    /// </summary>
    [Theory]
    [InlineData("float16", "float16")]
    [InlineData("bfloat16", "float32")]
    public void Saved_16_bit_layers_read_back(string policy, string datasetDType)
    {
        string dir = Directory.CreateTempSubdirectory("dw_policy_save").FullName;
        try
        {
            var layer = new DepthwiseConv1D(5, padding: "same", depthMultiplier: 2, dtype: policy, name: "dw");
            layer.SetWeights(Npy.Read(P("kernel.npy")).ToTensorSingle(), Npy.Read(P("bias.npy")).ToTensorSingle());
            string file = Path.Combine(dir, "m.keras");
            Serialization.KerasFile.SaveKeras(file, [layer], [null, 40, 6]);
            Assert.All(Serialization.KerasFile.Inspect(file).Layers.SelectMany(l => l.Variables), v => Assert.Equal(datasetDType, v.DType));
            var back = Serialization.KerasFile.LoadModel(file).Layers.Single();
            Assert.Equal(policy, back.DTypePolicy.Name);
            Assert.Equal(layer.Kernel.AsSpan<float>().ToArray(), back.Kernel.AsSpan<float>().ToArray());
            Assert.Equal(layer.Bias!.AsSpan<float>().ToArray(), back.Bias!.AsSpan<float>().ToArray());

            // What comes back is what Keras itself keeps for these weights under the policy (its get_weights values).
            if (policy == "bfloat16")
            {
                Assert.Equal(((JsonArray)Keras("bfloat16")["bias_stored"]!).Select(v => (float)v!), back.Bias!.AsSpan<float>().ToArray());
            }
            else
            {
                Assert.Equal(Npy.Read(P("bias.npy")).ToSingleArray().Select(v => (float)(Half)v), back.Bias!.AsSpan<float>().ToArray());
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

/// <summary>
/// A 16-bit layer exported to ONNX (float32 nodes with Cast pairs where DepthwiseSharp rounds, the graph's input and
/// output in the 16-bit type) runs in ONNX Runtime and gives our outputs within one unit of the 16-bit type (its Conv
/// sums in another order, which can move a pre-activation across a rounding boundary).
/// </summary>
public class PolicyOnnxTests
{
    [Theory]
    [InlineData("mixed_float16", "tanh", "channels_last")]
    [InlineData("float16", "linear", "channels_first")]
    [InlineData("mixed_bfloat16", "relu", "channels_last")]
    [InlineData("bfloat16", "sigmoid", "channels_first")]
    public void Exported_16_bit_layers_run_in_onnx_runtime(string policy, string activation, string format)
    {
        bool half = !policy.Contains("bfloat16", StringComparison.Ordinal);
        var layer = new DepthwiseConv1D(5, 1, "same", depthMultiplier: 2, dataFormat: format, activation: activation, dtype: policy);
        var rng = new Random(9);
        int n = 2, l = 64, c = 3;
        long[] shape = format == "channels_last" ? [n, l, c] : [n, c, l];
        float[] x = [.. Enumerable.Range(0, n * l * c).Select(_ => (float)(rng.NextDouble() * 4 - 2))];
        layer.Build([null, (int)shape[1], (int)shape[2]]);
        // Seeded weights (the default initializer draws a seed per layer), so a failure reproduces.
        layer.SetWeights(Tensor.Create(Enumerable.Range(0, 5 * c * 2).Select(_ => (float)(rng.NextDouble() * 3 - 1.5)).ToArray(), [5, c, 2]),
            Tensor.Create(Enumerable.Range(0, 2 * c).Select(i => (float)(rng.NextDouble() - 0.5)).ToArray(), [2 * c]));
        byte[] model = DepthwiseSharp.Serialization.OnnxExporter.ToBytes(layer);
        float[] ours = TestData.Flat(layer.Call(Tensor.Create(x, shape.Select(v => (nint)v).ToArray())));

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(model);
        using var options = new Microsoft.ML.OnnxRuntime.RunOptions();
        float[] onnx;
        if (half)
        {
            var input = x.Select(v => new Microsoft.ML.OnnxRuntime.Float16(BitConverter.HalfToUInt16Bits((Half)v))).ToArray();
            using var value = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(input, shape);
            using var results = session.Run(options, ["input"], [value], ["output"]);
            onnx = [.. results[0].GetTensorDataAsSpan<Microsoft.ML.OnnxRuntime.Float16>().ToArray().Select(h => (float)BitConverter.UInt16BitsToHalf(h.value))];
        }
        else
        {
            var input = x.Select(v => new Microsoft.ML.OnnxRuntime.BFloat16(((BFloat16)v).ToBits())).ToArray();
            using var value = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(input, shape);
            using var results = session.Run(options, ["input"], [value], ["output"]);
            onnx = [.. results[0].GetTensorDataAsSpan<Microsoft.ML.OnnxRuntime.BFloat16>().ToArray().Select(b => (float)BFloat16.FromBits(b.value))];
        }

        // The pre-activation, from the float64 reference on the rounded input and weights: ONNX Runtime sums in another
        // order, so its rounded z may be one unit of z away from ours, which reaches the output through the activation's
        // slope (at most 1 here), and each output is rounded once.
        double Round(double v) => half ? (double)(Half)v : (double)(BFloat16)v;
        var g = layer.Geometry([n, (int)shape[1], (int)shape[2]], c);
        var z = new double[g.OutputCount];
        DepthwiseSharp.Kernels.ReferenceKernel.Forward(g, x.Select(v => Round(v)).ToArray(),
            layer.Kernel.AsSpan<float>().ToArray().Select(v => Round(v)).ToArray(),
            layer.Bias!.AsSpan<float>().ToArray().Select(v => Round(v)).ToArray(), z);
        double Ulp(double v) => Math.ScaleB(1.0, Math.Max(Math.ILogB(Math.Abs(v)), half ? -14 : -126) - (half ? 10 : 7));
        Assert.Equal(ours.Length, onnx.Length);
        int differ = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            double bound = Ulp(ours[i]) + (activation == "linear" ? 0 : Ulp(z[i]));
            Assert.True(Math.Abs(ours[i] - onnx[i]) <= bound, $"{policy} at {i}: ours {ours[i]}, ONNX Runtime {onnx[i]}");
            differ += ours[i] == onnx[i] ? 0 : 1;
        }

        Assert.True(differ <= ours.Length / 20, $"{differ} of {ours.Length} outputs differ");
    }
}
