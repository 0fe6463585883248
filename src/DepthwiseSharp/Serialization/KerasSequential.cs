using System.Numerics;
using System.Numerics.Tensors;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Serialization;

/// <summary>Runs a chain of DepthwiseConv1D layers, as a Keras Sequential model of them computes.</summary>
/// <remarks>
/// Each layer receives the previous output cast to its own dtype, as Keras casts a layer's float inputs to its compute dtype;
/// layers of one dtype pass their outputs on without a copy. Load such a chain with <see cref="KerasFile.LoadSequential"/>. It is
/// <see cref="KerasModel.FromLayers"/>'s model run once; models with other layers run through <see cref="KerasModel"/>.
/// </remarks>
public static class KerasSequential
{
    /// <summary>Runs the layers in order on a float32 batch.</summary>
    /// <param name="layers">At least one layer.</param>
    /// <param name="inputs">The batch, in the first layer's data format.</param>
    /// <returns>The last layer's output, as float32 (rounded from float64 when the last layer is float64).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No layers, or a layer rejects its input (Keras's "Input 0 of layer ... is incompatible" messages).</exception>
    public static Tensor<float> Run(IReadOnlyList<DepthwiseConv1D> layers, Tensor<float> inputs) => Cast<float>(RunCore(layers, inputs));

    /// <summary>Runs the layers in order on a float64 batch.</summary>
    /// <param name="layers">At least one layer.</param>
    /// <param name="inputs">The batch, in the first layer's data format.</param>
    /// <returns>The last layer's output, as float64.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">No layers, or a layer rejects its input.</exception>
    public static Tensor<double> Run(IReadOnlyList<DepthwiseConv1D> layers, Tensor<double> inputs) => Cast<double>(RunCore(layers, inputs));

    // The output in the last layer's dtype: a Tensor<float> or a Tensor<double>, whichever that layer computes.
    internal static object RunNative(IReadOnlyList<DepthwiseConv1D> layers, object inputs) => RunCore(layers, inputs);

    private static object RunCore(IReadOnlyList<DepthwiseConv1D> layers, object inputs)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("There are no layers to run.", nameof(layers));
        }

        return KerasModel.FromLayers(layers).CallNative(inputs);
    }

    private static Tensor<T> Cast<T>(object tensor)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        tensor is Tensor<T> same ? same : typeof(T) == typeof(float) ? (Tensor<T>)(object)KerasModel.ToSingle(tensor) : (Tensor<T>)(object)KerasModel.ToDouble(tensor);
}
