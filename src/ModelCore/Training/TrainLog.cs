using System.Globalization;

namespace MemoryPlatform.ModelCore.Training;

/// <summary>One row of train_log.csv; copy-probe columns are NaN on rows without a probe.</summary>
public sealed record TrainLogRow(long Step, double Loss, double CopyFirst, double CopySecond);

/// <summary>Reads the trainer's CSV log (<see cref="LmTrainer.LogFile"/>) by column name, so added columns do not break it.</summary>
public static class TrainLog
{
    public static IReadOnlyList<TrainLogRow> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: empty log (no header)");
        var header = lines[0].Split(',').Select(h => h.Trim()).ToList();
        int Column(string name, bool required)
        {
            var i = header.IndexOf(name);
            if (i < 0 && required) throw new InvalidDataException($"{path}: no '{name}' column in the header");
            return i;
        }
        int step = Column("step", true), loss = Column("loss", true), first = Column("copy_first", false), second = Column("copy_second", false);
        var rows = new List<TrainLogRow>();
        for (var n = 1; n < lines.Length; n++)
        {
            if (lines[n].Trim().Length == 0) continue;
            var cells = lines[n].Split(',');
            double Cell(int i)
            {
                if (i < 0 || i >= cells.Length || cells[i].Length == 0) return double.NaN;
                return double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                    ? v : throw new InvalidDataException($"{path}:{n + 1}: '{cells[i]}' is not a number");
            }
            if (!long.TryParse(cells[step], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s))
                throw new InvalidDataException($"{path}:{n + 1}: step '{cells[step]}' is not an integer");
            rows.Add(new TrainLogRow(s, Cell(loss), Cell(first), Cell(second)));
        }
        return rows;
    }
}
