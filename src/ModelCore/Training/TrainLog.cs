using System.Globalization;

namespace MemoryPlatform.ModelCore.Training;

/// <summary>One row of a trainer's train_log.csv: its step and every other column by name; empty cells are NaN.</summary>
public sealed record TrainLogRow(long Step, IReadOnlyDictionary<string, double> Values)
{
    /// <summary>The cell of <paramref name="column"/>; NaN when the log has no such column or the cell is empty.</summary>
    public double this[string column] => Values.TryGetValue(column, out var v) ? v : double.NaN;

    public double Loss => this["loss"];
}

/// <summary>
/// Reads a trainer's CSV log (<see cref="LmTrainer.LogFile"/>, the ICAE trainer's) by column name, so added columns do
/// not break it. Every log has step and loss; the rest are optional.
/// </summary>
public static class TrainLog
{
    public static IReadOnlyList<TrainLogRow> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: empty log (no header)");
        var header = lines[0].Split(',').Select(h => h.Trim()).ToArray();
        foreach (var required in new[] { "step", "loss" })
            if (!header.Contains(required)) throw new InvalidDataException($"{path}: no '{required}' column in the header");
        var step = Array.IndexOf(header, "step");
        var rows = new List<TrainLogRow>();
        for (var n = 1; n < lines.Length; n++)
        {
            if (lines[n].Trim().Length == 0) continue;
            var cells = lines[n].Split(',');
            if (!long.TryParse(cells[step], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s))
                throw new InvalidDataException($"{path}:{n + 1}: step '{cells[step]}' is not an integer");
            var values = new Dictionary<string, double>();
            for (var i = 0; i < header.Length; i++)
            {
                if (i == step) continue;
                values[header[i]] = i >= cells.Length || cells[i].Length == 0 ? double.NaN
                    : double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                    : throw new InvalidDataException($"{path}:{n + 1}: '{cells[i]}' is not a number");
            }
            rows.Add(new TrainLogRow(s, values));
        }
        return rows;
    }
}
