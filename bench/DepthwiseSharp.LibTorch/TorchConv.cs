using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DepthwiseSharp.Bench.LibTorch;

/// <summary>
/// libtorch's depthwise convolution of one geometry, reading our arrays in place: x (and dy) are tensors over the same
/// pinned .NET arrays that our engine reads (<c>torch.frombuffer</c>, no copy). The kernel is rearranged once into torch's
/// <c>(C*M, 1, k)</c> weight. channels_first: <c>F.conv1d(groups = C)</c> on the <c>(N, C, L)</c> tensor. channels_last: the
/// <c>(N, L, C)</c> tensor viewed as the channels_last 4-D tensor <c>(N, C, 1, L)</c> and <c>F.conv2d</c> with a
/// <c>(C*M, 1, 1, k)</c> weight, whose channels_last result is already <c>(N, Lout, C*M)</c> in memory: no copies, where
/// <c>conv1d</c> on a permuted tensor would first copy it to channels_first.
/// </summary>
internal sealed class TorchConv : IDisposable
{
    private readonly Conv1DGeometry _g;
    private readonly Tensor _xFlat;
    private readonly Tensor _x;
    private readonly Tensor _weight;
    private readonly Tensor _bias;
    private readonly Tensor? _dy;
    private readonly Tensor? _y;

    // For --half: copies of x, the weight and the bias in the 16-bit type, made once before any timing.
    private readonly Tensor? _x16;
    private readonly Tensor? _weight16;
    private readonly Tensor? _bias16;

    /// <param name="g">Sizes, padding and layout.</param>
    /// <param name="x">The input, shared with libtorch.</param>
    /// <param name="kernel">Our kernel <c>(k, C, M)</c>.</param>
    /// <param name="bias">The bias <c>(C*M)</c>.</param>
    /// <param name="dy">For the gradients: dLoss/dy, shared with libtorch; the graph of the forward pass is then built once
    /// and kept, so that a timed backward is <c>autograd.grad</c> alone.</param>
    /// <param name="compute">For --half: the 16-bit type (BFloat16 or Float16) libtorch computes in; null for float32.</param>
    public TorchConv(Conv1DGeometry g, float[] x, float[] kernel, float[] bias, float[]? dy = null, ScalarType? compute = null)
    {
        _g = g;
        bool grad = dy is not null;
        _xFlat = torch.frombuffer(x, ScalarType.Float32, requires_grad: grad);
        _x = _xFlat.view(g.InputShape.Select(v => (long)v).ToArray());
        _bias = torch.frombuffer(bias, ScalarType.Float32, requires_grad: grad);
        using var scope = torch.NewDisposeScope();
        _weight = torch.frombuffer(kernel, ScalarType.Float32).view(g.KernelSize, g.OutputChannels).t().contiguous()
            .view(g.OutputChannels, 1, g.KernelSize).detach().requires_grad_(grad).MoveToOuterDisposeScope();
        if (compute is { } type)
        {
            _x16 = _x.to(type).MoveToOuterDisposeScope();
            _weight16 = _weight.to(type).MoveToOuterDisposeScope();
            _bias16 = _bias.to(type).MoveToOuterDisposeScope();
        }

        if (dy is not null)
        {
            _dy = torch.frombuffer(dy, ScalarType.Float32).view(g.OutputShape.Select(v => (long)v).ToArray()).MoveToOuterDisposeScope();
            _y = Convolve().MoveToOuterDisposeScope();
        }
    }

    /// <summary>One forward call, its output freed at once: what the forward timing runs.</summary>
    public void Forward()
    {
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        Convolve();
    }

    /// <summary>The forward output in our layout.</summary>
    public float[] ForwardOutput()
    {
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        return Convolve().to(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    /// <summary>One backward call through the kept graph (dx, dweight, dbias), freed at once: what the backward timing runs.</summary>
    public void Backward()
    {
        using var scope = torch.NewDisposeScope();
        Gradients();
    }

    /// <summary>dx in our layout, dkernel in ours <c>(k, C, M)</c>, and dbias.</summary>
    public (float[] Dx, float[] Dkernel, float[] Dbias) BackwardOutput()
    {
        using var scope = torch.NewDisposeScope();
        var grads = Gradients();
        var dkernel = grads[1].view(_g.OutputChannels, _g.KernelSize).t().contiguous();
        return (grads[0].contiguous().data<float>().ToArray(), dkernel.data<float>().ToArray(), grads[2].contiguous().data<float>().ToArray());
    }

    private IList<Tensor> Gradients() =>
        torch.autograd.grad([_y!], [_xFlat, _weight, _bias], [_dy!], retain_graph: true);

    private Tensor Convolve()
    {
        // torch pads both ends alike; TensorFlow's 'same' puts an odd extra zero at the end, which takes an explicit pad.
        bool even = _g.PadLeft == _g.PadRight;
        long padding = even ? _g.PadLeft : 0;
        Tensor input = _x16 ?? _x, weight = _weight16 ?? _weight, bias = _bias16 ?? _bias;
        if (_g.DataFormat == DataFormat.ChannelsFirst)
        {
            var x = even ? input : F.pad(input, [_g.PadLeft, _g.PadRight]);
            return F.conv1d(x, weight, bias, stride: _g.Stride, padding: padding, dilation: _g.Dilation, groups: _g.Channels);
        }

        var x4 = input.view(_g.Batch, 1, _g.Length, _g.Channels).permute(0, 3, 1, 2);
        if (!even)
        {
            x4 = F.pad(x4, [_g.PadLeft, _g.PadRight, 0, 0]);
        }

        var y4 = F.conv2d(x4, weight.view(_g.OutputChannels, 1, 1, _g.KernelSize), bias, strides: [1, _g.Stride], padding: [0, padding],
            dilation: [1, _g.Dilation], groups: _g.Channels);
        return y4.permute(0, 2, 3, 1).reshape(_g.Batch, _g.OutputLength, _g.OutputChannels);
    }

    public void Dispose()
    {
        _x16?.Dispose();
        _weight16?.Dispose();
        _bias16?.Dispose();
        _y?.Dispose();
        _dy?.Dispose();
        _bias.Dispose();
        _weight.Dispose();
        _x.Dispose();
        _xFlat.Dispose();
    }
}
