using System.Numerics;
using System.Runtime.CompilerServices;
using DepthwiseSharp.Layers;

namespace DepthwiseSharp.Optimizers;

/// <summary>
/// A Keras optimizer: updates trainable variables from their gradients, then applies each variable's constraint
/// (<c>w = constraint(w)</c>, docs/CONTRACT.md section 5).
/// </summary>
/// <remarks>Slot state (momentum, moments) is kept per variable. One optimizer instance must not be stepped from two threads at once.</remarks>
public abstract class Optimizer
{
    private readonly ConditionalWeakTable<Variable, double[]> _slots = new();

    /// <summary>Creates an optimizer.</summary>
    /// <param name="learningRate">The step size (Keras <c>learning_rate</c>), finite and &gt; 0.</param>
    /// <exception cref="KerasArgumentException"><paramref name="learningRate"/> is not finite and positive.</exception>
    protected Optimizer(double learningRate)
    {
        if (!double.IsFinite(learningRate) || learningRate <= 0)
        {
            throw new KerasArgumentException($"Argument `learning_rate` must be a positive finite float. Received: learning_rate={learningRate}", "learning_rate");
        }

        LearningRate = learningRate;
    }

    /// <summary>The step size.</summary>
    public double LearningRate { get; }

    /// <summary>The number of steps applied so far (Keras <c>iterations</c>).</summary>
    public long Iterations { get; private set; }

    /// <summary>The Keras class name.</summary>
    public abstract string ClassName { get; }

    /// <summary>How many doubles of state each weight element needs (1 for momentum, 2 for Adam's moments).</summary>
    protected abstract int SlotsPerElement { get; }

    /// <summary>Applies one step to every (variable, gradient) pair, then each variable's constraint.</summary>
    /// <typeparam name="T">The variables' element type.</typeparam>
    /// <param name="updates">Trainable variables and their gradients (same length as the variable).</param>
    /// <exception cref="ArgumentException">A gradient's length differs from its variable's, or a variable is not trainable.</exception>
    public void Apply<T>(IReadOnlyList<(Variable Variable, T[] Gradient)> updates)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(updates);
        foreach (var (variable, gradient) in updates)
        {
            if (gradient.Length != variable.Count)
            {
                throw new ArgumentException($"The gradient of '{variable.Path}' has {gradient.Length} elements; the variable has {variable.Count}.", nameof(updates));
            }

            if (!variable.Trainable)
            {
                throw new ArgumentException($"Variable '{variable.Path}' is not trainable.", nameof(updates));
            }
        }

        Iterations++;
        foreach (var (variable, gradient) in updates)
        {
            double[] slots = _slots.GetValue(variable, v => new double[v.Count * SlotsPerElement]);
            Span<T> w = variable.AsSpan<T>();
            Update(w, gradient, slots, Iterations);
            variable.Constraint?.Apply(w, [.. variable.Shape]);
            variable.RoundToValueDType();
        }
    }

    /// <summary>Updates one variable in place.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="weight">The variable's values.</param>
    /// <param name="gradient">Its gradient.</param>
    /// <param name="slots">Its optimizer state, <see cref="SlotsPerElement"/> doubles per element, zero at first.</param>
    /// <param name="iteration">The 1-based step number.</param>
    protected abstract void Update<T>(Span<T> weight, ReadOnlySpan<T> gradient, Span<double> slots, long iteration)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>The Keras names <see cref="Get(string, double?)"/> takes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["sgd", "adam"];

    /// <summary>Looks up an optimizer by Keras identifier ("sgd" or "adam"), case-insensitively, with Keras's defaults.</summary>
    /// <param name="identifier">The name.</param>
    /// <param name="learningRate">The learning rate, or null for Keras's default (0.01 for SGD, 0.001 for Adam).</param>
    /// <returns>A new optimizer.</returns>
    /// <exception cref="KerasArgumentException">"Could not interpret optimizer identifier: X" (ParamName <c>optimizer</c>).</exception>
    public static Optimizer Get(string identifier, double? learningRate = null) => identifier?.ToLowerInvariant() switch
    {
        "sgd" => new Sgd(learningRate ?? 0.01),
        "adam" => new Adam(learningRate ?? 0.001),
        _ => throw new KerasArgumentException($"Could not interpret optimizer identifier: {identifier}", "optimizer"),
    };
}

/// <summary>Keras <c>SGD(learning_rate=0.01, momentum=0.0, nesterov=False)</c>.</summary>
/// <remarks>
/// Without momentum: <c>w -= lr * g</c>. With momentum: <c>v = momentum * v - lr * g</c>; then <c>w += v</c>, or with
/// Nesterov <c>w += momentum * v - lr * g</c> (Keras 3's update). Arithmetic in double, stored back in the weight's type.
/// </remarks>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates SGD.</summary>
    /// <param name="learningRate">Step size, default 0.01.</param>
    /// <param name="momentum">In [0, 1], default 0.</param>
    /// <param name="nesterov">Nesterov momentum, default false.</param>
    /// <exception cref="KerasArgumentException">A value is out of range (Keras's message).</exception>
    public Sgd(double learningRate = 0.01, double momentum = 0.0, bool nesterov = false)
        : base(learningRate)
    {
        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new KerasArgumentException($"`momentum` must be a float between [0, 1]. Received: momentum={momentum}", nameof(momentum));
        }

        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>The momentum factor.</summary>
    public double Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    public override string ClassName => "SGD";

    /// <inheritdoc/>
    protected override int SlotsPerElement => 1;

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> weight, ReadOnlySpan<T> gradient, Span<double> slots, long iteration)
    {
        double lr = LearningRate, mom = Momentum;
        for (int i = 0; i < weight.Length; i++)
        {
            double g = double.CreateTruncating(gradient[i]);
            double w = double.CreateTruncating(weight[i]);
            if (mom != 0)
            {
                double v = mom * slots[i] - lr * g;
                slots[i] = v;
                w += Nesterov ? mom * v - lr * g : v;
            }
            else
            {
                w -= lr * g;
            }

            weight[i] = T.CreateTruncating(w);
        }
    }
}

/// <summary>Keras <c>Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)</c>.</summary>
/// <remarks>
/// Step t (1-based): <c>m += (g - m) * (1 - beta_1)</c>, <c>v += (g^2 - v) * (1 - beta_2)</c>,
/// <c>alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)</c>, <c>w -= alpha * m / (sqrt(v) + epsilon)</c> (Keras 3's update;
/// with amsgrad, <c>v</c> in the denominator is the running maximum of <c>v</c>).
/// </remarks>
public sealed class Adam : Optimizer
{
    /// <summary>Creates Adam.</summary>
    /// <param name="learningRate">Step size, default 0.001.</param>
    /// <param name="beta1">First-moment decay in [0, 1), default 0.9.</param>
    /// <param name="beta2">Second-moment decay in [0, 1), default 0.999.</param>
    /// <param name="epsilon">Denominator floor &gt; 0, default 1e-7 (Keras's, not the paper's 1e-8).</param>
    /// <param name="amsgrad">Use the AMSGrad variant, default false.</param>
    /// <exception cref="KerasArgumentException">A value is out of range (Keras's message).</exception>
    public Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false)
        : base(learningRate)
    {
        if (!(beta1 >= 0 && beta1 < 1))
        {
            throw new KerasArgumentException($"`beta_1` must be in [0, 1). Received: beta_1={beta1}", "beta_1");
        }

        if (!(beta2 >= 0 && beta2 < 1))
        {
            throw new KerasArgumentException($"`beta_2` must be in [0, 1). Received: beta_2={beta2}", "beta_2");
        }

        if (!(epsilon > 0 && double.IsFinite(epsilon)))
        {
            throw new KerasArgumentException($"`epsilon` must be a positive float. Received: epsilon={epsilon}", nameof(epsilon));
        }

        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        AmsGrad = amsgrad;
    }

    /// <summary>First-moment decay.</summary>
    public double Beta1 { get; }

    /// <summary>Second-moment decay.</summary>
    public double Beta2 { get; }

    /// <summary>Denominator floor.</summary>
    public double Epsilon { get; }

    /// <summary>Whether AMSGrad is used.</summary>
    public bool AmsGrad { get; }

    /// <inheritdoc/>
    public override string ClassName => "Adam";

    /// <inheritdoc/>
    protected override int SlotsPerElement => AmsGrad ? 3 : 2;

    /// <inheritdoc/>
    protected override void Update<T>(Span<T> weight, ReadOnlySpan<T> gradient, Span<double> slots, long iteration)
    {
        int n = weight.Length;
        Span<double> m = slots[..n];
        Span<double> v = slots.Slice(n, n);
        Span<double> vmax = AmsGrad ? slots.Slice(2 * n, n) : default;
        double alpha = LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, iteration)) / (1 - Math.Pow(Beta1, iteration));
        for (int i = 0; i < n; i++)
        {
            double g = double.CreateTruncating(gradient[i]);
            m[i] += (g - m[i]) * (1 - Beta1);
            v[i] += (g * g - v[i]) * (1 - Beta2);
            double denom = v[i];
            if (AmsGrad)
            {
                vmax[i] = Math.Max(vmax[i], v[i]);
                denom = vmax[i];
            }

            weight[i] = T.CreateTruncating(double.CreateTruncating(weight[i]) - alpha * m[i] / (Math.Sqrt(denom) + Epsilon));
        }
    }
}
