using System.Buffers.Binary;
using System.Numerics;
using PureHDF;

namespace DepthwiseSharp.Serialization;

/// <summary>The shape and element type of an HDF5 dataset, as a Keras weight listing shows them.</summary>
internal readonly record struct Hdf5DatasetInfo(int[] Shape, string DType);

/// <summary>
/// Read access to an HDF5 file held in memory, through PureHDF, with every failure turned into an exception that names the
/// file and the item: <see cref="InvalidDataException"/> for a corrupt or inconsistent file, <see cref="NotSupportedException"/>
/// for a valid feature this reader does not handle (a compression filter, a non-float weight).
/// </summary>
internal sealed class Hdf5Reader : IDisposable
{
    private const int MaxNames = 1_000_000;
    private readonly IDisposable _native;
    private readonly IH5Group _root;
    private readonly long _length;

    private Hdf5Reader(IDisposable native, IH5Group root, long length, string file)
    {
        _native = native;
        _root = root;
        _length = length;
        File = file;
    }

    /// <summary>The name used in messages: the file path, or <c>archive.keras!model.weights.h5</c>.</summary>
    public string File { get; }

    /// <summary>Opens HDF5 bytes after the raw checks of <see cref="Hdf5Guard"/>.</summary>
    public static Hdf5Reader Open(byte[] bytes, string file)
    {
        Hdf5Guard.Check(bytes, file);
        var native = Call(file, "the superblock", () => H5File.Open(new GuardedHdf5Stream(bytes), false));
        return new Hdf5Reader(native, native, bytes.Length, file);
    }

    public void Dispose() => _native.Dispose();

    public bool GroupExists(string path) => Get(path) is IH5Group;

    public bool DatasetExists(string path) => Get(path) is IH5Dataset;

    /// <summary>The names of the child groups and datasets of a group, sorted ordinally.</summary>
    public (List<string> Groups, List<string> Datasets) Children(string path)
    {
        var group = Get(path) as IH5Group ?? throw new InvalidDataException($"{File}: '{Display(path)}' is not a group.");
        return Call(File, Display(path), () =>
        {
            var groups = new List<string>();
            var datasets = new List<string>();
            foreach (var child in group.Children())
            {
                if (groups.Count + datasets.Count >= MaxNames)
                {
                    throw new InvalidDataException($"more than {MaxNames} links");
                }

                if (child is IH5Group)
                {
                    groups.Add(child.Name);
                }
                else if (child is IH5Dataset)
                {
                    datasets.Add(child.Name);
                }
            }

            groups.Sort(StringComparer.Ordinal);
            datasets.Sort(StringComparer.Ordinal);
            return (groups, datasets);
        });
    }

    public bool AttributeExists(string path, string name)
    {
        var obj = Get(path) ?? throw new InvalidDataException($"{File}: '{Display(path)}' does not exist.");
        return Call(File, $"{Display(path)}@{name}", () => obj.AttributeExists(name));
    }

    /// <summary>
    /// Reads a string attribute (fixed- or variable-length, scalar or 1-D) as an array of strings; an empty array of any
    /// element type (h5py's <c>np.array([])</c>, float64) reads as no strings.
    /// </summary>
    /// <exception cref="InvalidDataException">Missing, a non-empty attribute that is not a string, or corrupt.</exception>
    public string[] ReadStrings(string path, string name)
    {
        var obj = Get(path) ?? throw new InvalidDataException($"{File}: '{Display(path)}' does not exist.");
        string item = $"attribute '{name}' of '{Display(path)}'";
        return Call(File, item, () =>
        {
            var attribute = obj.Attribute(name);
            var type = attribute.Type;
            bool isString = type.Class == H5DataTypeClass.String
                || (type.Class == H5DataTypeClass.VariableLength && type.VariableLength.BaseType.Class == H5DataTypeClass.String)
                || (type.Class == H5DataTypeClass.VariableLength && type.VariableLength.BaseType.Class == H5DataTypeClass.FixedPoint
                    && type.VariableLength.BaseType.Size == 1);
            if (!isString)
            {
                // h5py stores an empty list as np.array([]), a float64 array of shape (0,): Keras 3's legacy .h5 (and
                // tf.keras 2.x) write that as the weight_names of every layer without weights. An empty array of any type
                // holds no strings; a non-empty one of another type is not a Keras attribute.
                if (attribute.Space.Type == H5DataspaceType.Null
                    || (attribute.Space.Type == H5DataspaceType.Simple && attribute.Space.Dimensions.Any(d => d == 0)))
                {
                    return [];
                }

                throw new KerasFormatException($"{item} is not a string (HDF5 class {type.Class})");
            }

            switch (attribute.Space.Type)
            {
                case H5DataspaceType.Null:
                    return [];
                case H5DataspaceType.Scalar:
                    return [Clean(attribute.Read<string>())];
                default:
                    ulong count = 1;
                    foreach (ulong d in attribute.Space.Dimensions)
                    {
                        count = checked(count * d);
                    }

                    if (count > (ulong)_length)
                    {
                        throw new KerasFormatException($"{item} declares {count} strings, more than the file can hold");
                    }

                    return attribute.Read<string[]>().Select(Clean).ToArray();
            }
        });
    }

    /// <summary>Reads a string attribute that may be split into <c>name0</c>, <c>name1</c>, ... as Keras splits long ones.</summary>
    /// <returns>The strings, or null when neither the attribute nor its first chunk exists.</returns>
    public string[]? ReadSplitStrings(string path, string name)
    {
        if (AttributeExists(path, name))
        {
            return ReadStrings(path, name);
        }

        var all = new List<string>();
        int chunk = 0;
        while (AttributeExists(path, $"{name}{chunk}"))
        {
            all.AddRange(ReadStrings(path, $"{name}{chunk}"));
            if (++chunk > MaxNames)
            {
                throw new InvalidDataException($"{File}: the attribute '{name}' of '{Display(path)}' is split into too many chunks.");
            }
        }

        return chunk == 0 ? null : [.. all];
    }

    /// <summary>The shape and dtype of a dataset, without reading its values.</summary>
    public Hdf5DatasetInfo DatasetInfo(string path)
    {
        var dataset = Get(path) as IH5Dataset ?? throw new InvalidDataException($"{File}: dataset '{Display(path)}' is missing.");
        return Call(File, $"dataset '{Display(path)}'", () => new Hdf5DatasetInfo(ShapeOf(dataset), DTypeOf(dataset)));
    }

    /// <summary>
    /// The dataset's dtype name; Keras 3 saves bfloat16 weights as 2-byte opaque values with the attribute
    /// <c>dtype = "bfloat16"</c> (h5py has no bfloat16), which reads as <c>bfloat16</c>.
    /// </summary>
    private static string DTypeOf(IH5Dataset dataset)
    {
        if (dataset.Type.Class == H5DataTypeClass.Opaque && dataset.Type.Size == 2 && dataset.AttributeExists("dtype"))
        {
            var attribute = dataset.Attribute("dtype");
            if (attribute.Type.Class is H5DataTypeClass.String or H5DataTypeClass.VariableLength && attribute.Read<string>().TrimEnd('\0') == "bfloat16")
            {
                return "bfloat16";
            }
        }

        return DTypeName(dataset.Type);
    }

    /// <summary>Reads a float16, float32 or float64 dataset, converted to <typeparamref name="T"/>, with its shape.</summary>
    /// <exception cref="NotSupportedException">Another element type, or an unsupported compression filter.</exception>
    /// <exception cref="InvalidDataException">Missing or corrupt.</exception>
    public T[] ReadFloats<T>(string path, out int[] shape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dataset = Get(path) as IH5Dataset ?? throw new InvalidDataException($"{File}: dataset '{Display(path)}' is missing.");
        string item = $"dataset '{Display(path)}'";
        var (dims, dtype, size) = Call(File, item, () => (ShapeOf(dataset), DTypeOf(dataset), dataset.Type.Size));
        if (dtype is not ("float16" or "bfloat16" or "float32" or "float64"))
        {
            throw new NotSupportedException($"{File}: {item} has dtype {dtype}; weights must be float16, bfloat16, float32 or float64.");
        }

        long count = 1;
        foreach (int d in dims)
        {
            count *= d;
        }

        // A compressed dataset can expand about a thousandfold; anything beyond that is a damaged or hostile size.
        if (count > Array.MaxLength / 8 || count * size > (1100 * _length) + (1 << 20))
        {
            throw new InvalidDataException($"{File}: {item} declares shape {Shapes.Format(dims)}, more data than the file can hold.");
        }

        shape = dims;
        return Call(File, item, () =>
        {
            T[] values;
            try
            {
                values = size switch
                {
                    2 when dtype == "bfloat16" => FromBFloat16<T>(dataset.Read<byte[]>()),
                    2 => Convert<Half, T>(dataset.Read<Half[]>()),
                    4 => Convert<float, T>(dataset.Read<float[]>()),
                    _ => Convert<double, T>(dataset.Read<double[]>()),
                };
            }
            catch (Exception e) when (e.Message.Contains("Byte order", StringComparison.OrdinalIgnoreCase))
            {
                // PureHDF reads only native (little-endian) floats; a big-endian dataset comes as raw bytes and is swapped here.
                values = FromBigEndian<T>(dataset.Read<byte[]>(), size);
            }

            if (values.LongLength != count)
            {
                throw new KerasFormatException($"{item} holds {values.LongLength} values for shape {Shapes.Format(dims)}");
            }

            return values;
        });
    }

    private IH5Object? Get(string path)
    {
        if (path.Length == 0)
        {
            return _root;
        }

        return Call(File, Display(path), () => _root.LinkExists(path) ? _root.Get(path) : null);
    }

    private static int[] ShapeOf(IH5Dataset dataset)
    {
        var space = dataset.Space;
        if (space.Type == H5DataspaceType.Scalar)
        {
            return [];
        }

        if (space.Type == H5DataspaceType.Null)
        {
            throw new KerasFormatException("the dataset has a null dataspace (no values)");
        }

        var dims = space.Dimensions;
        var shape = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] > int.MaxValue)
            {
                throw new KerasFormatException($"dimension {i} is {dims[i]}, too large");
            }

            shape[i] = (int)dims[i];
        }

        return shape;
    }

    private static string DTypeName(IH5DataType type) => type.Class switch
    {
        H5DataTypeClass.FloatingPoint => type.Size switch
        {
            2 => "float16",
            4 => "float32",
            8 => "float64",
            _ => $"float{8 * type.Size}",
        },
        H5DataTypeClass.FixedPoint => $"{(type.FixedPoint.IsSigned ? "int" : "uint")}{8 * type.Size}",
        H5DataTypeClass.String or H5DataTypeClass.VariableLength => "string",
        H5DataTypeClass.BitField => $"bits{8 * type.Size}",
        _ => type.Class.ToString().ToLowerInvariant(),
    };

    // Opaque bytes, little-endian as Keras writes them (it saves the array's own bytes).
    private static T[] FromBFloat16<T>(byte[] bytes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[bytes.Length / 2];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateTruncating((float)BFloat16.FromBits(System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i))));
        }

        return values;
    }

    private static TOut[] Convert<TIn, TOut>(TIn[] values)
        where TIn : unmanaged, IFloatingPointIeee754<TIn>
        where TOut : unmanaged, IFloatingPointIeee754<TOut>
    {
        if (values is TOut[] same)
        {
            return same;
        }

        var result = new TOut[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            // Rounds to nearest, as numpy's astype does when Keras assigns a float64 array to a float32 variable.
            result[i] = TOut.CreateTruncating(values[i]);
        }

        return result;
    }

    private static T[] FromBigEndian<T>(byte[] raw, int size)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new T[raw.Length / size];
        for (int i = 0; i < result.Length; i++)
        {
            var span = raw.AsSpan(i * size, size);
            result[i] = size switch
            {
                2 => T.CreateTruncating(BinaryPrimitives.ReadHalfBigEndian(span)),
                4 => T.CreateTruncating(BinaryPrimitives.ReadSingleBigEndian(span)),
                _ => T.CreateTruncating(BinaryPrimitives.ReadDoubleBigEndian(span)),
            };
        }

        return result;
    }

    private static string Clean(string? value) => value is null ? "" : value.TrimEnd('\0');

    private static string Display(string path) => path.Length == 0 ? "/" : path;

    /// <summary>Runs a PureHDF call; whatever it throws becomes an exception naming the file and the item.</summary>
    internal static TResult Call<TResult>(string file, string item, Func<TResult> action)
    {
        try
        {
            return action();
        }
        catch (Exception e)
        {
            throw Translate(e, file, item);
        }
    }

    private static Exception Translate(Exception e, string file, string item)
    {
        if (e is KerasFormatException)
        {
            return new InvalidDataException($"{file}: {e.Message}.", e);
        }

        if (e.Message.Contains("Could not find filter", StringComparison.Ordinal))
        {
            return new NotSupportedException(
                $"{file}: {item} is compressed with an HDF5 filter that is not supported (deflate, shuffle and fletcher32 are): {e.Message}", e);
        }

        return new InvalidDataException($"{file}: the HDF5 data is corrupt or unsupported at {item}: {e.Message}", e);
    }
}

/// <summary>A structural problem found while reading, turned into an <see cref="InvalidDataException"/> naming the file.</summary>
internal sealed class KerasFormatException(string message) : Exception(message);
