using System.Text.Json.Nodes;

namespace Clustering.Models.Tests;

public class TensorStoreTests
{
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 3)]
    [InlineData(true, 4)]
    public void Single_and_sharded_files_with_or_without_the_model_prefix_give_the_same_canonical_names(bool prefix, int shards)
    {
        using var dir = new TempDirectory();
        var tiny = new TinyQwen3 { ModelPrefix = prefix, Shards = shards };
        tiny.WriteTo(dir.Path);
        using var store = TensorStore.Open(dir.Path);
        var expected = tiny.Tensors().Select(t => TensorStore.CanonicalName(t.Name)).Order().ToList();
        Assert.Equal(expected, store.Names.Order().ToList());
        Assert.Equal(shards, store.Files.Count);
        var q = store.Get("layers.1.self_attn.q_proj.weight");
        Assert.Equal([32L, 16L], q.Shape);
        Assert.Equal(prefix ? "model.layers.1.self_attn.q_proj.weight" : "layers.1.self_attn.q_proj.weight", q.FileName);
        Assert.StartsWith(dir.Path, q.File);
        Assert.False(store.Contains("model.norm.weight"));
    }

    [Fact]
    public void Views_read_the_bytes_written_and_refuse_after_dispose()
    {
        using var dir = new TempDirectory();
        new TinyQwen3 { DType = "F32" }.WriteTo(dir.Path);
        var store = TensorStore.Open(dir.Path);
        var norm = store.Get("norm.weight");
        Assert.Equal(SafetensorsWriter.F32Ramp(16, 0.25f), norm.Bytes.ToArray());
        var floats = new float[16];
        norm.ToFloat32(floats);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => i * 0.25f), floats);
        store.Dispose();
        Assert.Throws<ObjectDisposedException>(() => norm.Bytes.Length);
    }

    [Fact]
    public void A_missing_tensor_is_reported_by_name()
    {
        using var dir = new TempDirectory();
        new TinyQwen3().WriteTo(dir.Path);
        using var store = TensorStore.Open(dir.Path);
        var e = Assert.Throws<KeyNotFoundException>(() => store.Get("layers.9.mlp.up_proj.weight"));
        Assert.Contains("layers.9.mlp.up_proj.weight", e.Message);
    }

    [Fact]
    public void Refuses_a_missing_shard_naming_the_index_and_the_shard()
    {
        using var dir = new TempDirectory();
        new TinyQwen3 { Shards = 2 }.WriteTo(dir.Path);
        string shard = dir.File("model-00002-of-00002.safetensors");
        File.Delete(shard);
        var e = Assert.Throws<InputFormatException>(() => TensorStore.Open(dir.Path));
        Assert.Equal(dir.File("model.safetensors.index.json"), e.Input);
        Assert.StartsWith("weight_map.", e.Position);
        Assert.Equal($"shard file {shard} is missing", e.Reason);
    }

    [Fact]
    public void Refuses_an_index_naming_a_tensor_its_shard_lacks()
    {
        using var dir = new TempDirectory();
        new TinyQwen3 { Shards = 2 }.WriteTo(dir.Path);
        EditIndex(dir, map => map["layers.7.mlp.up_proj.weight"] = "model-00001-of-00002.safetensors");
        var e = Assert.Throws<InputFormatException>(() => TensorStore.Open(dir.Path));
        Assert.Equal(dir.File("model.safetensors.index.json"), e.Input);
        Assert.Equal("weight_map.layers.7.mlp.up_proj.weight", e.Position);
        Assert.Contains($"not in its shard {dir.File("model-00001-of-00002.safetensors")}", e.Reason);
    }

    [Fact]
    public void Refuses_a_tensor_in_two_shards_naming_both_files()
    {
        using var dir = new TempDirectory();
        var tiny = new TinyQwen3 { Shards = 2 };
        tiny.WriteTo(dir.Path);
        // Rewrite shard 2 with an extra copy of a tensor that shard 1 holds.
        var all = tiny.Tensors();
        string second = dir.File("model-00002-of-00002.safetensors");
        var secondTensors = all.Skip((all.Count + 1) / 2).Append(all[0]).ToList();
        SafetensorsWriter.Write(second, secondTensors);
        var e = Assert.Throws<InputFormatException>(() => TensorStore.Open(dir.Path));
        Assert.Equal(second, e.Input);
        Assert.Equal("embed_tokens.weight", e.Position);
        Assert.Contains("also in " + dir.File("model-00001-of-00002.safetensors"), e.Reason);
    }

    [Fact]
    public void Refuses_the_same_tensor_with_and_without_the_prefix()
    {
        using var dir = new TempDirectory();
        new TinyQwen3 { EditTensors = t => [.. t, t[^1] with { Name = "model.norm.weight" }] }.WriteTo(dir.Path);
        var e = Assert.Throws<InputFormatException>(() => TensorStore.Open(dir.Path));
        Assert.Equal("model.norm.weight", e.Position);
        Assert.Contains("tensor norm.weight is listed twice", e.Reason);
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/model.safetensors")]
    [InlineData("..")]
    [InlineData("")]
    public void Refuses_shard_names_that_leave_the_model_directory(string shard)
    {
        using var dir = new TempDirectory();
        new TinyQwen3 { Shards = 2 }.WriteTo(dir.Path);
        EditIndex(dir, map => map["norm.weight"] = shard);
        var e = Assert.Throws<InputFormatException>(() => TensorStore.Open(dir.Path));
        Assert.Equal("weight_map.norm.weight", e.Position);
        Assert.Contains("not a plain file name", e.Reason);
    }

    [Theory]
    [InlineData("""{"metadata": {}}""", "weight_map", "missing")]
    [InlineData("""{"weight_map": []}""", "weight_map", "expected an object")]
    [InlineData("""{"weight_map": {}}""", "weight_map", "names no tensors")]
    [InlineData("""{"weight_map": {"norm.weight": 3}}""", "weight_map.norm.weight", "expected a shard file name")]
    [InlineData("""{"weight_map": {"norm.weight": "a.safetensors", "norm.weight": "b.safetensors"}}""", "weight_map.norm.weight", "listed twice")]
    public void Refuses_a_malformed_index(string index, string position, string reason)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors.index.json");
        File.WriteAllText(path, index);
        var e = Assert.Throws<InputFormatException>(() => TensorStore.Open(dir.Path));
        Assert.Equal(path, e.Input);
        Assert.Equal(position, e.Position);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void A_bad_shard_is_refused_naming_the_shard_file()
    {
        using var dir = new TempDirectory();
        new TinyQwen3 { Shards = 2 }.WriteTo(dir.Path);
        string shard = dir.File("model-00002-of-00002.safetensors");
        var bytes = File.ReadAllBytes(shard);
        File.WriteAllBytes(shard, bytes[..(bytes.Length - 1)]); // truncated by one byte
        var e = Assert.Throws<InputFormatException>(() => TensorStore.Open(dir.Path));
        Assert.Equal(shard, e.Input);
        Assert.Equal("norm.weight", e.Position); // the last tensor of the shard now runs past the end
        Assert.Contains("run past the end of the data section", e.Reason);
    }

    [Fact]
    public void Refuses_a_directory_without_weights_and_says_so_for_pytorch_bin()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<InputFormatException>(() => TensorStore.Open(dir.Path));
        Assert.Equal(dir.Path, e.Input);
        Assert.Contains("no model.safetensors or model.safetensors.index.json", e.Reason);
        File.WriteAllBytes(dir.File("pytorch_model.bin"), [1]);
        e = Assert.Throws<InputFormatException>(() => TensorStore.Open(dir.Path));
        Assert.Contains("convert them to safetensors", e.Reason);
    }

    private static void EditIndex(TempDirectory dir, Action<JsonObject> edit)
    {
        string path = dir.File("model.safetensors.index.json");
        var index = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(index["weight_map"]!.AsObject());
        File.WriteAllText(path, index.ToJsonString());
    }
}
