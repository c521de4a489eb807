using Clustering.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Clustering.Inference.Onnx;

/// <summary>
/// An exported encoder on ONNX Runtime's CPU execution provider. A flat batch becomes a padded one (ORT graphs take
/// (batch, sequence) tensors): input_ids, attention_mask and, when the graph has them, token_type_ids (zeros) and
/// position_ids; padding costs little because the batcher sorts inputs by length. The graph's token states
/// (last_hidden_state or token_embeddings) are pooled here as sentence-transformers pools them; a graph that only
/// gives sentence_embedding has pooled already. Buffers grow to the largest batch and are reused.
/// </summary>
public sealed class OnnxEngine : IEmbeddingEngine
{
    private static readonly string[] TokenOutputs = ["last_hidden_state", "token_embeddings"];
    private const string PooledOutput = "sentence_embedding";

    private readonly InferenceSession _session;
    private readonly int _hidden;
    private readonly bool _tokenTypes, _positions, _pooledByGraph;
    private readonly string _output;
    private long[] _ids = [], _mask = [], _types = [], _positionIds = []; // (batch, sequence) padded, reused

    public OnnxEngine(string onnxPath, int threads, int hiddenSize)
    {
        _hidden = hiddenSize;
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads > 0 ? threads : Environment.ProcessorCount,
            InterOpNumThreads = 1,
        };
        try { _session = new InferenceSession(onnxPath, options); }
        catch (OnnxRuntimeException e) { throw new InputFormatException(onnxPath, null, "ONNX Runtime cannot load it: " + e.Message); }
        try
        {
            var inputs = _session.InputMetadata;
            foreach (var (name, meta) in inputs)
            {
                if (name is not ("input_ids" or "attention_mask" or "token_type_ids" or "position_ids"))
                    throw new InputFormatException(onnxPath, name, "an input this engine does not know how to fill (it fills input_ids, attention_mask, token_type_ids, position_ids)");
                if (meta.ElementDataType != TensorElementType.Int64)
                    throw new InputFormatException(onnxPath, name, $"is {meta.ElementDataType}; int64 expected");
            }
            if (!inputs.ContainsKey("input_ids")) throw new InputFormatException(onnxPath, null, "the graph has no input_ids input");
            if (!inputs.ContainsKey("attention_mask")) throw new InputFormatException(onnxPath, null, "the graph has no attention_mask input (padded batches need it)");
            _tokenTypes = inputs.ContainsKey("token_type_ids");
            _positions = inputs.ContainsKey("position_ids");

            var outputs = _session.OutputMetadata;
            string? tokens = TokenOutputs.FirstOrDefault(outputs.ContainsKey);
            if (tokens is null && !outputs.ContainsKey(PooledOutput))
                throw new InputFormatException(onnxPath, null, $"no last_hidden_state, token_embeddings or sentence_embedding output (it has {string.Join(", ", outputs.Keys)})");
            _output = tokens ?? PooledOutput;
            _pooledByGraph = tokens is null;
            var dims = outputs[_output].Dimensions;
            if (dims.Length != (_pooledByGraph ? 2 : 3))
                throw new InputFormatException(onnxPath, _output, $"has {dims.Length} dimensions; {(_pooledByGraph ? 2 : 3)} expected");
            if (dims[^1] > 0 && dims[^1] != hiddenSize)
                throw new InputFormatException(onnxPath, _output, $"has {dims[^1]} features; config.json says hidden_size {hiddenSize}");
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    public string Device => "cpu";

    public void Forward(TokenBatch batch, PoolingMode pooling, Span<float> pooled)
    {
        int count = batch.SequenceCount, length = batch.MaxSequenceLength;
        int cells = count * length;
        if (_ids.Length < cells)
        {
            _ids = new long[cells];
            _mask = new long[cells];
            _types = new long[cells]; // token type 0 throughout: single sequences
            _positionIds = new long[cells];
        }
        for (int s = 0; s < count; s++)
        {
            int start = batch.SequenceStart(s), n = batch.SequenceLength(s);
            var row = _ids.AsSpan(s * length, length);
            var mask = _mask.AsSpan(s * length, length);
            for (int t = 0; t < n; t++) { row[t] = batch.Ids[start + t]; mask[t] = 1; }
            row[n..].Clear(); // pad id 0: masked out, so its value does not matter
            mask[n..].Clear();
            var positions = _positionIds.AsSpan(s * length, length);
            for (int t = 0; t < length; t++) positions[t] = t;
        }

        long[] shape = [count, length];
        var memory = OrtMemoryInfo.DefaultInstance;
        var names = new List<string>(4) { "input_ids", "attention_mask" };
        var values = new List<OrtValue>(4)
        {
            OrtValue.CreateTensorValueFromMemory(memory, _ids.AsMemory(0, cells), shape),
            OrtValue.CreateTensorValueFromMemory(memory, _mask.AsMemory(0, cells), shape),
        };
        if (_tokenTypes) { names.Add("token_type_ids"); values.Add(OrtValue.CreateTensorValueFromMemory(memory, _types.AsMemory(0, cells), shape)); }
        if (_positions) { names.Add("position_ids"); values.Add(OrtValue.CreateTensorValueFromMemory(memory, _positionIds.AsMemory(0, cells), shape)); }
        try
        {
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, names, values, [_output]);
            var states = results[0].GetTensorDataAsSpan<float>();
            if (_pooledByGraph) states[..(count * _hidden)].CopyTo(pooled);
            else
                for (int s = 0; s < count; s++)
                    PaddedPooling.Pool(states.Slice(s * length * _hidden, length * _hidden), batch.SequenceLength(s), _hidden, pooling, pooled.Slice(s * _hidden, _hidden));
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public bool IsOutOfMemory(Exception e) =>
        e is OutOfMemoryException || (e is OnnxRuntimeException && e.Message.Contains("Failed to allocate memory", StringComparison.OrdinalIgnoreCase));

    public void Dispose() => _session.Dispose();
}
