using System.CommandLine;
using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat corpus build`: the English corpus from Debian packages (see docs/corpus.md).</summary>
public static class CorpusCommands
{
    public static Command Create()
    {
        var command = new Command("corpus", "Build the training corpus");
        command.Subcommands.Add(CreateBuild());
        return command;
    }

    private static Command CreateBuild()
    {
        var outDir = new Option<string>("--out") { Description = "Output directory", Required = true };
        var sources = new Option<string?>("--sources")
        {
            Description = "Comma-separated sources (default: all): "
                          + string.Join(",", CorpusBuilder.DefaultSources().Select(s => s.Name)),
        };
        var maxDocs = new Option<int?>("--max-docs") { Description = "At most N documents per source (quick builds)" };
        var command = new Command("build", "Assemble, clean and split the English corpus from Debian packages");
        command.Options.Add(outDir);
        command.Options.Add(sources);
        command.Options.Add(maxDocs);
        command.SetAction(parseResult => CommandErrors.Run("corpus build", () =>
        {
            var names = parseResult.GetValue(sources)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var manifest = CorpusBuilder.Build(new CorpusBuildOptions
            {
                OutDir = parseResult.GetValue(outDir)!,
                Sources = names,
                MaxDocsPerSource = parseResult.GetValue(maxDocs),
            }, Console.Error);
            PrintSummary(manifest);
        }));
        return command;
    }

    // Documents and bytes per source and split; the last column counts long test documents.
    private static void PrintSummary(CorpusManifest m)
    {
        string[] splits = ["train", "validation", "test"];
        Console.WriteLine($"{"source",-14}{"train docs",11}{"train bytes",15}{"val docs",10}{"val bytes",13}{"test docs",11}{"test bytes",13}{"long test",11}");
        foreach (var s in m.Sources)
        {
            var row = $"{s.Name,-14}";
            foreach (var split in splits)
            {
                var c = m.Splits[split].BySource.GetValueOrDefault(s.Name) ?? new SourceCount(0, 0);
                row += split == "train" ? $"{c.Documents,11}{c.Bytes,15:N0}" : $"{c.Documents,10}{c.Bytes,13:N0}";
            }
            Console.WriteLine(row + $"{m.TestLong.Documents.Count(d => d.Source == s.Name),11}");
        }
        var total = $"{"total",-14}";
        foreach (var split in splits)
            total += split == "train" ? $"{m.Splits[split].Documents,11}{m.Splits[split].Bytes,15:N0}"
                                      : $"{m.Splits[split].Documents,10}{m.Splits[split].Bytes,13:N0}";
        Console.WriteLine(total + $"{m.TestLong.Documents.Count,11}");
    }
}
