namespace Clustering.Models;

/// <summary>The element types the engine reads from safetensors files. Anything else is refused at load.</summary>
public enum TensorDType
{
    F32,
    F16,
    BF16,
}

internal static class TensorDTypes
{
    /// <summary>Parses the safetensors dtype string ("F32", "F16", "BF16"); false for every other dtype.</summary>
    public static bool TryParse(string text, out TensorDType dtype)
    {
        switch (text)
        {
            case "F32": dtype = TensorDType.F32; return true;
            case "F16": dtype = TensorDType.F16; return true;
            case "BF16": dtype = TensorDType.BF16; return true;
            default: dtype = default; return false;
        }
    }

    public static int SizeInBytes(TensorDType dtype) => dtype == TensorDType.F32 ? 4 : 2;

    public static string Name(TensorDType dtype) => dtype switch
    {
        TensorDType.F32 => "F32",
        TensorDType.F16 => "F16",
        _ => "BF16",
    };

    /// <summary>Every dtype the safetensors format defines, so that a refusal can say "unsupported" rather than "unknown".</summary>
    public static bool IsSafetensorsDType(string text) => text is "BOOL" or "U8" or "I8" or "U16" or "I16" or "U32" or "I32"
        or "U64" or "I64" or "F64" or "F8_E4M3" or "F8_E5M2" or "F8_E8M0" or "F4" or "F6_E2M3" or "F6_E3M2" or "C64"
        or "F32" or "F16" or "BF16";
}
