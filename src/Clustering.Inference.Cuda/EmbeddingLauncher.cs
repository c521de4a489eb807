using Clustering.Inference.Cuda.Native;

namespace Clustering.Inference.Cuda;

/// <summary>Launches embedding.cu: out (tokens, hidden) = table (vocab, hidden)[ids (tokens)].</summary>
public static unsafe class EmbeddingLauncher
{
    public static void Launch(KernelLibrary kernels, CudaStream stream, DevicePtr table, int vocab, int hidden,
        DevicePtr ids, int tokens, DevicePtr output, bool outputFloat32)
    {
        if (tokens == 0) return;
        LaunchChecks.Positive(vocab, nameof(vocab));
        LaunchChecks.Positive(hidden, nameof(hidden));
        var function = kernels.Function(KernelSources.Embedding, outputFloat32 ? "embedding_f32" : "embedding_bf16");
        void** args = stackalloc void*[5];
        args[0] = &table;
        args[1] = &ids;
        args[2] = &output;
        args[3] = &hidden;
        args[4] = &vocab;
        function.Launch(((uint)tokens, 1, 1), 128, 0, stream, args);
    }
}
