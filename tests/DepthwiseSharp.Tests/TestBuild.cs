using System.Diagnostics;
using System.Reflection;

namespace DepthwiseSharp.Tests;

internal static class TestBuild
{
    /// <summary>Whether the library under test was compiled with optimizations (the README's test command builds Release).</summary>
    public static bool LibraryIsOptimized { get; } =
        typeof(DepthwiseSharp.Layers.DepthwiseConv1D).Assembly.GetCustomAttribute<DebuggableAttribute>() is not { IsJITOptimizerDisabled: true };
}
