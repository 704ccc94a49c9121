using System.CommandLine;
using MemoryPlatform.Cli.Commands;

// memplat: the command-line program behind ./memplat.
// Each command group lives in Commands/<Group>Commands.cs and exposes Create().
var root = new RootCommand("MemoryPlatform: long documents as compressed LLM memory");
root.Subcommands.Add(UpCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ChaosCommand.Create());
root.Subcommands.Add(VersionCommand.Create());
root.Subcommands.Add(SelfCheckCommand.Create());
root.Subcommands.Add(BenchCommands.Create());
root.Subcommands.Add(CorpusCommands.Create());
root.Subcommands.Add(TokenizerCommands.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(TrainCommands.Create());
root.Subcommands.Add(EvalCommands.Create());
root.Subcommands.Add(PlotCommands.Create());
root.Subcommands.Add(DataCommands.Create());
root.Subcommands.Add(IcaeCommands.Create());
foreach (var c in ModelCommands.Create()) root.Subcommands.Add(c);
// Ctrl-C / SIGTERM cancel the command's token; the default 2 s before a forced exit is too short for commands to stop
// the servers they started (redis-server, silos), which would outlive the CLI.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
