namespace MemoryPlatform.Cli.Tests;

/// <summary>
/// Tests that start whole platforms (redis-server, silo and gateway processes) run one at a time: each builds the silo
/// and gateway into the same artifacts folders, and two platforms side by side would also fight over a 2-core machine.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PlatformCollection
{
    public const string Name = "platform";
}
