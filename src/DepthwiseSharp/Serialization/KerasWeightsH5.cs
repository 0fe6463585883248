using System.Globalization;
using System.Numerics.Tensors;
using System.Text.RegularExpressions;
using DepthwiseSharp.Layers;
using PureHDF;

namespace DepthwiseSharp.Serialization;

/// <summary>A Keras 3 <c>vars</c> group: the owner's path (e.g. <c>layers/depthwise_conv1d</c>), its <c>name</c> attribute, its datasets.</summary>
internal sealed record KerasVarGroup(string Path, string? Name, IReadOnlyList<string> Datasets)
{
    public string VarsPath => KerasWeightsH5.Join(Path, "vars");
}

/// <summary>
/// The Keras 3 weights layout (<c>saving_lib</c>'s H5 store), shared by <c>model.weights.h5</c> inside a <c>.keras</c> archive
/// and by <c>*.weights.h5</c>: each object's variables are datasets <c>0</c>, <c>1</c>, ... of a group <c>&lt;path&gt;/vars</c>
/// carrying a <c>name</c> attribute; a container's children sit at <c>&lt;path&gt;/layers/&lt;snake_case class&gt;[_N]</c>.
/// </summary>
internal static partial class KerasWeightsH5
{
    private const int MaxDepth = 32;
    private const int MaxGroups = 200_000;

    /// <summary>Keras's <c>naming.to_snake_case</c>: <c>DepthwiseConv1D</c> -&gt; <c>depthwise_conv1d</c>, <c>InputLayer</c> -&gt; <c>input_layer</c>.</summary>
    public static string SnakeCase(string className)
    {
        // The same three rewrites Keras applies, in its order: drop non-word characters, split before capitalised words,
        // split between a lower-case and an upper-case letter.
        string name = NonWord().Replace(className, "");
        name = CapitalisedWord().Replace(name, "$1_$2");
        name = LowerUpper().Replace(name, "$1_$2");
        return name.ToLowerInvariant();
    }

    [GeneratedRegex(@"\W+", RegexOptions.CultureInvariant)]
    private static partial Regex NonWord();

    [GeneratedRegex("(.)([A-Z][a-z]+)", RegexOptions.CultureInvariant)]
    private static partial Regex CapitalisedWord();

    [GeneratedRegex("([a-z])([A-Z])", RegexOptions.CultureInvariant)]
    private static partial Regex LowerUpper();

    /// <summary>The path Keras gives the <paramref name="index"/>-th object of a class inside one container.</summary>
    public static string NumberedName(string snake, int index) =>
        index == 0 ? snake : string.Create(CultureInfo.InvariantCulture, $"{snake}_{index}");

    public static string Join(string a, string b) => a.Length == 0 ? b : $"{a}/{b}";

    /// <summary>Every <c>vars</c> group of the file, sorted by <see cref="PathComparer"/>.</summary>
    public static List<KerasVarGroup> ListVarGroups(Hdf5Reader r)
    {
        var result = new List<KerasVarGroup>();
        int visited = 0;
        Walk(r, "", 0, result, ref visited);
        result.Sort((x, y) => PathComparer.Instance.Compare(x.Path, y.Path));
        return result;
    }

    private static void Walk(Hdf5Reader r, string path, int depth, List<KerasVarGroup> result, ref int visited)
    {
        if (depth > MaxDepth || ++visited > MaxGroups)
        {
            throw new InvalidDataException($"{r.File}: the groups nest deeper than {MaxDepth} levels or number more than {MaxGroups} (a link cycle?).");
        }

        var (groups, _) = r.Children(path);
        foreach (string g in groups)
        {
            string child = Join(path, g);
            if (g == "vars")
            {
                var (_, datasets) = r.Children(child);
                string? name = r.AttributeExists(child, "name") ? r.ReadStrings(child, "name").FirstOrDefault() : null;
                result.Add(new KerasVarGroup(path, name, [.. datasets.Order(PathComparer.Instance)]));
            }
            else
            {
                Walk(r, child, depth + 1, result, ref visited);
            }
        }
    }

    /// <summary>
    /// Whether a weights path names a registered layer class (<see cref="LayerRegistry"/>) of a container:
    /// <c>.../layers/depthwise_conv1d[_N]</c>, <c>.../layers/causal_depthwise_conv1d[_N]</c>.
    /// </summary>
    public static bool LooksLikeDepthwise(string path)
    {
        var parts = path.Split('/');
        if (parts.Length < 2 || parts[^2] != "layers")
        {
            return false;
        }

        string last = parts[^1];
        foreach (string className in LayerRegistry.ClassNames)
        {
            string snake = SnakeCase(className);
            if (last == snake || (last.StartsWith(snake + "_", StringComparison.Ordinal) && last.Length > snake.Length + 1
                && last.AsSpan(snake.Length + 1).IndexOfAnyExceptInRange('0', '9') < 0))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Loads a layer's variables from <c>&lt;layerPath&gt;/vars</c>, as Keras's <c>load_own_variables</c> does.</summary>
    public static void LoadVars(Hdf5Reader r, string layerPath, DepthwiseConv1D layer, int? buildChannels)
    {
        string vars = Join(layerPath, "vars");
        var names = r.GroupExists(vars) ? r.Children(vars).Datasets : [];
        KerasWeightLoader.CheckCount(r.File, layer, names.Count, $"weights group '{vars}'");
        var paths = new List<string>();
        for (int i = 0; i < names.Count; i++)
        {
            string name = i.ToString(CultureInfo.InvariantCulture);
            if (!names.Contains(name))
            {
                throw new InvalidDataException($"{r.File}: dataset '{Join(vars, name)}' is missing (the group holds {string.Join(", ", names)}).");
            }

            paths.Add(Join(vars, name));
        }

        KerasWeightLoader.Assign(r, layer, paths, buildChannels);
    }

    /// <summary>The Keras 3 weights file of a Sequential of <paramref name="layers"/>, as bytes.</summary>
    public static byte[] Write(IReadOnlyList<DepthwiseConv1D> layers, string modelName)
    {
        var layersGroup = new H5Group();
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            string snake = SnakeCase(layer.ClassName);
            int n = used.TryGetValue(snake, out int last) ? last + 1 : 0;
            used[snake] = n;
            var vars = new H5Group();
            vars.Attributes["name"] = layer.Name;
            var weights = layer.Weights;
            for (int i = 0; i < weights.Count; i++)
            {
                vars[i.ToString(CultureInfo.InvariantCulture)] = Dataset(weights[i]);
            }

            layersGroup[NumberedName(snake, n)] = new H5Group { ["vars"] = vars };
        }

        var modelVars = new H5Group();
        modelVars.Attributes["name"] = modelName;
        var file = new H5File
        {
            ["layers"] = layersGroup,
            ["optimizer"] = new H5Group { ["vars"] = new H5Group() },
            ["vars"] = modelVars,
        };

        using var stream = new MemoryStream();

        // Contiguous datasets, as h5py writes them (PureHDF would otherwise store small ones compactly in their headers).
        file.Write(stream, new H5WriteOptions { PreferCompactDatasetLayout = false });
        return stream.ToArray();
    }

    private static H5Dataset Dataset(Variable v)
    {
        var dims = v.Shape.Select(d => (ulong)d).ToArray();
        if (v.ValueDType == DType.Float16)
        {
            // A float16 variable is a float16 dataset, as Keras saves it (its values are float16 already).
            var values = new float[v.Count];
            v.CopyTo<float>(values);
            var half = new Half[v.Count];
            System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, half);
            return new H5Dataset(half, fileDims: dims);
        }

        if (v.DType == DType.Float32)
        {
            var values = new float[v.Count];
            v.CopyTo<float>(values);
            return new H5Dataset(values, fileDims: dims);
        }
        else
        {
            var values = new double[v.Count];
            v.CopyTo<double>(values);
            return new H5Dataset(values, fileDims: dims);
        }
    }

    /// <summary>Orders paths segment by segment, with <c>name</c> &lt; <c>name_1</c> &lt; <c>name_2</c> &lt; <c>name_10</c>.</summary>
    internal sealed class PathComparer : IComparer<string>
    {
        public static readonly PathComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? "").Split('/');
            var b = (y ?? "").Split('/');
            for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                int c = CompareSegment(a[i], b[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return a.Length.CompareTo(b.Length);
        }

        private static int CompareSegment(string a, string b)
        {
            var (baseA, numA) = Split(a);
            var (baseB, numB) = Split(b);
            int c = string.CompareOrdinal(baseA, baseB);
            return c != 0 ? c : numA != numB ? numA.CompareTo(numB) : string.CompareOrdinal(a, b);
        }

        private static (string Base, long Number) Split(string s)
        {
            if (s.Length > 0 && s.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0 && s.Length <= 18)
            {
                return ("", long.Parse(s, CultureInfo.InvariantCulture));
            }

            int u = s.LastIndexOf('_');
            if (u > 0 && u < s.Length - 1 && s.Length - u <= 18 && s.AsSpan(u + 1).IndexOfAnyExceptInRange('0', '9') < 0)
            {
                return (s[..u], long.Parse(s.AsSpan(u + 1), CultureInfo.InvariantCulture));
            }

            return (s, 0);
        }
    }
}

/// <summary>Checks stored weights against a layer with Keras's loading messages, then assigns them.</summary>
internal static class KerasWeightLoader
{
    public static void CheckCount(string file, DepthwiseConv1D layer, int received, string where)
    {
        int expected = layer.UseBias ? 2 : 1;
        if (received != expected)
        {
            throw new InvalidDataException(
                $"{file}: Layer '{layer.Name}' expected {expected} variables, but received {received} variables during loading. Expected: {(layer.UseBias ? "['kernel', 'bias']" : "['kernel']")} ({where}).");
        }
    }

    /// <summary>
    /// Assigns the datasets at <paramref name="paths"/> (kernel, then bias) to <paramref name="layer"/>, converted to its dtype.
    /// The expected channel count is the built layer's, else <paramref name="buildChannels"/> (from the config's build shape),
    /// else the stored kernel's.
    /// </summary>
    public static void Assign(Hdf5Reader r, DepthwiseConv1D layer, IReadOnlyList<string> paths, int? buildChannels)
    {
        CheckCount(r.File, layer, paths.Count, "weights");
        var kernel = r.DatasetInfo(paths[0]);
        int? channels = layer.Built ? layer.InputChannels : buildChannels ?? (kernel.Shape.Length == 3 ? kernel.Shape[1] : null);
        int?[] kernelShape = [layer.KernelSize, channels, layer.DepthMultiplier];
        CheckShape(r.File, paths[0], layer, "kernel", kernelShape, kernel.Shape);
        if (layer.UseBias)
        {
            int?[] biasShape = [channels * layer.DepthMultiplier];
            CheckShape(r.File, paths[1], layer, "bias", biasShape, r.DatasetInfo(paths[1]).Shape);
        }

        try
        {
            if (layer.DType == DType.Float32)
            {
                layer.SetWeights(paths.Select(p => Read<float>(r, p)).ToArray());
            }
            else
            {
                layer.SetWeights(paths.Select(p => Read<double>(r, p)).ToArray());
            }
        }
        catch (ArgumentException e)
        {
            // Building runs the config's initializers first; one that cannot fill the kernel (identity needs 2-D) fails here,
            // as Keras's build fails, and the error must still name the file.
            throw new InvalidDataException($"{r.File}: layer '{layer.Name}' cannot be built from its config: {e.Message}", e);
        }
    }

    private static Tensor<T> Read<T>(Hdf5Reader r, string path)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var values = r.ReadFloats<T>(path, out int[] shape);
        return Tensor.Create(values, shape.Select(d => (nint)d).ToArray());
    }

    private static void CheckShape(string file, string path, DepthwiseConv1D layer, string weight, int?[] expected, int[] actual)
    {
        bool same = expected.Length == actual.Length;
        for (int i = 0; same && i < actual.Length; i++)
        {
            same = expected[i] == actual[i] && actual[i] > 0;
        }

        if (!same)
        {
            throw new InvalidDataException(
                $"{file}: dataset '{path}': The shape of the target variable and the shape of the target value in `variable.assign(value)` must match. variable.shape={Shapes.Format(expected)}, Received: value.shape={Shapes.Format(actual)}. Target variable: <Variable path={layer.Name}/{weight}, shape={Shapes.Format(expected)}, dtype={layer.VariableDType.ToKeras()}>");
        }
    }
}
