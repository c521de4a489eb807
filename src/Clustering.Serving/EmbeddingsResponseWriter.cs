using System.Runtime.InteropServices;
using System.Text.Json;

namespace Clustering.Serving;

/// <summary>
/// Writes OpenAI's embeddings response: <c>{"object":"list","data":[{"object":"embedding","index":i,"embedding":...}],
/// "model","usage":{"prompt_tokens","total_tokens"}}</c>. Floats go out in shortest round-trip form (as
/// <c>embedctl encode</c> prints them); base64 is the little-endian float32 bytes, as the openai clients decode it.
/// </summary>
public static class EmbeddingsResponseWriter
{
    public static void Write(Utf8JsonWriter writer, string model, EncodingFormat format, EmbeddingsResult result)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("base64 embeddings are written from little-endian memory");
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        var d = result.Dimensions;
        for (var i = 0; i < result.Count; i++)
        {
            var vector = result.Vectors.AsSpan(i * d, d);
            writer.WriteStartObject();
            writer.WriteString("object", "embedding");
            writer.WriteNumber("index", i);
            if (format == EncodingFormat.Base64)
            {
                writer.WriteBase64String("embedding", MemoryMarshal.AsBytes(vector));
            }
            else
            {
                writer.WriteStartArray("embedding");
                foreach (var x in vector) writer.WriteNumberValue(x);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteString("model", model);
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", result.PromptTokens);
        writer.WriteNumber("total_tokens", result.PromptTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
