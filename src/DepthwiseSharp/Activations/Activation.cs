using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace DepthwiseSharp.Activations;

/// <summary>
/// A Keras activation function, applied after the bias: the Keras 3 catalog (<c>keras.activations</c>) with the
/// same names, defaults and formulas, computed in float or double with SIMD kernels.
/// </summary>
/// <remarks>
/// <para>
/// Activations are stateless singletons: <see cref="Get(string?)"/> and the static properties (<see cref="Relu"/>,
/// <see cref="Softmax"/>, ...) return shared, thread-safe instances, so they compare by reference.
/// </para>
/// <para>
/// Data is row-major with the last axis contiguous. Elementwise activations (<see cref="IsElementwise"/>) treat every
/// element alike; <c>softmax</c>, <c>log_softmax</c> and <c>sparsemax</c> work on each row of
/// <c>lastAxisLength</c> elements; <c>glu</c> splits each row into halves <c>a</c>, <c>b</c> and returns
/// <c>a * sigmoid(b)</c>, so its output rows are half as long.
/// </para>
/// <para>
/// Gradients at kinks (points where the derivative jumps) follow PyTorch autograd: for example
/// <c>relu'(0) = 0</c>, <c>hard_tanh'(+-1) = 0</c>, <c>leaky_relu'(0) = 0.2</c>.
/// </para>
/// </remarks>
public abstract class Activation
{
    /// <summary>The name Keras 3 serializes (for example <c>silu</c> for <c>swish</c>).</summary>
    /// <remarks><see cref="Get(string?)"/> of this name returns this activation.</remarks>
    public abstract string Name { get; }

    /// <summary>Whether the activation maps each element on its own (false for softmax, log_softmax, sparsemax and glu).</summary>
    /// <remarks>For an elementwise activation, <c>y[i] = f(z[i])</c> and <c>dz[i] = dy[i] * f'(z[i])</c>.</remarks>
    public virtual bool IsElementwise => true;

    /// <summary>The length of the last axis after the activation (differs from the input only for <c>glu</c>).</summary>
    /// <param name="lastAxisLength">The input's last-axis length.</param>
    /// <returns>The output's last-axis length: <paramref name="lastAxisLength"/>, or half of it for <c>glu</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lastAxisLength"/> is negative (glu).</exception>
    /// <exception cref="ArgumentException">
    /// glu with an odd <paramref name="lastAxisLength"/>: "axis size must be divisible by 2. Received: ...".
    /// </exception>
    /// <remarks>glu: <c>L -> L / 2</c>; every other activation: <c>L -> L</c>.</remarks>
    public virtual int OutputLastAxisLength(int lastAxisLength) => lastAxisLength;

    /// <summary>Computes <c>y = act(z)</c>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="z">The pre-activation, row-major, last axis contiguous.</param>
    /// <param name="y">
    /// The output: as long as <paramref name="z"/> (half as long for glu). It may be <paramref name="z"/> itself
    /// (the same first element: in-place), or must not overlap it.
    /// </param>
    /// <param name="lastAxisLength">The length of the last axis (softmax-like activations work along it).</param>
    /// <exception cref="ArgumentException">
    /// A span has the wrong length (naming it), <paramref name="z"/> is not a whole number of rows, <paramref name="y"/>
    /// partly overlaps <paramref name="z"/>, or glu gets an odd last axis.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lastAxisLength"/> is negative, or 0 for a non-empty <paramref name="z"/>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <remarks>
    /// The formula of each activation is on its static property (for example <see cref="Gelu"/>). Elementwise
    /// activations do not allocate; the row activations do not allocate either.
    /// </remarks>
    public abstract void Forward<T>(ReadOnlySpan<T> z, Span<T> y, int lastAxisLength)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Computes <c>dz = dy * act'(z)</c> (a vector-Jacobian product along the last axis).</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="z">The pre-activation.</param>
    /// <param name="y">The forward output for <paramref name="z"/>.</param>
    /// <param name="dy">The gradient with respect to y.</param>
    /// <param name="dz">
    /// The gradient with respect to z (written), as long as <paramref name="z"/>. It may be <paramref name="z"/>,
    /// <paramref name="y"/> or <paramref name="dy"/> itself (for glu only <paramref name="z"/>), or must not overlap them.
    /// </param>
    /// <param name="lastAxisLength">The length of the last axis of z.</param>
    /// <exception cref="ArgumentException">
    /// A span has the wrong length (naming it), <paramref name="z"/> is not a whole number of rows, <paramref name="dz"/>
    /// overlaps an input in a way other than the allowed aliasing, or glu gets an odd last axis.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lastAxisLength"/> is negative, or 0 for a non-empty <paramref name="z"/>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <remarks>
    /// Elementwise activations and glu compute the derivative from <paramref name="z"/>: <c>dz = dy * f'(z)</c>.
    /// softmax, log_softmax and sparsemax use <paramref name="y"/> per row: softmax <c>dz = y * (dy - sum(dy * y))</c>;
    /// log_softmax <c>dz = dy - exp(y) * sum(dy)</c>; sparsemax <c>dz = s * (dy - sum(s * dy) / sum(s))</c> with
    /// <c>s = (y &gt; 0)</c>. glu: <c>da = dy * sigmoid(b)</c>, <c>db = dy * a * sigmoid(b) * (1 - sigmoid(b))</c>,
    /// where <paramref name="dy"/> has the halved last axis and <paramref name="dz"/> the full one.
    /// </remarks>
    public abstract void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dz, int lastAxisLength)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Returns <see cref="Name"/>.</summary>
    /// <returns>The Keras 3 name.</returns>
    /// <remarks>Same as <see cref="Name"/>.</remarks>
    public override string ToString() => Name;

    /// <summary>The Keras 3 names of every activation in the catalog (aliases excluded), in the order of the spec.</summary>
    /// <remarks>
    /// relu, relu6, leaky_relu, elu, selu, celu, softplus, softsign, squareplus, soft_shrink, hard_shrink,
    /// sparse_plus, silu, gelu, glu, tanh, tanh_shrink, sigmoid, sparse_sigmoid, exponential, hard_sigmoid,
    /// hard_silu, hard_tanh, linear, mish, log_sigmoid, softmax, log_softmax, sparsemax. The aliases
    /// <c>swish</c> and <c>hard_swish</c> are also accepted by <see cref="Get(string?)"/>.
    /// </remarks>
    public static IReadOnlyList<string> Names => Registry.Names;

    /// <summary>Looks up an activation by Keras identifier; null means <c>linear</c>.</summary>
    /// <param name="identifier">A Keras activation name, matched case-insensitively (aliases swish and hard_swish included).</param>
    /// <returns>The activation (a shared instance).</returns>
    /// <exception cref="KerasArgumentException">
    /// "Could not interpret activation function identifier: X" (exactly, with X the identifier), parameter name <c>activation</c>.
    /// </exception>
    /// <remarks><c>Get(null)</c> is <see cref="Linear"/>; <c>Get("swish")</c> is <see cref="Silu"/>; <c>Get("hard_swish")</c> is <see cref="HardSilu"/>.</remarks>
    public static Activation Get(string? identifier) =>
        TryGet(identifier, out var activation) ? activation : throw new KerasArgumentException($"Could not interpret activation function identifier: {identifier}", "activation");

    /// <summary>Looks up an activation by Keras identifier without throwing.</summary>
    /// <param name="identifier">A Keras activation name (case-insensitive, aliases included); null means <c>linear</c>.</param>
    /// <param name="activation">The activation, or null when the identifier is unknown.</param>
    /// <returns>True when the identifier names an activation.</returns>
    /// <remarks>Same matching as <see cref="Get(string?)"/>.</remarks>
    public static bool TryGet(string? identifier, [NotNullWhen(true)] out Activation? activation)
    {
        if (identifier is null)
        {
            activation = Linear;
            return true;
        }

        return Registry.ByName.TryGetValue(identifier, out activation);
    }

    /// <summary>relu: the rectified linear unit.</summary>
    /// <remarks><c>relu(z) = max(z, 0)</c>; <c>relu'(z) = z &gt; 0 ? 1 : 0</c>.</remarks>
    public static Activation Relu { get; } = new ReluActivation();

    /// <summary>relu6: relu capped at 6.</summary>
    /// <remarks><c>relu6(z) = min(max(z, 0), 6)</c>; derivative 1 on <c>0 &lt; z &lt; 6</c>, else 0.</remarks>
    public static Activation Relu6 { get; } = new Relu6Activation();

    /// <summary>leaky_relu with Keras's default negative slope 0.2.</summary>
    /// <remarks><c>leaky_relu(z) = z &gt; 0 ? z : 0.2 z</c>; derivative <c>z &gt; 0 ? 1 : 0.2</c>.</remarks>
    public static Activation LeakyRelu { get; } = new LeakyReluActivation();

    /// <summary>elu with alpha 1.</summary>
    /// <remarks><c>elu(z) = z &gt; 0 ? z : exp(z) - 1</c> (computed with an accurate expm1); derivative <c>z &gt; 0 ? 1 : exp(z)</c>.</remarks>
    public static Activation Elu { get; } = new EluActivation();

    /// <summary>selu: the scaled exponential linear unit.</summary>
    /// <remarks>
    /// <c>selu(z) = scale * (z &gt; 0 ? z : alpha (exp(z) - 1))</c> with scale = 1.0507009873554804934193349852946 and
    /// alpha = 1.6732632423543772848170429916717; derivative <c>scale * (z &gt; 0 ? 1 : alpha exp(z))</c>.
    /// </remarks>
    public static Activation Selu { get; } = new SeluActivation();

    /// <summary>celu with alpha 1.</summary>
    /// <remarks><c>celu(z) = max(z, 0) + alpha (exp(min(z, 0) / alpha) - 1)</c>, alpha = 1; derivative <c>z &gt; 0 ? 1 : exp(z)</c>.</remarks>
    public static Activation Celu { get; } = new CeluActivation();

    /// <summary>softplus.</summary>
    /// <remarks><c>softplus(z) = log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))</c>; derivative <c>sigmoid(z)</c>.</remarks>
    public static Activation Softplus { get; } = new SoftplusActivation();

    /// <summary>softsign.</summary>
    /// <remarks><c>softsign(z) = z / (1 + |z|)</c>; derivative <c>1 / (1 + |z|)^2</c>.</remarks>
    public static Activation Softsign { get; } = new SoftsignActivation();

    /// <summary>squareplus with b = 4.</summary>
    /// <remarks>
    /// <c>squareplus(z) = (z + sqrt(z^2 + 4)) / 2</c> (as <c>2 / (sqrt(z^2 + 4) - z)</c> for z &lt; 0, which avoids
    /// cancellation); derivative <c>(1 + z / sqrt(z^2 + 4)) / 2</c>.
    /// </remarks>
    public static Activation Squareplus { get; } = new SquareplusActivation();

    /// <summary>soft_shrink with threshold 0.5.</summary>
    /// <remarks><c>soft_shrink(z) = z &gt; 0.5 ? z - 0.5 : z &lt; -0.5 ? z + 0.5 : 0</c>; derivative <c>|z| &gt; 0.5 ? 1 : 0</c>.</remarks>
    public static Activation SoftShrink { get; } = new SoftShrinkActivation();

    /// <summary>hard_shrink with threshold 0.5.</summary>
    /// <remarks><c>hard_shrink(z) = |z| &gt; 0.5 ? z : 0</c>; derivative <c>|z| &gt; 0.5 ? 1 : 0</c>.</remarks>
    public static Activation HardShrink { get; } = new HardShrinkActivation();

    /// <summary>sparse_plus.</summary>
    /// <remarks>
    /// <c>sparse_plus(z) = z &lt;= -1 ? 0 : z &lt; 1 ? (z + 1)^2 / 4 : z</c>; derivative
    /// <c>z &lt;= -1 ? 0 : z &lt; 1 ? (z + 1) / 2 : 1</c>.
    /// </remarks>
    public static Activation SparsePlus { get; } = new SparsePlusActivation();

    /// <summary>silu (alias swish), serialized as <c>silu</c>.</summary>
    /// <remarks><c>silu(z) = z * sigmoid(z)</c>; derivative <c>sigmoid(z) (1 + z (1 - sigmoid(z)))</c>.</remarks>
    public static Activation Silu { get; } = new SiluActivation();

    /// <summary>gelu, the exact (erf) form, Keras 3's default <c>approximate=False</c>.</summary>
    /// <remarks>
    /// <c>gelu(z) = z * Phi(z) = 0.5 z (1 + erf(z / sqrt 2))</c>; derivative <c>Phi(z) + z phi(z)</c> with
    /// <c>phi(z) = exp(-z^2 / 2) / sqrt(2 pi)</c>. erfc is this library's own rational approximation (relative error
    /// below 1e-15 in double, also in the lower tail); float is computed through double.
    /// </remarks>
    public static Activation Gelu { get; } = new GeluActivation();

    /// <summary>glu: the gated linear unit over the last axis.</summary>
    /// <remarks>
    /// Each row of length L is split into a = first L/2 and b = last L/2 elements; <c>glu = a * sigmoid(b)</c>, a row
    /// of L/2. Gradients: <c>da = dy sigmoid(b)</c>, <c>db = dy a sigmoid(b) (1 - sigmoid(b))</c>. An odd L is an error.
    /// </remarks>
    public static Activation Glu { get; } = new GluActivation();

    /// <summary>tanh.</summary>
    /// <remarks><c>tanh(z) = sign(z) (1 - exp(-2|z|)) / (1 + exp(-2|z|))</c>; derivative <c>1 - tanh(z)^2</c>.</remarks>
    public static Activation Tanh { get; } = new TanhActivation();

    /// <summary>tanh_shrink.</summary>
    /// <remarks><c>tanh_shrink(z) = z - tanh(z)</c>; derivative <c>tanh(z)^2</c>.</remarks>
    public static Activation TanhShrink { get; } = new TanhShrinkActivation();

    /// <summary>sigmoid.</summary>
    /// <remarks><c>sigmoid(z) = 1 / (1 + exp(-z))</c>; derivative <c>sigmoid(z) (1 - sigmoid(z))</c>.</remarks>
    public static Activation Sigmoid { get; } = new SigmoidActivation();

    /// <summary>sparse_sigmoid.</summary>
    /// <remarks><c>sparse_sigmoid(z) = z &lt;= -1 ? 0 : z &gt;= 1 ? 1 : (z + 1) / 2</c>; derivative 1/2 on <c>-1 &lt; z &lt; 1</c>, else 0.</remarks>
    public static Activation SparseSigmoid { get; } = new SparseSigmoidActivation();

    /// <summary>exponential.</summary>
    /// <remarks><c>exponential(z) = exp(z)</c>; derivative <c>exp(z)</c>.</remarks>
    public static Activation Exponential { get; } = new ExponentialActivation();

    /// <summary>hard_sigmoid, the Keras 3 form (tf.keras 2 used 0.2 z + 0.5).</summary>
    /// <remarks><c>hard_sigmoid(z) = clip(z / 6 + 0.5, 0, 1)</c>; derivative 1/6 on <c>-3 &lt; z &lt; 3</c>, else 0.</remarks>
    public static Activation HardSigmoid { get; } = new HardSigmoidActivation();

    /// <summary>hard_silu (alias hard_swish), serialized as <c>hard_silu</c>.</summary>
    /// <remarks><c>hard_silu(z) = z * hard_sigmoid(z)</c>; derivative <c>z &lt; -3 ? 0 : z &lt;= 3 ? z / 3 + 1/2 : 1</c>.</remarks>
    public static Activation HardSilu { get; } = new HardSiluActivation();

    /// <summary>hard_tanh.</summary>
    /// <remarks><c>hard_tanh(z) = clip(z, -1, 1)</c>; derivative 1 on <c>-1 &lt; z &lt; 1</c>, else 0.</remarks>
    public static Activation HardTanh { get; } = new HardTanhActivation();

    /// <summary>linear: the identity (the activation of a null identifier).</summary>
    /// <remarks><c>linear(z) = z</c>; derivative 1.</remarks>
    public static Activation Linear { get; } = new LinearActivation();

    /// <summary>mish.</summary>
    /// <remarks>
    /// <c>mish(z) = z * tanh(softplus(z))</c>; derivative <c>tanh(softplus(z)) + z sigmoid(z) (1 - tanh(softplus(z))^2)</c>.
    /// </remarks>
    public static Activation Mish { get; } = new MishActivation();

    /// <summary>log_sigmoid.</summary>
    /// <remarks><c>log_sigmoid(z) = -softplus(-z) = min(z, 0) - log1p(exp(-|z|))</c>; derivative <c>sigmoid(-z)</c>.</remarks>
    public static Activation LogSigmoid { get; } = new LogSigmoidActivation();

    /// <summary>softmax over the last axis.</summary>
    /// <remarks>
    /// Per row: <c>softmax(z)_i = exp(z_i - max z) / sum_j exp(z_j - max z)</c>; vector-Jacobian product
    /// <c>dz = y * (dy - sum(dy * y))</c>.
    /// </remarks>
    public static Activation Softmax { get; } = new SoftmaxActivation();

    /// <summary>log_softmax over the last axis.</summary>
    /// <remarks>
    /// Per row: <c>log_softmax(z)_i = z_i - max z - log sum_j exp(z_j - max z)</c>; vector-Jacobian product
    /// <c>dz = dy - softmax(z) * sum(dy)</c>.
    /// </remarks>
    public static Activation LogSoftmax { get; } = new LogSoftmaxActivation();

    /// <summary>sparsemax over the last axis (Martins and Astudillo, 2016).</summary>
    /// <remarks>
    /// Per row: <c>sparsemax(z)_i = max(z_i - tau, 0)</c> with tau the threshold that makes the row sum to 1
    /// (<c>tau = (sum_{j in S} z_j - 1) / |S|</c> over the support S); vector-Jacobian product
    /// <c>dz = s * (dy - sum(s * dy) / sum(s))</c> with <c>s = (y &gt; 0)</c>.
    /// </remarks>
    public static Activation Sparsemax { get; } = new SparsemaxActivation();

    /// <summary>The lookup table, built after the static properties.</summary>
    private static class Registry
    {
        public static readonly IReadOnlyList<string> Names;

        public static readonly FrozenDictionary<string, Activation> ByName;

        static Registry()
        {
            Activation[] all =
            [
                Relu, Relu6, LeakyRelu, Elu, Selu, Celu, Softplus, Softsign, Squareplus, SoftShrink, HardShrink, SparsePlus,
                Silu, Gelu, Glu, Tanh, TanhShrink, Sigmoid, SparseSigmoid, Exponential, HardSigmoid, HardSilu, HardTanh,
                Linear, Mish, LogSigmoid, Softmax, LogSoftmax, Sparsemax,
            ];
            Names = Array.AsReadOnly(Array.ConvertAll(all, a => a.Name));
            var map = new Dictionary<string, Activation>(StringComparer.OrdinalIgnoreCase);
            foreach (var a in all)
            {
                map.Add(a.Name, a);
            }

            map.Add("swish", Silu);
            map.Add("hard_swish", HardSilu);
            ByName = map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        }
    }
}
