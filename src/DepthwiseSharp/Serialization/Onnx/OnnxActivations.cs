using DepthwiseSharp.Activations;
using static DepthwiseSharp.Serialization.Onnx.OnnxGraph;

namespace DepthwiseSharp.Serialization.Onnx;

/// <summary>
/// The activations of the catalog as ONNX nodes acting on the last axis of the layer's output: one operator where ONNX has
/// it at the target opset, else a decomposition into basic operators with the formula of <see cref="Activation"/>.
/// </summary>
internal static class OnnxActivations
{
    private const float SeluAlpha = 1.6732632423543772848170429916717f;
    private const float SeluScale = 1.0507009873554804934193349852946f;

    private static readonly string[] Exportable =
    [
        "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "softplus", "softsign", "squareplus", "soft_shrink", "hard_shrink",
        "sparse_plus", "silu", "gelu", "glu", "tanh", "tanh_shrink", "sigmoid", "sparse_sigmoid", "exponential", "hard_sigmoid",
        "hard_silu", "hard_tanh", "mish", "log_sigmoid", "softmax", "log_softmax", "sparsemax",
    ];

    public static IReadOnlyList<string> Names => Exportable;

    /// <summary>Whether <paramref name="activation"/> is a catalog instance the exporter knows (not a user subclass that borrows a name).</summary>
    public static bool IsExportable(Activation activation) =>
        Activation.TryGet(activation.Name, out var known) && ReferenceEquals(known, activation) && Exportable.Contains(activation.Name);

    public static NotSupportedException Unsupported(Activation activation) =>
        new($"The activation '{activation.Name}' ({activation.GetType().Name}) has no ONNX export: it is not one of the catalog's "
            + $"activations ({string.Join(", ", Exportable)}).");

    /// <summary>Appends the activation's nodes after <paramref name="x"/> and returns the name of the result (x itself for linear).</summary>
    public static string Apply(OnnxGraph g, Activation activation, string x)
    {
        if (!IsExportable(activation))
        {
            throw Unsupported(activation);
        }

        int opset = g.Opset;
        switch (activation.Name)
        {
            case "linear":
                return x;
            case "relu":
                return g.Node("Relu", [x]);
            case "relu6":
                return g.Node("Clip", [x, g.Scalar(0f), g.Scalar(6f)]);
            case "leaky_relu":
                return g.Node("LeakyRelu", [x], FloatAttribute("alpha", 0.2f));
            case "elu":
                return g.Node("Elu", [x], FloatAttribute("alpha", 1f));
            case "selu":
                return g.Node("Selu", [x], FloatAttribute("alpha", SeluAlpha), FloatAttribute("gamma", SeluScale));
            case "celu":
                return g.Node("Celu", [x], FloatAttribute("alpha", 1f));
            case "softplus":
                return g.Node("Softplus", [x]);
            case "softsign":
                return g.Node("Softsign", [x]);
            case "squareplus":
                return Squareplus(g, x);
            case "soft_shrink":
                return g.Node("Shrink", [x], FloatAttribute("bias", 0.5f), FloatAttribute("lambd", 0.5f));
            case "hard_shrink":
                return g.Node("Shrink", [x], FloatAttribute("bias", 0f), FloatAttribute("lambd", 0.5f));
            case "sparse_plus":
            {
                // z >= 1 ? z : relu(z + 1)^2 / 4, which is 0 for z <= -1.
                string r = g.Node("Relu", [g.Node("Add", [x, g.Scalar(1f)])]);
                string q = g.Node("Mul", [g.Node("Mul", [r, r]), g.Scalar(0.25f)]);
                return g.Node("Where", [g.Node("GreaterOrEqual", [x, g.Scalar(1f)]), x, q]);
            }

            case "silu":
                return g.Node("Mul", [x, g.Node("Sigmoid", [x])]);
            case "gelu":
                if (opset >= 20)
                {
                    return g.Node("Gelu", [x]);
                }

                {
                    // 0.5 z (1 + erf(z / sqrt 2)), the exact form (Keras 3's approximate=False).
                    string erf = g.Node("Erf", [g.Node("Mul", [x, g.Scalar((float)(1 / Math.Sqrt(2)))])]);
                    return g.Node("Mul", [g.Node("Mul", [x, g.Scalar(0.5f)]), g.Node("Add", [erf, g.Scalar(1f)])]);
                }

            case "glu":
            {
                string[] halves = opset >= 18
                    ? g.Node("Split", [x], 2, IntAttribute("axis", -1), IntAttribute("num_outputs", 2))
                    : g.Node("Split", [x], 2, IntAttribute("axis", -1));
                return g.Node("Mul", [halves[0], g.Node("Sigmoid", [halves[1]])]);
            }

            case "tanh":
                return g.Node("Tanh", [x]);
            case "tanh_shrink":
                return g.Node("Sub", [x, g.Node("Tanh", [x])]);
            case "sigmoid":
                return g.Node("Sigmoid", [x]);
            case "sparse_sigmoid":
                return g.Node("Clip", [g.Node("Mul", [g.Node("Add", [x, g.Scalar(1f)]), g.Scalar(0.5f)]), g.Scalar(0f), g.Scalar(1f)]);
            case "exponential":
                return g.Node("Exp", [x]);
            case "hard_sigmoid":
                // Keras 3: clip(z / 6 + 0.5, 0, 1); ONNX's default alpha 0.2 is tf.keras 2's form.
                return g.Node("HardSigmoid", [x], FloatAttribute("alpha", 1f / 6f), FloatAttribute("beta", 0.5f));
            case "hard_silu":
                // ONNX HardSwish is z * max(0, min(1, z / 6 + 0.5)): Keras's hard_silu exactly.
                return g.Node("HardSwish", [x]);
            case "hard_tanh":
                return g.Node("Clip", [x, g.Scalar(-1f), g.Scalar(1f)]);
            case "mish":
                return opset >= 18 ? g.Node("Mish", [x]) : g.Node("Mul", [x, g.Node("Tanh", [g.Node("Softplus", [x])])]);
            case "log_sigmoid":
            {
                // min(z, 0) - log(1 + exp(-|z|)): never exponentiates a large positive number.
                string e = g.Node("Exp", [g.Node("Neg", [g.Node("Abs", [x])])]);
                string log = g.Node("Log", [g.Node("Add", [e, g.Scalar(1f)])]);
                return g.Node("Sub", [g.Node("Min", [x, g.Scalar(0f)]), log]);
            }

            case "softmax":
                return g.Node("Softmax", [x], IntAttribute("axis", -1));
            case "log_softmax":
                return g.Node("LogSoftmax", [x], IntAttribute("axis", -1));
            case "sparsemax":
                return Sparsemax(g, x);
            default:
                throw new NotSupportedException($"The activation '{activation.Name}' has no ONNX export.");
        }
    }

    // (z + sqrt(z^2 + 4)) / 2 for z >= 0 and the equal 2 / (sqrt(z^2 + 4) - z) for z < 0, so neither branch cancels.
    private static string Squareplus(OnnxGraph g, string x)
    {
        string root = g.Node("Sqrt", [g.Node("Add", [g.Node("Mul", [x, x]), g.Scalar(4f)])]);
        string positive = g.Node("Mul", [g.Node("Add", [x, root]), g.Scalar(0.5f)]);
        string negative = g.Node("Div", [g.Scalar(2f), g.Node("Sub", [root, x])]);
        return g.Node("Where", [g.Node("Less", [x, g.Scalar(0f)]), negative, positive]);
    }

    // Sparsemax over the last axis: sort descending, the support is the prefix where 1 + r * zs_r > cumsum_r, and
    // tau = (sum of the support - 1) / |support|; y = max(z - tau, 0).
    private static string Sparsemax(OnnxGraph g, string x)
    {
        string axis = g.Int64s(-1);
        string n = g.Node("Slice", [g.Node("Shape", [x]), g.Int64s(-1), g.Int64s(long.MaxValue)]);
        string sorted = g.Node("TopK", [x, n], 2, IntAttribute("axis", -1), IntAttribute("largest", 1), IntAttribute("sorted", 1))[0];
        string ones = g.Node("ConstantOfShape", [g.Node("Shape", [x])], TensorAttribute("value", FloatTensor(null, [1], [1f])));
        string rank = g.Node("CumSum", [ones, g.Scalar64(-1)]);
        string cumulative = g.Node("CumSum", [sorted, g.Scalar64(-1)]);
        string bound = g.Node("Add", [g.Node("Mul", [rank, sorted]), g.Scalar(1f)]);
        string support = g.Node("Cast", [g.Node("Greater", [bound, cumulative])], IntAttribute("to", Float));
        string size = g.Node("ReduceSum", [support, axis], IntAttribute("keepdims", 1));
        string total = g.Node("ReduceSum", [g.Node("Mul", [sorted, support]), axis], IntAttribute("keepdims", 1));
        string tau = g.Node("Div", [g.Node("Sub", [total, g.Scalar(1f)]), size]);
        return g.Node("Relu", [g.Node("Sub", [x, tau])]);
    }
}
