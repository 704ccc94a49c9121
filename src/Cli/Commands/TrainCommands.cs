using System.CommandLine;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat train lm`: train a Llama-style model on a tokenized corpus, with checkpoints and exact resume.</summary>
public static class TrainCommands
{
    public static Command Create()
    {
        var train = new Command("train", "Train models");
        train.Subcommands.Add(Lm());
        train.Subcommands.Add(TrainE2LlmCommand.Create());
        return train;
    }

    private static Command Lm()
    {
        var config = new Option<string?>("--config") { Description = "Model config.json (HF layout); required unless --resume" };
        var shared = new TrainerCli(new LmTrainerOptions());
        var seq = new Option<int>("--seq") { Description = "Training length R", DefaultValueFactory = _ => new LmTrainerOptions().SequenceLength };
        var command = new Command("lm", "Train a causal LM (bf16 compute, fp32 master weights, AdamW, warmup + cosine)");
        command.Options.Add(config);
        shared.AddTo(command);
        command.Options.Add(seq);
        command.SetAction(parse => CommandErrors.Run("train lm", () => shared.Execute("train lm", parse,
            () =>
            {
                _ = parse.GetValue(config) ?? throw new ArgumentException("--config is required for a new run");
                return shared.Read(parse) with { SequenceLength = parse.GetValue(seq) };
            },
            (options, data) => LmTrainer.Start(LlamaConfig.Load(parse.GetValue(config)!), data, options, parse.GetValue(shared.Output)!))));
        return command;
    }
}
