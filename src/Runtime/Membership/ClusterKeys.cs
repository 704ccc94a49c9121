namespace MemoryPlatform.Runtime.Membership;

/// <summary>
/// Redis keys of one cluster's control data. All share the hash tag {clusterId}, so the directory's
/// Lua script may read the membership hash on Redis Cluster too (same slot).
/// </summary>
internal static class ClusterKeys
{
    public static string Membership(string clusterId) => $"mp:{{{clusterId}}}:membership";

    public static string Directory(string clusterId, string grainId) => $"mp:{{{clusterId}}}:dir:{grainId}";
}
