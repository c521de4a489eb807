namespace Clustering.Models;

internal static class ShapeText
{
    /// <summary>"(1024, 151669)": how shapes are written in messages.</summary>
    public static string Format(ReadOnlySpan<long> shape)
    {
        if (shape.Length == 0) return "()";
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++) parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "(" + string.Join(", ", parts) + (shape.Length == 1 ? ",)" : ")");
    }
}
