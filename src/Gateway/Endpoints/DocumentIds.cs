using MemoryPlatform.Gateway.Errors;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Storage;

namespace MemoryPlatform.Gateway.Endpoints;

/// <summary>
/// Document ids at the edge. An id that names an existing document (route, query list) and is malformed cannot
/// exist: 404, like any unknown or foreign id. An id chosen for a new document and malformed is a 400.
/// </summary>
public static class DocumentIds
{
    public static string ExistingKey(string tenant, string id) =>
        RedisIds.IsValid(id) ? GrainKeys.Document(tenant, id) : throw ApiException.NotFound($"document '{Shorten(id)}' not found");

    public static string NewId(string? requested)
    {
        if (requested is null) return NewIds.Document();
        if (!RedisIds.IsValid(requested))
            throw ApiException.BadRequest($"invalid document id '{Shorten(requested)}': ids are 1-{RedisIds.MaxLength} characters of A-Z a-z 0-9 . _ -");
        return requested;
    }

    private static string Shorten(string id) => id.Length <= 64 ? id : id[..64] + "…";
}
