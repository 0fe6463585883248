using DepthwiseSharp.Layers;
using DepthwiseSharp.Serialization;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>Where <c>fit --save OUT.keras</c> writes its archive: a Keras 3 Sequential holding the trained layer.</summary>
internal static class KerasSaving
{
    public static void Save(string path, DepthwiseConv1D layer) => KerasFile.SaveKeras(path, [layer]);
}
