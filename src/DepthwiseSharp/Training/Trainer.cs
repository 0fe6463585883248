using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Optimizers;

namespace DepthwiseSharp.Training;

/// <summary>Settings of <see cref="Trainer.Fit{T}(IReadOnlyList{DepthwiseConv1D}, Tensor{T}, Tensor{T}, FitOptions?)"/>, with Keras's defaults.</summary>
public sealed class FitOptions
{
    /// <summary>Passes over the training data (default 1).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Samples per gradient step (default 32, as Keras).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Shuffle the training samples before each epoch (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the shuffling; same seed, same result.</summary>
    public int Seed { get; init; }

    /// <summary>The fraction of samples, taken from the END before any shuffling (as Keras), held out for validation.</summary>
    public double ValidationSplit { get; init; }

    /// <summary>The optimizer (default Keras's Adam).</summary>
    public Optimizer? Optimizer { get; init; }

    /// <summary>The loss (default mean squared error).</summary>
    public Loss? Loss { get; init; }

    /// <summary>Stop after this many epochs without improvement of the monitored loss (val_loss when there is validation data); null: never.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>The improvement that counts for early stopping (Keras <c>min_delta</c>, default 0).</summary>
    public double EarlyStoppingMinDelta { get; init; }

    /// <summary>Restore the weights of the best epoch when early stopping ends training.</summary>
    public bool RestoreBestWeights { get; init; }

    /// <summary>Called after each epoch.</summary>
    public Action<EpochResult>? OnEpochEnd { get; init; }

    /// <summary>Called after each gradient step with (step, steps in the epoch), both 1-based: for a progress bar.</summary>
    public Action<int, int>? OnBatchEnd { get; init; }

    /// <summary>
    /// Stops training after the current gradient step when cancelled (Ctrl-C in the tool): the weights keep that step's
    /// update, the unfinished epoch is not added to the history, and <see cref="History.Cancelled"/> is true. No exception.
    /// </summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>One epoch's outcome.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Epochs">The planned number of epochs.</param>
/// <param name="Loss">The mean training loss over the epoch's batches (sample-weighted), regularization losses included.</param>
/// <param name="ValidationLoss">The validation loss after the epoch, or null.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record EpochResult(int Epoch, int Epochs, double Loss, double? ValidationLoss, TimeSpan Elapsed)
{
    /// <summary>Gradient steps in the epoch (batches).</summary>
    public int Steps { get; init; }

    /// <summary>The epoch's own time (validation included).</summary>
    public TimeSpan EpochTime { get; init; }
}

/// <summary>What <see cref="Trainer"/> returns: Keras's <c>History.history</c>.</summary>
/// <param name="Loss">Per-epoch training loss.</param>
/// <param name="ValidationLoss">Per-epoch validation loss (empty without validation data).</param>
/// <param name="StoppedEarly">Whether early stopping ended training.</param>
public sealed record History(IReadOnlyList<double> Loss, IReadOnlyList<double> ValidationLoss, bool StoppedEarly)
{
    /// <summary>Whether <see cref="FitOptions.Cancellation"/> stopped training before its last epoch.</summary>
    public bool Cancelled { get; init; }
}

/// <summary>
/// Keras's <c>Model.fit</c> for a chain of depthwise layers: mini-batch gradient descent on a loss plus the layers'
/// regularization losses; each optimizer step applies the weights' constraints.
/// </summary>
public static class Trainer
{
    /// <summary>Fits one layer; see <see cref="Fit{T}(IReadOnlyList{DepthwiseConv1D}, Tensor{T}, Tensor{T}, FitOptions?)"/>.</summary>
    /// <typeparam name="T">float or double, the layer's dtype.</typeparam>
    /// <param name="layer">The layer.</param>
    /// <param name="x">Inputs, samples on axis 0.</param>
    /// <param name="y">Targets, the layer's output shape.</param>
    /// <param name="options">Settings.</param>
    /// <returns>The loss history.</returns>
    /// <exception cref="ArgumentException">Shapes or options are invalid.</exception>
    public static History Fit<T>(DepthwiseConv1D layer, Tensor<T> x, Tensor<T> y, FitOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T> => Fit([layer], x, y, options);

    /// <summary>Fits a chain of layers (each one's output is the next one's input) to targets.</summary>
    /// <typeparam name="T">float or double, the layers' dtype.</typeparam>
    /// <param name="layers">The chain, first layer first.</param>
    /// <param name="x">Inputs, samples on axis 0.</param>
    /// <param name="y">Targets in the last layer's output shape.</param>
    /// <param name="options">Settings.</param>
    /// <returns>The loss history.</returns>
    /// <remarks>
    /// Per step: forward through the chain, <c>loss = mean(Loss(y_pred, y)) + sum of the layers' Losses</c>, backward with
    /// the regularization gradients, one optimizer step over the trainable weights (frozen layers are not updated).
    /// Deterministic: same seed and data, same weights.
    /// </remarks>
    /// <exception cref="ArgumentException">Shapes or options are invalid.</exception>
    public static History Fit<T>(IReadOnlyList<DepthwiseConv1D> layers, Tensor<T> x, Tensor<T> y, FitOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        options ??= new FitOptions();
        if (layers.Count == 0)
        {
            throw new ArgumentException("At least one layer is needed.", nameof(layers));
        }

        if (options.Epochs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "`epochs` must be >= 0.");
        }

        if (options.BatchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, $"`batch_size` must be a positive integer. Received: batch_size={options.BatchSize}");
        }

        if (!(options.ValidationSplit >= 0 && options.ValidationSplit < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationSplit, $"`validation_split` must be in [0, 1). Received: validation_split={options.ValidationSplit}");
        }

        if (options.EarlyStoppingPatience is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.EarlyStoppingPatience, $"`patience` must be >= 0. Received: patience={options.EarlyStoppingPatience}");
        }

        // A NaN min_delta makes every comparison false, so training would stop after `patience` epochs for no reason.
        if (!double.IsFinite(options.EarlyStoppingMinDelta))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.EarlyStoppingMinDelta, $"`min_delta` must be a finite number. Received: min_delta={options.EarlyStoppingMinDelta}");
        }

        var xShape = Shapes.FromLengths(x.Lengths);
        var yShape = Shapes.FromLengths(y.Lengths);
        if (xShape.Length != 3 || yShape.Length != 3 || xShape[0] != yShape[0])
        {
            throw new ArgumentException($"x {Shapes.Format(xShape)} and y {Shapes.Format(yShape)} must be rank 3 with the same number of samples.", nameof(y));
        }

        int samples = xShape[0];
        int[] predicted = PredictedShape(layers, xShape);
        if (!predicted.AsSpan(1).SequenceEqual(yShape.AsSpan(1)))
        {
            throw new ArgumentException($"The layers map x {Shapes.Format(xShape)} to {Shapes.Format(predicted)}; the targets have shape {Shapes.Format(yShape)}.", nameof(y));
        }

        var optimizer = options.Optimizer ?? new Adam();
        var loss = options.Loss ?? new MeanSquaredError();
        // Views of the callers' tensors (a copy only for a non-dense one): fit holds no second copy of the data.
        ReadOnlySpan<T> xs = Dense(x);
        ReadOnlySpan<T> ys = Dense(y);
        int xPer = xShape[1] * xShape[2], yPer = yShape[1] * yShape[2];
        int trainCount = (int)(samples * (1 - options.ValidationSplit));
        if (options.ValidationSplit > 0 && (trainCount == 0 || trainCount == samples))
        {
            throw new ArgumentException($"validation_split={options.ValidationSplit} leaves {trainCount} of {samples} samples for training and {samples - trainCount} for validation.", nameof(options));
        }

        var order = Enumerable.Range(0, trainCount).ToArray();
        var rng = new Random(options.Seed);
        var lossHistory = new List<double>();
        var valHistory = new List<double>();
        var stopwatch = Stopwatch.StartNew();
        double best = double.PositiveInfinity;
        int wait = 0;
        bool stopped = false;
        T[][]? bestWeights = null;
        bool cancelled = false;
        int steps = (trainCount + options.BatchSize - 1) / options.BatchSize;
        for (int epoch = 1; epoch <= options.Epochs && !cancelled; epoch++)
        {
            var epochStart = stopwatch.Elapsed;
            if (options.Shuffle)
            {
                rng.Shuffle(order);
            }

            double total = 0;
            for (int start = 0, step = 1; start < trainCount; start += options.BatchSize, step++)
            {
                int count = Math.Min(options.BatchSize, trainCount - start);
                var bx = Gather(xs, order.AsSpan(start, count), xPer, [count, xShape[1], xShape[2]]);
                var by = Gather(ys, order.AsSpan(start, count), yPer, [count, yShape[1], yShape[2]]);
                total += Step(layers, optimizer, loss, bx, by) * count;
                options.OnBatchEnd?.Invoke(step, steps);
                if (options.Cancellation.IsCancellationRequested)
                {
                    cancelled = true;
                    break;
                }
            }

            if (cancelled)
            {
                break;
            }

            double epochLoss = trainCount == 0 ? 0 : total / trainCount;
            lossHistory.Add(epochLoss);
            double? valLoss = null;
            if (trainCount < samples)
            {
                var idx = Enumerable.Range(trainCount, samples - trainCount).ToArray();
                valLoss = Evaluate(layers, loss,
                    Gather(xs, idx, xPer, [idx.Length, xShape[1], xShape[2]]), Gather(ys, idx, yPer, [idx.Length, yShape[1], yShape[2]]));
                valHistory.Add(valLoss.Value);
            }

            options.OnEpochEnd?.Invoke(new EpochResult(epoch, options.Epochs, epochLoss, valLoss, stopwatch.Elapsed)
            {
                Steps = steps,
                EpochTime = stopwatch.Elapsed - epochStart,
            });
            if (options.EarlyStoppingPatience is int patience)
            {
                double monitored = valLoss ?? epochLoss;
                if (monitored < best - options.EarlyStoppingMinDelta)
                {
                    best = monitored;
                    wait = 0;
                    if (options.RestoreBestWeights)
                    {
                        bestWeights = layers.SelectMany(l => l.Weights).Select(w => w.AsSpan<T>().ToArray()).ToArray();
                    }
                }
                else if (++wait >= patience)
                {
                    stopped = true;
                    break;
                }
            }
        }

        if (stopped && bestWeights is not null)
        {
            int i = 0;
            foreach (var w in layers.SelectMany(l => l.Weights))
            {
                w.Assign<T>(bestWeights[i++]);
            }
        }

        return new History(lossHistory, valHistory, stopped) { Cancelled = cancelled };
    }

    /// <summary>The mean loss (plus regularization) of the chain on data, without updating anything.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="layers">The chain.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="x">Inputs.</param>
    /// <param name="y">Targets.</param>
    /// <returns>The loss.</returns>
    public static double Evaluate<T>(IReadOnlyList<DepthwiseConv1D> layers, Loss loss, Tensor<T> x, Tensor<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(loss);
        var passes = new ForwardPass<T>[layers.Count];
        var h = x;
        for (int i = 0; i < layers.Count; i++)
        {
            passes[i] = layers[i].Forward(h);
            h = passes[i].Output;
        }

        var pred = Flatten(h);
        var target = Flatten(y);
        var grad = new T[pred.Length];
        return loss.Evaluate<T>(pred, target, grad) + RegularizationLoss(passes);
    }

    private static double Step<T>(IReadOnlyList<DepthwiseConv1D> layers, Optimizer optimizer, Loss loss, Tensor<T> x, Tensor<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var passes = new ForwardPass<T>[layers.Count];
        var h = x;
        for (int i = 0; i < layers.Count; i++)
        {
            passes[i] = layers[i].Forward(h);
            h = passes[i].Output;
        }

        var pred = Flatten(h);
        var grad = new T[pred.Length];
        double value = loss.Evaluate<T>(pred, Flatten(y), grad) + RegularizationLoss(passes);
        var dy = Tensor.Create(grad, h.Lengths);
        var updates = new List<(Variable, T[])>();
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            var g = layers[i].Backward(passes[i], dy, includeRegularization: true);
            if (layers[i].Trainable)
            {
                updates.Add((layers[i].Kernel, g.KernelArray));
                if (g.BiasArray is not null)
                {
                    updates.Add((layers[i].Bias!, g.BiasArray));
                }
            }

            dy = g.Input;
        }

        if (updates.Count > 0)
        {
            optimizer.Apply<T>(updates);
        }

        return value;
    }

    /// <summary>
    /// The layers' losses for this step: each pass's own activity loss (not the layer's last-call state, which another
    /// thread's call could have replaced), then the weight regularizers.
    /// </summary>
    private static double RegularizationLoss<T>(ForwardPass<T>[] passes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        var weights = new List<double>(2);
        foreach (var pass in passes)
        {
            sum += pass.ActivityLoss ?? 0;
            weights.Clear();
            pass.Layer.AddWeightLosses(weights);
            foreach (double l in weights)
            {
                sum += l;
            }
        }

        return sum;
    }

    private static int[] PredictedShape(IReadOnlyList<DepthwiseConv1D> layers, int[] xShape)
    {
        int?[] shape = [xShape[0], xShape[1], xShape[2]];
        foreach (var layer in layers)
        {
            shape = layer.ComputeOutputShape(shape);
        }

        return shape.Select(v => v ?? -1).ToArray();
    }

    private static T[] Flatten<T>(Tensor<T> t)
    {
        var a = new T[t.FlattenedLength];
        t.FlattenTo(a);
        return a;
    }

    private static ReadOnlySpan<T> Dense<T>(Tensor<T> t) =>
        t.IsDense ? System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref t.GetPinnableReference(), checked((int)t.FlattenedLength)) : Flatten(t);

    private static Tensor<T> Gather<T>(ReadOnlySpan<T> data, ReadOnlySpan<int> rows, int per, int[] shape)
    {
        var batch = new T[rows.Length * per];
        for (int i = 0; i < rows.Length; i++)
        {
            data.Slice(rows[i] * per, per).CopyTo(batch.AsSpan(i * per, per));
        }

        return Tensor.Create(batch, shape.Select(v => (nint)v).ToArray());
    }
}
