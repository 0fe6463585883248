using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace DepthwiseSharp.Cli.Commands;

/// <summary>The pictures the tool draws (OxyPlot, written as SVG: no native renderer needed).</summary>
internal static class Plots
{
    /// <summary>Refuses a --plot path that is not an .svg file the tool can write, before any work.</summary>
    public static void CheckPath(string path)
    {
        if (!path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException($"--plot {path}: the picture is written as SVG; give a path ending in .svg");
        }

        OutputFiles.CheckWritable(path, "plot");
    }

    /// <summary>The loss (and validation loss) per epoch, on a log scale.</summary>
    public static void LossCurve(string path, string title, IReadOnlyList<double> loss, IReadOnlyList<double> validationLoss)
    {
        var model = NewModel(title);
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "epoch", Minimum = 1 });
        bool positive = loss.Concat(validationLoss).All(v => v > 0 && double.IsFinite(v));
        model.Axes.Add(positive
            ? new LogarithmicAxis { Position = AxisPosition.Left, Title = "loss (log scale)", AxisTitleDistance = 12 }
            : new LinearAxis { Position = AxisPosition.Left, Title = "loss", AxisTitleDistance = 12 });
        model.Series.Add(Line("loss", loss.Select((v, i) => new DataPoint(i + 1, v))));
        if (validationLoss.Count > 0)
        {
            model.Series.Add(Line("val_loss", validationLoss.Select((v, i) => new DataPoint(i + 1, v))));
        }

        Write(model, path);
    }

    /// <summary>Filter taps: each true filter as a line, the recovered taps as markers on it.</summary>
    public static void Taps(string path, string title, IReadOnlyList<string> names, IReadOnlyList<double[]> truth, IReadOnlyList<double[]> recovered)
    {
        var model = NewModel(title);
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "tap j" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "K[j, c]", AxisTitleDistance = 12 });
        OxyColor[] colors = [OxyColors.SteelBlue, OxyColors.Firebrick, OxyColors.SeaGreen, OxyColors.DarkOrange, OxyColors.MediumPurple];
        for (int i = 0; i < names.Count; i++)
        {
            // One colour per filter: its true taps as a line, the recovered ones as dots on it.
            var color = colors[i % colors.Length];
            var line = Line(names[i], truth[i].Select((v, j) => new DataPoint(j, v)));
            line.Color = color;
            model.Series.Add(line);
            var dots = new ScatterSeries { MarkerType = MarkerType.Circle, MarkerSize = 4, MarkerFill = color };
            dots.Points.AddRange(recovered[i].Select((v, j) => new ScatterPoint(j, v)));
            model.Series.Add(dots);
        }

        Write(model, path);
    }

    private static PlotModel NewModel(string title)
    {
        var model = new PlotModel { Title = title, TitleFontSize = 13, Background = OxyColors.White, Padding = new OxyThickness(12, 12, 48, 12) };
        model.Legends.Add(new Legend
        {
            LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.RightTop, LegendOrientation = LegendOrientation.Vertical,
            LegendItemSpacing = 40,
        });
        return model;
    }

    private static LineSeries Line(string title, IEnumerable<DataPoint> points)
    {
        var series = new LineSeries { Title = title };
        series.Points.AddRange(points);
        return series;
    }

    private static void Write(PlotModel model, string path)
    {
        using var stream = File.Create(path);
        new SvgExporter { Width = 900, Height = 440, UseVerticalTextAlignmentWorkaround = true }.Export(model, stream);
    }
}
