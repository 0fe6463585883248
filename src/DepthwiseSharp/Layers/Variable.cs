using System.Numerics;
using System.Numerics.Tensors;
using DepthwiseSharp.Constraints;
using DepthwiseSharp.Regularizers;

namespace DepthwiseSharp.Layers;

/// <summary>A layer weight (Keras <c>Variable</c>): a named, shaped array in the layer's dtype.</summary>
/// <remarks>Storage is a <see cref="float"/> array for float32 layers and a <see cref="double"/> array for float64 layers.</remarks>
public sealed class Variable
{
    private readonly float[]? _single;
    private readonly double[]? _double;
    private readonly Func<bool> _trainable;

    internal Variable(string name, string path, int[] shape, DType dtype, Regularizer? regularizer, Constraint? constraint, Func<bool> trainable,
        DType? valueDType = null)
    {
        ValueDType = valueDType ?? dtype;
        Name = name;
        Path = path;
        Shape = shape;
        DType = dtype;
        Regularizer = regularizer;
        Constraint = constraint;
        _trainable = trainable;
        int count = 1;
        foreach (int dim in shape)
        {
            count = checked(count * dim);
        }

        Count = count;
        if (dtype == DType.Float32)
        {
            _single = new float[count];
        }
        else
        {
            _double = new double[count];
        }
    }

    /// <summary>
    /// The dtype the values are kept in: <see cref="DType"/>, or float16 / bfloat16 for the weights of a layer whose policy
    /// is float16 or bfloat16, which are stored as float32 and rounded to that type whenever they are assigned, initialized
    /// or updated by an optimizer (values written through <see cref="AsSpan{T}"/> are rounded when the layer uses them).
    /// </summary>
    public DType ValueDType { get; }

    /// <summary>The weight's name within its layer: <c>kernel</c> or <c>bias</c>.</summary>
    public string Name { get; }

    /// <summary>The Keras variable path, <c>layer_name/kernel</c>.</summary>
    public string Path { get; }

    /// <summary>The shape, for example <c>(k, C, M)</c> for the kernel.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The number of elements.</summary>
    public int Count { get; }

    /// <summary>The storage type.</summary>
    public DType DType { get; }

    /// <summary>Whether optimizers update it (follows the layer's <c>trainable</c>).</summary>
    public bool Trainable => _trainable();

    /// <summary>The penalty this weight adds to the layer's losses, if any.</summary>
    public Regularizer? Regularizer { get; }

    /// <summary>The projection an optimizer applies after each update, if any.</summary>
    public Constraint? Constraint { get; }

    /// <summary>The values, row-major, without copying.</summary>
    /// <typeparam name="T">float for a float32 weight, double for a float64 weight.</typeparam>
    /// <returns>The live storage.</returns>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not the weight's type.</exception>
    public Span<T> AsSpan<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && _single is not null)
        {
            return System.Runtime.InteropServices.MemoryMarshal.Cast<float, T>(_single.AsSpan());
        }

        if (typeof(T) == typeof(double) && _double is not null)
        {
            return System.Runtime.InteropServices.MemoryMarshal.Cast<double, T>(_double.AsSpan());
        }

        throw new InvalidOperationException($"Variable '{Path}' has dtype {DType.ToKeras()}; it cannot be viewed as {typeof(T).Name}.");
    }

    /// <summary>A copy of the values as a tensor of <see cref="Shape"/>, converted to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <returns>A new tensor.</returns>
    public Tensor<T> ToTensor<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[Count];
        CopyTo<T>(values);
        return Tensor.Create(values, ShapeLengths());
    }

    /// <summary>Copies the values into <paramref name="destination"/>, converting to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="destination">At least <see cref="Count"/> elements.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void CopyTo<T>(Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (destination.Length < Count)
        {
            throw new ArgumentException($"The destination holds {destination.Length} elements; '{Path}' has {Count}.", nameof(destination));
        }

        if (_single is not null)
        {
            for (int i = 0; i < Count; i++)
            {
                destination[i] = T.CreateTruncating(_single[i]);
            }
        }
        else
        {
            for (int i = 0; i < Count; i++)
            {
                destination[i] = T.CreateTruncating(_double![i]);
            }
        }
    }

    /// <summary>Replaces the values, converting from <typeparamref name="T"/> to the weight's dtype.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="values">Exactly <see cref="Count"/> elements, row-major.</param>
    /// <exception cref="ArgumentException">The length differs from <see cref="Count"/>.</exception>
    public void Assign<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (values.Length != Count)
        {
            throw new ArgumentException($"Variable '{Path}' of shape {Shapes.Format(Shape)} holds {Count} values; received {values.Length}.", nameof(values));
        }

        if (_single is not null)
        {
            for (int i = 0; i < Count; i++)
            {
                _single[i] = float.CreateTruncating(values[i]);
            }
        }
        else
        {
            for (int i = 0; i < Count; i++)
            {
                _double![i] = double.CreateTruncating(values[i]);
            }
        }

        RoundToValueDType();
    }

    /// <summary>Rounds the stored values to <see cref="ValueDType"/> when it is a 16-bit type.</summary>
    internal void RoundToValueDType()
    {
        if (ValueDType == DType.Float16)
        {
            Kernels.HalfForward.RoundTo<Half>(_single, _single);
        }
        else if (ValueDType == DType.BFloat16)
        {
            Kernels.HalfForward.RoundTo<BFloat16>(_single, _single);
        }
    }

    internal nint[] ShapeLengths()
    {
        var lengths = new nint[Shape.Count];
        for (int i = 0; i < lengths.Length; i++)
        {
            lengths[i] = Shape[i];
        }

        return lengths;
    }

    /// <inheritdoc/>
    public override string ToString() => $"<Variable path={Path}, shape={Shapes.Format(Shape)}, dtype={DType.ToKeras()}>";
}
