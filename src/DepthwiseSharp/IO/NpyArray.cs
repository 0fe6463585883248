using System.Globalization;
using System.Numerics.Tensors;

namespace DepthwiseSharp.IO;

/// <summary>An n-dimensional floating-point array read from (or to be written to) a NumPy <c>.npy</c> file.</summary>
/// <remarks>
/// The elements are stored once, in C (row-major) order, in the type the file held
/// (<see cref="Half"/>, <see cref="float"/> or <see cref="double"/>); the <c>To…</c> methods convert on demand
/// and always return new arrays the caller owns. Instances are immutable.
/// </remarks>
public sealed class NpyArray
{
    private readonly int[] _shape;
    private readonly Half[]? _half;
    private readonly float[]? _single;
    private readonly double[]? _double;

    private NpyArray(int[] shape, NpyDType dtype, Half[]? half, float[]? single, double[]? dbl)
    {
        _shape = shape;
        DType = dtype;
        _half = half;
        _single = single;
        _double = dbl;
    }

    /// <summary>The dimensions, outermost first; empty for a scalar (NumPy shape <c>()</c>).</summary>
    /// <remarks>Each read returns a new copy, so changing it does not change this array.</remarks>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The number of dimensions (0 for a scalar).</summary>
    public int Rank => _shape.Length;

    /// <summary>The element type the data is held in (the type the file held).</summary>
    public NpyDType DType { get; }

    /// <summary>The number of elements, the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long Count => DType switch
    {
        NpyDType.Float16 => _half!.LongLength,
        NpyDType.Float32 => _single!.LongLength,
        _ => _double!.LongLength,
    };

    /// <summary>Creates a <see cref="NpyDType.Float32"/> array from a copy of <paramref name="data"/>.</summary>
    /// <param name="data">The elements in C (row-major) order.</param>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <returns>The new array.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">The product of <paramref name="shape"/> is not <c>data.Length</c>.</exception>
    public static NpyArray FromSingle(ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        Npy.CheckShape(data.Length, shape);
        return new NpyArray(shape.ToArray(), NpyDType.Float32, null, data.ToArray(), null);
    }

    /// <summary>Creates a <see cref="NpyDType.Float64"/> array from a copy of <paramref name="data"/>.</summary>
    /// <param name="data">The elements in C (row-major) order.</param>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <returns>The new array.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">The product of <paramref name="shape"/> is not <c>data.Length</c>.</exception>
    public static NpyArray FromDouble(ReadOnlySpan<double> data, ReadOnlySpan<int> shape)
    {
        Npy.CheckShape(data.Length, shape);
        return new NpyArray(shape.ToArray(), NpyDType.Float64, null, null, data.ToArray());
    }

    /// <summary>Creates a <see cref="NpyDType.Float16"/> array from a copy of <paramref name="data"/>.</summary>
    /// <param name="data">The elements in C (row-major) order.</param>
    /// <param name="shape">The dimensions; empty for a scalar.</param>
    /// <returns>The new array.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">The product of <paramref name="shape"/> is not <c>data.Length</c>.</exception>
    public static NpyArray FromHalf(ReadOnlySpan<Half> data, ReadOnlySpan<int> shape)
    {
        Npy.CheckShape(data.Length, shape);
        return new NpyArray(shape.ToArray(), NpyDType.Float16, data.ToArray(), null, null);
    }

    /// <summary>Wraps arrays the reader has just built; takes ownership without copying.</summary>
    internal static NpyArray Own(int[] shape, Half[] data) => new(shape, NpyDType.Float16, data, null, null);

    /// <summary>Wraps arrays the reader has just built; takes ownership without copying.</summary>
    internal static NpyArray Own(int[] shape, float[] data) => new(shape, NpyDType.Float32, null, data, null);

    /// <summary>Wraps arrays the reader has just built; takes ownership without copying.</summary>
    internal static NpyArray Own(int[] shape, double[] data) => new(shape, NpyDType.Float64, null, null, data);

    /// <summary>The elements as <see cref="float"/>, in C order.</summary>
    /// <returns>A new array of <see cref="Count"/> elements.</returns>
    /// <remarks>
    /// float16 widens exactly; float64 is rounded to the nearest float (values beyond the float range become
    /// infinities, as NumPy's <c>astype(np.float32)</c> does).
    /// </remarks>
    public float[] ToSingleArray()
    {
        switch (DType)
        {
            case NpyDType.Float32:
                return (float[])_single!.Clone();
            case NpyDType.Float16:
            {
                var src = _half!;
                var dst = new float[src.Length];
                for (int i = 0; i < src.Length; i++)
                {
                    dst[i] = (float)src[i];
                }

                return dst;
            }

            default:
            {
                var src = _double!;
                var dst = new float[src.Length];
                for (int i = 0; i < src.Length; i++)
                {
                    dst[i] = (float)src[i];
                }

                return dst;
            }
        }
    }

    /// <summary>The elements as <see cref="double"/>, in C order.</summary>
    /// <returns>A new array of <see cref="Count"/> elements.</returns>
    /// <remarks>float16 and float32 widen exactly.</remarks>
    public double[] ToDoubleArray()
    {
        switch (DType)
        {
            case NpyDType.Float64:
                return (double[])_double!.Clone();
            case NpyDType.Float16:
            {
                var src = _half!;
                var dst = new double[src.Length];
                for (int i = 0; i < src.Length; i++)
                {
                    dst[i] = (double)src[i];
                }

                return dst;
            }

            default:
            {
                var src = _single!;
                var dst = new double[src.Length];
                for (int i = 0; i < src.Length; i++)
                {
                    dst[i] = src[i];
                }

                return dst;
            }
        }
    }

    /// <summary>The elements as <see cref="Half"/>, in C order.</summary>
    /// <returns>A new array of <see cref="Count"/> elements.</returns>
    /// <remarks>float32 and float64 are rounded to the nearest half (overflowing to infinities).</remarks>
    public Half[] ToHalfArray()
    {
        switch (DType)
        {
            case NpyDType.Float16:
                return (Half[])_half!.Clone();
            case NpyDType.Float32:
            {
                var src = _single!;
                var dst = new Half[src.Length];
                for (int i = 0; i < src.Length; i++)
                {
                    dst[i] = (Half)src[i];
                }

                return dst;
            }

            default:
            {
                var src = _double!;
                var dst = new Half[src.Length];
                for (int i = 0; i < src.Length; i++)
                {
                    dst[i] = (Half)src[i];
                }

                return dst;
            }
        }
    }

    /// <summary>The elements as a dense <see cref="Tensor{T}"/> of <see cref="float"/> with lengths <see cref="Shape"/>.</summary>
    /// <returns>A new tensor over a new array (see <see cref="ToSingleArray"/> for the conversion).</returns>
    /// <remarks>
    /// <see cref="Tensor{T}"/> has no rank-0 form, so a scalar (shape <c>()</c>) becomes a rank-1 tensor of
    /// length 1.
    /// </remarks>
    public Tensor<float> ToTensorSingle() => Tensor.Create(ToSingleArray(), Lengths());

    /// <summary>The elements as a dense <see cref="Tensor{T}"/> of <see cref="double"/> with lengths <see cref="Shape"/>.</summary>
    /// <returns>A new tensor over a new array (see <see cref="ToDoubleArray"/> for the conversion).</returns>
    /// <remarks>
    /// <see cref="Tensor{T}"/> has no rank-0 form, so a scalar (shape <c>()</c>) becomes a rank-1 tensor of
    /// length 1.
    /// </remarks>
    public Tensor<double> ToTensorDouble() => Tensor.Create(ToDoubleArray(), Lengths());

    /// <summary>Describes the array, for example <c>NpyArray(Float32, (2, 16, 2))</c>.</summary>
    /// <returns>The type and the shape in NumPy's tuple notation.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"NpyArray({DType}, {Shapes.Tuple(_shape)})");

    /// <summary>The raw float16 storage (null unless <see cref="DType"/> is Float16).</summary>
    internal Half[]? HalfData => _half;

    /// <summary>The raw float32 storage (null unless <see cref="DType"/> is Float32).</summary>
    internal float[]? SingleData => _single;

    /// <summary>The raw float64 storage (null unless <see cref="DType"/> is Float64).</summary>
    internal double[]? DoubleData => _double;

    /// <summary>The shape without copying.</summary>
    internal ReadOnlySpan<int> ShapeSpan => _shape;

    private nint[] Lengths()
    {
        if (_shape.Length == 0)
        {
            // Tensor<T> has no rank-0 form (empty lengths give an empty tensor), so a scalar becomes shape (1,).
            return [1];
        }

        var lengths = new nint[_shape.Length];
        for (int i = 0; i < lengths.Length; i++)
        {
            lengths[i] = _shape[i];
        }

        return lengths;
    }
}
