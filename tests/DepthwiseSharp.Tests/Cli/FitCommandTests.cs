using System.Numerics.Tensors;
using DepthwiseSharp.Cli;
using DepthwiseSharp.IO;
using DepthwiseSharp.Layers;
using DepthwiseSharp.Tests.Streaming;
using DepthwiseSharp.Training;
using static DepthwiseSharp.Tests.Cli.CliRunner;

namespace DepthwiseSharp.Tests.Cli;

/// <summary><c>depthwise fit</c>'s Keras-like output and options (--quiet, --early-stopping, --threads), and cancellation.</summary>
public sealed class FitCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dw_fitcmd").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    private string[] Args(params string[] more)
    {
        var rng = new Random(2);
        Npy.Write(P("x.npy"), StreamTestUtil.Input<float>(rng, 20 * 12 * 2), [20, 12, 2]);
        Npy.Write(P("y.npy"), StreamTestUtil.Input<float>(rng, 20 * 10 * 2), [20, 10, 2]);
        File.WriteAllText(P("layer.json"), "{\"kernel_size\": 3}");
        return ["fit", "--layer", P("layer.json"), "--input", P("x.npy"), "--target", P("y.npy"), "--seed", "1", "--save-npy", P("out"), .. more];
    }

    [Fact]
    public void Each_epoch_prints_keras_lines_with_validation_loss()
    {
        var (code, output, err) = Run(Args("--epochs", "3", "--batch-size", "8", "--validation-split", "0.2"));
        Assert.True(code == 0, err);
        // 16 training samples in batches of 8: 2 steps; Keras's verbose=2 line.
        Assert.Matches(@"(?m)^Epoch 3/3\r?\n2/2 - \d+s - \d+ms/step - loss: \d+\.\d{4} - val_loss: \d+\.\d{4}\r?$", output);
    }

    [Fact]
    public void Quiet_prints_no_epoch_lines_and_threads_give_the_same_weights()
    {
        var (code, output, err) = Run(Args("--epochs", "2", "--quiet", "--threads", "1"));
        Assert.True(code == 0, err);
        Assert.DoesNotContain("Epoch", output);
        Assert.Contains("final loss", output);
        var one = Npy.Read(Path.Combine(P("out"), "kernel.npy")).ToSingleArray();
        Assert.Equal(0, Run(Args("--epochs", "2", "--quiet", "--threads", "2")).Code);
        Assert.Equal(one, Npy.Read(Path.Combine(P("out"), "kernel.npy")).ToSingleArray());
        Assert.Contains("--threads must be an integer >= 1", Run(Args("--threads", "0")).Err);
    }

    [Fact]
    public void Early_stopping_ends_training_when_the_loss_stops_improving()
    {
        // A learning rate so large that the loss rises at once: patience 1 stops after the second epoch.
        var (code, output, err) = Run(Args("--epochs", "50", "--learning-rate", "1000", "--optimizer", "sgd", "--early-stopping", "1"));
        Assert.True(code == 0, err);
        Assert.Contains("early stopping after epoch", output);
        Assert.DoesNotContain("Epoch 50/50", output);
    }

    [Fact]
    public void Keras_number_format()
    {
        // keras.utils.Progbar: f"{v:.4f}" above 1e-3, f"{v:.4e}" otherwise (Python's outputs).
        Assert.Equal("0.0651", Format(0.06512));
        Assert.Equal("1.2346e-04", Format(0.000123456));
        Assert.Equal("0.0000e+00", Format(0));
        Assert.Equal("12.5000", Format(12.5));

        static string Format(double v) => (string)typeof(Program).Assembly.GetType("DepthwiseSharp.Cli.Commands.FitCommand+Progress")!
            .GetMethod("Format")!.Invoke(null, [v])!;
    }

    [Fact]
    public void Cancellation_stops_after_the_current_batch_and_keeps_the_finished_epochs()
    {
        var layer = StreamTestUtil.WithRandomWeights(new DepthwiseConv1D(3, padding: "same"), 2, new Random(1));
        var x = Tensor.Create(StreamTestUtil.Input<float>(new Random(3), 16 * 10 * 2), [16, 10, 2]);
        var y = Tensor.Create(StreamTestUtil.Input<float>(new Random(4), 16 * 10 * 2), [16, 10, 2]);
        using var cts = new CancellationTokenSource();
        int batches = 0;
        var history = Trainer.Fit(layer, x, y, new FitOptions
        {
            Epochs = 10, BatchSize = 4, Cancellation = cts.Token,
            OnBatchEnd = (step, steps) =>
            {
                Assert.Equal(4, steps);
                if (++batches == 6)
                {
                    cts.Cancel();
                }
            },
        });
        Assert.True(history.Cancelled);
        Assert.Equal(6, batches);
        Assert.Single(history.Loss);
    }

    [Fact]
    public void Plot_draws_the_loss_curve_as_svg_and_refuses_other_formats()
    {
        var (code, output, err) = Run(Args("--epochs", "4", "--quiet", "--validation-split", "0.25", "--plot", P("loss.svg")));
        Assert.True(code == 0, err);
        Assert.Contains($"loss curve drawn to {P("loss.svg")}", output);
        var svg = System.Xml.Linq.XDocument.Load(P("loss.svg"));
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        string text = File.ReadAllText(P("loss.svg"));
        Assert.Contains(">loss<", text);
        Assert.Contains(">val_loss<", text);

        // Refused before training, naming the option.
        (code, output, err) = Run(Args("--epochs", "4", "--plot", P("loss.png")));
        Assert.Equal(2, code);
        Assert.Contains("--plot", err);
        Assert.DoesNotContain("Epoch", output);
    }

    [Fact]
    public void Demo_plot_draws_the_loss_and_the_recovered_taps()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, Program.Run(["demo", "--plot", P("demo.svg")], stdout, new StringWriter()));
        Assert.Contains(P("demo.taps.svg"), stdout.ToString());
        string taps = File.ReadAllText(P("demo.taps.svg"));
        foreach (string name in new[] { "moving average", "central difference", "echo pattern" })
        {
            Assert.Contains(name, taps);
        }

        Assert.Equal("svg", System.Xml.Linq.XDocument.Load(P("demo.svg")).Root!.Name.LocalName);
    }
}
