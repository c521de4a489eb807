namespace Clustering.Inference.Cuda.Tests;

/// <summary>bf16 on the host for tests: round to nearest even (as the kernels and PyTorch do) and widen exactly.</summary>
internal static class Bf16
{
    public static ushort FromFloat(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) return (ushort)((bits >> 16) | 0x40);
        bits += 0x7fff + ((bits >> 16) & 1);
        return (ushort)(bits >> 16);
    }

    public static float ToFloat(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    public static float Round(float value) => ToFloat(FromFloat(value));

    /// <summary>Random bf16 values, uniform in [-scale, scale) before rounding.</summary>
    public static ushort[] Random(Random random, int count, float scale = 1f)
    {
        var values = new ushort[count];
        for (var i = 0; i < count; i++) values[i] = FromFloat((float)(random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    public static float[] Widen(ReadOnlySpan<ushort> values)
    {
        var result = new float[values.Length];
        for (var i = 0; i < values.Length; i++) result[i] = ToFloat(values[i]);
        return result;
    }
}
