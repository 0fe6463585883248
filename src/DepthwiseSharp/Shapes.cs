using System.Numerics.Tensors;
using System.Text;

namespace DepthwiseSharp;

/// <summary>Shape formatting the way Keras's messages print shapes: Python tuples such as <c>(2, 8, 5)</c> or <c>(None, 10, 4)</c>.</summary>
public static class Shapes
{
    /// <summary>Formats a shape as a Python tuple.</summary>
    /// <param name="shape">The dimensions.</param>
    /// <returns>For example <c>(4, 10)</c>, <c>(5,)</c> or <c>()</c>.</returns>
    public static string Format(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var dims = new int?[shape.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = shape[i];
        }

        return Format(dims);
    }

    /// <summary>Formats a shape with unknown dimensions (<c>None</c>) as a Python tuple.</summary>
    /// <param name="shape">The dimensions; null is an unknown dimension.</param>
    /// <returns>For example <c>(None, 10, 4)</c>.</returns>
    public static string Format(IReadOnlyList<int?> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var sb = new StringBuilder("(");
        for (int i = 0; i < shape.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(shape[i] is int v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "None");
        }

        if (shape.Count == 1)
        {
            sb.Append(',');
        }

        return sb.Append(')').ToString();
    }

    /// <summary>Python's repr of a shape tuple: <c>()</c>, <c>(5,)</c>, <c>(3, 4)</c>.</summary>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The tuple text.</returns>
    internal static string Tuple(ReadOnlySpan<int> shape)
    {
        Span<long> wide = shape.Length <= 16 ? stackalloc long[shape.Length] : new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            wide[i] = shape[i];
        }

        return Tuple(wide);
    }

    /// <summary>Python's repr of a shape tuple of 64-bit dimensions (an .npy header's).</summary>
    /// <param name="shape">The dimensions.</param>
    /// <returns>The tuple text.</returns>
    internal static string Tuple(ReadOnlySpan<long> shape)
    {
        var sb = new StringBuilder("(");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return sb.Append(shape.Length == 1 ? ",)" : ")").ToString();
    }

    internal static int[] FromLengths(ReadOnlySpan<nint> lengths)
    {
        var shape = new int[lengths.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            if (lengths[i] > int.MaxValue)
            {
                throw new ArgumentException($"Dimension {i} has length {lengths[i]}, more than {int.MaxValue}.", "inputs");
            }

            shape[i] = (int)lengths[i];
        }

        return shape;
    }

    /// <summary>A tensor's shape as a Python tuple.</summary>
    internal static string Format<T>(Tensor<T> tensor) => Format(tensor.Lengths.ToArray().Select(v => (int)v).ToArray());
}
