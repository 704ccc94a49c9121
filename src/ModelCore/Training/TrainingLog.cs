using System.Globalization;

namespace MemoryPlatform.ModelCore.Training;

/// <summary>A run's CSV log (first column: the step). Doubles are written in G6, NaN as an empty field.</summary>
public sealed class TrainingLog(string path, string header)
{
    public string Path => path;

    public void Append(params object[] fields)
    {
        if (!File.Exists(path)) File.WriteAllText(path, header + "\n");
        File.AppendAllText(path, string.Join(',', fields.Select(f => f switch
        {
            double d => Format(d),
            IFormattable x => x.ToString(null, CultureInfo.InvariantCulture),
            _ => f.ToString(),
        })) + "\n");
    }

    public static string Format(double v) => double.IsNaN(v) ? "" : v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>On resume, drops rows past <paramref name="step"/>: the resumed run writes them again.</summary>
    public void TruncateAfter(long step)
    {
        if (!File.Exists(path)) return;
        var kept = File.ReadAllLines(path).Where((line, i) =>
            i == 0 || (long.TryParse(line.Split(',')[0], CultureInfo.InvariantCulture, out var s) && s <= step));
        File.WriteAllLines(path, kept);
    }
}
