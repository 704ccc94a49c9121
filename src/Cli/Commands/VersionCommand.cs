using System.CommandLine;
using System.Reflection;

namespace MemoryPlatform.Cli.Commands;

/// <summary>`memplat version`: prints the CLI's version.</summary>
public static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the version");
        command.SetAction(_ =>
        {
            Console.WriteLine(typeof(VersionCommand).Assembly.GetName().Version);
            return 0;
        });
        return command;
    }
}
