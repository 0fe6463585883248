using System.Numerics.Tensors;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Tests.Results;

/// <summary>The result types' <c>ToString</c> says what they hold; each expected text is written out by hand.</summary>
public class ToStringTests
{
    [Fact]
    public void Geometry_shows_layout_shapes_strides_dilation_and_padding()
    {
        var g = new Conv1DGeometry(batch: 4, length: 10, channels: 12, depthMultiplier: 3, kernelSize: 3, stride: 2, dilation: 1,
            padLeft: 0, padRight: 0, DataFormat.ChannelsLast);
        Assert.Equal(
            "<Conv1DGeometry data_format=channels_last, input=(4, 10, 12), kernel=(3, 12, 3), strides=2, dilation_rate=1, padding=(0, 0), output=(4, 4, 36)>",
            g.ToString());

        // same padding with k=4, d=2: effective kernel 7, six zeros split 3 + 3; the length stays 9.
        var same = Conv1DGeometry.ForPadding(2, 9, 5, 2, 4, 1, 2, Padding.Same, DataFormat.ChannelsFirst);
        Assert.Equal(
            "<Conv1DGeometry data_format=channels_first, input=(2, 5, 9), kernel=(4, 5, 2), strides=1, dilation_rate=2, padding=(3, 3), output=(2, 10, 9)>",
            same.ToString());

        Assert.Equal(
            "<Conv1DGeometry data_format=channels_last, input=(0, 0, 0), kernel=(0, 0, 0), strides=0, dilation_rate=0, padding=(0, 0), output=(0, 0, 0)>",
            default(Conv1DGeometry).ToString());
    }

    [Fact]
    public void Forward_pass_and_gradients_show_layer_dtype_and_shapes()
    {
        var layer = new DepthwiseConv1D(kernelSize: 3, strides: 2, padding: "valid", depthMultiplier: 3, activation: "relu", name: "dw");
        var x = Tensor.Create(new float[4 * 10 * 12], [4, 10, 12]);
        var pass = layer.Forward(x);
        Assert.Equal("<ForwardPass layer=dw, dtype=float32, input=(4, 10, 12), output=(4, 4, 36), activity_loss=None>", pass.ToString());

        var grads = layer.Backward(pass, pass.Output);
        Assert.Equal("<LayerGradients dtype=float32, input=(4, 10, 12), kernel=(3, 12, 3), bias=(36,)>", grads.ToString());
    }

    [Fact]
    public void Float64_pass_shows_its_activity_loss_and_gradients_without_bias_show_none()
    {
        // channels_first input of ones through a kernel of ones (k=2): outputs 2 and 2; l1 = 0.01 * (2 + 2) / N = 0.04.
        var layer = new DepthwiseConv1D(kernelSize: 2, dataFormat: "channels_first", useBias: false, activityRegularizer: "l1",
            name: "reg", dtype: "float64");
        layer.SetWeights([Tensor.Create(new[] { 1.0, 1.0 }, [2, 1, 1])]);
        var pass = layer.Forward(Tensor.Create(new[] { 1.0, 1.0, 1.0 }, [1, 1, 3]));
        Assert.Equal("<ForwardPass layer=reg, dtype=float64, input=(1, 1, 3), output=(1, 1, 2), activity_loss=0.04>", pass.ToString());

        var grads = layer.Backward(pass, pass.Output);
        Assert.Equal("<LayerGradients dtype=float64, input=(1, 1, 3), kernel=(2, 1, 1), bias=None>", grads.ToString());
    }

    /// <summary>The values are those of the file's metadata.json and config.json, read with Python's zipfile and json.</summary>
    [Fact]
    public void Keras_model_info_shows_file_format_model_version_and_layers()
    {
        string path = Path.Combine(TestData.Root, "real-keras", "functional_float32_cl.keras");
        Assert.Equal(
            $"<KerasModelInfo path={path}, format=KerasArchive, model=Functional 'functional_cl', keras_version=3.15.1, "
            + "layers=[signal, dw_first, squash, drop, dw_second], depthwise=[dw_first, dw_second]>",
            KerasFile.Inspect(path).ToString());

        string weights = Path.Combine(TestData.Root, "real-keras", "functional_float32_cl.weights.h5");
        Assert.StartsWith($"<KerasModelInfo path={weights}, format=KerasWeights, model=None, ", KerasFile.Inspect(weights).ToString(), StringComparison.Ordinal);
    }
}
