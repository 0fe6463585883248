using DepthwiseSharp.Layers;
using DepthwiseSharp.Optimizers;
using DepthwiseSharp.Serialization;
using DepthwiseSharp.Streaming;
using DepthwiseSharp.Training;
using DepthwiseSharp;
using System.Numerics.Tensors;

namespace DepthwiseSharp.Tests.Docs;

/// <summary>
/// The README's C# snippets, line for line, as one program (README code blocks run top to bottom and share variables).
/// <see cref="ReadmeSnippetTests"/> checks that every line of every README block stands here in the same order, so the
/// README cannot drift from code that compiles and runs.
/// </summary>
internal static class ReadmeSnippets
{
    public static (Tensor<float> Y, float[] Output, History History, LayerGradients<float> Grads, int Produced, KerasModelInfo Info, Tensor<float> YModel, DepthwiseConv1D Dw) Run()
    {

        // keras.layers.DepthwiseConv1D(kernel_size=3, strides=2, depth_multiplier=3, activation="relu")
        var layer = new DepthwiseConv1D(kernelSize: 3, strides: 2, padding: "valid", depthMultiplier: 3, activation: "relu");
        var x = Tensor.Create(new float[4 * 10 * 12], [4, 10, 12]);   // (N, L, C), channels_last
        Tensor<float> y = layer.Call(x);                                 // (4, 4, 36)

        // Typed arguments work too: enums for padding / data format, catalog objects for the rest.
        var same = new DepthwiseConv1D(9, padding: Padding.Same, dataFormat: DataFormat.ChannelsFirst,
            activation: DepthwiseSharp.Activations.Activation.Gelu);

        // Keras configs in and out (Keras 3 JSON, also tf.keras forms), weights in Keras order.
        var copy = DepthwiseConv1D.FromConfig(layer.GetConfig());
        copy.SetWeights(layer.GetWeights<float>());

        // No allocation per call: run into your own buffer; threads are a setting, results are bit-identical for any value.
        layer.MaxDegreeOfParallelism = 2;
        var output = new float[4 * 4 * 36];
        layer.Call<float>(new float[4 * 10 * 12], [4, 10, 12], output);

        // Span-level operation for callers that own their buffers (explicit pads, any stride and dilation, three gradients).
        var g = new Conv1DGeometry(batch: 4, length: 10, channels: 12, depthMultiplier: 3, kernelSize: 3, stride: 2, dilation: 1,
            padLeft: 0, padRight: 0, DataFormat.ChannelsLast);
        DepthwiseConvolution.Forward<float>(g, new float[g.InputCount], new float[g.KernelCount], new float[g.OutputChannels],
            new float[g.OutputCount]);

        // Keras's 16-bit policies: mixed_bfloat16 keeps float32 weights and computes and outputs bfloat16 (float32 sums, one
        // rounding per value); a float input is rounded to bfloat16 first, as Keras casts it. Spans of Half and BFloat16 too.
        var mixed = new DepthwiseConv1D(kernelSize: 3, strides: 2, depthMultiplier: 3, dtype: "mixed_bfloat16");
        Tensor<BFloat16> yb = mixed.Call(Tensor.Create(new BFloat16[4 * 10 * 12], [4, 10, 12]));
        Tensor<float> yRounded = mixed.Call(x);                          // bfloat16 values, widened exactly
        DepthwiseConvolution.Forward(g, new Half[g.InputCount], new Half[g.KernelCount], new Half[g.OutputChannels],
            new Half[g.OutputCount]);

        var xTrain = Tensor.Create(new float[64 * 10 * 12], [64, 10, 12]);     // your data: inputs and the outputs to learn
        var yTrain = Tensor.Create(new float[64 * 4 * 36], [64, 4, 36]);
        var history = Trainer.Fit(layer, xTrain, yTrain, new FitOptions
        {
            Epochs = 20, BatchSize = 32, Seed = 1, ValidationSplit = 0.1, Optimizer = new Adam(0.01),
            Loss = new MeanSquaredError(), EarlyStoppingPatience = 3,
        });

        // Or by hand: a forward pass that keeps what backward needs (its Output is Call's result bit for bit, and it carries its
        // own call's ActivityLoss), then dLoss/dx, dLoss/dK, dLoss/db.
        var pass = layer.Forward(x);
        var dLossDy = Tensor.Create(new float[4 * 4 * 36], [4, 4, 36]);         // the loss's gradient with respect to the output
        var grads = layer.Backward(pass, dLossDy, includeRegularization: true);

        var causal = new CausalDepthwiseConv1D(kernelSize: 4, dilationRate: 2);   // (k-1)*d zeros on the left
        causal.Build([null, null, 16]);
        var stream = causal.CreateStream<float>(batchSize: 1);
        float[] chunk = new float[16], outputSpan = new float[16];                // one step of 16 channels in, one out
        int produced = stream.Push(chunk, steps: 1, outputSpan);                  // allocation-free single step

        OnnxExporter.Export(layer, "layer.onnx");                                  // Conv(group=C) + activation, runs in ONNX Runtime

        KerasFile.SaveKeras("model.keras", [layer]);                          // metadata.json, config.json, model.weights.h5
        KerasFile.SaveWeightsH5("model.weights.h5", [layer]);
        KerasModelInfo info = KerasFile.Inspect("model.keras");               // every layer, weight path, shape, dtype
        DepthwiseConv1D dw = KerasFile.LoadLayer("model.keras", 0);           // by name, or by index among the depthwise layers
        KerasModel model = KerasFile.LoadModel("model.keras");                // Sequential or Functional, run whole (below)
        Tensor<float> yModel = model.Call(x);
        return (y, output, history, grads, produced, info, yModel, dw);
    }
}
