using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>Where <c>fit --save OUT.keras</c> writes its archive; wired to the Keras-file writer.</summary>
internal static class KerasSaving
{
    public static void Save(string path, DepthwiseConv1D layer) =>
        throw new CliException($"--save {path}: writing .keras archives is not available yet; use --save-npy DIR");
}
