using System.Globalization;
using System.Text;
using System.Xml;

namespace MemoryPlatform.ModelCore.Plotting;

/// <summary>One data series: a polyline, or markers only (sparse measurements along a curve).</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<(double X, double Y)> Points, string Color, bool Markers = false);

/// <summary>
/// A minimal line chart as SVG: frame, nice ticks with grid lines, axis labels, series, legend. Written with
/// XmlWriter so the output is well-formed XML whatever the labels hold. The plotting area is emitted as
/// <c>&lt;rect class="plot-area"&gt;</c>; every data point is mapped inside it. Non-finite points are dropped.
/// </summary>
public sealed class SvgLinePlot
{
    /// <summary>Line colours for plots with a series per model or run, in order (matplotlib's default cycle).</summary>
    public static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    public string Title { get; init; } = "";
    public string XLabel { get; init; } = "";
    public string YLabel { get; init; } = "";
    public int Width { get; init; } = 800;
    public int Height { get; init; } = 480;
    public List<PlotSeries> Series { get; } = [];

    private const double Left = 70, Right = 20, Top = 40, Bottom = 55;
    private const string SvgNs = "http://www.w3.org/2000/svg";

    public string Render()
    {
        var points = Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var xTicks = points.Count == 0 ? AxisTicks.For(0, 1) : AxisTicks.For(points.Min(p => p.X), points.Max(p => p.X));
        var yTicks = points.Count == 0 ? AxisTicks.For(0, 1) : AxisTicks.For(points.Min(p => p.Y), points.Max(p => p.Y));
        double x0 = Left, x1 = Width - Right, y0 = Height - Bottom, y1 = Top;   // SVG y grows downwards
        double X(double v) => x0 + (v - xTicks.Min) / (xTicks.Max - xTicks.Min) * (x1 - x0);
        double Y(double v) => y0 + (v - yTicks.Min) / (yTicks.Max - yTicks.Min) * (y1 - y0);

        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false }))
        {
            xml.WriteStartElement("svg", SvgNs);
            Attr(xml, "width", Width); Attr(xml, "height", Height);
            xml.WriteAttributeString("viewBox", $"0 0 {Width} {Height}");
            xml.WriteAttributeString("font-family", "sans-serif");
            xml.WriteAttributeString("font-size", "12");
            Element(xml, "rect", ("width", "100%"), ("height", "100%"), ("fill", "white"));
            Text(xml, Width / 2.0, 22, Title, "middle", size: 15);

            foreach (var v in xTicks.Values)
            {
                Element(xml, "line", ("x1", F(X(v))), ("x2", F(X(v))), ("y1", F(y0)), ("y2", F(y1)), ("stroke", "#e5e5e5"));
                Element(xml, "line", ("x1", F(X(v))), ("x2", F(X(v))), ("y1", F(y0)), ("y2", F(y0 + 5)), ("stroke", "black"));
                Text(xml, X(v), y0 + 18, Label(v), "middle");
            }
            foreach (var v in yTicks.Values)
            {
                Element(xml, "line", ("x1", F(x0)), ("x2", F(x1)), ("y1", F(Y(v))), ("y2", F(Y(v))), ("stroke", "#e5e5e5"));
                Element(xml, "line", ("x1", F(x0 - 5)), ("x2", F(x0)), ("y1", F(Y(v))), ("y2", F(Y(v))), ("stroke", "black"));
                Text(xml, x0 - 8, Y(v) + 4, Label(v), "end");
            }
            Element(xml, "rect", ("class", "plot-area"), ("x", F(x0)), ("y", F(y1)), ("width", F(x1 - x0)), ("height", F(y0 - y1)),
                    ("fill", "none"), ("stroke", "black"));
            Text(xml, (x0 + x1) / 2, Height - 15, XLabel, "middle");
            xml.WriteStartElement("text", SvgNs);
            xml.WriteAttributeString("transform", $"translate(18 {F((y0 + y1) / 2)}) rotate(-90)");
            xml.WriteAttributeString("text-anchor", "middle");
            xml.WriteString(YLabel);
            xml.WriteEndElement();

            foreach (var s in Series)
            {
                var finite = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
                xml.WriteStartElement("g", SvgNs);
                xml.WriteAttributeString("class", "series");
                xml.WriteAttributeString("data-name", s.Name);
                if (s.Markers)
                    foreach (var p in finite)
                        Element(xml, "circle", ("cx", F(X(p.X))), ("cy", F(Y(p.Y))), ("r", "3.5"), ("fill", s.Color));
                else if (finite.Count > 0)
                    Element(xml, "polyline", ("points", string.Join(' ', finite.Select(p => $"{F(X(p.X))},{F(Y(p.Y))}"))),
                            ("fill", "none"), ("stroke", s.Color), ("stroke-width", "1.5"));
                xml.WriteEndElement();
            }

            // Legend, top right inside the frame; a series without a name (markers over a named line) has no entry.
            var legend = Series.Where(s => s.Name.Length > 0).ToList();
            for (var i = 0; i < legend.Count; i++)
            {
                double ly = y1 + 16 + 18 * i, lx = x1 - 170;
                if (legend[i].Markers) Element(xml, "circle", ("cx", F(lx + 10)), ("cy", F(ly - 4)), ("r", "3.5"), ("fill", legend[i].Color));
                else Element(xml, "line", ("x1", F(lx)), ("x2", F(lx + 20)), ("y1", F(ly - 4)), ("y2", F(ly - 4)), ("stroke", legend[i].Color), ("stroke-width", "2"));
                Text(xml, lx + 28, ly, legend[i].Name, "start");
            }
            xml.WriteEndElement();
        }
        return text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"") + "\n";
    }

    public void Save(string path)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, Render(), new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);   // a viewer never sees a half-written file
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Label(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private static void Attr(XmlWriter xml, string name, int value) => xml.WriteAttributeString(name, value.ToString(CultureInfo.InvariantCulture));

    private static void Element(XmlWriter xml, string name, params (string Name, string Value)[] attributes)
    {
        xml.WriteStartElement(name, SvgNs);
        foreach (var (n, v) in attributes) xml.WriteAttributeString(n, v);
        xml.WriteEndElement();
    }

    private static void Text(XmlWriter xml, double x, double y, string content, string anchor, int size = 12)
    {
        xml.WriteStartElement("text", SvgNs);
        xml.WriteAttributeString("x", F(x));
        xml.WriteAttributeString("y", F(y));
        xml.WriteAttributeString("text-anchor", anchor);
        if (size != 12) xml.WriteAttributeString("font-size", size.ToString(CultureInfo.InvariantCulture));
        xml.WriteString(content);
        xml.WriteEndElement();
    }
}
