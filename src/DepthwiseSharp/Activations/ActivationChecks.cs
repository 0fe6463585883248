using System.Numerics;
using DepthwiseSharp.Kernels;

namespace DepthwiseSharp.Activations;

/// <summary>Argument validation shared by every activation: run once per call, allocation-free on success.</summary>
internal static class ActivationChecks
{
    public static void ElementType<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw VectorDispatch.Unsupported<T>();
        }
    }

    /// <summary>Checks that <paramref name="length"/> elements form whole rows of <paramref name="lastAxisLength"/>.</summary>
    public static void LastAxis(int length, int lastAxisLength)
    {
        if (lastAxisLength < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lastAxisLength), lastAxisLength, "The last-axis length must not be negative.");
        }

        if (length == 0)
        {
            return;
        }

        if (lastAxisLength == 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(lastAxisLength), lastAxisLength, $"The last-axis length must be positive for a non-empty input ({length} elements).");
        }

        if (length % lastAxisLength != 0)
        {
            throw new ArgumentException(
                $"The input holds {length} elements, which is not a whole number of rows of the last-axis length {lastAxisLength}.",
                nameof(lastAxisLength));
        }
    }

    public static void Length(string name, int actual, int expected)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"`{name}` must hold {expected} elements; it holds {actual}.", name);
        }
    }

    /// <summary>Rejects an output that overlaps an input other than by starting at the same element (or at all).</summary>
    public static void Alias<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> input, string outputName, string inputName, bool allowExact = true)
    {
        if (output.Overlaps(input, out int offset) && (!allowExact || offset != 0))
        {
            throw new ArgumentException(
                allowExact
                    ? $"`{outputName}` overlaps `{inputName}` without starting at the same element; pass the same span or disjoint spans."
                    : $"`{outputName}` must not overlap `{inputName}`.",
                outputName);
        }
    }
}
