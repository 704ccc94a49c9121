namespace MemoryPlatform.Cli;

/// <summary>Locates the repository (bench scripts, default model) from the CLI's own location or the working directory.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Bench(string file) => Path.Combine(Root, "bench", file);

    private static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "MemoryPlatform.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
