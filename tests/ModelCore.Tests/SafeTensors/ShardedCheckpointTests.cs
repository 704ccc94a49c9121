using MemoryPlatform.ModelCore.SafeTensors;
using MemoryPlatform.ModelCore.Tests.TestSupport;

namespace MemoryPlatform.ModelCore.Tests.SafeTensors;

public class ShardedCheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private void WriteShard(string file, params (string Name, byte Value)[] tensors)
    {
        var writer = new SafeTensorsWriter();
        foreach (var (name, value) in tensors)
            writer.Add(name, SafeDType.U8, [2], [value, value]);
        writer.Save(_dir.File(file));
    }

    private void WriteIndex(string weightMapJson) =>
        File.WriteAllText(_dir.File(ShardedCheckpoint.IndexFileName), $$$"""{"metadata": {"total_size": 8}, "weight_map": {{{weightMapJson}}}}""");

    [Fact]
    public void Single_file_checkpoint_exposes_its_tensors()
    {
        WriteShard("model.safetensors", ("model.norm.weight", 3), ("lm_head.weight", 4));
        using var checkpoint = ShardedCheckpoint.Open(_dir.Path);

        Assert.Single(checkpoint.Shards);
        Assert.Equal(2, checkpoint.Tensors.Count);
        Assert.Equal(new byte[] { 4, 4 }, checkpoint.GetSpan("lm_head.weight").ToArray());
    }

    [Fact]
    public void Index_joins_all_shards_into_one_lookup()
    {
        WriteShard("model-00001-of-00002.safetensors", ("model.embed_tokens.weight", 1), ("model.layers.0.self_attn.q_proj.weight", 2));
        WriteShard("model-00002-of-00002.safetensors", ("model.norm.weight", 3), ("lm_head.weight", 4));
        WriteIndex("""
            {"model.embed_tokens.weight": "model-00001-of-00002.safetensors",
             "model.layers.0.self_attn.q_proj.weight": "model-00001-of-00002.safetensors",
             "model.norm.weight": "model-00002-of-00002.safetensors",
             "lm_head.weight": "model-00002-of-00002.safetensors"}
            """);

        using var checkpoint = ShardedCheckpoint.Open(_dir.Path);
        Assert.Equal(2, checkpoint.Shards.Count);
        Assert.Equal(4, checkpoint.Tensors.Count);
        Assert.Equal(new byte[] { 2, 2 }, checkpoint.GetSpan("model.layers.0.self_attn.q_proj.weight").ToArray());
        Assert.Equal(new byte[] { 3, 3 }, checkpoint.GetSpan("model.norm.weight").ToArray());
        Assert.EndsWith("model-00002-of-00002.safetensors", checkpoint.FileOf("lm_head.weight").Path);
        var missing = Assert.Throws<KeyNotFoundException>(() => checkpoint["model.layers.1.mlp.up_proj.weight"]);
        Assert.Contains("model.layers.1.mlp.up_proj.weight", missing.Message);
    }

    [Fact]
    public void Missing_shard_file_is_a_clear_error()
    {
        WriteShard("model-00001-of-00002.safetensors", ("a", 1));
        WriteIndex("""{"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}""");

        var error = Assert.Throws<FileNotFoundException>(() => ShardedCheckpoint.Open(_dir.Path));
        Assert.Contains("model-00002-of-00002.safetensors", error.Message);
        Assert.Contains("'b'", error.Message);
    }

    [Fact]
    public void Name_mapped_to_a_shard_that_lacks_it_is_a_clear_error()
    {
        WriteShard("s1.safetensors", ("a", 1));
        WriteShard("s2.safetensors", ("b", 2));
        WriteIndex("""{"a": "s1.safetensors", "b": "s1.safetensors"}""");

        var error = Assert.Throws<InvalidDataException>(() => ShardedCheckpoint.Open(_dir.Path));
        Assert.Contains("'b'", error.Message);
        Assert.Contains("s1.safetensors", error.Message);
    }

    [Fact]
    public void Shard_path_leaving_the_directory_is_rejected()
    {
        WriteIndex("""{"a": "../elsewhere.safetensors"}""");
        Assert.Throws<InvalidDataException>(() => ShardedCheckpoint.Open(_dir.Path));
    }

    [Fact]
    public void Index_without_weight_map_is_rejected()
    {
        File.WriteAllText(_dir.File(ShardedCheckpoint.IndexFileName), """{"metadata": {}}""");
        Assert.Contains("weight_map", Assert.Throws<InvalidDataException>(() => ShardedCheckpoint.Open(_dir.Path)).Message);
    }

    [Fact]
    public void Directory_without_weights_is_a_clear_error()
    {
        var error = Assert.Throws<FileNotFoundException>(() => ShardedCheckpoint.Open(_dir.Path));
        Assert.Contains(ShardedCheckpoint.IndexFileName, error.Message);
    }
}
