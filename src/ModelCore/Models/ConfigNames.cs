namespace MemoryPlatform.ModelCore.Models;

/// <summary>Enums that config.json spells as strings ("yarn", "linear", ...): the reverse of each enum's Name function.</summary>
public static class ConfigNames
{
    /// <summary>The member whose <paramref name="name"/> is <paramref name="text"/>; false when none is.</summary>
    public static bool TryParse<T>(string text, Func<T, string> name, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (name(candidate) == text)
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }
}
