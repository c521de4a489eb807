using System.Text;

namespace Clustering.Inference.Cuda.Tests;

/// <summary>
/// Element-wise |actual − expected| ≤ atol + rtol·|expected| and a normalized error ‖actual − expected‖ / ‖expected‖
/// bound; NaN (the poison every output starts as) never passes. The failure names the case, the first bad
/// index and the values.
/// </summary>
internal static class Compare
{
    public static void Close(string what, ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double atol, double rtol, double maxNormalizedError)
    {
        Assert.Equal(expected.Length, actual.Length);
        double diff2 = 0, ref2 = 0;
        var bad = new StringBuilder();
        var badCount = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var e = expected[i];
            var a = (double)actual[i];
            var d = a - e;
            if (double.IsNaN(a) || Math.Abs(d) > atol + rtol * Math.Abs(e))
            {
                if (badCount < 5) bad.Append($" [{i}] expected {e:G6} got {a:G6};");
                badCount++;
            }
            diff2 += double.IsNaN(d) ? double.PositiveInfinity : d * d;
            ref2 += e * e;
        }
        var normalized = Math.Sqrt(diff2) / Math.Max(Math.Sqrt(ref2), 1e-30);
        if (badCount > 0 || !(normalized <= maxNormalizedError))
            Assert.Fail($"{what}: {badCount} of {expected.Length} elements off (atol {atol}, rtol {rtol}),{bad} normalized error {normalized:G3} (limit {maxNormalizedError})");
    }

    public static void Close(string what, ReadOnlySpan<double> expected, ReadOnlySpan<ushort> actualBf16, double atol, double rtol, double maxNormalizedError) =>
        Close(what, expected, Bf16.Widen(actualBf16), atol, rtol, maxNormalizedError);
}
