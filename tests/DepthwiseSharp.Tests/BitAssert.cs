using System.Numerics;

namespace DepthwiseSharp.Tests;

/// <summary>Bit-for-bit comparison of floating-point arrays, naming the first element that differs.</summary>
internal static class BitAssert
{
    /// <summary>Fails unless <paramref name="actual"/> holds exactly the values of <paramref name="expected"/> (NaN equals NaN).</summary>
    public static void Same<T>(T[] expected, T[] actual, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!expected[i].Equals(actual[i]))
            {
                Assert.Fail($"{what}: element {i} differs: {expected[i]} vs {actual[i]}");
            }
        }
    }
}
