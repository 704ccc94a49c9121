using System.CommandLine;
using System.Text.Json;
using MemoryPlatform.ModelCore.Tokenizer;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat tokenize`: encodes text with a SentencePiece tokenizer.model and prints the ids.</summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizerOption = new Option<string>("--tokenizer")
        {
            Description = "Path of a SentencePiece tokenizer.model (BPE)",
            Required = true,
        };
        var textFileOption = new Option<string?>("--text-file") { Description = "Encode the contents of this UTF-8 file" };
        var textOption = new Option<string?>("--text") { Description = "Encode this text" };
        var jsonOption = new Option<bool>("--json") { Description = "Print {\"ids\": [...]} instead of space-separated ids" };

        var command = new Command("tokenize", "Encode text into token ids with a SentencePiece model");
        command.Options.Add(tokenizerOption);
        command.Options.Add(textFileOption);
        command.Options.Add(textOption);
        command.Options.Add(jsonOption);
        command.Validators.Add(result =>
        {
            bool hasFile = result.GetResult(textFileOption) is not null;
            bool hasText = result.GetResult(textOption) is not null;
            if (hasFile == hasText)
                result.AddError("Give exactly one of --text-file or --text.");
        });
        command.SetAction(parseResult => CommandErrors.Run("tokenize", () =>
        {
            var textFile = parseResult.GetValue(textFileOption);
            var tokenizer = SentencePieceTokenizer.Load(parseResult.GetValue(tokenizerOption)!);
            // The whole file is one input, as SentencePiece's Encode sees one string (newlines included).
            var text = textFile is not null ? File.ReadAllText(textFile) : parseResult.GetValue(textOption)!;
            var ids = tokenizer.Encode(text);
            Console.WriteLine(parseResult.GetValue(jsonOption)
                ? JsonSerializer.Serialize(new Dictionary<string, int[]> { ["ids"] = ids })
                : string.Join(' ', ids));
        }));
        return command;
    }
}
