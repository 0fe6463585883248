using System.Numerics.Tensors;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Tests.Hardening;

/// <summary>Every input the fuzzers found that broke the contract, exactly as found, now checked on every run.</summary>
public class FuzzRegressionTests
{
    // Found by Layer_config_parser_survives_mutated_configs: "\ud800" parses, but reading or printing the string threw
    // System.Text.Json's InvalidOperationException ("Cannot read incomplete UTF-16 JSON text") from deep inside the reader.
    private const string LoneSurrogate = """{"module":"keras.layers","class_name":"DepthwiseConv1D","config":{"name":"depthwise_conv1d_3","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"depth_multiplier":4,"kernel_size":[31],"strides":[2],"padding":"same","data_format":"channels_last","dilation_rate":[1],"activation":"mish","use_bias":[[{"config":1},"\ud800"]],"depthwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializer":{"module":"relu","class_name":"Zeros","config":{},"registered_name":null},"depthwise_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"depthwise_constraint":{"module":"keras.constraints","class_name":"NonNeg","config":{},"registered_name":null},"bias_constraint":null},"registered_name":null,"build_config":{"input_shape":[null,18,2]}}""";

    // Found by the same fuzzer: C = 2^31 - 1 channels made BuildForChannels' checked product throw OverflowException.
    private const string HugeBuildShape = """{"module":"keras.layers","class_name":"DepthwiseConv1D","config":{"name":"depthwise_conv1d_1","trainable":true,"dtype":{"module":1,"class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"depth_multiplier":3,"kernel_size":[15],"strides":[1],"padding":"same","data_format":"channels_last","dilation_rate":[5],"activation":"hard_tanh","use_bias":true,"depthwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializer":{"module":"keras.initializers","class_name":"Zeros","config":{},"registered_name":null},"depthwise_regularizer":{"module":"keras.regularizers","class_name":"L2","config":{"l2":0.01},"registered_name":null},"bias_regularizer":null,"activity_regularizer":null,"depthwise_constraint":null,"bias_constraint":null},"registered_name":null,"build_config":{"input_shape":[null,2147483647,2147483647]}}""";

    // Found by the same fuzzer: dilation 2^31 - 1 with same padding overflowed the pad computation (OverflowException).
    private const string HugeDilation = """{"module":"keras.layers","class_name":"DepthwiseConv1D","config":{"name":"depthwise_conv1d_14","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"depth_multiplier":1,"kernel_size":[15],"strides":[1],"padding":"same","data_format":"channels_last","dilation_rate":[2147483647],"activation":"relu6","use_bias":true,"depthwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializer":{"module":-0,"class_name":"Zeros","config":{},"registered_name":null},"depthwise_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"depthwise_constraint":{"module":"keras.constraints","class_name":"NonNeg","config":{},"registered_name":null},"bias_constraint":null},"registered_name":null,"build_config":{"input_shape":[null,31,3]}}""";

    // Found by the same fuzzer: stride 2^31 - 1 on a channels_first input overflowed the kernel's phase arithmetic
    // (IndexOutOfRangeException), and any stride far past the input sized a scratch buffer by the stride.
    private const string HugeStride = """{"module":[null,null,3],"class_name":"DepthwiseConv1D","config":{"name":"depthwise_conv1d_17","trainable":true,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null},"depth_multiplier":1,"kernel_size":[3],"strides":[2147483647],"padding":"valid","data_format":"channels_first","dilation_rate":[1],"activation":"hard_shrink","use_bias":true,"depthwise_initializer":{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null},"bias_initializer":{"module":"keras.initializers","class_name":"Zeros","config":{},"registered_name":null},"depthwise_regularizer":{"module":"float16","class_name":"L1L2","config":{"l1":0.001,"l2":0.01},"registered_name":null},"bias_regularizer":null,"activity_regularizer":null,"depthwise_constraint":null,"bias_constraint":null},"registered_name":null,"build_config":{"input_shape":[null,2,13]}}""";

    [Theory]
    [InlineData(LoneSurrogate, "not valid UTF-16")]
    [InlineData(HugeBuildShape, "more than the limit")]
    [InlineData(HugeDilation, "dilation_rate=2147483647")]
    public void Configs_the_fuzzer_found_are_argument_exceptions(string json, string fragment)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => DepthwiseConv1D.FromJson(json));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Fuzz.CheckConfig(json);
    }

    [Fact]
    public void The_huge_stride_config_runs_and_equals_a_small_stride()
    {
        var layer = DepthwiseConv1D.FromJson(HugeStride);
        var reference = new DepthwiseConv1D(3, 3, "valid", 1, "channels_first", activation: "hard_shrink");
        reference.SetWeights(layer.GetWeights<float>());
        var x = Tensor.Create(Enumerable.Range(0, 2 * 13 * 5).Select(i => (float)Math.Sin(i)).ToArray(), [2, 13, 5]);
        Assert.Equal(TestData.Flat(reference.Call(x)), TestData.Flat(layer.Call(x)));
        Fuzz.CheckConfig(HugeStride);
    }
}
