using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace DepthwiseSharp.Serialization.Onnx;

/// <summary>
/// Collects the nodes, initializers, inputs and outputs of one ONNX graph and writes the ModelProto
/// (field numbers from onnx.proto, which ONNX keeps stable across IR versions).
/// </summary>
internal sealed class OnnxGraph
{
    public const int Float = 1;
    public const int Int64 = 7;

    private readonly List<NodeSpec> _nodes = [];
    private readonly List<ProtoWriter> _initializers = [];
    private readonly List<ProtoWriter> _inputs = [];
    private readonly List<ProtoWriter> _outputs = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);

    public OnnxGraph(int opset, IEnumerable<string> reservedNames)
    {
        Opset = opset;
        foreach (string name in reservedNames)
        {
            _names.Add(name);
        }
    }

    public int Opset { get; }

    public static ProtoWriter IntAttribute(string name, long value) =>
        new ProtoWriter().String(1, name).Int32(20, 2).Int64(3, value);

    public static ProtoWriter IntsAttribute(string name, params long[] values) =>
        new ProtoWriter().String(1, name).Int32(20, 7).RepeatedInt64(8, values);

    public static ProtoWriter FloatAttribute(string name, float value) =>
        new ProtoWriter().String(1, name).Int32(20, 1).Float(2, value);

    public static ProtoWriter StringAttribute(string name, string value) =>
        new ProtoWriter().String(1, name).Int32(20, 3).Bytes(4, Encoding.UTF8.GetBytes(value));

    public static ProtoWriter TensorAttribute(string name, ProtoWriter tensor) =>
        new ProtoWriter().String(1, name).Int32(20, 4).Message(5, tensor);

    public static ProtoWriter FloatTensor(string? name, long[] dims, ReadOnlySpan<float> values)
    {
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        }

        return Tensor(name, dims, Float, raw);
    }

    public static ProtoWriter Int64Tensor(string? name, long[] dims, ReadOnlySpan<long> values)
    {
        var raw = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        }

        return Tensor(name, dims, Int64, raw);
    }

    /// <summary>A name no other value of the graph has.</summary>
    public string Fresh(string hint)
    {
        string name = hint;
        for (int i = 1; !_names.Add(name); i++)
        {
            name = $"{hint}_{i}";
        }

        return name;
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Node(string op, string[] inputs, params ProtoWriter[] attributes) => Node(op, inputs, 1, attributes)[0];

    /// <summary>Adds a node and returns the names of its outputs.</summary>
    public string[] Node(string op, string[] inputs, int outputs, params ProtoWriter[] attributes)
    {
        string stem = op.ToLowerInvariant();
        var names = new string[outputs];
        for (int i = 0; i < outputs; i++)
        {
            names[i] = Fresh(outputs == 1 ? stem : $"{stem}_out{i}");
        }

        _nodes.Add(new NodeSpec(op, inputs, names, Fresh($"{stem}_node"), attributes));
        return names;
    }

    /// <summary>A float scalar initializer (shared between nodes that use the same value).</summary>
    public string Scalar(float value) => Constant("c_" + value.ToString("R", CultureInfo.InvariantCulture), () => FloatTensor(null, [], [value]));

    /// <summary>An int64 scalar initializer (an axis given as an input).</summary>
    public string Scalar64(long value) => Constant("s64_" + value.ToString(CultureInfo.InvariantCulture), () => Int64Tensor(null, [], [value]));

    /// <summary>A 1-D int64 initializer (axes, shapes, pads).</summary>
    public string Int64s(params long[] values) =>
        Constant("i64_" + string.Join("_", values.Select(v => v.ToString(CultureInfo.InvariantCulture))), () => Int64Tensor(null, [values.Length], values));

    /// <summary>A named float initializer.</summary>
    public string Initializer(string hint, long[] dims, ReadOnlySpan<float> values)
    {
        string name = Fresh(hint);
        _initializers.Add(FloatTensor(name, dims, values));
        return name;
    }

    public void Input(string name, int elementType, params object?[] dims) => _inputs.Add(ValueInfo(name, elementType, dims));

    public void Output(string name, int elementType, params object?[] dims) => _outputs.Add(ValueInfo(name, elementType, dims));

    /// <summary>Gives the value <paramref name="from"/> (the output of the last node) the graph output's name.</summary>
    public void RenameLastOutput(string from, string to)
    {
        var last = _nodes[^1];
        int i = Array.IndexOf(last.Outputs, from);
        if (i < 0)
        {
            throw new InvalidOperationException($"The last node does not produce '{from}'.");
        }

        last.Outputs[i] = to;
    }

    public byte[] ToModel(long irVersion, string graphName, string producerVersion, string docString, IReadOnlyList<KeyValuePair<string, string>> metadata)
    {
        var graph = new ProtoWriter();
        foreach (var node in _nodes)
        {
            graph.Message(1, node.Write());
        }

        graph.String(2, graphName);
        foreach (var t in _initializers)
        {
            graph.Message(5, t);
        }

        graph.String(10, docString);
        foreach (var v in _inputs)
        {
            graph.Message(11, v);
        }

        foreach (var v in _outputs)
        {
            graph.Message(12, v);
        }

        var model = new ProtoWriter()
            .Int64(1, irVersion)
            .String(2, "DepthwiseSharp")
            .String(3, producerVersion)
            .String(4, "depthwise_sharp")
            .Int64(5, 1)
            .String(6, docString)
            .Message(7, graph)
            .Message(8, new ProtoWriter().String(1, "").Int64(2, Opset));
        foreach (var (key, value) in metadata)
        {
            model.Message(14, new ProtoWriter().String(1, key).String(2, value));
        }

        return model.ToArray();
    }

    private static ProtoWriter Tensor(string? name, long[] dims, int dataType, byte[] raw)
    {
        var t = new ProtoWriter().RepeatedInt64(1, dims).Int32(2, dataType);
        if (name is not null)
        {
            t.String(8, name);
        }

        return t.Bytes(9, raw);
    }

    // Each dim is a long (fixed size) or a string (a symbolic dim_param).
    private static ProtoWriter ValueInfo(string name, int elementType, object?[] dims)
    {
        var shape = new ProtoWriter();
        foreach (object? dim in dims)
        {
            var d = new ProtoWriter();
            switch (dim)
            {
                case long v:
                    d.Int64(1, v);
                    break;
                case int v:
                    d.Int64(1, v);
                    break;
                case string p:
                    d.String(2, p);
                    break;
            }

            shape.Message(1, d);
        }

        var tensorType = new ProtoWriter().Int32(1, elementType).Message(2, shape);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }

    private string Constant(string hint, Func<ProtoWriter> make)
    {
        if (_constants.TryGetValue(hint, out string? existing))
        {
            return existing;
        }

        string name = Fresh(hint);
        var tensor = make().String(8, name);
        _initializers.Add(tensor);
        _constants[hint] = name;
        return name;
    }

    private sealed record NodeSpec(string Op, string[] Inputs, string[] Outputs, string Name, ProtoWriter[] Attributes)
    {
        public ProtoWriter Write()
        {
            var node = new ProtoWriter();
            foreach (string input in Inputs)
            {
                node.String(1, input);
            }

            foreach (string output in Outputs)
            {
                node.String(2, output);
            }

            node.String(3, Name).String(4, Op);
            foreach (var a in Attributes)
            {
                node.Message(5, a);
            }

            return node;
        }
    }
}
