using System.Globalization;
using System.Xml.Linq;
using MemoryPlatform.ModelCore.Plotting;
using MemoryPlatform.ModelCore.Tests.TestSupport;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Tests.Plotting;

public class SvgLinePlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Loss_plot_is_valid_svg_with_every_point_inside_the_axes()
    {
        using var dir = new TempDirectory();
        var log = dir.File("train_log.csv");
        File.WriteAllLines(log, new[] { "step,tokens,loss,lr,grad_norm,tokens_per_s,copy_first,copy_second" }
            .Concat(Enumerable.Range(1, 40).Select(i =>
                $"{i * 10},{i * 4096},{(8.3 * Math.Exp(-i / 10.0) + 2.1).ToString(CultureInfo.InvariantCulture)},0.001,1.2,5000," +
                (i % 10 == 0 ? $"{7.0 - i / 20.0},{6.5 - i / 10.0}" : ","))));
        var svgPath = dir.File("loss.svg");

        LossPlot.Write(log, svgPath);

        var doc = XDocument.Load(svgPath);   // throws on malformed XML
        Assert.Equal(Svg + "svg", doc.Root!.Name);
        var area = doc.Descendants(Svg + "rect").Single(r => (string?)r.Attribute("class") == "plot-area");
        double ax = D(area, "x"), ay = D(area, "y"), aw = D(area, "width"), ah = D(area, "height");
        bool Inside(double x, double y) => x >= ax - 1e-6 && x <= ax + aw + 1e-6 && y >= ay - 1e-6 && y <= ay + ah + 1e-6;

        var polyline = doc.Descendants(Svg + "polyline").Single();
        var points = polyline.Attribute("points")!.Value.Split(' ')
            .Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.Equal(40, points.Count);
        Assert.All(points, p => Assert.True(Inside(p[0], p[1]), $"curve point ({p[0]}, {p[1]}) outside the axes"));
        // Loss falls with the step: in SVG coordinates x grows and y grows (downwards) along the curve.
        Assert.True(points[^1][0] > points[0][0] && points[^1][1] > points[0][1]);

        var circles = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series")
            .SelectMany(g => g.Elements(Svg + "circle")).ToList();
        Assert.Equal(2 * 4, circles.Count);   // first and second copy at 4 probe rows
        Assert.All(circles, c => Assert.True(Inside(D(c, "cx"), D(c, "cy"))));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "step");
    }

    [Fact]
    public void An_icae_log_draws_each_objective_it_holds_and_the_base_references_as_markers()
    {
        using var dir = new TempDirectory();
        var pretrain = dir.File("pretrain.csv");
        // λ 0.6 with alignment; base references on every 5th row (as on log steps).
        File.WriteAllLines(pretrain, new[] { "step,context_tokens,loss,ae_loss,lm_loss,ft_loss,base_loss,base_lm_loss,lr,grad_norm,tokens_per_s,align_loss" }
            .Concat(Enumerable.Range(1, 20).Select(i => string.Join(',', i * 5, 4000, 3.0 - i * 0.05, 2.0 - i * 0.05, 3.5, "", i % 5 == 0 ? "3.4" : "",
                                                                        i % 5 == 0 ? "3.3" : "", 0.001, 1.0, 900, 0.5))));
        var svg = XDocument.Parse(LossPlot.Build(TrainLog.Read(pretrain), "icae").Render());
        Assert.Equal(4, svg.Descendants(Svg + "polyline").Count());   // loss, AE, LM, alignment; no answer loss
        Assert.Equal(2 * 4, svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").SelectMany(g => g.Elements(Svg + "circle")).Count());
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "slot-alignment loss");
        Assert.DoesNotContain(svg.Descendants(Svg + "text"), t => t.Value == "answer loss");

        var finetune = dir.File("finetune.csv");
        File.WriteAllLines(finetune, ["step,context_tokens,loss,ae_loss,lm_loss,ft_loss,base_loss,base_lm_loss,lr,grad_norm,tokens_per_s,align_loss",
                                      "5,900,3.1,,,3.1,3.8,,0.0005,1.1,800,", "10,900,2.9,,,2.9,3.7,,0.0005,1.0,800,"]);
        var ft = XDocument.Parse(LossPlot.Build(TrainLog.Read(finetune), "ft").Render());
        Assert.Equal(2, ft.Descendants(Svg + "polyline").Count());    // loss and answer loss
        Assert.Equal(10.0, TrainLog.Read(finetune)[1].Step);
        Assert.True(double.IsNaN(TrainLog.Read(finetune)[1]["ae_loss"]) && double.IsNaN(TrainLog.Read(finetune)[1]["no_such_column"]));
    }

    [Fact]
    public void Labels_with_markup_characters_stay_well_formed()
    {
        var plot = new SvgLinePlot { Title = "a < b & \"c\"", XLabel = "x", YLabel = "y" };
        plot.Series.Add(new PlotSeries("<series>", [(0, 1), (1, double.NaN), (2, 3)], "red"));
        var doc = XDocument.Parse(plot.Render());
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "a < b & \"c\"");
        Assert.Equal(2, doc.Descendants(Svg + "polyline").Single().Attribute("points")!.Value.Split(' ').Length);
    }

    [Theory]
    [InlineData(2.13, 8.97, 2.0)]
    [InlineData(0, 4000, 1000.0)]
    [InlineData(0.001, 0.0042, 0.001)]
    [InlineData(0.5, 1.0, 0.1)]
    public void Ticks_are_round_and_cover_the_data(double min, double max, double step)
    {
        var ticks = AxisTicks.For(min, max);
        Assert.Equal(step, ticks.Step, 12);
        Assert.True(ticks.Min <= min && ticks.Max >= max);
        Assert.Equal(ticks.Min, ticks.Values[0], 12);
        Assert.Equal(ticks.Max, ticks.Values[^1], 12);
    }

    [Fact]
    public void Log_reader_rejects_a_log_without_a_loss_column()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("log.csv"), "step,tokens\n1,2\n");
        Assert.Throws<InvalidDataException>(() => TrainLog.Read(dir.File("log.csv")));
    }

    [Fact]
    public void Length_plot_draws_a_line_per_model_over_log2_length_and_lists_only_named_series()
    {
        const string plain = """{"results": [{"length": 512, "ppl": 20.0}, {"length": 1024, "ppl": 400.0}, {"length": 2048, "ppl": 9000.0}]}""";
        const string e2llm = """{"results": [{"length": 512, "ppl": 21.0}, {"length": 1024, "ppl": 20.5}, {"length": 2048, "ppl": 20.2}]}""";
        var doc = XDocument.Parse(LengthPlot.Build([("plain RoPE", plain), ("E²-LLM", e2llm)], "ppl", "ppl").Render());

        var lines = doc.Descendants(Svg + "polyline").Select(p => p.Attribute("points")!.Value.Split(' ')
            .Select(xy => xy.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList()).ToList();
        Assert.Equal(2, lines.Count);
        // log2 x: 512 → 1024 → 2048 are equally spaced.
        Assert.Equal(lines[0][1][0] - lines[0][0][0], lines[0][2][0] - lines[0][1][0], 3);
        // The plain line climbs (SVG y shrinks upwards) far above the flat E²-LLM line at 2048.
        Assert.True(lines[0][2][1] < lines[1][2][1] - 100);
        var legend = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("plain RoPE", legend);
        Assert.Contains("E²-LLM", legend);
        Assert.Throws<InvalidDataException>(() => LengthPlot.Read("""{"lengths": []}""", "ppl"));
        Assert.Throws<ArgumentException>(() => LengthPlot.Build([("a", plain)], "bleu", ""));
    }

    private static double D(XElement e, string name) => double.Parse(e.Attribute(name)!.Value, CultureInfo.InvariantCulture);
}
