using System.Numerics;

namespace DepthwiseSharp.Training;

/// <summary>A regression loss, averaged over every element of a batch (Keras's default reduction for equal-size samples).</summary>
public abstract class Loss
{
    /// <summary>The Keras name, for example <c>mean_squared_error</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The mean loss and its gradient with respect to <paramref name="prediction"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="prediction">The model's output.</param>
    /// <param name="target">The target, same length.</param>
    /// <param name="gradient">Receives dLoss/dprediction (same length).</param>
    /// <returns>The mean loss.</returns>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public double Evaluate<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (prediction.Length != target.Length || gradient.Length != prediction.Length)
        {
            throw new ArgumentException($"Prediction ({prediction.Length}), target ({target.Length}) and gradient ({gradient.Length}) lengths differ.");
        }

        if (prediction.IsEmpty)
        {
            return 0;
        }

        double sum = 0, scale = 1.0 / prediction.Length;
        for (int i = 0; i < prediction.Length; i++)
        {
            double e = double.CreateTruncating(prediction[i]) - double.CreateTruncating(target[i]);
            sum += Value(e);
            gradient[i] = T.CreateTruncating(Derivative(e) * scale);
        }

        return sum * scale;
    }

    /// <summary>The per-element loss of an error <c>e = prediction - target</c>.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The loss.</returns>
    protected abstract double Value(double error);

    /// <summary>The derivative of <see cref="Value"/>.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The derivative.</returns>
    protected abstract double Derivative(double error);

    /// <summary>The Keras names <see cref="Get(string)"/> takes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mean_squared_error", "mse", "huber"];

    /// <summary>Looks up a loss by Keras identifier, case-insensitively: <c>mse</c> / <c>mean_squared_error</c>, <c>huber</c>.</summary>
    /// <param name="identifier">The name, case-insensitive.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="KerasArgumentException">"Could not interpret loss identifier: X" (ParamName <c>loss</c>).</exception>
    public static Loss Get(string identifier) => identifier?.ToLowerInvariant() switch
    {
        "mse" or "mean_squared_error" => new MeanSquaredError(),
        "huber" => new Huber(),
        _ => throw new KerasArgumentException($"Could not interpret loss identifier: {identifier}", "loss"),
    };
}

/// <summary>Keras <c>MeanSquaredError</c>: <c>mean((y - t)^2)</c>.</summary>
public sealed class MeanSquaredError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <inheritdoc/>
    protected override double Value(double error) => error * error;

    /// <inheritdoc/>
    protected override double Derivative(double error) => 2 * error;
}

/// <summary>Keras <c>Huber(delta=1.0)</c>: <c>0.5 e^2</c> for <c>|e| &lt;= delta</c>, else <c>delta (|e| - 0.5 delta)</c>, averaged.</summary>
public sealed class Huber : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="delta">The switch point, finite and &gt; 0.</param>
    /// <exception cref="KerasArgumentException"><paramref name="delta"/> is not positive.</exception>
    public Huber(double delta = 1.0)
    {
        if (!(delta > 0 && double.IsFinite(delta)))
        {
            throw new KerasArgumentException($"`delta` must be a positive float. Received: delta={delta}", nameof(delta));
        }

        Delta = delta;
    }

    /// <summary>The switch point between quadratic and linear.</summary>
    public double Delta { get; }

    /// <inheritdoc/>
    public override string Name => "huber";

    /// <inheritdoc/>
    protected override double Value(double error)
    {
        double a = Math.Abs(error);
        return a <= Delta ? 0.5 * error * error : Delta * (a - 0.5 * Delta);
    }

    /// <inheritdoc/>
    protected override double Derivative(double error) => Math.Abs(error) <= Delta ? error : Delta * Math.Sign(error);
}
